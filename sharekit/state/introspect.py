"""Live account → AccountState, in a fixed number of queries however many views are shared.

At most six round-trips: SHOW SHARES, SHOW GRANTS TO SHARE, SHOW DATABASES, SHOW SCHEMAS and
SHOW VIEWS in the share's database, and one INFORMATION_SCHEMA.COLUMNS query that covers the
share's database and every source database at once (UNION ALL). SHOW GRANTS OF SHARE is added
only when SHOW SHARES' `to` column cannot be read in full. They run concurrently, two deep:
SHOW SHARES and SHOW DATABASES, then everything that needs one of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sharekit import export_objects
from sharekit.config.model import Config
from sharekit.connect.reads import Reads
from sharekit.connect.session import Session
from sharekit.monitor import objects as monitor_objects
from sharekit.sql import identifiers, statements
from sharekit.sql.templates import Templates
from sharekit.state import listing
from sharekit.state.access import read_reader
from sharekit.state.model import AccountState, ColumnState, Grant, ShareState, ViewState
from sharekit.state.paging import show_views

# SHOW SHARES `to` values that are not account lists (listing-attached shares; reference §2.1).
LISTING_MARKERS = ("ALL ACCOUNTS IN DATA EXCHANGE", "TARGETED WITHIN ORGANIZATION")
_ACCOUNT_ENTRY = re.compile(r"[A-Z0-9_]+(\.[A-Z0-9_]+)?\Z")
_TOTAL = re.compile(r"\.\.\.\s*\((\d+)\s+TOTAL\)", re.IGNORECASE)


def cell(value: Any) -> str:
    """A SHOW / INFORMATION_SCHEMA cell as text ('' for NULL)."""
    return "" if value is None else str(value)


def truthy(value: Any) -> bool:
    """SHOW output booleans arrive as 'true'/'false', 'Y'/'N', 'YES'/'NO' or real booleans."""
    if isinstance(value, bool):
        return value
    return cell(value).strip().upper() in ("TRUE", "Y", "YES")


def share_name_of(row: dict[str, Any]) -> str:
    """SHOW SHARES `name`: bare and raw since bundle 2023_05 (a quoted `"MY.SHARE"` comes back as
    MY.SHARE, reference §10), `<owner_account>.SHARE` before, so only that prefix is cut."""
    name, owner = cell(row.get("name")), cell(row.get("owner_account"))
    if owner and name.upper().startswith(owner.upper() + "."):
        return identifiers.parse_stored_qualified(name[len(owner) + 1:])[-1]
    return name


def parse_accounts(to: Any) -> tuple[frozenset[str], bool]:
    """SHOW SHARES `to` → (accounts, complete). Entries are trimmed and upper-cased; a listing
    marker or an entry that is not an account (a truncated tail) makes the list incomplete."""
    accounts, complete = set(), True
    for entry in cell(to).split(","):
        entry = entry.strip().upper()
        if not entry:
            continue
        if any(marker in entry for marker in LISTING_MARKERS) or not _ACCOUNT_ENTRY.match(entry):
            complete = False
            continue
        accounts.add(entry)
    return frozenset(accounts), complete


def parse_grant(row: dict[str, Any]) -> Grant:
    """A SHOW GRANTS TO SHARE row → Grant (granted_on in underscore form, name parts unquoted)."""
    return Grant(
        privilege=cell(row.get("privilege")).upper(),
        object_type=cell(row.get("granted_on")).upper().replace(" ", "_"),
        name=identifiers.parse_stored_qualified(cell(row.get("name"))),
    )


def accounts_of_share(rows: Iterable[dict[str, Any]]) -> frozenset[str]:
    """SHOW GRANTS OF SHARE rows → accounts. No source gives its columns (reference §10): accept
    `grantee_name` or `account`, and only values shaped like an account."""
    accounts = set()
    for row in rows:
        value = cell(row.get("grantee_name") or row.get("account")).strip().upper()
        if _ACCOUNT_ENTRY.match(value):
            accounts.add(value)
    return frozenset(accounts)


def match_locators(accounts: frozenset[str], config: Config) -> tuple[frozenset[str], frozenset[str]]:
    """Live consumers named by legacy locator (reference §10: accounts added by locator are listed
    so) → the declared `ORG.ACCOUNT` with that `locator:`. Returns (accounts, locators that match
    nothing while a declared consumer is unseen): those may be that consumer, so the plan can
    neither add nor remove consumers safely."""
    by_locator = {c.locator: c.account for c in config.share.consumers if c.locator}
    named = frozenset(by_locator.get(account, account) for account in accounts)
    declared = {c.account for c in config.share.consumers}
    unseen = declared - named
    unknown = frozenset(a for a in named if "." not in a and a not in declared)
    return named, unknown if unseen else frozenset()


def listing_marked(to: Any) -> bool:
    """SHOW SHARES `to` names a listing instead of accounts."""
    return any(marker in cell(to).upper() for marker in LISTING_MARKERS)


def listed_total(to: Any) -> int | None:
    """The N of a cut `to` list (`A, B, C, ... (N TOTAL)`), else None."""
    match = _TOTAL.search(cell(to))
    return int(match.group(1)) if match else None


def implied_reference_usage(grants: frozenset[Grant], config: Config) -> frozenset[Grant]:
    """REFERENCE_USAGE grants a listing without any must still hold. UNCONFIRMED whether SHOW
    GRANTS TO SHARE lists them at all (the Terraform provider says they "won't show up", reference
    §10); Snowflake grants SELECT on a shared view that reads another database only after
    REFERENCE_USAGE on it [GPS], so a live SELECT on a declared view proves the grants it needs.
    Used only when the listing has no REFERENCE_USAGE row at all; the plan says so."""
    if any(g.privilege == "REFERENCE_USAGE" for g in grants):
        return frozenset()
    selected = {g.name for g in grants if g.privilege == "SELECT"}
    database = config.share.database
    return frozenset(
        Grant("REFERENCE_USAGE", "DATABASE", (source,))
        for view in config.views if (database, view.schema, view.name) in selected
        for source, _, _ in view.sources if source != database
    )


def share_row(rows: Iterable[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """The SHOW SHARES row of the outbound share `name`, else None."""
    return next(
        (r for r in rows if share_name_of(r) == name and cell(r.get("kind")).upper() == "OUTBOUND"),
        None,
    )


def needs_grants_of(row: dict[str, Any]) -> bool:
    """SHOW GRANTS OF SHARE is read only when SHOW SHARES' `to` cannot be read in full."""
    return not parse_accounts(row.get("to"))[1]


def share_state(
    config: Config, row: dict[str, Any], grant_rows: Iterable[dict[str, Any]],
    of_rows: Iterable[dict[str, Any]] | None,
) -> ShareState:
    """The config's share from its SHOW SHARES row, SHOW GRANTS TO SHARE rows and (when `to` is
    incomplete) SHOW GRANTS OF SHARE rows."""
    name = config.share.name
    grants = frozenset(parse_grant(r) for r in grant_rows)
    implied = implied_reference_usage(grants, config)
    accounts, complete = parse_accounts(row.get("to"))
    if not complete:
        # the full list, from the one other source; complete only if it covers the cut list's
        # total (or, with no total shown, names at least the accounts `to` did)
        accounts_of = accounts_of_share(of_rows or ())
        total = listed_total(row.get("to"))
        complete = len(accounts_of) >= total if total is not None else bool(accounts_of) and accounts <= accounts_of
        # `to` of a share attached to a listing is a marker alone (reference §2.1): SHOW GRANTS OF SHARE
        # then lists the direct consumers, none included (UNCONFIRMED; listing targets: see plan.diff)
        complete = complete or (total is None and not accounts and listing_marked(row.get("to")))
        accounts = accounts_of | accounts
    accounts, unmatched = match_locators(accounts, config)
    complete = complete and not unmatched
    database = cell(row.get("database_name")).strip()
    return ShareState(
        name=name,
        comment=cell(row.get("comment")) or None,
        database=identifiers.parse_stored_qualified(database)[-1] if database else None,
        accounts=accounts,
        grants=grants | implied,
        accounts_complete=complete,
        implied_grants=implied,
        unmatched_locators=unmatched,
    )


def column_scopes(config: Config, databases: frozenset[str]) -> dict[str, set[str]]:
    """database → schemas whose columns matter: the views' schemas and every source's schema."""
    scopes: dict[str, set[str]] = {}
    if config.share.database in databases:
        scopes[config.share.database] = set(config.schemas)
    for view in config.views:
        for database, schema, _ in view.sources:
            if database in databases:
                scopes.setdefault(database, set()).add(schema)
    return scopes


def select_columns(t: Templates, scopes: dict[str, set[str]]) -> str:
    """The one INFORMATION_SCHEMA.COLUMNS query over the given database → schemas."""
    ordered = [(db, sorted(schemas)) for db, schemas in sorted(scopes.items())]
    return t.render("select_columns", scopes=ordered)


def columns_of(rows: Iterable[dict[str, Any]]) -> dict[tuple[str, str, str], tuple[ColumnState, ...]]:
    """INFORMATION_SCHEMA.COLUMNS rows → columns by (database, schema, object)."""
    columns: dict[tuple[str, str, str], list[ColumnState]] = {}
    for row in rows:
        key = (cell(row["TABLE_CATALOG"]), cell(row["TABLE_SCHEMA"]), cell(row["TABLE_NAME"]))
        columns.setdefault(key, []).append(
            ColumnState(cell(row["COLUMN_NAME"]), cell(row.get("COMMENT")) or None, cell(row.get("DATA_TYPE")) or None)
        )
    return {key: tuple(value) for key, value in columns.items()}


def read_columns(
    session: Session, t: Templates, scopes: dict[str, set[str]]
) -> dict[tuple[str, str, str], tuple[ColumnState, ...]]:
    """Columns of every object in the given database → schemas, in one round-trip (none if empty)."""
    if not scopes:
        return {}
    return columns_of(session.query(select_columns(t, scopes)))


def _follow_share(reads: Reads, t: Templates, name: str, rows: list[dict[str, Any]]) -> None:
    row = share_row(rows, name)
    if row is not None:
        reads.send("grants", t.render("show_grants_to_share", share=name))
        if needs_grants_of(row):
            reads.send("grants_of", t.render("show_grants_of_share", share=name))


@dataclass(frozen=True)
class KnownShare:
    """What a caller already read of the config's share (audit does), so introspection does not
    read it again: SHOW SHARES rows, and for the share (None: not found) its SHOW GRANTS TO
    SHARE rows and, when its `to` is incomplete, SHOW GRANTS OF SHARE rows."""

    shares: list[dict[str, Any]]
    grants: list[dict[str, Any]] | None = None
    grants_of: list[dict[str, Any]] | None = None


def introspect(session: Session, config: Config, t: Templates, known: KnownShare | None = None) -> AccountState:
    """Read what the account has for this config's share, in a bounded number of queries.

    The reads run concurrently (`READ_WORKERS` threads): SHOW SHARES and SHOW DATABASES first,
    then, as each answers, SHOW GRANTS TO / OF SHARE, and SHOW SCHEMAS, SHOW VIEWS and the
    columns query: two round-trips on the critical path. The count is what a one-by-one read
    costs; a failure raises the error the one-by-one order would have met first."""
    name, database = config.share.name, config.share.database
    relevant = {database} | {db for view in config.views for db, _, _ in view.sources}
    where = monitor_objects.place(config)  # sharekit.monitor.objects: read only with `monitor:` (or prune)
    relevant |= {where[0]} if where else set()
    relevant |= export_objects.databases_read(config)  # sharekit.export_objects: with `export:` (or prune)
    declared = config.share.listing.name if config.share.listing else None
    reads = Reads(session)
    with reads:
        if known is None:
            reads.send("shares", t.render("show_shares", share=name))
        reads.send("databases", t.render("show_databases"))
        if config.reader:  # sharekit.state.access: its own two waves of reads, alongside these
            reads.call("reader", read_reader, session, config, t)
        if listing.needs_region(config):  # the account's region: the context read doctor makes
            reads.send("context", statements.doctor_context(t))
        if declared or (known is not None and listing.attached_global_name(share_row(known.shares, name))):
            reads.send("listings", statements.show_listings(t, declared))
        for done in reads.as_answered():
            if done == "shares":
                _follow_share(reads, t, name, reads.rows("shares"))
                if not declared and listing.attached_global_name(share_row(reads.rows("shares"), name)):
                    reads.send("listings", statements.show_listings(t))
            elif done == "listings":
                attached = listing.attached_global_name(share_row(known.shares if known else reads.rows("shares"),
                                                                  name)) if not declared else ""
                found = listing.pick_listing(reads.rows("listings"), declared, attached)
                if found is not None:
                    reads.send("listing", statements.describe_listing(t, str(found["name"])))
            elif done == "databases":
                databases = frozenset(cell(r.get("name")) for r in reads.rows("databases")
                                      if cell(r.get("name")) in relevant)
                if database in databases:
                    reads.send("schemas", t.render("show_schemas", database=database))
                    reads.call("views", show_views, session, t, database)  # pages past 10,000 views
                monitor_objects.send_reads(reads, config, t, databases)
                export_objects.send_reads(reads, config, t, databases)
                scopes = column_scopes(config, databases)
                if scopes:
                    reads.send("columns", select_columns(t, scopes))
        if known is None:
            shares_rows = reads.result("shares")
            row = share_row(shares_rows, name)
            grant_rows = reads.result("grants") if row is not None else None
            of_rows = reads.result("grants_of") if row is not None and needs_grants_of(row) else None
        else:
            row, grant_rows, of_rows = share_row(known.shares, name), known.grants, known.grants_of
        share = share_state(config, row, grant_rows or (), of_rows) if row is not None else None
        database_rows = [r for r in reads.result("databases") if cell(r.get("name")) in relevant]
        schema_rows = reads.result("schemas") if "schemas" in reads else []
        all_view_rows = reads.result("views") if "views" in reads else []
        columns = columns_of(reads.result("columns")) if "columns" in reads else {}
        reader = reads.result("reader") if "reader" in reads else None
        region = listing.region_of(reads.result("context")) if "context" in reads else None
        live_listing = None
        if "listing" in reads:
            described = reads.result("listing")
            found = listing.pick_listing(reads.result("listings"), declared, listing.attached_global_name(row))
            live_listing = listing.live_listing(found or {}, described[0] if described else None)
    databases = frozenset(cell(r.get("name")) for r in database_rows)
    # SHOW DATABASES `kind` is IMPORTED DATABASE for one created from a share, `origin` names it
    imported = {cell(r.get("name")): cell(r.get("origin")) or "a share"
                for r in database_rows if "IMPORTED" in cell(r.get("kind")).upper()}
    schemas = frozenset((database, cell(r.get("name"))) for r in schema_rows)
    view_rows = [
        r for r in all_view_rows
        if cell(r.get("database_name")) == database and cell(r.get("schema_name")) in config.schemas
    ]
    views = {}
    for row in view_rows:
        key = (database, cell(row["schema_name"]), cell(row["name"]))
        text = cell(row.get("text"))
        views[key] = ViewState(
            database=key[0],
            schema=key[1],
            name=key[2],
            columns=tuple(columns.get(key, ())),
            comment=cell(row.get("comment")) or None,
            secure=truthy(row.get("is_secure")),
            text=text,
            owner=cell(row.get("owner")) or None,
        )
    monitor = monitor_objects.read_state(config, reads)
    export = export_objects.read_state(config, reads, databases, schemas)
    return AccountState(
        share=share,
        databases=databases,
        schemas=schemas,
        views=views,
        columns=columns,
        imported=imported,
        region=region,
        listing=live_listing,
        reader=reader,
        monitor=monitor,
        export=export,
    )

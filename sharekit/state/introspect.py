"""Live account → AccountState, in a fixed number of queries however many views are shared.

At most six round-trips: SHOW SHARES, SHOW GRANTS TO SHARE, SHOW DATABASES, SHOW SCHEMAS and
SHOW VIEWS in the share's database, and one INFORMATION_SCHEMA.COLUMNS query that covers the
share's database and every source database at once (UNION ALL). SHOW GRANTS OF SHARE is added
only when SHOW SHARES' `to` column cannot be read in full.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sharekit.config.model import Config
from sharekit.connect.session import Session
from sharekit.sql import identifiers
from sharekit.sql.templates import Templates
from sharekit.state.model import AccountState, ColumnState, Grant, ShareState, ViewState

# SHOW SHARES `to` values that are not account lists (listing-attached shares; reference §2.1).
LISTING_MARKERS = ("ALL ACCOUNTS IN DATA EXCHANGE", "TARGETED WITHIN ORGANIZATION")
_ACCOUNT_ENTRY = re.compile(r"[A-Z0-9_]+(\.[A-Z0-9_]+)?\Z")


def cell(value: Any) -> str:
    """A SHOW / INFORMATION_SCHEMA cell as text ('' for NULL)."""
    return "" if value is None else str(value)


def truthy(value: Any) -> bool:
    """SHOW output booleans arrive as 'true'/'false', 'Y'/'N', 'YES'/'NO' or real booleans."""
    if isinstance(value, bool):
        return value
    return cell(value).strip().upper() in ("TRUE", "Y", "YES")


def share_name_of(row: dict[str, Any]) -> str:
    """SHOW SHARES `name` is bare since bundle 2023_05, `ORG.ACCOUNT.SHARE` before: keep the last part."""
    return identifiers.parse_stored_qualified(cell(row.get("name")))[-1]


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


# UNCONFIRMED (reference §2.2): that SHOW GRANTS TO SHARE lists REFERENCE_USAGE rows like any other
# grant. If a real account omits them, every plan would re-grant REFERENCE_USAGE; the fix is here,
# e.g. by reading DESC SHARE or counting REFERENCE_USAGE as present once the share's USAGE is.
def parse_grant(row: dict[str, Any]) -> Grant:
    """A SHOW GRANTS TO SHARE row → Grant (granted_on in underscore form, name parts unquoted)."""
    return Grant(
        privilege=cell(row.get("privilege")).upper(),
        object_type=cell(row.get("granted_on")).upper().replace(" ", "_"),
        name=identifiers.parse_stored_qualified(cell(row.get("name"))),
    )


def accounts_of_share(rows: Iterable[dict[str, Any]]) -> frozenset[str]:
    """SHOW GRANTS OF SHARE rows → accounts. Column names UNCONFIRMED (reference §2.3): accept
    `grantee_name` or `account`."""
    accounts = set()
    for row in rows:
        value = cell(row.get("grantee_name") or row.get("account")).strip().upper()
        if value:
            accounts.add(value)
    return frozenset(accounts)


def _share_state(session: Session, t: Templates, name: str) -> ShareState | None:
    rows = session.query(t.render("show_shares", share=name))
    row = next(
        (r for r in rows if share_name_of(r) == name and cell(r.get("kind")).upper() == "OUTBOUND"),
        None,
    )
    if row is None:
        return None
    grants = frozenset(parse_grant(r) for r in session.query(t.render("show_grants_to_share", share=name)))
    accounts, complete = parse_accounts(row.get("to"))
    if not complete:
        accounts = accounts_of_share(session.query(t.render("show_grants_of_share", share=name)))
        complete = True
    database = cell(row.get("database_name")).strip()
    return ShareState(
        name=name,
        comment=cell(row.get("comment")) or None,
        database=identifiers.parse_stored_qualified(database)[-1] if database else None,
        accounts=accounts,
        grants=grants,
        accounts_complete=complete,
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


def read_columns(
    session: Session, t: Templates, scopes: dict[str, set[str]]
) -> dict[tuple[str, str, str], tuple[ColumnState, ...]]:
    """Columns of every object in the given database → schemas, in one round-trip (none if empty)."""
    if not scopes:
        return {}
    ordered = [(db, sorted(schemas)) for db, schemas in sorted(scopes.items())]
    columns: dict[tuple[str, str, str], list[ColumnState]] = {}
    for row in session.query(t.render("select_columns", scopes=ordered)):
        key = (cell(row["TABLE_CATALOG"]), cell(row["TABLE_SCHEMA"]), cell(row["TABLE_NAME"]))
        columns.setdefault(key, []).append(
            ColumnState(cell(row["COLUMN_NAME"]), cell(row.get("COMMENT")) or None, cell(row.get("DATA_TYPE")) or None)
        )
    return {key: tuple(value) for key, value in columns.items()}


def introspect(session: Session, config: Config, t: Templates) -> AccountState:
    """Read what the account has for this config's share, in a bounded number of queries."""
    share = _share_state(session, t, config.share.name)
    database = config.share.database
    relevant = {database} | {db for view in config.views for db, _, _ in view.sources}
    databases = frozenset(
        name for name in (cell(r.get("name")) for r in session.query(t.render("show_databases")))
        if name in relevant
    )
    schemas: frozenset[tuple[str, str]] = frozenset()
    view_rows: list[dict[str, Any]] = []
    if database in databases:
        schemas = frozenset(
            (database, cell(r.get("name"))) for r in session.query(t.render("show_schemas", database=database))
        )
        view_rows = [
            r for r in session.query(t.render("show_views", database=database))
            if cell(r.get("database_name")) == database and cell(r.get("schema_name")) in config.schemas
        ]
    columns = read_columns(session, t, column_scopes(config, databases))
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
        )
    return AccountState(
        share=share,
        databases=databases,
        schemas=schemas,
        views=views,
        columns=columns,
    )

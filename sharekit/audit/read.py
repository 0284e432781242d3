"""Reading every outbound share: a fixed number of queries plus one per share, the per-share
reads `AUDIT_WORKERS` at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sharekit.audit.report import COLUMN_KINDS, VIEW_KINDS, SharedObject
from sharekit.connect.reads import run_all
from sharekit.connect.session import Session
from sharekit.errors import SharekitError
from sharekit.sql import identifiers, statements
from sharekit.sql.templates import Templates
from sharekit.state import paging
from sharekit.state.introspect import (  # read SHOW output exactly as `plan` reads it
    LISTING_MARKERS,
    accounts_of_share,
    cell,
    needs_grants_of,
    parse_accounts,
    parse_grant,
    read_columns,
    share_name_of,
    truthy,
)
from sharekit.state.listing import ListingState, attached_global_name, live_listing, pick_listing
from sharekit.state.model import ColumnState, Grant

# --- reading the account -----------------------------------------------------------------------

@dataclass(frozen=True)
class LiveShare:
    name: str
    row: dict[str, Any]
    grants: tuple[Grant, ...]
    accounts: frozenset[str]
    parsed_complete: bool  # SHOW SHARES' `to` read in full
    listing: bool
    read_grants_of: bool  # SHOW GRANTS OF SHARE was asked and answered with accounts


def outbound_rows(session: Session, t: Templates, share: str | None, missing_ok: bool = False) -> list[dict[str, Any]]:
    if share is None:
        rows = session.query(t.render("show_all_shares"))
    else:  # LIKE also matches `_` as a wildcard: re-check the name exactly
        rows = [r for r in session.query(t.render("show_shares", share=share)) if share_name_of(r) == share]
    outbound = [r for r in rows if cell(r.get("kind")).upper() == "OUTBOUND"]
    if share is not None and not outbound and not (missing_ok and not rows):
        inbound = " (it is an INBOUND share, shared with this account)" if rows else ""
        raise SharekitError(
            f"no outbound share named {identifiers.quote(share)} in this account{inbound}; "
            "run `sharekit audit` without --share to list every outbound share"
        )
    return sorted(outbound, key=share_name_of)


AUDIT_WORKERS = 8  # shares read concurrently


@dataclass(frozen=True)
class ShareReads:
    """The raw per-share reads: SHOW GRANTS TO SHARE rows, and SHOW GRANTS OF SHARE rows when
    SHOW SHARES' `to` is incomplete (else None)."""

    row: dict[str, Any]
    grants: list[dict[str, Any]]
    grants_of: list[dict[str, Any]] | None


def read_shares(session: Session, t: Templates, rows: list[dict[str, Any]],
                workers: int = AUDIT_WORKERS) -> list[ShareReads]:
    """The per-share reads of every outbound share, `workers` round-trips at a time (the
    count is the same as one by one: GRANTS TO per share, GRANTS OF where `to` is cut)."""
    calls: list[Callable[[], list[dict[str, Any]]]] = []
    for row in rows:
        name = share_name_of(row)
        calls.append(partial(session.query, t.render("show_grants_to_share", share=name)))
        if needs_grants_of(row):
            calls.append(partial(session.query, t.render("show_grants_of_share", share=name)))
    answers = iter(run_all(session, calls, workers))
    return [ShareReads(row, next(answers), next(answers) if needs_grants_of(row) else None) for row in rows]


def live_share(reads: ShareReads) -> LiveShare:
    row = reads.row
    grants = tuple(sorted(parse_grant(r) for r in reads.grants))
    to = cell(row.get("to"))
    accounts, complete = parse_accounts(to)
    listing = any(marker in to.upper() for marker in LISTING_MARKERS) or bool(attached_global_name(row))
    read_of = False
    if reads.grants_of is not None:
        more = accounts_of_share(reads.grants_of)
        read_of = bool(more)
        accounts = accounts | more
    return LiveShare(share_name_of(row), row, grants, accounts, complete, listing, read_of)


def read_listings(session: Session, t: Templates, rows: list[dict[str, Any]],
                  workers: int = AUDIT_WORKERS) -> dict[str, ListingState]:
    """share name → the listing it is attached to (SHOW SHARES `listing_global_name`): SHOW
    LISTINGS once, then DESCRIBE LISTING per attached listing (its targets and refresh); no
    query when no share is attached to one."""
    attached = {attached_global_name(row): share_name_of(row) for row in rows if attached_global_name(row)}
    if not attached:
        return {}
    listings = session.query(statements.show_listings(t))
    found = {share: row for global_name, share in attached.items()
             if (row := pick_listing(listings, None, global_name)) is not None}
    described = run_all(session, [partial(session.query, statements.describe_listing(t, str(row["name"])))
                                  for row in found.values()], workers)
    return {share: live_listing(row, rows_[0] if rows_ else None)
            for (share, row), rows_ in zip(found.items(), described, strict=True)}


def read_share(session: Session, t: Templates, row: dict[str, Any]) -> LiveShare:
    return live_share(read_shares(session, t, [row], workers=1)[0])


def view_rows(session: Session, t: Templates, databases: set[str],
              workers: int = AUDIT_WORKERS) -> dict[tuple[str, str, str], dict[str, Any]]:
    """SHOW VIEWS rows of the shared databases by (database, schema, name): SHOW VIEWS IN ACCOUNT,
    or, when the account refuses it past the SHOW row cap (or returns a full page, which may be
    cut short), each shared database, paged as plan pages it (sharekit.state.paging)."""
    try:
        rows = session.query(t.render("show_views_in_account"))
    except Exception as error:
        if not paging.refused_as_too_large(error):
            raise
        rows = None
    if rows is None or len(rows) >= paging.SHOW_MAX_ROWS:
        pages = run_all(session, [partial(paging.show_views, session, t, db) for db in sorted(databases)], workers)
        rows = [r for page in pages for r in page]
    found = {}
    for row in rows:
        key = (cell(row.get("database_name")), cell(row.get("schema_name")), cell(row.get("name")))
        if key[0] in databases:
            found[key] = row
    return found


def column_rows(
    session: Session, t: Templates, keys: Iterable[tuple[str, ...]]
) -> dict[tuple[str, str, str], tuple[ColumnState, ...]]:
    """Columns of the shared objects: one INFORMATION_SCHEMA.COLUMNS query over their schemas."""
    scopes: dict[str, set[str]] = {}
    for key in keys:
        scopes.setdefault(key[0], set()).add(key[1])
    return read_columns(session, t, scopes)


def shared_objects(live: LiveShare, views: dict, columns: dict) -> tuple[SharedObject, ...]:
    objects = []
    for grant in live.grants:
        key = tuple(grant.name)
        secure, cols = None, None
        if grant.object_type in COLUMN_KINDS and len(key) == 3:
            cols = columns.get(key)
            if grant.object_type in VIEW_KINDS:
                row = views.get(key)
                secure = None if row is None else truthy(row.get("is_secure"))
            else:
                secure = False
        objects.append(SharedObject(grant.privilege, grant.object_type, key, secure, cols))
    rank = {"DATABASE": 0, "SCHEMA": 1}
    return tuple(sorted(objects, key=lambda o: (rank.get(o.kind, 2), o.privilege != "USAGE", o.parts, o.kind)))

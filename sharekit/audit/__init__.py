"""`sharekit audit`: every outbound share, who reads it, what it exposes, and what is wrong.

    report = audit(session, t)                         # no config: security findings only
    report = audit(session, t, config=load_config(p))  # + drift, unmanaged shares, declared consumers

Queries: a fixed number plus one per audited share, never one per object —

- SHOW SHARES (SHOW SHARES LIKE with `share=`);
- SHOW GRANTS TO SHARE, once per outbound share;
- SHOW GRANTS OF SHARE, only for a share whose `to` is a listing marker or cut short;
- SHOW VIEWS IN ACCOUNT, once, when a share grants a view or table (its `is_secure`); SHOW output
  stops at 10,000 rows, and a full page falls back to SHOW VIEWS IN DATABASE per shared database;
- one INFORMATION_SCHEMA.COLUMNS query, UNION ALL over the shared databases, for column lists;
- SHOW LISTINGS once, and DESCRIBE LISTING per listing a share is attached to (SHOW SHARES
  `listing_global_name`), only when some share is: the listing's targets and refresh;
- with a config whose share is audited: `introspect`'s own queries but SHOW SHARES and SHOW
  GRANTS TO / OF SHARE, which it takes from the reads above (so at most four more), and drift is
  exactly the diff `plan` computes (`build_plan`).

The per-share reads run `AUDIT_WORKERS` (8) at a time; SHOW VIEWS, the columns query and the
config's introspection then run concurrently.

Findings (id: severity) — each names the share, the object and what to do:

- `object.not_secure`: error for a shared non-secure view; warning for a shared table (consumers
  read every column, including columns added later), which Snowflake allows on purpose.
- `share.empty`, `share.no_consumers`, `share.unmanaged` (with a config), `share.listing`,
  `share.truncated_accounts`: warnings.
- `consumer.unexpected`: error. A consumer is expected when the config declares it (on any share:
  a declared consumer is a known account) or `allow_accounts` lists it; with neither, consumers
  are not judged (`AuditReport.consumers_checked` is False). On the config's own share an
  undeclared consumer is reported once: `consumer.unexpected`, or `drift.consumer_extra`
  (warning) when `allow_accounts` lists it.
- `drift.*` (config's share only): `share_missing`, `database`, `database_missing`,
  `schema_missing`, `view_missing`, `view_changed`, `grant_missing`, `grant_extra`,
  `consumer_missing`: errors; `view_changed` is a warning when only comments differ;
  `view_extra` (an undeclared view in a managed schema) and `comment`: warnings.
- `last_updated.*`, `source.missing`, `column.missing`, `identifier.case_sensitive` for the
  config's declared views: `checks.structural_checks`, unchanged. Other shared views and tables
  get metadata-only heuristics, all warnings (nobody said they are for Optimove):
  no column named LASTUPDATED in any case → `last_updated.missing`; only a mixed-case one →
  `identifier.case_sensitive`; not a TIMESTAMP_NTZ/LTZ/TZ → `last_updated.type`.
- `pii.exposed`: warning, see `pii_category`. Columns computed by `expr:` in the config count as
  masked; `allow_columns` (`DB.SCHEMA.VIEW.COLUMN`, `SCHEMA.VIEW.COLUMN` or `VIEW.COLUMN`)
  acknowledges one. Masking policies on columns are not read (UNCONFIRMED how to, cheaply).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from sharekit.audit.drift import managed_findings
from sharekit.audit.judge import Judge
from sharekit.audit.pii import parse_allowed_account, parse_allowed_column, pii_category
from sharekit.audit.read import (
    column_rows,
    live_share,
    outbound_rows,
    read_listings,
    read_shares,
    shared_objects,
    view_rows,
)
from sharekit.audit.report import (
    COLUMN_KINDS,
    SHOW_ROW_LIMIT,
    AuditReport,
    SharedObject,
    ShareReport,
)
from sharekit.checks.findings import Finding, rank
from sharekit.config.model import Config
from sharekit.connect.reads import run_all
from sharekit.connect.session import Session
from sharekit.sql import identifiers
from sharekit.sql.templates import Templates
from sharekit.state.introspect import KnownShare, cell, share_name_of

__all__ = ["SHOW_ROW_LIMIT", "AuditReport", "Finding", "ShareReport", "SharedObject", "audit",
           "parse_allowed_account", "parse_allowed_column", "pii_category"]


# --- the audit ---------------------------------------------------------------------------------



def _sorted(findings: Iterable[Finding], by_share: bool = False) -> tuple[Finding, ...]:
    """Errors first, then by id and object (and share first within a severity, across shares)."""
    return tuple(sorted(findings, key=lambda f: (rank(f.severity), f.share if by_share else "",
                                                 f.id, f.object, f.message)))


def audit(
    session: Session,
    t: Templates,
    config: Config | None = None,
    share: str | None = None,
    allow_accounts: Iterable[str] = (),
    allow_columns: Iterable[str] = (),
) -> AuditReport:
    """Audit every outbound share (or the one named by its stored name) in a fixed number of
    queries plus one per share; see the module docstring for the findings."""
    allowed_accounts = frozenset(parse_allowed_account(a) for a in allow_accounts)
    allowed_columns = tuple(parse_allowed_column(c) for c in allow_columns)
    before, started = session.round_trips, time.perf_counter()

    declared = config is not None and share == config.share.name  # if missing: drift.share_missing
    rows = outbound_rows(session, t, share, missing_ok=declared)
    per_share = read_shares(session, t, rows)  # AUDIT_WORKERS at a time
    lives = [live_share(reads) for reads in per_share]
    shared = {tuple(g.name) for live in lives for g in live.grants
              if g.object_type in COLUMN_KINDS and len(g.name) == 3}

    judge = Judge(t, config, allowed_accounts, allowed_columns)
    extra: dict[str, list[Finding]] = {}  # findings of the config's share from plan and checks
    calls: list[Callable[[], Any]] = [
        partial(view_rows, session, t, {key[0] for key in shared}) if shared else dict,
        partial(column_rows, session, t, shared),
        partial(read_listings, session, t, rows),  # no query unless a share is attached to a listing
    ]
    if config is not None and share in (None, config.share.name):
        # introspection reuses the SHOW SHARES / GRANTS rows read above rather than read them again
        mine = next((r for r in per_share if share_name_of(r.row) == config.share.name), None)
        known = KnownShare(rows, mine.grants if mine else None, mine.grants_of if mine else None)
        calls.append(partial(managed_findings, session, t, config, known))
    views, columns, listings, *managed = run_all(session, calls)  # independent: concurrently
    if config is not None and managed:
        extra[config.share.name] = managed[0]

    reports = []
    for live in lives:
        objects = shared_objects(live, views, columns)
        findings = judge.share(live, objects) + extra.pop(live.name, [])
        listing = listings.get(live.name)
        if listing is not None and config is not None and config.share.listing is not None \
                and (live.name, listing.name) == (config.share.name, config.share.listing.name):
            findings = [f for f in findings if f.id != "share.listing"]  # the declared listing: read, not unknown
        database = cell(live.row.get("database_name")).strip()
        reports.append(ShareReport(
            name=live.name,
            database=identifiers.parse_stored_qualified(database)[-1] if database else None,
            comment=cell(live.row.get("comment")) or None,
            consumers=tuple(sorted(live.accounts)),
            consumers_complete=not live.listing and (live.parsed_complete or live.read_grants_of),
            listing=live.listing,
            managed=judge.managed(live.name),
            objects=objects,
            findings=_sorted(findings),
            listing_state=listings.get(live.name),
        ))
    orphans = [f for findings in extra.values() for f in findings]  # a declared share that does not exist
    stats = {"queries": session.round_trips - before, "seconds": round(time.perf_counter() - started, 3)}
    return AuditReport(
        shares=tuple(reports),
        findings=_sorted(orphans + [f for r in reports for f in r.findings], by_share=True),
        config=config.path if config else None,
        consumers_checked=judge.checked,
        stats=stats,
    )

"""`sharekit handoff`: what Optimove's onboarding needs from the customer, read from the account.

Optimove's page says to give the share's details to the PM/CSM. This gathers them in one place:
the provider account (organisation, account name, locator, region), the share and its listing,
the database, and per view the Optimove table it feeds, its key, its LastUpdated column with its
type and what that type means for time zones, its columns with their types and its row count,
and the check status at the time of the handoff (the whole of `sharekit check --data`).

Reads: one SELECT of the context functions, sent while the account's metadata is read (the
introspection of `plan`, a fixed number of queries), then the data checks (one query per 50
views, sent concurrently): the same reads whatever the number of views, but for that one.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sharekit.access import connection_facts
from sharekit.checks.doctor_model import read_context
from sharekit.checks.findings import Finding
from sharekit.checks.run import CheckReport, order, run_checks
from sharekit.checks.spec import OptimoveSpec, base_type
from sharekit.checks.structural import view_label
from sharekit.config.model import Config, View
from sharekit.connect.reads import Reads
from sharekit.connect.session import Session
from sharekit.plan.diff import diff
from sharekit.sql import identifiers, statements
from sharekit.sql.templates import Templates
from sharekit.state.desired import desired_state
from sharekit.state.introspect import introspect
from sharekit.state.model import AccountState

# What a LastUpdated type means to Optimove's incremental filter (its watermark is a UTC time).
TIME_ZONE_MEANING = {
    "TIMESTAMP_NTZ": "wall-clock time without a zone: it must be written in UTC",
    "TIMESTAMP_LTZ": "an instant in time (stored in UTC, shown in the session's time zone)",
    "TIMESTAMP_TZ": "an instant in time with its UTC offset",
    "DATE": "a day without a time: changes within a day are seen once the day is loaded",
}


@dataclass(frozen=True)
class Provider:
    organization: str | None
    account: str | None
    locator: str | None
    region: str | None

    @property
    def identifier(self) -> str | None:
        """ORG.ACCOUNT, as Optimove names the provider account."""
        return f"{self.organization}.{self.account}" if self.organization and self.account else None

    @property
    def host(self) -> str | None:
        """The account URL a client connects to: `<org>-<account>.snowflakecomputing.com`
        (Snowflake's account identifier documentation)."""
        if not (self.organization and self.account):
            return None
        return f"{self.organization}-{self.account}.snowflakecomputing.com".lower()


@dataclass(frozen=True)
class ViewFacts:
    schema: str
    name: str
    kind: str
    optimove_vertical: str | None
    optimove_table: str | None
    primary_key: tuple[str, ...]
    last_updated: str | None  # the column, when the live view has it
    last_updated_type: str | None
    columns: tuple[tuple[str, str | None], ...]  # (name, data type) as the live view has them
    rows: int | None  # None: the data could not be read (see the checks)

    @property
    def time_zone(self) -> str | None:
        return TIME_ZONE_MEANING.get(base_type(self.last_updated_type) or "")


@dataclass(frozen=True)
class Handoff:
    provider: Provider
    share: str
    database: str
    consumers: tuple[str, ...]
    listing: str | None
    listing_global_name: str | None
    ready_by_utc: str | None
    views: tuple[ViewFacts, ...]
    checks: CheckReport
    reader: dict[str, Any] | None = None  # `reader:`: how Optimove's ETL connects (sharekit.access)
    generated_at: str = ""  # when the account was read, UTC: the checks are true as of then
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        return bool(self.checks.blocking)

    def to_json(self) -> dict[str, Any]:
        p = self.provider
        return {
            "provider": {"organization": p.organization, "account": p.account, "identifier": p.identifier,
                         "locator": p.locator, "region": p.region},
            "share": self.share,
            "consumers": list(self.consumers),
            "listing": None if self.listing is None
            else {"name": self.listing, "global_name": self.listing_global_name},
            "database": self.database,
            "ready_by_utc": self.ready_by_utc,
            "reader": self.reader,
            "generated_at": self.generated_at,
            "views": [
                {
                    "schema": v.schema,
                    "name": v.name,
                    "optimove_vertical": v.optimove_vertical,
                    "optimove_table": v.optimove_table,
                    "kind": v.kind,
                    "primary_key": list(v.primary_key),
                    "last_updated": None if v.last_updated is None
                    else {"column": v.last_updated, "type": v.last_updated_type, "time_zone": v.time_zone},
                    "columns": [{"name": name, "type": data_type} for name, data_type in v.columns],
                    "rows": v.rows,
                }
                for v in self.views
            ],
            "checks": {
                "status": "error" if self.checks.blocking else "warning" if self.checks.warnings else "ok",
                "errors": len(self.checks.blocking),
                "warnings": len(self.checks.warnings),
                "findings": [f.to_json() for f in self.checks.findings],
                "skipped_checks": list(self.checks.skipped_checks),
            },
            "stats": self.stats,
        }


def view_facts(config: Config, view: View, actual: AccountState, rows: dict[str, int]) -> ViewFacts:
    key = (config.share.database, view.schema, view.name)
    live = tuple((c.name, c.data_type) for c in actual.columns.get(key, ()))
    types = dict(live)
    has_last_updated = view.last_updated in types
    return ViewFacts(
        schema=view.schema,
        name=view.name,
        kind=view.kind,
        optimove_vertical=view.optimove.vertical if view.optimove else None,
        optimove_table=view.optimove.table if view.optimove else None,
        primary_key=view.primary_key,
        last_updated=view.last_updated if has_last_updated else None,
        last_updated_type=types.get(view.last_updated) if has_last_updated else None,
        columns=live,
        rows=rows.get(view_label(config, view)),
    )


def pending(config: Config, actual: AccountState, t: Templates) -> list[Finding]:
    """`handoff.pending` errors: what Optimove would not find, because the account is behind the
    config (the share, a view, a grant or a consumer not applied yet)."""
    share = identifiers.quote(config.share.name)
    fix = "run `sharekit plan`, then `sharekit apply`, and hand off again"
    delta = diff(config, desired_state(config, t, actual.region), actual)
    if delta.share_missing:
        return [Finding("handoff.pending", "error", share, f"share {share} does not exist in the account: {fix}")]
    findings = [
        Finding("handoff.pending", "error", view_label(config, view),
                f"view {view_label(config, view)} is "
                f"{'not in the account' if state == 'missing' else 'not as the config says'}: {fix}")
        for view in config.views
        if (state := delta.view_status((config.share.database, view.schema, view.name))) != "current"
    ]
    if delta.grants_missing:
        findings.append(Finding("handoff.pending", "error", share,
                                f"{len(delta.grants_missing)} grant(s) to share {share} are missing, so Optimove "
                                f"cannot read every view: {fix}"))
    listing = delta.listing
    if listing is not None and listing.desired is not None and (listing.actual is None or listing.targets_added):
        name = identifiers.quote(listing.desired.name)
        missing = ", ".join(listing.targets_added)
        findings.append(Finding("handoff.pending", "error", name,
                                f"listing {name} " + ("does not exist yet" if listing.actual is None
                                                      else f"does not target {missing} yet") + f": {fix}"))
    if delta.accounts_missing and delta.accounts_complete:
        findings.append(Finding("handoff.pending", "error", share,
                                f"share {share} is not shared with {', '.join(delta.accounts_missing)} yet: {fix}"))
    return findings


def gather(config: Config, session: Session, t: Templates, spec: OptimoveSpec | None = None,
           skip_checks: tuple[str, ...] = ()) -> Handoff:
    """Read everything the handoff says; the checks are `check --data`'s."""
    before, now = session.round_trips, datetime.now(UTC)
    with Reads(session) as reads:
        reads.send("context", statements.doctor_context(t))
        reads.call("state", introspect, session, config, t)
        list(reads.as_answered())
        context = read_context(reads.result("context")[0])
        actual: AccountState = reads.result("state")
    report = run_checks(config, session, t, data=True, spec=spec, skip_checks=skip_checks, actual=actual)
    extra = [f for f in pending(config, actual, t) if f.id not in skip_checks]
    if extra:
        report = dataclasses.replace(report, findings=order([*extra, *report.findings], report.views))
    provider = Provider(context["ORGANIZATION_NAME"], context["ACCOUNT_NAME"], context["ACCOUNT_LOCATOR"],
                        context["REGION_NAME"])
    share = config.share
    return Handoff(
        provider=provider,
        share=share.name,
        database=share.database,
        consumers=tuple(c.account for c in share.consumers),
        listing=share.listing.name if share.listing else None,
        # the name a consumer in another region finds the listing by (SHOW LISTINGS `global_name`)
        listing_global_name=actual.listing.global_name or None if share.listing and actual.listing else None,
        ready_by_utc=share.ready_by_utc,
        views=tuple(view_facts(config, view, actual, report.rows) for view in config.views),
        checks=report,
        reader=connection_facts(config, provider.host or "<org>-<account>.snowflakecomputing.com")
        if config.reader else None,
        generated_at=now.strftime("%Y-%m-%d %H:%M UTC"),
        stats={"queries": session.round_trips - before},
    )

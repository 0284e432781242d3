"""Desired vs actual → a frozen Plan: ordered stages of changes, each with its exact SQL.

The same stages are shown by `plan` and run by `apply`, so the two cannot disagree. Order:
destructive steps first and in reverse (consumers removed, then grants revoked from the most
specific up, then views dropped), then databases, schemas, views, the share, USAGE,
REFERENCE_USAGE, SELECT, and consumers last, so a consumer never sees a half-built share.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sharekit import export_objects
from sharekit.checks.findings import Finding
from sharekit.config.model import Config
from sharekit.errors import PlanError
from sharekit.monitor import objects as monitor_objects
from sharekit.plan.access import reader_stages
from sharekit.plan.definition import Change, Plan, Stage
from sharekit.plan.diff import Diff, diff
from sharekit.plan.listing import cross_region_findings, listing_changes, no_target_findings
from sharekit.sql import identifiers, statements
from sharekit.sql.templates import Templates
from sharekit.state.model import AccountState, Grant

# Object grants sharekit may revoke (with prune); others (e.g. DATABASE_ROLE) are only listed.
REVOCABLE = frozenset({"DATABASE", "SCHEMA", "VIEW", "TABLE", "MATERIALIZED_VIEW", "EXTERNAL_TABLE",
                       "ICEBERG_TABLE", "DYNAMIC_TABLE"})


def fingerprint(state: AccountState) -> str:
    """A digest of the observed state: a saved plan applies only to the state it was made from."""
    share = state.share
    canonical = {
        "share": None
        if share is None
        else {
            "name": share.name,
            "comment": share.comment,
            "database": share.database,
            "accounts": sorted(share.accounts),
            "grants": sorted(map(_grant_key, share.grants)),
        },
        "databases": sorted(state.databases),
        "schemas": sorted(map(list, state.schemas)),
        "views": {
            ".".join(key): [v.text, v.comment, v.secure, [[c.name, c.comment] for c in v.columns]]
            for key, v in sorted(state.views.items())
        },
    }
    if state.listing is not None:  # only with a listing, so other configs keep their fingerprints
        canonical["listing"] = [*state.listing.comparable, state.listing.share, state.listing.published]
    if state.reader is not None:  # only with `reader:`, so other configs keep their fingerprints
        canonical["reader"] = state.reader.canonical()
    if state.monitor is not None:  # only when read (`monitor:`, or prune), likewise
        canonical["monitor"] = monitor_objects.fingerprint_part(state.monitor)
    if state.export is not None:  # only when read (`export:`, or prune), likewise
        canonical["export"] = export_objects.fingerprint_part(state.export)
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()
    return f"sha256:{digest}"


def _grant_key(g: Grant) -> list[str]:
    return [g.privilege, g.object_type, *g.name]


def grant_display(g: Grant) -> str:
    return f"{g.privilege} on {g.object_type.replace('_', ' ')} {identifiers.fqn(*g.name)}"


def _grant_level(g: Grant) -> str:
    """Revokes run from the most specific grant up: objects, REFERENCE_USAGE, schemas, database."""
    if g.object_type == "DATABASE":
        return "reference" if g.privilege == "REFERENCE_USAGE" else "database"
    return "schema" if g.object_type == "SCHEMA" else "object"


def database_conflict(share: str, live_database: str) -> str:
    """Why a plan cannot move a share to another database without prune, and the two ways out."""
    return (
        f"share {identifiers.quote(share)} already uses database "
        f"{identifiers.quote(live_database)}, and a share can use only one; change share.database to "
        f"{identifiers.quote(live_database)}, or set `share.prune: true` to move it (consumers lose access meanwhile)"
    )


def _unmanaged_findings(config: Config, grants: list[Grant], accounts: list[str],
                        views: list[tuple[str, str, str]]) -> list[Finding]:
    """What someone else made readable through the share, as warnings a CI gate can see: the plan
    leaves them alone, so without these a plan said "No changes" while others could read data."""
    share = identifiers.quote(config.share.name)
    fix = "or set `share.prune: true` and run `sharekit apply --allow-destroy` to remove it"
    findings = [
        Finding("unmanaged.consumer", "warning", account,
                f"{account} can read share {share} but is not declared in {config.path}: declare it in "
                f"share.consumers, {fix}")
        for account in accounts
    ]
    findings += [
        Finding("unmanaged.grant", "warning", identifiers.fqn(*g.name),
                f"{grant_display(g)} is granted to share {share} but not declared in {config.path}: "
                f"consumers can read it; declare it, {fix}")
        for g in grants
    ]
    findings += [
        Finding("unmanaged.view", "warning", identifiers.fqn(*key),
                f"view {identifiers.fqn(*key)} is granted to share {share} but not declared in {config.path}: "
                f"declare it, {fix}")
        for key in views
    ]
    return findings


def _unreadable_findings(config: Config, actual: AccountState, delta: Diff) -> list[Finding]:
    """What the account would not show in full, so the plan could not judge it."""
    share = identifiers.quote(config.share.name)
    findings = []
    locators = sorted(actual.share.unmatched_locators) if actual.share else []
    if locators:
        findings.append(Finding(
            "share.consumer_locators", "warning", share,
            f"Snowflake lists consumers of share {share} by legacy locator ({', '.join(locators)}), which "
            f"sharekit cannot match to the ORG.ACCOUNT names in {config.path}, so the plan adds and removes no "
            "consumer; add `locator: <LOCATOR>` to each consumer entry (SELECT CURRENT_ACCOUNT() in the "
            "consumer account gives it)"))
    elif not delta.accounts_complete:
        unconfirmed = ", ".join(delta.accounts_missing) or "none"
        findings.append(Finding(
            "share.consumers_unreadable", "warning", share,
            f"sharekit could not read every consumer of share {share} (SHOW SHARES cuts its list and SHOW "
            "GRANTS OF SHARE did not give the rest), so the plan adds and removes no consumer; not seen: "
            f"{unconfirmed}. Run with a role that owns the share, or check with SHOW GRANTS OF SHARE {share}"))
    implied = actual.share.implied_grants if actual.share else frozenset()
    if implied:
        findings.append(Finding(
            "share.reference_usage_unlisted", "warning", share,
            f"SHOW GRANTS TO SHARE lists no REFERENCE_USAGE for share {share}: sharekit counts "
            f"{', '.join(grant_display(g) for g in sorted(implied))} as granted, since the views that read "
            "those databases are granted (Snowflake requires it first); it cannot see, and so never revokes, "
            "a REFERENCE_USAGE no view needs any more"))
    return findings


def build_plan(
    config: Config, desired: AccountState, actual: AccountState, t: Templates, stats: dict[str, Any] | None = None
) -> Plan:
    """The ordered changes that take `actual` to `desired`."""
    assert desired.share is not None
    share_name = desired.share.name
    prune = config.share.prune
    delta = diff(config, desired, actual)

    if delta.other_database and not prune:
        raise PlanError(database_conflict(share_name, delta.other_database))

    # Grants: missing ones are granted; extra ones are revoked only with prune.
    kept = [g for g in delta.grants_extra if not prune or g.object_type not in REVOCABLE]
    extra_grants = [g for g in delta.grants_extra if g not in kept]
    # Consumers: removals only with prune, and only when the live list was read in full.
    removable = prune and delta.accounts_complete
    extra_accounts = list(delta.accounts_extra) if removable else []
    # Undeclared views the share exposes, in the managed schemas.
    extra_views = list(delta.views_extra) if prune else []
    unmanaged = ([f"grant {grant_display(g)}" for g in kept]
                 + ([] if removable else [f"consumer {a}" for a in delta.accounts_extra])
                 + ([] if prune else [f"view {identifiers.fqn(*key)}" for key in delta.views_extra]))
    findings = _unmanaged_findings(config, kept, [] if removable else list(delta.accounts_extra),
                                   [] if prune else list(delta.views_extra))
    findings += _unreadable_findings(config, actual, delta)

    def revokes(level: str) -> tuple[Change, ...]:
        return tuple(
            Change("revoke", "grant", grant_display(g), statements.revoke(t, share_name, g), destructive=True)
            for g in extra_grants
            if _grant_level(g) == level
        )

    view_changes = [
        Change(view.action, "view", identifiers.fqn(*view.key), view.desired.text, breaking=view.breaking,
               reason=view.reason, diff=view.unified_diff(), target=view.key)
        for view in delta.views
    ]

    share_changes = []
    if delta.share_missing:
        share_changes.append(Change("create", "share", identifiers.quote(share_name),
                                    statements.create_share(t, share_name, desired.share.comment)))
    elif delta.comment_changed:
        share_changes.append(Change("alter", "share", identifiers.quote(share_name),
                                    statements.set_share_comment(t, share_name, desired.share.comment),
                                    reason="comment changed"))

    # Moving the share to another database revokes USAGE on the old one, and Snowflake may take
    # the share's REFERENCE_USAGE grants with it (the local account does; UNCONFIRMED for real
    # accounts, reference §2.2). Granting them again in the same run is harmless either way
    # (GRANT is idempotent), and the next plan is empty.
    moving = any(g.privilege == "USAGE" and g.object_type == "DATABASE" for g in extra_grants)
    regrants = sorted(g for g in desired.share.grants - set(delta.grants_missing)
                      if moving and g.privilege == "REFERENCE_USAGE")

    def grants(privilege: str, object_type: str) -> tuple[Change, ...]:
        wanted = [g for g in delta.grants_missing if g.privilege == privilege and g.object_type == object_type]
        again = [g for g in regrants if g.privilege == privilege and g.object_type == object_type]
        return tuple(
            Change("grant", "grant", grant_display(g), statements.grant(t, share_name, g),
                   reason="granted again: revoking USAGE on the old database may have removed it"
                   if g in again else "")
            for g in sorted([*wanted, *again])
        )

    restrictions = {c.account: c.share_restrictions for c in config.share.consumers}
    add_changes = []
    # with the live list unreadable in full, adding is as blind as removing: neither is planned
    addable = list(delta.accounts_missing) if delta.accounts_complete else []
    for flag in (None, False, True):
        group = [a for a in addable if restrictions.get(a) is flag]
        for chunk in statements.chunks(group):
            add_changes.append(Change("add_accounts", "accounts", ", ".join(chunk),
                                      statements.add_accounts(t, share_name, chunk, flag)))

    # the share's listing (sharekit.plan.listing): dropped first, created or altered with the consumers
    drops, listing_stage, listing_found, listing_unmanaged = listing_changes(config, delta.listing, t)
    findings += [*cross_region_findings(config, actual.region), *no_target_findings(config, desired), *listing_found]
    unmanaged += listing_unmanaged

    stages = [
        Stage("drop listing", tuple(drops)),
        Stage("remove consumers", tuple(
            Change("remove_accounts", "accounts", ", ".join(chunk),
                   statements.remove_accounts(t, share_name, chunk), destructive=True)
            for chunk in statements.chunks(extra_accounts)), parallel=True),
        Stage("revoke object grants", revokes("object"), parallel=True),
        Stage("revoke REFERENCE_USAGE", revokes("reference"), parallel=True),
        Stage("revoke schema USAGE", revokes("schema"), parallel=True),
        Stage("revoke database USAGE", revokes("database")),
        Stage("drop views", tuple(
            Change("drop", "view", identifiers.fqn(*key), statements.drop_view(t, key), destructive=True,
                   target=key)
            for key in extra_views), parallel=True),
        Stage("create databases", tuple(
            Change("create", "database", identifiers.quote(db), statements.create_database(t, db))
            for db in delta.databases_missing)),
        Stage("create schemas", tuple(
            Change("create", "schema", identifiers.fqn(*key), statements.create_schema(t, *key))
            for key in delta.schemas_missing), parallel=True),
        *export_objects.object_stages(config, actual.export, t),  # its schema, tables, stage: sharekit.export_objects
        Stage("views", tuple(view_changes), parallel=True),
        Stage("share", tuple(share_changes)),
        Stage("grant database USAGE", grants("USAGE", "DATABASE")),
        Stage("grant schema USAGE", grants("USAGE", "SCHEMA"), parallel=True),
        Stage("grant REFERENCE_USAGE", grants("REFERENCE_USAGE", "DATABASE"), parallel=True),
        Stage("grant SELECT", grants("SELECT", "VIEW"), parallel=True),
        Stage("add consumers", tuple(add_changes), parallel=True),
        Stage("listing", tuple(listing_stage)),
    ]
    if desired.reader is not None:  # sharekit.plan.access: the reader's warehouse, role, grants, policy, user
        more, also_unmanaged, also_found = reader_stages(config, desired.reader, actual.reader, t)
        stages, unmanaged, findings = [*stages, *more], [*unmanaged, *also_unmanaged], [*findings, *also_found]
    stages += monitor_objects.monitor_stages(config, actual.monitor, t)  # sharekit.monitor.objects
    stages += export_objects.task_stages(config, actual.export, t)  # export.schedule's procedure and task
    return Plan(
        share=share_name,
        stages=tuple(stage for stage in stages if stage.changes),
        state_fingerprint=fingerprint(actual),
        unmanaged=tuple(unmanaged),
        checks=tuple(findings),
        stats=dict(stats or {}),
    )

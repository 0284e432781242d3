"""Desired vs actual → a frozen Plan: ordered stages of changes, each with its exact SQL.

The same stages are shown by `plan` and run by `apply`, so the two cannot disagree. Order:
destructive steps first and in reverse (consumers removed, then grants revoked from the most
specific up, then views dropped), then databases, schemas, views, the share, USAGE,
REFERENCE_USAGE, SELECT, and consumers last, so a consumer never sees a half-built share.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sharekit.sql import identifiers
from sharekit.sql import statements
from sharekit.config.load import Config
from sharekit.plan.definition import Change, Plan, Stage
from sharekit.errors import PlanError
from sharekit.state.model import AccountState, Grant, ViewState
from sharekit.sql.fragments import normalize_select
from sharekit.sql.templates import Templates

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


def same_definition(live: str, wanted: str) -> bool:
    """Texts equal (the common case: sharekit wrote the view), else the normalised SELECTs equal.
    A live text that cannot be parsed counts as different, so it gets replaced."""
    if live.strip().rstrip(";").strip() == wanted.strip().rstrip(";").strip():
        return True
    live_select = normalize_select(live)
    return live_select is not None and live_select == normalize_select(wanted)


def _view_reasons(actual: ViewState, desired: ViewState) -> list[str]:
    reasons = []
    if not actual.secure:
        reasons.append("view is not SECURE")
    if not same_definition(actual.text, desired.text):
        reasons.append("definition changed")
    if [c.name for c in actual.columns] != [c.name for c in desired.columns]:
        reasons.append("columns changed")
    elif [c.comment or None for c in actual.columns] != [c.comment or None for c in desired.columns]:
        # `comment: ''` is no comment: introspection reads an empty COMMENT back as None
        reasons.append("column comments changed")
    if (actual.comment or None) != (desired.comment or None):
        reasons.append("comment changed")
    return reasons


def classify_columns(
    actual: ViewState, desired: ViewState, desired_types: dict[str, str | None]
) -> tuple[bool, str]:
    """(breaking, description) for consumers: Optimove's ETL breaks when a column it reads is
    removed, renamed or retyped; new columns are additive."""
    before = {c.name: c.data_type for c in actual.columns}
    after = [c.name for c in desired.columns]
    removed = [name for name in before if name not in after]
    added = [name for name in after if name not in before]
    retyped = [
        name
        for name in after
        if name in before
        and before[name]
        and desired_types.get(name)
        and before[name] != desired_types[name]
    ]
    parts = []
    if removed:
        parts.append("removes " + ", ".join(map(identifiers.quote, removed)))
    if retyped:
        parts.append("retypes " + ", ".join(
            f"{identifiers.quote(n)} {before[n]} → {desired_types[n]}" for n in retyped))
    if added:
        parts.append("adds " + ", ".join(map(identifiers.quote, added)))
    breaking = bool(removed or retyped)
    if breaking:
        return True, "breaking: " + "; ".join(parts)
    if added:
        return False, "additive: " + "; ".join(parts)
    return False, ""


def _unified_diff(actual: ViewState, desired: ViewState, name: str) -> str:
    old = actual.text.rstrip().rstrip(";").splitlines()
    new = desired.text.rstrip().rstrip(";").splitlines()
    return "\n".join(
        difflib.unified_diff(old, new, f"{name} (live)", f"{name} (sharekit.yml)", lineterm="")
    )


def _desired_types(config: Config, actual: AccountState, view_key: tuple[str, str, str]) -> dict[str, str | None]:
    """Data types a desired view's plain and renamed columns will have: their source columns'."""
    view = config.view(view_key[1], view_key[2])
    if view is None or view.source is None:
        return {}
    source_types = {c.name: c.data_type for c in actual.columns.get(view.source, ())}
    return {c.name: source_types.get(c.source) for c in view.columns if c.source is not None}


def build_plan(
    config: Config, desired: AccountState, actual: AccountState, t: Templates, stats: dict[str, Any] | None = None
) -> Plan:
    """The ordered changes that take `actual` to `desired`."""
    assert desired.share is not None
    share_name = desired.share.name
    prune = config.share.prune
    live = actual.share
    live_grants = live.grants if live else frozenset()
    live_accounts = live.accounts if live else frozenset()
    unmanaged: list[str] = []

    if live and live.database and live.database != desired.share.database and not prune:
        raise PlanError(
            f"share {identifiers.quote(share_name)} already uses database "
            f"{identifiers.quote(live.database)}, and a share can use only one; change share.database to "
            f"{identifiers.quote(live.database)}, or set `share.prune: true` to move it (consumers lose access meanwhile)"
        )

    # Grants: missing ones are granted; extra ones are revoked only with prune.
    missing_grants = desired.share.grants - live_grants
    extra_grants = live_grants - desired.share.grants
    kept = extra_grants if not prune else frozenset(g for g in extra_grants if g.object_type not in REVOCABLE)
    unmanaged += [f"grant {grant_display(g)}" for g in sorted(kept)]
    extra_grants = extra_grants - kept

    # Consumers: removals only with prune, and only when the live list was read in full.
    missing_accounts = sorted(desired.share.accounts - live_accounts)
    extra_accounts = sorted(live_accounts - desired.share.accounts)
    if not prune or (live and not live.accounts_complete):
        unmanaged += [f"consumer {a}" for a in extra_accounts]
        extra_accounts = []

    # Views in the managed schemas that the config does not declare.
    extra_views = sorted(
        key for key in actual.views
        if key not in desired.views and (key[0], key[1]) in desired.schemas
    )
    if not prune:
        unmanaged += [f"view {identifiers.fqn(*key)}" for key in extra_views]
        extra_views = []

    def revokes(level: str) -> tuple[Change, ...]:
        return tuple(
            Change("revoke", "grant", grant_display(g), statements.revoke(t, share_name, g), destructive=True)
            for g in sorted(extra_grants)
            if _grant_level(g) == level
        )

    view_changes = []
    for key, want in sorted(desired.views.items()):
        name = identifiers.fqn(*key)
        have = actual.views.get(key)
        if have is None:
            view_changes.append(Change("create", "view", name, want.text, target=key))
            continue
        reasons = _view_reasons(have, want)
        if not reasons:
            continue
        breaking, impact = classify_columns(have, want, _desired_types(config, actual, key))
        view_changes.append(
            Change("replace", "view", name, want.text, breaking=breaking,
                   reason="; ".join(reasons + ([impact] if impact else [])),
                   diff=_unified_diff(have, want, name), target=key)
        )

    share_changes = []
    if live is None:
        share_changes.append(Change("create", "share", identifiers.quote(share_name),
                                    statements.create_share(t, share_name, desired.share.comment)))
    elif (live.comment or None) != (desired.share.comment or None):
        share_changes.append(Change("alter", "share", identifiers.quote(share_name),
                                    statements.set_share_comment(t, share_name, desired.share.comment),
                                    reason="comment changed"))

    def grants(privilege: str, object_type: str) -> tuple[Change, ...]:
        return tuple(
            Change("grant", "grant", grant_display(g), statements.grant(t, share_name, g))
            for g in sorted(missing_grants)
            if g.privilege == privilege and g.object_type == object_type
        )

    restrictions = {c.account: c.share_restrictions for c in config.share.consumers}
    add_changes = []
    for flag in (None, False, True):
        group = [a for a in missing_accounts if restrictions.get(a) is flag]
        for chunk in statements.chunks(group):
            add_changes.append(Change("add_accounts", "accounts", ", ".join(chunk),
                                      statements.add_accounts(t, share_name, chunk, flag)))

    stages = [
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
            for db in sorted(desired.databases - actual.databases))),
        Stage("create schemas", tuple(
            Change("create", "schema", identifiers.fqn(*key), statements.create_schema(t, *key))
            for key in sorted(desired.schemas - actual.schemas)), parallel=True),
        Stage("views", tuple(view_changes), parallel=True),
        Stage("share", tuple(share_changes)),
        Stage("grant database USAGE", grants("USAGE", "DATABASE")),
        Stage("grant schema USAGE", grants("USAGE", "SCHEMA"), parallel=True),
        Stage("grant REFERENCE_USAGE", grants("REFERENCE_USAGE", "DATABASE"), parallel=True),
        Stage("grant SELECT", grants("SELECT", "VIEW"), parallel=True),
        Stage("add consumers", tuple(add_changes), parallel=True),
    ]
    return Plan(
        share=share_name,
        stages=tuple(stage for stage in stages if stage.changes),
        state_fingerprint=fingerprint(actual),
        unmanaged=tuple(unmanaged),
        stats=dict(stats or {}),
    )

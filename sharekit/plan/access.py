"""Desired vs actual reader → ordered stages, appended after the share's by `plan.builder`.

Order: revokes first (prune only, destructive), then warehouse, resource monitor, role, grants to
the role, network policy, and the user last: created, given its network policy, and only then
granted the role, so it reads nothing before it is bound to Optimove's addresses. Grants to the
role that the config does not declare are `unmanaged.reader_grant` warnings, revoked only with
`share.prune`.

Key rotation has two steps, so Optimove's ETL never loses its login: a new `public_key:` sets
RSA_PUBLIC_KEY_2 (both keys then work); once Optimove uses the new key, `sharekit reader
rotate-key --swap` makes it RSA_PUBLIC_KEY and unsets RSA_PUBLIC_KEY_2 (`swap_statements`).
"""

from __future__ import annotations

from collections.abc import Callable

from sharekit.checks.findings import Finding
from sharekit.config.model import Config, ReaderAccess
from sharekit.errors import PlanError
from sharekit.plan.definition import Change, Stage
from sharekit.sql import identifiers
from sharekit.sql.templates import Templates
from sharekit.state.access import SERVICE, ReaderState, UserState
from sharekit.state.model import Grant

COMMENT = "Managed by sharekit: Optimove's read-only access (database-connection route)"
REVOCABLE = frozenset({"DATABASE", "SCHEMA", "VIEW", "TABLE", "WAREHOUSE", "MATERIALIZED_VIEW", "EXTERNAL_TABLE",
                       "DYNAMIC_TABLE", "ICEBERG_TABLE", "INTEGRATION", "STAGE", "FUNCTION", "PROCEDURE"})
EMPTY_READER = ReaderState(role=None, grants=frozenset(), user=None, policy=None, allowed_ips=frozenset(),
                           warehouse=None, warehouse_monitor=None, monitor=None, credit_quota=None)


def grant_display(g: Grant, role: str) -> str:
    return f"{g.privilege} on {g.object_type.replace('_', ' ').lower()} {identifiers.fqn(*g.name)} to role " \
           f"{identifiers.quote(role)}"


def _grant(t: Templates, name: str, g: Grant, role: str) -> str:
    return t.render(name, privilege=g.privilege, object_type=g.object_type.replace("_", " "), object_name=g.name,
                    role=role)


def _ips(t: Templates, name: str, reader: ReaderAccess, **extra: str) -> str:
    return t.render(name, policy=reader.network_policy, ips=list(reader.allowed_ips), **extra)


def _user_changes(t: Templates, reader: ReaderAccess, live: UserState | None,
                  findings: list[Finding], prune: bool) -> list[Change]:
    user, shown = reader.user, identifiers.quote(reader.user)
    changes = []
    if live is None:  # created, then set like any user: its network policy before its role is granted
        sql = t.render("reader_create_user", user=user, public_key=reader.public_key, role=reader.role,
                       warehouse=reader.warehouse, comment=COMMENT)
        changes.append(Change("create", "user", shown, sql, reason=f"key {reader.key_fingerprint}", target=(user,)))
        live = UserState(name=user, type=SERVICE, has_password=False, key_fp=reader.key_fingerprint, key_2_fp=None,
                         default_role=reader.role, default_warehouse=reader.warehouse, network_policy=None,
                         statement_timeout=None, roles=frozenset())

    def alter(prop: str, value: str, reason: str, destructive: bool = False) -> Change:
        return Change("alter", "user", shown, t.render("reader_alter_user", user=user, property=prop, value=value),
                      destructive=destructive, reason=reason, target=(user,))

    def unset(prop: str, reason: str, destructive: bool = True) -> Change:
        """Destructive when it takes a way in away (a password, a key) that someone may be using."""
        return Change("alter", "user", shown, t.render("reader_unset_user", user=user, property=prop),
                      destructive=destructive, reason=reason, target=(user,))

    if live.has_password:  # before TYPE: a SERVICE user cannot have one
        changes.append(unset("PASSWORD", "the reader logs in by key pair only: its password is removed"))
    if live.type != SERVICE:
        changes.append(alter("TYPE", SERVICE, f"TYPE is {live.type or 'NULL (a person)'}, the reader is a service"))
    if live.default_role != reader.role:
        changes.append(alter("DEFAULT_ROLE", identifiers.quote(reader.role), "default role drifted"))
    if live.default_warehouse != reader.warehouse:
        changes.append(alter("DEFAULT_WAREHOUSE", identifiers.quote(reader.warehouse), "default warehouse drifted"))
    if live.network_policy != reader.network_policy:
        changes.append(alter("NETWORK_POLICY", identifiers.quote(reader.network_policy),
                             f"network policy is {live.network_policy or 'not set'}"))
    if live.statement_timeout != reader.statement_timeout:
        changes.append(alter("STATEMENT_TIMEOUT_IN_SECONDS", str(reader.statement_timeout),
                             "statement timeout drifted") if reader.statement_timeout is not None
                       else unset("STATEMENT_TIMEOUT_IN_SECONDS", "no statement_timeout declared", False))
    changes += _key_changes(reader, live, findings, prune, alter, unset)
    for role in sorted(live.roles - {reader.role, "PUBLIC"}):
        findings.append(Finding("unmanaged.reader_role", "warning", role,
                                f"role {identifiers.quote(role)} is granted to reader user {shown}, which may then "
                                "read more than the declared views; set `share.prune: true` and run "
                                "`sharekit apply --allow-destroy` to revoke it"))
        if prune:
            changes.append(Change("revoke", "grant", f"role {identifiers.quote(role)} from user {shown}",
                                  t.render("reader_revoke_role", role=role, user=user), destructive=True))
    if reader.role not in live.roles:
        changes.append(Change("grant", "grant", f"role {identifiers.quote(reader.role)} to user {shown}",
                              t.render("reader_grant_role", role=reader.role, user=user)))
    return changes


def _key_changes(reader: ReaderAccess, live: UserState, findings: list[Finding], prune: bool,
                 alter: Callable[[str, str, str], Change], unset: Callable[[str, str], Change]) -> list[Change]:
    """The key: set when missing; a new key goes to slot 2 first (step 1 of the rotation)."""
    literal = identifiers.string_literal(reader.public_key)
    shown = identifiers.quote(reader.user)
    if live.key_fp is None:
        return [alter("RSA_PUBLIC_KEY", literal, f"no public key set; sets {reader.key_fingerprint}")]
    if live.key_fp == reader.key_fingerprint:
        if live.key_2_fp is None:
            return []
        findings.append(Finding("unmanaged.reader_key", "warning", reader.user,
                                f"reader user {shown} has a second public key ({live.key_2_fp}) not in the config: "
                                "whoever holds its private key can log in; unset it with `share.prune: true` and "
                                "`sharekit apply --allow-destroy`"))
        return [unset("RSA_PUBLIC_KEY_2", f"second key {live.key_2_fp} is not declared")] if prune else []
    if live.key_2_fp == reader.key_fingerprint:
        findings.append(Finding("reader.rotation_pending", "warning", reader.user,
                                f"the new key {reader.key_fingerprint} is RSA_PUBLIC_KEY_2 of {shown}, beside the old "
                                f"{live.key_fp}: once Optimove logs in with the new key, run "
                                "`sharekit reader rotate-key --swap` to retire the old one"))
        return []
    return [alter("RSA_PUBLIC_KEY_2", literal,
                  f"key rotation step 1 of 2: adds {reader.key_fingerprint} beside {live.key_fp}, both work; "
                  "then `sharekit reader rotate-key --swap`")]


def reader_stages(config: Config, desired: ReaderState, actual: ReaderState | None,
                  t: Templates) -> tuple[list[Stage], list[str], list[Finding]]:
    """(stages, unmanaged descriptions, findings) for the reader; nothing without `reader:`."""
    reader = config.reader
    assert reader is not None
    live = actual or EMPTY_READER
    prune = config.share.prune
    findings: list[Finding] = []
    role = reader.role
    extra = sorted(live.grants - desired.grants)
    revocable = [g for g in extra if prune and g.object_type in REVOCABLE and g.privilege != "OWNERSHIP"]
    kept = [g for g in extra if g not in revocable]
    findings += [Finding("unmanaged.reader_grant", "warning", identifiers.fqn(*g.name),
                         f"{grant_display(g, role)} is not declared in {config.path}: the reader can use it; "
                         "set `share.prune: true` and run `sharekit apply --allow-destroy` to revoke it")
                 for g in kept]
    missing = sorted(desired.grants - live.grants)

    def grants(privilege: str, object_type: str) -> tuple[Change, ...]:
        return tuple(Change("grant", "grant", grant_display(g, role), _grant(t, "reader_grant", g, role))
                     for g in missing if g.privilege == privilege and g.object_type == object_type)

    monitor_changes = []
    if reader.resource_monitor is not None:
        shown = identifiers.quote(reader.resource_monitor)
        if live.monitor is None:
            monitor_changes.append(Change("create", "resource_monitor", shown, t.render(
                "reader_create_resource_monitor", monitor=reader.resource_monitor, quota=reader.credit_quota)))
        elif live.credit_quota != reader.credit_quota:
            monitor_changes.append(Change("alter", "resource_monitor", shown, t.render(
                "reader_set_resource_monitor_quota", monitor=reader.resource_monitor, quota=reader.credit_quota),
                reason=f"credit quota is {live.credit_quota}"))
        if live.warehouse_monitor != reader.resource_monitor:
            monitor_changes.append(Change("alter", "warehouse", identifiers.quote(reader.warehouse), t.render(
                "reader_set_warehouse_monitor", warehouse=reader.warehouse, monitor=reader.resource_monitor),
                reason=f"resource monitor is {live.warehouse_monitor or 'not set'}"))
    policy_changes = []
    if live.policy is None:
        policy_changes.append(Change("create", "network_policy", identifiers.quote(reader.network_policy),
                                     _ips(t, "reader_create_network_policy", reader, comment=COMMENT)))
    elif live.allowed_ips != desired.allowed_ips:
        policy_changes.append(Change("alter", "network_policy", identifiers.quote(reader.network_policy),
                                     _ips(t, "reader_set_network_policy", reader),
                                     reason="allowed IPs drifted: " + (", ".join(sorted(live.allowed_ips)) or "none")))
    stages = [
        Stage("reader: revoke", tuple(Change("revoke", "grant", grant_display(g, role),
                                             _grant(t, "reader_revoke", g, role), destructive=True)
                                      for g in revocable), parallel=True),
        Stage("reader: warehouse", () if live.warehouse else (Change(
            "create", "warehouse", identifiers.quote(reader.warehouse),
            t.render("reader_create_warehouse", warehouse=reader.warehouse, comment=COMMENT)),)),
        Stage("reader: resource monitor", tuple(monitor_changes)),
        Stage("reader: role", () if live.role else (Change(
            "create", "role", identifiers.quote(role), t.render("reader_create_role", role=role, comment=COMMENT)),)),
        Stage("reader: grant USAGE", grants("USAGE", "DATABASE") + grants("USAGE", "SCHEMA")
              + grants("USAGE", "WAREHOUSE"), parallel=True),
        Stage("reader: grant SELECT", grants("SELECT", "VIEW"), parallel=True),
        Stage("reader: network policy", tuple(policy_changes)),
        Stage("reader: user", tuple(_user_changes(t, reader, live.user, findings, prune))),
    ]
    unmanaged = [f"reader grant {grant_display(g, role)}" for g in kept]
    return [s for s in stages if s.changes], unmanaged, findings


def swap_statements(t: Templates, reader: ReaderAccess, live: ReaderState | None) -> list[str]:
    """Step 2 of a key rotation: the new key (now RSA_PUBLIC_KEY_2) becomes RSA_PUBLIC_KEY and slot 2
    is emptied. The new key is valid throughout, so Optimove's ETL never loses its login."""
    user = live.user if live else None
    shown = identifiers.quote(reader.user)
    if user is None:
        raise PlanError(f"reader user {shown} does not exist: run `sharekit apply` first")
    if user.key_fp == reader.key_fingerprint and user.key_2_fp is None:
        raise PlanError(f"nothing to swap: {shown} already uses only the configured key {reader.key_fingerprint}")
    if user.key_2_fp != reader.key_fingerprint:
        raise PlanError(f"the configured key {reader.key_fingerprint} is not RSA_PUBLIC_KEY_2 of {shown} "
                        f"(it holds {user.key_2_fp or 'nothing'}): run `sharekit reader rotate-key` without --swap "
                        "first, and swap once Optimove uses the new key")
    return [t.render("reader_alter_user", user=reader.user, property="RSA_PUBLIC_KEY",
                     value=identifiers.string_literal(reader.public_key)),
            t.render("reader_unset_user", user=reader.user, property="RSA_PUBLIC_KEY_2")]

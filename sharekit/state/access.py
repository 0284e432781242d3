"""The reader's objects (role, grants to it, service user, network policy, warehouse, resource
monitor) as the config wants them and as the account has them.

Introspection is a fixed number of queries whatever the number of views: SHOW ROLES, SHOW USERS,
SHOW NETWORK POLICIES, SHOW WAREHOUSES and (with credit_quota) SHOW RESOURCE MONITORS at once,
then, for the objects that exist, SHOW GRANTS TO ROLE, DESC USER, SHOW PARAMETERS IN USER, SHOW
GRANTS TO USER and DESC NETWORK POLICY at once: at most ten round-trips, two on the critical path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sharekit.config.model import Config, ReaderAccess
from sharekit.connect.reads import Reads
from sharekit.connect.session import Session
from sharekit.sql import identifiers
from sharekit.sql.templates import Templates
from sharekit.state.model import Grant

SERVICE = "SERVICE"


@dataclass(frozen=True)
class UserState:
    name: str
    type: str  # SERVICE | PERSON | LEGACY_SERVICE | '' (NULL, which behaves as PERSON)
    has_password: bool
    key_fp: str | None  # DESC USER RSA_PUBLIC_KEY_FP
    key_2_fp: str | None  # DESC USER RSA_PUBLIC_KEY_2_FP
    default_role: str | None
    default_warehouse: str | None
    network_policy: str | None  # SHOW PARAMETERS IN USER, NETWORK_POLICY
    statement_timeout: int | None  # STATEMENT_TIMEOUT_IN_SECONDS set on the user itself, else None
    roles: frozenset[str]  # roles granted to the user


@dataclass(frozen=True)
class ReaderState:
    role: str | None  # None: the role does not exist
    grants: frozenset[Grant]  # privileges granted to the role
    user: UserState | None
    policy: str | None  # the network policy's name when it exists
    allowed_ips: frozenset[str]
    warehouse: str | None
    warehouse_monitor: str | None  # SHOW WAREHOUSES resource_monitor
    monitor: str | None
    credit_quota: int | None

    def canonical(self) -> dict[str, Any]:
        """A JSON-able form for the state fingerprint."""
        data = dataclasses.asdict(self)
        data["grants"] = sorted([g.privilege, g.object_type, *g.name] for g in self.grants)
        data["allowed_ips"] = sorted(self.allowed_ips)
        if self.user is not None:
            data["user"]["roles"] = sorted(self.user.roles)
        return data


def desired_grants(config: Config, reader: ReaderAccess) -> frozenset[Grant]:
    """USAGE on the share's database, its schemas and the warehouse; SELECT on each declared view.
    Never the source tables, never future grants."""
    db = config.share.database
    grants = {Grant("USAGE", "DATABASE", (db,)), Grant("USAGE", "WAREHOUSE", (reader.warehouse,))}
    grants |= {Grant("USAGE", "SCHEMA", (db, schema)) for schema in config.schemas}
    grants |= {Grant("SELECT", "VIEW", (db, v.schema, v.name)) for v in config.views}
    return frozenset(grants)


def desired_reader(config: Config) -> ReaderState:
    reader = config.reader
    assert reader is not None
    user = UserState(
        name=reader.user, type=SERVICE, has_password=False, key_fp=reader.key_fingerprint, key_2_fp=None,
        default_role=reader.role, default_warehouse=reader.warehouse, network_policy=reader.network_policy,
        statement_timeout=reader.statement_timeout, roles=frozenset({reader.role}),
    )
    return ReaderState(
        role=reader.role, grants=desired_grants(config, reader), user=user, policy=reader.network_policy,
        allowed_ips=frozenset(reader.allowed_ips), warehouse=reader.warehouse,
        warehouse_monitor=reader.resource_monitor, monitor=reader.resource_monitor, credit_quota=reader.credit_quota,
    )


def _cell(value: Any) -> str | None:
    """A SHOW / DESC cell; NULL, '' and 'null' (how DESC shows an unset property) are None."""
    text = "" if value is None else str(value).strip()
    return None if text == "" or text.lower() == "null" else text


def _named(rows: Iterable[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """The row of the object called exactly `name` (LIKE matched `_` as a wildcard)."""
    return next((row for row in rows if _cell(row.get("name")) == name), None)


def _truthy(value: Any) -> bool:
    return value is True or (_cell(value) or "").upper() in ("TRUE", "Y", "YES")


def _property(rows: Iterable[dict[str, Any]], key: str, column: str = "property") -> str | None:
    return next((_cell(row.get("value")) for row in rows if (_cell(row.get(column)) or "").upper() == key), None)


def parse_grants(rows: Iterable[dict[str, Any]]) -> frozenset[Grant]:
    """SHOW GRANTS TO ROLE rows → Grants (granted_on in underscore form, name parts unquoted)."""
    return frozenset(
        Grant((_cell(row.get("privilege")) or "").upper(),
              (_cell(row.get("granted_on")) or "").upper().replace(" ", "_"),
              identifiers.parse_stored_qualified(_cell(row.get("name")) or ""))
        for row in rows
    )


def parse_ips(value: str | None) -> frozenset[str]:
    """DESC NETWORK POLICY ALLOWED_IP_LIST: comma-separated; a host may come back as a.b.c.d/32
    (UNCONFIRMED: no source read here shows it either way), so /32 is dropped on both sides."""
    return frozenset(ip.strip().removesuffix("/32") for ip in (value or "").split(",") if ip.strip())


def _timeout(rows: list[dict[str, Any]]) -> int | None:
    row = next((r for r in rows if (_cell(r.get("key")) or "").upper() == "STATEMENT_TIMEOUT_IN_SECONDS"), None)
    if row is None or (_cell(row.get("level")) or "").upper() != "USER":
        return None
    value = _cell(row.get("value"))
    return int(float(value)) if value else None


def user_state(name: str, row: dict[str, Any], desc: list[dict[str, Any]], parameters: list[dict[str, Any]],
               grants: list[dict[str, Any]]) -> UserState:
    policy = next((_cell(r.get("value")) for r in parameters
                   if (_cell(r.get("key")) or "").upper() == "NETWORK_POLICY"), None)
    return UserState(
        name=name,
        type=(_cell(row.get("type")) or "").upper(),
        has_password=_truthy(row.get("has_password")),
        key_fp=_property(desc, "RSA_PUBLIC_KEY_FP"),
        key_2_fp=_property(desc, "RSA_PUBLIC_KEY_2_FP"),
        default_role=_cell(row.get("default_role")),
        default_warehouse=_cell(row.get("default_warehouse")),
        network_policy=identifiers.parse_stored_qualified(policy)[-1] if policy else None,
        statement_timeout=_timeout(parameters),
        roles=frozenset(r for r in (_cell(g.get("role")) for g in grants) if r),
    )


def _quota(value: Any) -> int | None:
    text = _cell(value)
    return int(float(text)) if text else None


def read_reader(session: Session, config: Config, t: Templates) -> ReaderState:
    """What the account has of the reader's objects, in two waves of concurrent reads."""
    reader = config.reader
    assert reader is not None
    with Reads(session) as reads:
        reads.send("roles", t.render("reader_show_roles", role=reader.role))
        reads.send("users", t.render("reader_show_users", user=reader.user))
        reads.send("policies", t.render("reader_show_network_policies"))
        reads.send("warehouses", t.render("reader_show_warehouses", warehouse=reader.warehouse))
        if reader.resource_monitor:  # only with credit_quota: without one, no monitor is managed
            reads.send("monitors", t.render("reader_show_resource_monitors", monitor=reader.resource_monitor))
        for done in reads.as_answered():
            if done == "roles" and _named(reads.rows("roles"), reader.role):
                reads.send("role_grants", t.render("show_grants_to_role", role=reader.role))
            elif done == "users" and _named(reads.rows("users"), reader.user):
                reads.send("desc_user", t.render("reader_desc_user", user=reader.user))
                reads.send("parameters", t.render("reader_show_user_parameters", user=reader.user))
                reads.send("user_grants", t.render("reader_show_grants_to_user", user=reader.user))
            elif done == "policies" and _named(reads.rows("policies"), reader.network_policy):
                reads.send("desc_policy", t.render("reader_desc_network_policy", policy=reader.network_policy))
        role_row = _named(reads.result("roles"), reader.role)
        user_row = _named(reads.result("users"), reader.user)
        policy_row = _named(reads.result("policies"), reader.network_policy)
        warehouse_row = _named(reads.result("warehouses"), reader.warehouse)
        monitor_row = _named(reads.result("monitors"), reader.resource_monitor) if reader.resource_monitor else None
        grants = parse_grants(reads.result("role_grants")) if role_row else frozenset()
        user = user_state(reader.user, user_row, reads.result("desc_user"), reads.result("parameters"),
                          reads.result("user_grants")) if user_row else None
        listed = _property(reads.result("desc_policy"), "ALLOWED_IP_LIST", "name") if policy_row else None
    return ReaderState(
        role=reader.role if role_row else None, grants=grants, user=user,
        policy=reader.network_policy if policy_row else None, allowed_ips=parse_ips(listed),
        warehouse=reader.warehouse if warehouse_row else None,
        warehouse_monitor=_cell(warehouse_row.get("resource_monitor")) if warehouse_row else None,
        monitor=reader.resource_monitor if monitor_row else None,
        credit_quota=_quota(monitor_row.get("credit_quota")) if monitor_row else None,
    )

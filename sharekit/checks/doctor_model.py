"""What `sharekit doctor` reports (`sharekit.checks.doctor` reads and judges): the account's
facts, the findings, the checks that passed, and the readers of the rows it is made from.

Row layouts marked UNCONFIRMED in `sharekit.checks.doctor`'s docstring are read here, defensively.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sharekit.checks.findings import Finding, of_severity
from sharekit.state.introspect import cell
from sharekit.state.listing import region_key  # noqa: F401 - doctor compares regions with it

UNKNOWN = "unknown"


@dataclass(frozen=True)
class Passed:
    """A check that found nothing to fix, with what it saw."""

    id: str
    object: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "object": self.object, "message": self.message}


@dataclass(frozen=True)
class Database:
    name: str
    owner: str
    imported: bool


@dataclass(frozen=True)
class Facts:
    """What the account said about itself (None: it did not say)."""

    locator: str | None = None  # CURRENT_ACCOUNT()
    organization: str | None = None
    account: str | None = None  # CURRENT_ACCOUNT_NAME()
    region: str | None = None
    role: str | None = None
    warehouse: str | None = None
    edition: str = UNKNOWN  # see the module docstring: never guessed
    privileges: tuple[str, ...] = ()  # account privileges granted to the role directly
    inherited_roles: tuple[str, ...] = ()
    grants_read: bool = False
    # (granted_on, name, privilege) of the role's grants on objects other than the account
    object_grants: frozenset[tuple[str, str, str]] = frozenset()

    def held_on(self, granted_on: str, name: str) -> set[str]:
        """The privileges granted to the role on one object, e.g. OWNERSHIP on ROLE OPTIMOVE_READER."""
        return {p for on, n, p in self.object_grants if on == granted_on and n == name}

    @property
    def partly_known(self) -> bool:
        """Whether the role's privileges are only partly known: no grants were read, or it inherits
        roles (other than PUBLIC) whose grants SHOW GRANTS TO ROLE does not show."""
        return self.role is None or not self.grants_read or bool(set(self.inherited_roles) - {"PUBLIC"})

    @property
    def identifier(self) -> str | None:
        """ORG.ACCOUNT, as a consumer (and Optimove's support) names this account."""
        return f"{self.organization}.{self.account}" if self.organization and self.account else None


@dataclass(frozen=True)
class DoctorReport:
    facts: Facts
    findings: tuple[Finding, ...]  # errors first
    passed: tuple[Passed, ...]
    config: str | None = None
    share: str | None = None
    database: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return of_severity(self.findings, "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return of_severity(self.findings, "warning")

    def to_json(self) -> dict[str, Any]:
        f = self.facts
        return {
            "format_version": 1,
            "account": f.account, "organization": f.organization, "identifier": f.identifier,
            "locator": f.locator, "region": f.region, "edition": f.edition, "role": f.role,
            "warehouse": f.warehouse, "privileges": list(f.privileges), "inherited_roles": list(f.inherited_roles),
            "config": self.config, "share": self.share, "database": self.database,
            "summary": {"error": len(self.blocking), "warning": len(self.warnings), "passed": len(self.passed)},
            "checks": [finding.to_json() for finding in self.findings],
            "passed": [p.to_json() for p in self.passed],
            "stats": self.stats,
        }  # fmt: skip


def _text(value: Any) -> str | None:
    text = cell(value).strip()
    return text or None


def _words(value: Any) -> str:
    """'CREATE_SHARE', 'create share' → 'CREATE SHARE'."""
    return " ".join(cell(value).replace("_", " ").upper().split())


def _unquoted(name: str) -> str:
    name = name.strip()
    return name[1:-1].replace('""', '"') if len(name) > 1 and name[0] == name[-1] == '"' else name


def read_context(row: dict[str, Any]) -> dict[str, str | None]:
    """The doctor_context row; Snowflake upper-cases unquoted aliases, read any case anyway."""
    upper = {str(key).upper(): value for key, value in row.items()}
    return {key: _text(upper.get(key)) for key in (
        "ACCOUNT_LOCATOR", "ORGANIZATION_NAME", "ACCOUNT_NAME", "REGION_NAME", "ROLE_NAME", "WAREHOUSE_NAME")}


def read_role_grants(rows: Iterable[dict[str, Any]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """SHOW GRANTS TO ROLE → (account privileges, inherited roles); layout UNCONFIRMED (above)."""
    privileges, roles = set(), set()
    for row in rows:
        lower = {str(key).lower(): value for key, value in row.items()}
        privilege, granted_on = _words(lower.get("privilege")), _words(lower.get("granted_on"))
        if granted_on == "ACCOUNT" and privilege:
            privileges.add(privilege)
        elif granted_on == "ROLE" and privilege == "USAGE" and _text(lower.get("name")):
            roles.add(_unquoted(cell(lower.get("name"))))
    return tuple(sorted(privileges)), tuple(sorted(roles))


def read_object_grants(rows: Iterable[dict[str, Any]]) -> frozenset[tuple[str, str, str]]:
    """SHOW GRANTS TO ROLE → (granted_on, name, privilege) on objects, e.g. ('NETWORK POLICY',
    'OPTIMOVE_ETL_NETWORK_POLICY', 'OWNERSHIP'); layout UNCONFIRMED as above."""
    grants = set()
    for row in rows:
        lower = {str(key).lower(): value for key, value in row.items()}
        granted_on, name = _words(lower.get("granted_on")), _text(lower.get("name"))
        if granted_on not in ("", "ACCOUNT") and name:
            grants.add((granted_on, _unquoted(name), _words(lower.get("privilege"))))
    return frozenset(grants)


def read_databases(rows: Iterable[dict[str, Any]]) -> list[Database]:
    return [Database(cell(r.get("name")), cell(r.get("owner")),
                     "IMPORTED" in cell(r.get("kind")).upper() or bool(cell(r.get("origin"))))
            for r in rows if cell(r.get("name"))]

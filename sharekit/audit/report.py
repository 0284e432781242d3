"""What an audit found: every outbound share, what it exposes, and the findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sharekit.checks.findings import SEVERITIES, Finding
from sharekit.sql import identifiers
from sharekit.state.listing import ListingState
from sharekit.state.model import ColumnState
from sharekit.state.paging import SHOW_MAX_ROWS as SHOW_ROW_LIMIT  # noqa: F401 - re-exported (SHOW row cap)

FORMAT_VERSION = 1
FAIL_ON = ("error", "warning", "none")
VIEW_KINDS = frozenset({"VIEW", "MATERIALIZED_VIEW"})
# Objects whose columns a consumer reads; everything but views is shared as it is (not SECURE).
COLUMN_KINDS = VIEW_KINDS | {"TABLE", "EXTERNAL_TABLE", "ICEBERG_TABLE", "DYNAMIC_TABLE"}
CONTAINERS = frozenset({"DATABASE", "SCHEMA"})
LAST_UPDATED = "LASTUPDATED"


# --- the report --------------------------------------------------------------------------------

@dataclass(frozen=True)
class SharedObject:
    """One grant to the share: a database, schema, view, table…, with what a consumer sees of it."""

    privilege: str
    kind: str  # DATABASE | SCHEMA | VIEW | TABLE | … (SHOW GRANTS' granted_on, underscore form)
    parts: tuple[str, ...]
    secure: bool | None = None  # views: SHOW VIEWS' is_secure; tables: False; containers: None
    columns: tuple[ColumnState, ...] | None = None  # None: no columns (containers) or not readable

    @property
    def name(self) -> str:
        return identifiers.fqn(*self.parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "privilege": self.privilege,
            "kind": self.kind,
            "name": self.name,
            "secure": self.secure,
            "columns": None if self.columns is None else [
                {"name": c.name, "data_type": c.data_type, "comment": c.comment} for c in self.columns
            ],
        }


@dataclass(frozen=True)
class ShareReport:
    name: str
    database: str | None
    comment: str | None
    consumers: tuple[str, ...]
    consumers_complete: bool  # False: a listing, or a `to` cut short that SHOW GRANTS OF SHARE could not fill
    listing: bool
    managed: bool | None  # declared by the config; None without a config
    objects: tuple[SharedObject, ...]
    findings: tuple[Finding, ...] = ()
    listing_state: ListingState | None = None  # the listing it is attached to, when SHOW LISTINGS shows it

    @property
    def views(self) -> tuple[SharedObject, ...]:
        return tuple(o for o in self.objects if o.kind in VIEW_KINDS)

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "database": self.database,
            "comment": self.comment,
            "consumers": list(self.consumers),
            "consumers_complete": self.consumers_complete,
            "listing": self.listing,
            "managed": self.managed,
            "objects": [o.to_json() for o in self.objects],
            "finding_counts": {s: self.count(s) for s in SEVERITIES},
        }
        if self.listing_state is not None:  # only for a share attached to a listing SHOW LISTINGS shows
            data["listing_details"] = {
                "name": self.listing_state.name, "global_name": self.listing_state.global_name,
                "published": self.listing_state.published, "targets": list(self.listing_state.targets),
                "refresh": self.listing_state.refresh}
        return data


@dataclass(frozen=True)
class AuditReport:
    shares: tuple[ShareReport, ...]
    findings: tuple[Finding, ...]  # every share's (errors first), plus those of a declared share that does not exist
    config: str | None = None  # path of the config it was compared with
    consumers_checked: bool = False
    stats: dict[str, Any] = field(default_factory=dict)

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)

    def fails(self, fail_on: str) -> bool:
        """`--fail-on error`: any error; `warning`: any error or warning; `none`: never."""
        if fail_on not in FAIL_ON:
            raise ValueError(f"fail_on must be one of {FAIL_ON}, not {fail_on!r}")
        if fail_on == "none":
            return False
        return self.count("error") > 0 or (fail_on == "warning" and self.count("warning") > 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "config": self.config,
            "consumers_checked": self.consumers_checked,
            "summary": {"shares": len(self.shares), **{s: self.count(s) for s in SEVERITIES}},
            "shares": [s.to_json() for s in self.shares],
            "findings": [f.to_json() for f in self.findings],
            "stats": dict(self.stats),
        }


def finding(id_: str, severity: str, share: str, obj: str, message: str) -> Finding:
    return Finding(id_, severity, obj, message, share=share)

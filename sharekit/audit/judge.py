"""Security findings of one share and its objects: secure flags, consumers, LastUpdated, PII."""

from __future__ import annotations

from typing import Any

from sharekit.audit.pii import exposed_column, pii_hint
from sharekit.audit.read import LiveShare
from sharekit.audit.report import (
    COLUMN_KINDS,
    CONTAINERS,
    LAST_UPDATED,
    VIEW_KINDS,
    SharedObject,
    finding,
)
from sharekit.checks.findings import Finding
from sharekit.checks.structural import TIMESTAMP_TYPES
from sharekit.config.model import Config
from sharekit.sql import identifiers, statements
from sharekit.sql.templates import Templates
from sharekit.state.introspect import (  # read SHOW output exactly as `plan` reads it
    cell,
)
from sharekit.state.model import ColumnState

# --- findings ----------------------------------------------------------------------------------

class Judge:
    """Findings for one audit: what is expected comes from the config and the allow-lists."""

    def __init__(self, t: Templates, config: Config | None, allow_accounts: frozenset[str],
                 allow_columns: tuple[tuple[str, ...], ...]) -> None:
        self.t = t
        self.config = config
        self.allow_accounts = allow_accounts
        self.allow_columns = allow_columns
        self.declared = frozenset(c.account for c in config.share.consumers) if config else frozenset()
        self.checked = config is not None or bool(allow_accounts)
        self.where = config.path if config else ""

    def managed(self, name: str) -> bool | None:
        return None if self.config is None else name == self.config.share.name

    def share(self, live: LiveShare, objects: tuple[SharedObject, ...]) -> list[Finding]:
        name, label = live.name, identifiers.quote(live.name)
        out: list[Finding] = []

        def add(id_: str, severity: str, obj: str, message: str) -> None:
            out.append(finding(id_, severity, name, obj, message))

        managed = self.managed(name)
        if managed is False:
            add("share.unmanaged", "warning", label,
                f"share {label} is not declared in {self.where}, so nobody reviews what it exposes: manage it "
                "with a sharekit.yml of its own, "
                f"or drop it ({statements.inline(statements.drop_share(self.t, name))}) if nobody uses it")
        to = cell(live.row.get("to")).strip()
        if live.listing:
            add("share.listing", "warning", label,
                f"share {label} is attached to a listing (`to` is {to!r}): its consumers are managed in the "
                "listing and sharekit cannot read them; review them in Snowsight (Provider Studio)")
        elif not live.parsed_complete:
            found = (f"sharekit read {len(live.accounts)} from SHOW GRANTS OF SHARE instead (column layout "
                     "UNCONFIRMED)" if live.read_grants_of else "SHOW GRANTS OF SHARE returned none either")
            add("share.truncated_accounts", "warning", label,
                f"SHOW SHARES cut the consumer list of {label} short; {found}: check it with "
                + statements.inline(self.t.render("show_grants_of_share", share=name)))
        if not live.accounts and live.parsed_complete:
            add("share.no_consumers", "warning", label,
                f"share {label} has no consumer account, so nobody can read it: add one ("
                f"{statements.inline(statements.add_accounts(self.t, name, ['ORG.ACCOUNT'], None))}), or drop the "
                "share if it is unused")
        if all(o.kind in CONTAINERS for o in objects):
            add("share.empty", "warning", label,
                f"share {label} grants no view or table{'' if objects else ', not even a database'}: consumers "
                "see nothing; grant the secure views it is for, or drop the share")
        if self.checked:
            for account in sorted(live.accounts):
                if managed and account not in self.declared and account in self.allow_accounts:
                    add("drift.consumer_extra", "warning", account,
                        f"{account} reads share {label} and is allowed by --allow-account, but {self.where} does "
                        "not declare it: add it to share.consumers")
                elif account not in self.declared and account not in self.allow_accounts:
                    known = f"declared in {self.where}" if self.config else "listed with --allow-account"
                    add("consumer.unexpected", "error", account,
                        f"{account} can read share {label} but is not {known}: remove it "
                        f"({statements.inline(statements.remove_accounts(self.t, name, [account]))}), "
                        "or, if it belongs there, "
                        + ("declare it in share.consumers" if managed else "allow it with --allow-account"))
        for obj in objects:
            out += self.object(name, obj)
        return out

    def object(self, share: str, obj: SharedObject) -> list[Finding]:
        out: list[Finding] = []
        if obj.kind in VIEW_KINDS and obj.secure is False:
            out.append(finding("object.not_secure", "error", share, obj.name,
                               f"view {obj.name} is shared but not SECURE: consumers can see its definition and "
                               "the optimizer can expose rows it filters out; run "
                               f"{statements.inline(statements.set_view_secure(self.t, obj.parts))} "
                               "(sharekit creates every view SECURE)"))
        elif obj.kind in COLUMN_KINDS - VIEW_KINDS:
            what = obj.kind.lower().replace("_", " ")
            out.append(finding("object.not_secure", "warning", share, obj.name,
                               f"{what} {obj.name} is shared directly: consumers read every column, including "
                               "columns added later; share a secure view that lists the columns instead"))
        if obj.columns is None:
            return out
        declared = self._declared_view(share, obj)
        if declared is None:
            out += self._last_updated(share, obj)
        configured = {c.name: c for c in declared.columns} if declared else {}
        for column in obj.columns:
            out += self._pii(share, obj, column, configured.get(column.name))
        return out

    def _declared_view(self, share: str, obj: SharedObject) -> Any:
        if (self.config is None or not self.managed(share) or obj.kind not in VIEW_KINDS
                or obj.parts[0] != self.config.share.database):
            return None
        return self.config.view(obj.parts[1], obj.parts[2])

    def _last_updated(self, share: str, obj: SharedObject) -> list[Finding]:
        """Metadata-only heuristics for shared objects no config describes: all warnings."""
        by_name = {c.name: c for c in obj.columns or ()}
        near = [c for c in by_name if c.upper() == LAST_UPDATED]
        if LAST_UPDATED in by_name:
            data_type = by_name[LAST_UPDATED].data_type or ""
            if data_type and data_type.split("(")[0].upper() not in TIMESTAMP_TYPES:
                return [finding("last_updated.type", "warning", share, obj.name,
                                f"LASTUPDATED of {obj.name} is {data_type}: Optimove filters increments on a "
                                "TIMESTAMP_NTZ (UTC); share it as one")]
            return []
        if near:
            return [finding("identifier.case_sensitive", "warning", share, f"{obj.name}.{identifiers.quote(near[0])}",
                            f"{obj.name} has {identifiers.quote(near[0])}, which consumers must quote exactly: an "
                            "unquoted LastUpdated finds LASTUPDATED; rename the column to LASTUPDATED")]
        return [finding("last_updated.missing", "warning", share, obj.name,
                        f"{obj.name} has no LASTUPDATED column: Optimove cannot read it incrementally and must "
                        "reload it in full; add a TIMESTAMP_NTZ LASTUPDATED (ignore this if the share is not for "
                        "Optimove)")]

    def _pii(self, share: str, obj: SharedObject, column: ColumnState, configured: Any) -> list[Finding]:
        source = configured.source if configured is not None else None
        if configured is not None and configured.expr is not None:
            source = exposed_column(configured.expr)
            if source is None:
                return []  # hashed, masked, truncated, a constant or a flag in the config: reviewed there
        found, origin = pii_hint(column.name), ""
        if found is None and source not in (None, column.name):
            found = pii_hint(source)
            how = "computed from" if configured is not None and configured.expr is not None else "renamed from"
            origin = f" ({how} source column {identifiers.quote(source)})"
        if found is None or self._allowed((*obj.parts, column.name)):
            return []
        category, hint = found
        qualified = f"{obj.name}.{identifiers.quote(column.name)}"
        return [finding("pii.exposed", "warning", share, qualified,
                        f"column {identifiers.quote(column.name)}{origin} looks like {category}, readable as it is "
                        "by every consumer: "
                        f"{hint.format(column=identifiers.quote(source if origin and source else column.name))}; "
                        f"or acknowledge it with --allow-column {qualified}")]

    def _allowed(self, key: tuple[str, ...]) -> bool:
        return any(key[-len(allowed):] == allowed for allowed in self.allow_columns)

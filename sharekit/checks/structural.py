"""Structural checks: what makes a shared view unusable for Optimove, from metadata alone.

`config_checks` needs only the config (run by `validate`); `structural_checks` adds what the
account's metadata says (run inside every `plan`, and by `check`). Findings carry an id that
`--skip-check ID` can waive, a severity, the object, and a message that says what to do.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlglot
from sqlglot import exp

from sharekit.checks.findings import Finding
from sharekit.config.model import INCREMENTAL_KINDS, Config, View
from sharekit.sql import identifiers
from sharekit.sql.fragments import DIALECT, stored
from sharekit.state.model import AccountState, ColumnState

TIMESTAMP_TYPES = ("TIMESTAMP_NTZ", "TIMESTAMP_LTZ", "TIMESTAMP_TZ")
_ADD_IT = "; add it to `columns:` (or the query), or set `last_updated:` on the view"


def view_label(config: Config, view: View) -> str:
    return identifiers.fqn(config.share.database, view.schema, view.name)


def _where(config: Config, view: View) -> str:
    return f"{config.path}:{view.line}" if view.line else config.path


def config_checks(config: Config, actual: AccountState | None = None) -> list[Finding]:
    """Checks that need only the config: LastUpdated presence, names consumers must quote.
    With the account's metadata (`actual`), a missing LastUpdated is looked up in the view's
    sources, so the message says which column to add and how to write it."""
    findings = []
    for view in config.views:
        label = view_label(config, view)
        names = view.column_names
        if view.last_updated not in names:
            severity = "error" if view.kind in INCREMENTAL_KINDS else "warning"
            message = (
                f"({_where(config, view)}) a {view.kind} view must carry its last_updated column "
                f"{identifiers.quote(view.last_updated)}: Optimove's ETL reads it incrementally"
                if severity == "error"
                else f"({_where(config, view)}) dimension view has no {identifiers.quote(view.last_updated)} "
                "column: Optimove must reload it in full every day"
            )
            near = [n for n in names if n.upper() == view.last_updated.upper()]
            if near:
                message += (
                    f"; the view has {identifiers.quote(near[0])}, which differs only in case: "
                    f"write last_updated: '{identifiers.quote(near[0])}', or rename the column "
                    f"to {identifiers.quote(view.last_updated.upper())} so consumers need no quotes"
                )
            elif actual is not None:
                message += _last_updated_hint(config, view, actual)
            else:
                message += _ADD_IT
            findings.append(Finding("last_updated.missing", severity, label, message))
        for name in (view.name, *names):
            if identifiers.needs_quotes(name):
                what = "view" if name == view.name else "column"
                findings.append(Finding(
                    "identifier.case_sensitive", "warning",
                    label if what == "view" else f"{label}.{identifiers.quote(name)}",
                    f"({_where(config, view)}) {what} name {identifiers.quote(name)} must be quoted exactly "
                    f"by consumers: {identifiers.quoting_advice(name)}",
                ))
    return findings


def _columns(actual: AccountState, key: tuple[str, str, str]) -> dict[str, ColumnState] | None:
    found = actual.columns.get(key)
    return None if found is None else {c.name: c for c in found}


def _missing_column(label: str, source: str, name: str, available: dict[str, ColumnState], role: str,
                    shared_as: str | None = None) -> Finding:
    """`shared_as`: the view column a plain or renamed column feeds, so the fix can keep that name."""
    near = [n for n in available if n.upper() == name.upper()]
    message = f"{role} {identifiers.quote(name)} does not exist in {source}"
    if near:
        message += f"; it has {identifiers.quote(near[0])} (names are case-sensitive when quoted): "
        if shared_as is not None:
            message += (f"write {{name: {identifiers.quote(shared_as)}, from: '{identifiers.quote(near[0])}'}} "
                        "in `columns:` to read it and keep the shared name")
        else:
            message += f"write '{identifiers.quote(near[0])}' in the config"
    else:
        message += "; fix the name in the config or add the column to the source"
    return Finding("column.missing", "error", label, message)


def _last_updated_hint(config: Config, view: View, actual: AccountState) -> str:
    """How to add a missing LastUpdated, from the live columns of the view's sources: the same
    name, or one that differs only in case (a quoted "LastUpdated")."""
    wanted = view.last_updated
    found = [
        (identifiers.fqn(*key), column.name)
        for key in view.sources
        for column in sorted(actual.columns.get(key, ()), key=lambda c: c.name != wanted)
        if column.name.upper() == wanted.upper()
    ]
    for where, column in found:
        if view.source is None:
            return (f"; {where} has {identifiers.quote(column)}: select it in the query as "
                    f"{identifiers.quote(column)} AS {identifiers.quote(wanted)}")
        if column == wanted:
            return f"; {where} has {identifiers.quote(column)}: add it to `columns:`"
        return (f"; {where} has {identifiers.quote(column)}, which differs only in case: add "
                f"{{name: {identifiers.quote(wanted)}, from: '{identifiers.quote(column)}'}} to `columns:` "
                "(consumers then need no quotes)")
    return "; add it to `columns:` (or the query), or set `last_updated:` on the view"


def _referenced_columns(sql: str) -> set[str]:
    """Unqualified and qualified column names an expression or query refers to (stored form)."""
    node = sqlglot.parse_one(sql, read=DIALECT)
    return {stored(column.this) for column in node.find_all(exp.Column) if isinstance(column.this, exp.Identifier)}


def column_type(config: Config, view: View, actual: AccountState, name: str, trust_live: bool = True) -> str | None:
    """Data type a view column has (or will have once applied); None when unknown.

    A plain or renamed column of a `from:` view has its source column's type. Otherwise the
    live view's column says, unless `trust_live` is False: a view the config changes (a pending
    replace) may compute the column differently now. Last, a `query:` view's column is looked up
    by name in the only source that has it.
    """
    column = next((c for c in view.columns if c.name == name), None)
    if column is None:
        return None
    if view.source is not None and column.source is not None:
        found = (_columns(actual, view.source) or {}).get(column.source)
        if found is not None and found.data_type:
            return found.data_type
    live = _columns(actual, (config.share.database, view.schema, view.name))
    if trust_live and live and name in live and live[name].data_type:
        return live[name].data_type
    if view.source is not None or column.source is None:
        return None
    # query views: a projection named like the column, looked up in the only source that has it
    candidates = [
        cols[column.source].data_type
        for key in view.sources
        if (cols := _columns(actual, key)) and column.source in cols
    ]
    return candidates[0] if len(set(candidates)) == 1 else None


def structural_checks(
    config: Config, actual: AccountState, changed_views: Iterable[tuple[str, str, str]] = ()
) -> list[Finding]:
    """config_checks plus what needs the account's metadata: sources, columns, LastUpdated type.

    `changed_views`: live views the plan creates or replaces; their live column types are not
    trusted (the config may already fix what the live view gets wrong).
    """
    changed = set(changed_views)
    findings = config_checks(config, actual)
    for view in config.views:
        label = view_label(config, view)
        key = (config.share.database, view.schema, view.name)
        live = actual.views.get(key)
        if live is not None and live.unreadable:
            owner = identifiers.quote(live.owner) if live.owner else "its owner"
            findings.append(Finding(
                "view.unreadable", "warning", label,
                f"the definition of {label} is hidden from this role: Snowflake shows a secure view's text only "
                f"to the role that owns it ({owner}), so sharekit cannot tell whether it matches {config.path} "
                f"and will not replace it for that alone; run sharekit with role {owner}, or have {owner} grant "
                "ownership of the view to this role (GRANT OWNERSHIP … COPY CURRENT GRANTS)",
            ))
        if key in actual.columns and key not in actual.views:
            findings.append(Finding(
                "view.name_taken", "error", label,
                f"{label} already exists in the account and is not a view (a table, most likely): creating the "
                f"view would fail with 'already exists'; rename the view in {config.path}, or move that object",
            ))
        for source in view.sources:
            if source[0] in actual.imported:
                findings.append(Finding(
                    "source.imported", "error", label,
                    f"reads {identifiers.fqn(*source)}, from database {identifiers.quote(source[0])}, which was "
                    f"created from share {actual.imported[source[0]]}: Snowflake does not let objects of an "
                    "imported database be shared again; copy the data into a database of your own (e.g. CREATE "
                    "TABLE … AS SELECT, or a task that refreshes it), or ask that provider to share with "
                    "Optimove directly",
                ))
            if _columns(actual, source) is None:
                findings.append(Finding(
                    "source.missing", "error", label,
                    f"reads {identifiers.fqn(*source)}, which does not exist or is not visible to this role; "
                    "create it, fix `from:`/`query:`, or grant the role access",
                ))
        if view.source is not None and (available := _columns(actual, view.source)) is not None:
            source_name = identifiers.fqn(*view.source)
            for column in view.columns:
                if column.source is not None and column.source not in available:
                    findings.append(_missing_column(label, source_name, column.source, available, "column",
                                                    shared_as=column.name))
                elif column.expr is not None:
                    for name in sorted(_referenced_columns(column.expr) - set(available)):
                        findings.append(_missing_column(label, source_name, name, available,
                                                        f"column {identifiers.quote(column.name)} uses"))
            if view.where:
                for name in sorted(_referenced_columns(view.where) - set(available)):
                    findings.append(_missing_column(label, source_name, name, available, "the row filter uses"))
        if view.last_updated in view.column_names:
            data_type = column_type(config, view, actual, view.last_updated, trust_live=key not in changed)
            base = (data_type or "").split("(")[0].upper()
            quoted = identifiers.quote(view.last_updated)
            if data_type is None:
                pass  # unknown until the view exists (expressions): checked again after apply
            elif base == "DATE":
                findings.append(Finding(
                    "last_updated.type", "warning", label,
                    f"{quoted} is a DATE: Optimove re-reads or misses same-day updates; share a TIMESTAMP_NTZ",
                ))
            elif base not in TIMESTAMP_TYPES:
                findings.append(Finding(
                    "last_updated.type", "error", label,
                    f"{quoted} is {data_type}, not a timestamp: Optimove cannot filter increments on it; "
                    "share a TIMESTAMP_NTZ (UTC) column, e.g. expr: TO_TIMESTAMP_NTZ(...)",
                ))
    return findings

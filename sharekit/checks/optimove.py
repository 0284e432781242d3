"""Optimove's rules from the spec files (`checks.spec`), for views that declare
`optimove: {vertical, table}`: the table spec against the view's columns (metadata only:
`optimove.spec.*`, `optimove.column.*`), and the value rules the data query checks
(`optimove.flag.values`, `optimove.<column>.values`, `optimove.length`, `optimove.decimals`,
`optimove.placeholder_date`; see `checks.data`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sharekit.checks.findings import Finding
from sharekit.checks.spec import NUMERIC, TIMESTAMPS, TYPES, OptimoveSpec, SpecColumn, SpecTable, base_type, fold
from sharekit.checks.structural import column_type, view_label
from sharekit.config.model import Config, View
from sharekit.sql import identifiers
from sharekit.state.model import AccountState

LAST_UPDATED_TYPES = TIMESTAMPS + ("DATE",)


@dataclass(frozen=True)
class Rule:
    """One Optimove value rule on one live column: `Mn_COUNT` / `Mn_SAMPLE` of the data query."""

    kind: str  # values | decimals | placeholder_date | max_length (check_data.sql.j2 knows each)
    column: str  # stored name in the live view
    check_id: str
    severity: str
    values: tuple[str, ...] = ()
    limit: int | None = None
    spec: str = ""  # "ecommerce Customers.Gender", for messages


# --- Optimove: the table spec against the view's columns (metadata only) ---------------------


def _spec_table(config: Config, view: View, spec: OptimoveSpec) -> tuple[SpecTable | None, Finding | None]:
    """The spec table a view declares, or a finding saying why there is none."""
    assert view.optimove is not None
    label = view_label(config, view)
    wanted = view.optimove
    vertical = spec.vertical(wanted.vertical)
    if vertical is None:
        return None, _unknown(label, f"optimove.vertical {wanted.vertical!r} is not a vertical sharekit knows",
                              spec.suggest_vertical(wanted.vertical), sorted(spec.verticals), "describe the vertical")
    table = vertical.table(wanted.table)
    if table is None:
        return None, _unknown(label, f"optimove.table {wanted.table!r} is not a table of Optimove's "
                              f"{vertical.title} vertical", spec.suggest_table(wanted.vertical, wanted.table),
                              [t.name for t in vertical.tables], "add the table")
    return table, None


def _unknown(label: str, what: str, hint: str | None, known: list[str], remedy: str) -> Finding:
    return Finding(
        "optimove.spec.unknown", "error", label,
        what + (f" (did you mean {hint!r}?)" if hint else "")
        + f"; known: {', '.join(known)}. Fix the name, or {remedy} in a file passed with --optimove-spec",
    )


def _match(names: Iterable[str], spec_name: str) -> str | None:
    """The view column an Optimove column name means: same name ignoring case, the upper-case
    (unquoted) spelling first."""
    hits = [name for name in names if fold(name) == fold(spec_name)]
    return next((n for n in hits if n == n.upper()), hits[0] if hits else None)


def optimove_checks(
    config: Config, actual: AccountState, spec: OptimoveSpec, status: dict[tuple[str, str, str], str]
) -> list[Finding]:
    """optimove.spec.unknown / .incomplete, optimove.column.missing / .type, from metadata."""
    findings = []
    for view in config.views:
        if view.optimove is None:
            continue
        label = view_label(config, view)
        table, problem = _spec_table(config, view, spec)
        if problem is not None:
            findings.append(problem)
            continue
        assert table is not None
        what = f"Optimove's {view.optimove.vertical} {table.name}"
        if not table.columns:
            findings.append(Finding(
                "optimove.spec.incomplete", "warning", label,
                f"sharekit does not know the columns of {what} (not in the readable part of Optimove's "
                "page): only the general rules (decimals, placeholder dates) were checked; list its "
                "columns in a file passed with --optimove-spec",
            ))
            continue
        key = (config.share.database, view.schema, view.name)
        for column in table.columns:
            name = _match(view.column_names, column.name)
            if name is None:
                finding = _missing(label, what, column)
                if finding is not None:
                    findings.append(finding)
                continue
            data_type = column_type(config, view, actual, name, trust_live=status.get(key) == "current")
            finding = _type_finding(label, what, column, name, data_type)
            if finding is not None:
                findings.append(finding)
    return findings


def _missing(label: str, what: str, column: SpecColumn) -> Finding | None:
    upper = column.name.upper()
    if column.required == "always":
        return Finding(
            "optimove.column.missing", "error", label,
            f"{what} requires {column.name} ({column.describe}); the view has no such column: add it, "
            f"e.g. {{name: {upper}, from: SOURCE_COLUMN}} in `columns:` (or `... AS {upper}` in the query)",
        )
    if column.required == "conditional":
        why = f": {column.note}" if column.note else " in some setups"
        return Finding(
            "optimove.column.missing", "warning", label,
            f"{what} needs {column.name} ({column.describe}){why}; the view has no such column. "
            f"Add it as {upper} if that applies to you",
        )
    return None


def _type_finding(label: str, what: str, column: SpecColumn, name: str, data_type: str | None) -> Finding | None:
    fit = column.fits(data_type)
    if fit in (None, "ok"):
        return None
    quoted = identifiers.quote(name)
    if column.values:
        allowed = "/".join(f"'{v}'" for v in column.values)
        yes_no = column.values == ("Yes", "No") and base_type(data_type) == "BOOLEAN"
        fix = (f"share IFF({quoted}, 'Yes', 'No')" if yes_no
               else f"map it to the texts {allowed}")
        message = f"{quoted} is {data_type}; {what}.{column.name} is a text holding {allowed}: {fix}"
    else:
        message = f"{quoted} is {data_type}; {what}.{column.name} is a {column.type}: {TYPES[column.type][2]}"
    return Finding("optimove.column.type", "error" if fit == "error" else "warning", f"{label}.{quoted}", message)


# --- Optimove value rules, checked by the data query ------------------------------------------


def value_rules(view: View, live: dict[str, str | None], spec: OptimoveSpec) -> tuple[Rule, ...]:
    """Optimove value rules for a live view: the table spec's allowed values and lengths on text
    columns, then the general rules on every number (decimals) and date (placeholders)."""
    assert view.optimove is not None
    rules: list[Rule] = []
    table = spec.table(view.optimove.vertical, view.optimove.table)
    where = f"{view.optimove.vertical} {table.name}" if table else ""
    for column in table.columns if table else ():
        name = _match(live, column.name)
        if name is None or base_type(live[name]) != "TEXT":
            continue  # missing or of another type: optimove.column.* says so
        if column.values:
            check_id = ("optimove.flag.values" if set(column.values) == {"Yes", "No"}
                        else f"optimove.{column.name.lower()}.values")
            rules.append(Rule("values", name, check_id, "error", column.values, spec=f"{where}.{column.name}"))
        if column.max_length:
            rules.append(Rule("max_length", name, "optimove.length", "warning", limit=column.max_length,
                              spec=f"{where}.{column.name}"))
    for name, data_type in live.items():
        base = base_type(data_type)
        if base in NUMERIC:
            rules.append(Rule("decimals", name, "optimove.decimals", "warning"))
        elif base in LAST_UPDATED_TYPES:
            rules.append(Rule("placeholder_date", name, "optimove.placeholder_date", "error"))
    return tuple(rules)

"""`sharekit check`: structural checks, Optimove's rules and (with `--data`) the shared data itself.

One introspection reads the account; `checks.structural_checks` and the Optimove column rules
need nothing more. Data checks read every live view in ONE query (`check_data.sql.j2`: a UNION
ALL of one aggregate row per view, all rows the same shape), however many views are shared:

- `rows.empty`, `last_updated.nulls`, `last_updated.future` (beyond now + a tolerance),
  `last_updated.stale` (newest value older than the view's `max_age`),
  `primary_key.nulls`, `primary_key.duplicates`;
- for views that declare `optimove: {vertical, table}` (spec: `optimove_spec`):
  `optimove.flag.values` ('Yes'/'No'), `optimove.<column>.values` (e.g. `optimove.gender.values`),
  `optimove.length`, `optimove.decimals` (more than 4 places), `optimove.placeholder_date`.

Views not applied yet (or whose source is gone), and checks whose columns the live view lacks
or has in an unusable type, are left out of the query with a `data.skipped` finding, so one such
view never fails the query for the others; a live view the config would replace is read as it is,
with `data.outdated`. Should Snowflake still refuse the query, each view is read on its own and
the failing ones get `data.query_failed`.

>>> human(93_780)
'1d 2h'
>>> human(-7_199)
'2h'
>>> human(270)
'4m 30s'
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable, Iterable

from sharekit.sql import identifiers
from sharekit.checks.findings import Finding, apply_skips, rank
from sharekit.checks.structural import column_type, structural_checks, view_label
from sharekit.config.load import INCREMENTAL_KINDS, Config, View
from sharekit.state.desired import view_state
from sharekit.state.introspect import introspect
from sharekit.state.model import AccountState
from sharekit.checks.spec import (
    NUMERIC, TIMESTAMPS, TYPES, OptimoveSpec, SpecColumn, SpecTable, base_type, fold, load_spec,
)
from sharekit.plan.diff import same_definition
from sharekit.connect.session import Session
from sharekit.sql.templates import Templates

DEFAULT_TOLERANCE = timedelta(minutes=5)
LAST_UPDATED_TYPES = TIMESTAMPS + ("DATE",)
ZONED = ("TIMESTAMP_LTZ", "TIMESTAMP_TZ")

Progress = Callable[[int, int], None]  # (queries done, queries in all)


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


@dataclass(frozen=True)
class Probe:
    """What the data query reads of one live view (VIEW_NO = `no`)."""

    no: int
    view: View
    label: str
    name: tuple[str, str, str]
    last_updated: str | None = None
    zoned: bool = False  # TIMESTAMP_LTZ / _TZ: compare with CURRENT_TIMESTAMP(), else SYSDATE()
    primary_key: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class CheckReport:
    """What `sharekit check` found, ordered by view (config order), errors first."""

    share: str
    views: tuple[str, ...]  # labels, config order
    findings: tuple[Finding, ...]
    database: str = ""  # the share's database as SQL names it (where the views live)
    skipped_checks: tuple[str, ...] = ()
    data: bool = False
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    def by_view(self) -> list[tuple[str, tuple[Finding, ...]]]:
        """(view label, its findings) for every view, then ("", findings about no one view)."""
        groups = [(label, tuple(f for f in self.findings if _about(f, label))) for label in self.views]
        rest = tuple(f for f in self.findings if not any(_about(f, label) for label in self.views))
        return groups + ([("", rest)] if rest else [])

    def to_json(self) -> dict[str, Any]:
        return {
            "checks": [f.to_json() for f in self.findings],
            "skipped_checks": list(self.skipped_checks),
            "stats": self.stats,
        }


def _about(finding: Finding, label: str) -> bool:
    return finding.object == label or finding.object.startswith(label + ".")


def human(seconds: float) -> str:
    """A duration in its two largest units, rounded to the smaller one: `1d 2h`, `2h 5m`,
    `4m 30s`, `30s` (the sign is dropped)."""
    total = int(round(abs(seconds)))
    if total >= 86_400:
        total = int(round(total / 3_600)) * 3_600
    elif total >= 3_600:
        total = int(round(total / 60)) * 60
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")) if n]
    return " ".join(parts[:2]) or "0s"


# --- the whole check ------------------------------------------------------------------------


def run_checks(
    config: Config,
    session: Session,
    t: Templates,
    *,
    data: bool = False,
    spec: OptimoveSpec | None = None,
    skip_checks: Iterable[str] = (),
    tolerance: timedelta = DEFAULT_TOLERANCE,
    progress: Progress | None = None,
) -> CheckReport:
    """Structural checks and Optimove's column rules; with `data`, the data checks too.
    Reads the account once, then (with `data`) runs one query for all views."""
    before, started = session.round_trips, time.perf_counter()
    spec = spec if spec is not None else load_spec()
    actual = introspect(session, config, t)
    status = view_status(config, actual, t)
    changed = [key for key, state in status.items() if state != "current"]
    findings = structural_checks(config, actual, changed)
    findings += optimove_checks(config, actual, spec, status)
    if data:
        probes, notes = data_probes(config, actual, spec, status)
        findings += notes
        findings += run_data_checks(session, t, probes, tolerance, progress)
    skipped = tuple(sorted(set(skip_checks)))
    labels = tuple(view_label(config, view) for view in config.views)
    stats = {"queries": session.round_trips - before, "seconds": round(time.perf_counter() - started, 3)}
    return CheckReport(
        share=config.share.name,
        views=labels,
        database=identifiers.quote(config.share.database),
        findings=order(apply_skips(findings, skipped), labels),
        skipped_checks=skipped,
        data=data,
        stats=stats,
    )


def order(findings: Iterable[Finding], labels: tuple[str, ...]) -> tuple[Finding, ...]:
    """By view (config order), errors before warnings; otherwise as found (stable)."""

    def key(item: tuple[int, Finding]) -> tuple[int, int, int]:
        index, finding = item
        view = next((i for i, label in enumerate(labels) if _about(finding, label)), len(labels))
        return view, rank(finding.severity), index

    return tuple(finding for _, finding in sorted(enumerate(findings), key=key))


def view_status(config: Config, actual: AccountState, t: Templates) -> dict[tuple[str, str, str], str]:
    """Each configured view → `missing` (not in the account), `outdated` (the config would replace
    it: another definition or other columns) or `current`."""
    status = {}
    for view in config.views:
        key = (config.share.database, view.schema, view.name)
        live = actual.views.get(key)
        if live is None:
            status[key] = "missing"
            continue
        wanted = view_state(t, config, view)
        same = same_definition(live.text, wanted.text) and [c.name for c in live.columns] == list(view.column_names)
        status[key] = "current" if same else "outdated"
    return status


# --- Optimove: the table spec against the view's columns (metadata only) ---------------------


def _spec_table(config: Config, view: View, spec: OptimoveSpec) -> tuple[SpecTable | None, Finding | None]:
    """The spec table a view declares, or a finding saying why there is none."""
    assert view.optimove is not None
    label = view_label(config, view)
    wanted = view.optimove
    vertical = spec.vertical(wanted.vertical)
    if vertical is None:
        hint = spec.suggest_vertical(wanted.vertical)
        return None, Finding(
            "optimove.spec.unknown", "error", label,
            f"optimove.vertical {wanted.vertical!r} is not a vertical sharekit knows"
            + (f" (did you mean {hint!r}?)" if hint else "")
            + f"; known: {', '.join(sorted(spec.verticals))}. Fix the name, or describe the vertical "
            "in a file passed with --optimove-spec",
        )
    table = vertical.table(wanted.table)
    if table is None:
        hint = spec.suggest_table(wanted.vertical, wanted.table)
        return None, Finding(
            "optimove.spec.unknown", "error", label,
            f"optimove.table {wanted.table!r} is not a table of Optimove's {vertical.title} vertical"
            + (f" (did you mean {hint!r}?)" if hint else "")
            + f"; known: {', '.join(t.name for t in vertical.tables)}. Fix the name, or add the table "
            "in a file passed with --optimove-spec",
        )
    return table, None


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
        fix = (f"share IFF({quoted}, 'Yes', 'No')" if column.values == ("Yes", "No") and base_type(data_type) == "BOOLEAN"
               else f"map it to the texts {allowed}")
        message = f"{quoted} is {data_type}; {what}.{column.name} is a text holding {allowed}: {fix}"
    else:
        message = f"{quoted} is {data_type}; {what}.{column.name} is a {column.type}: {TYPES[column.type][2]}"
    return Finding("optimove.column.type", "error" if fit == "error" else "warning", f"{label}.{quoted}", message)


# --- data checks -------------------------------------------------------------------------------


def data_probes(
    config: Config, actual: AccountState, spec: OptimoveSpec, status: dict[tuple[str, str, str], str]
) -> tuple[list[Probe], list[Finding]]:
    """What the data query reads of each live view, and `data.*` findings for what it cannot."""
    probes: list[Probe] = []
    notes: list[Finding] = []
    for view in config.views:
        label = view_label(config, view)
        key = (config.share.database, view.schema, view.name)
        state = status.get(key, "missing")
        if state == "missing":
            notes.append(Finding(
                "data.skipped", "warning", label,
                "the view does not exist in the account yet, so its data was not checked: "
                "run `sharekit apply`, then `sharekit check --data`",
            ))
            continue
        missing = [source for source in view.sources if source not in actual.columns]
        if missing:
            notes.append(Finding(
                "data.skipped", "warning", label,
                "the view reads " + ", ".join(identifiers.fqn(*source) for source in missing)
                + ", which does not exist (see source.missing), so its data was not checked",
            ))
            continue
        if state == "outdated":
            notes.append(Finding(
                "data.outdated", "warning", label,
                "the live view differs from the config (`sharekit plan` shows how): its data was checked "
                "as it is now; run `sharekit apply`, then check again",
            ))
        live = {c.name: c.data_type for c in actual.columns.get(key, ())}
        skipped: list[str] = []
        last_updated, zoned = None, False
        lu_type = base_type(live.get(view.last_updated))
        if view.last_updated not in live:
            skipped.append(f"the LastUpdated checks (the view has no {identifiers.quote(view.last_updated)} column)")
        elif lu_type not in LAST_UPDATED_TYPES:
            skipped.append(f"the LastUpdated checks ({identifiers.quote(view.last_updated)} is "
                           f"{live[view.last_updated]}, not a timestamp)")
        else:
            last_updated, zoned = view.last_updated, lu_type in ZONED
        primary_key: tuple[str, ...] = ()
        if view.primary_key:
            absent = [c for c in view.primary_key if c not in live]
            if absent:
                skipped.append("the primary key checks (the live view has no "
                               + ", ".join(map(identifiers.quote, absent)) + ")")
            else:
                primary_key = view.primary_key
        rules = _rules(view, live, spec) if view.optimove is not None else ()
        if skipped:
            notes.append(Finding("data.skipped", "warning", label, "skipped " + "; ".join(skipped)))
        probes.append(Probe(len(probes) + 1, view, label, key, last_updated, zoned, primary_key, rules))
    return probes, notes


def _rules(view: View, live: dict[str, str | None], spec: OptimoveSpec) -> tuple[Rule, ...]:
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


def data_query(t: Templates, probes: list[Probe], tolerance: timedelta) -> str:
    """The one SELECT that checks every probed view; rows carry VIEW_NO."""
    slots = max((len(p.rules) for p in probes), default=0)
    views = [
        {
            "no": p.no,
            "name": p.name,
            "last_updated": p.last_updated,
            "zoned": p.zoned,
            "primary_key": list(p.primary_key),
            "metrics": list(p.rules) + [None] * (slots - len(p.rules)),
        }
        for p in probes
    ]
    return t.render("check_data", views=views, tolerance_seconds=int(tolerance.total_seconds()))


def run_data_checks(
    session: Session, t: Templates, probes: list[Probe], tolerance: timedelta = DEFAULT_TOLERANCE,
    progress: Progress | None = None,
) -> list[Finding]:
    """One query for every view. If Snowflake refuses it (a broken view), each view is queried
    on its own so the others are still checked and the broken one is named."""
    if not probes:
        return []
    total = 1
    if progress:
        progress(0, total)
    try:
        rows = session.query(data_query(t, probes, tolerance))
    except Exception as error:  # noqa: BLE001 - a refused query, reported per view below
        if not _refused(error):
            raise
        if len(probes) == 1:
            rows, failed = [], [(probes[0], error)]
        else:
            rows, failed = _one_by_one(session, t, probes, tolerance, progress)
    else:
        failed = []
        if progress:
            progress(1, total)
    by_no = {int(row["VIEW_NO"]): row for row in rows}
    findings = []
    for probe in probes:
        if probe.no in by_no:
            findings += evaluate(probe, by_no[probe.no], tolerance)
    for probe, error in failed:
        findings.append(Finding(
            "data.query_failed", "error", probe.label,
            f"reading the view failed: {_error_text(error)}; fix the data or the view's definition "
            "(the other views were checked one by one), then check again",
        ))
    return findings


def _one_by_one(session: Session, t: Templates, probes: list[Probe], tolerance: timedelta,
                progress: Progress | None) -> tuple[list[dict[str, Any]], list[tuple[Probe, Exception]]]:
    rows, failed = [], []
    for done, probe in enumerate(probes, 1):
        try:
            rows += session.query(data_query(t, [probe], tolerance))
        except Exception as error:  # noqa: BLE001
            if not _refused(error):
                raise
            failed.append((probe, error))
        if progress:
            progress(done, len(probes))
    return rows, failed


def _refused(error: Exception) -> bool:
    """A statement Snowflake (or the local account) refused, as opposed to a lost connection."""
    try:
        from snowflake.connector.errors import ProgrammingError
    except ImportError:  # pragma: no cover - the connector is a dependency
        return False
    return isinstance(error, ProgrammingError)


def _error_text(error: Exception) -> str:
    return " ".join(str(getattr(error, "msg", None) or error).split())


def _count(value: Any) -> int:
    return int(value or 0)  # COUNT_IF over no rows is NULL on DuckDB (0 on Snowflake)


def evaluate(probe: Probe, row: dict[str, Any], tolerance: timedelta = DEFAULT_TOLERANCE) -> list[Finding]:
    """One result row of the data query → findings for its view."""
    view, label = probe.view, probe.label
    rows = _count(row.get("ROW_COUNT"))
    if rows == 0:
        return [Finding(
            "rows.empty", "error", label,
            "the view has no rows: Optimove's daily load would find nothing (its volume check fails the "
            "ETL); check the source table and the view's row filter",
        )]
    findings = []
    column = identifiers.quote(view.last_updated)
    if probe.last_updated is not None:
        now = "CURRENT_TIMESTAMP()" if probe.zoned else "SYSDATE() (UTC)"
        nulls, future = _count(row.get("LU_NULLS")), _count(row.get("LU_FUTURE"))
        age, newest = row.get("LU_NEWEST_AGE"), row.get("LU_NEWEST")
        if nulls:
            findings.append(Finding(
                "last_updated.nulls", "error", label,
                f"{_some(nulls, rows, 'has', 'have')} {column} NULL: Optimove's incremental filter never selects "
                f"them, so they are never loaded; set {column} on every insert and update "
                f"(e.g. COALESCE({column}, CREATED_AT))",
            ))
        if future:
            ahead = f", {human(age)} ahead" if age is not None and age < 0 else ""
            zone = ("" if probe.zoned else "; a TIMESTAMP_NTZ written in a local time zone east of UTC "
                    "looks like this: convert it to UTC")
            findings.append(Finding(
                "last_updated.future", "error", label,
                f"{_some(future, rows, 'has', 'have')} {column} later than now + {human(tolerance.total_seconds())} "
                f"(compared with {now}; latest {newest}{ahead}): Optimove's watermark jumps past the updates "
                f"made until then and misses them; {column} must be the UTC time of the change{zone}",
            ))
        limit = view.max_age.total_seconds()
        if age is not None and age > limit:
            severity = "error" if view.kind in INCREMENTAL_KINDS else "warning"
            findings.append(Finding(
                "last_updated.stale", severity, label,
                f"the newest {column} is {newest}, {human(age)} old, older than max_age "
                f"({human(limit)}): the data has stopped being updated; check what feeds "
                f"{_sources(view)}, or set `max_age:` on the view if it changes less often",
            ))
    if probe.primary_key:
        key = ", ".join(map(identifiers.quote, probe.primary_key))
        nulls, duplicates = _count(row.get("PK_NULLS")), _count(row.get("PK_DUPLICATES"))
        if nulls:
            findings.append(Finding(
                "primary_key.nulls", "error", label,
                f"{_some(nulls, rows, 'has', 'have')} a NULL in the primary key ({key}): Optimove needs the key "
                "to identify every row; filter them out or fill the key",
            ))
        if duplicates:
            findings.append(Finding(
                "primary_key.duplicates", "error", label,
                f"{_some(duplicates, rows, 'repeats', 'repeat')} a primary key ({key}) that another row already has: "
                "Optimove needs the key to identify each row; fix the source or the view's join, or "
                "correct `primary_key:`",
            ))
    for index, rule in enumerate(probe.rules, 1):
        count = _count(row.get(f"M{index}_COUNT"))
        if count:
            findings.append(_rule_finding(label, rule, count, rows, row.get(f"M{index}_SAMPLE")))
    return findings


def _some(n: int, rows: int, singular: str, plural: str) -> str:
    """`1 of 3 rows has`, `2 of 3 rows have`: a count of rows and its verb."""
    return f"{n} of {rows} row{'s' if rows != 1 else ''} {singular if n == 1 else plural}"


def _sources(view: View) -> str:
    return ", ".join(identifiers.fqn(*source) for source in view.sources)


def _rule_finding(label: str, rule: Rule, count: int, rows: int, sample: Any) -> Finding:
    column = identifiers.quote(rule.column)
    if rule.kind == "values":
        allowed = ", ".join(f"'{v}'" for v in rule.values)
        fix = ("e.g. IFF(<condition>, 'Yes', 'No')" if set(rule.values) == {"Yes", "No"}
               else "e.g. with DECODE or CASE")
        message = (f"{_some(count, rows, 'holds', 'hold')} a value other than {allowed} in {column} "
                   f"(e.g. {_quoted(sample)}): {rule.spec} allows only those exact texts (or NULL); "
                   f"map the values, {fix}")
    elif rule.kind == "max_length":
        message = (f"{_some(count, rows, 'holds', 'hold')} more than {rule.limit} characters in {column} "
                   f"(the longest has {sample}): {rule.spec} takes at most {rule.limit}")
    elif rule.kind == "decimals":
        message = (f"{_some(count, rows, 'has', 'have')} more than 4 decimal places in {column} "
                   f"(e.g. {sample}): Optimove keeps at most 4; share ROUND({column}, 4)")
    else:
        message = (f"{_some(count, rows, 'holds', 'hold')} a placeholder date in {column} (e.g. {sample}; "
                   "years up to 1900 or from 9999): Optimove wants NULL for an unknown date; map it to "
                   f"NULL, e.g. IFF(YEAR({column}) <= 1900, NULL, {column})")
    return Finding(rule.check_id, rule.severity, f"{label}.{column}", message)


def _quoted(value: Any) -> str:
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"

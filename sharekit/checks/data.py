"""The data checks of `sharekit check --data` (the whole check: `sharekit.checks.run`).

Data checks read the live views in one query per DATA_CHUNK (50) views (`check_data.sql.j2`: a
UNION ALL of one aggregate row per view, all rows the same shape), DATA_WORKERS (8) queries in
flight at once, so 1 to 50 views take one query and 10,000 take 200:

- `rows.empty`, `last_updated.nulls`, `last_updated.future` (beyond now + a tolerance),
  `last_updated.stale` (newest value older than the view's `max_age`),
  `primary_key.nulls`, `primary_key.duplicates`;
- `volume.drop` for views with `volume:` (Optimove's daily volume rule, `checks.volume`);
- for views that declare `optimove: {vertical, table}` (spec: `optimove_spec`):
  `optimove.flag.values` ('Yes'/'No'), `optimove.<column>.values` (e.g. `optimove.gender.values`),
  `optimove.length`, `optimove.decimals` (more than 4 places), `optimove.placeholder_date`.

Views not applied yet (or whose source is gone), and checks whose columns the live view lacks
or has in an unusable type, are left out of the query with a `data.skipped` finding, so one such
view never fails the query for the others; a live view the config would replace is read as it is,
with `data.outdated`. Should Snowflake still refuse a query, each view of it is read on its own
and the failing ones get `data.query_failed`.

>>> human(93_780)
'1d 2h'
>>> human(-7_199)
'2h'
>>> human(270)
'4m 30s'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sharekit.checks.findings import Finding
from sharekit.checks.optimove import LAST_UPDATED_TYPES, Rule, value_rules
from sharekit.checks.spec import OptimoveSpec, base_type
from sharekit.checks.structural import view_label
from sharekit.checks.volume import volume_findings, volume_probe
from sharekit.config.model import INCREMENTAL_KINDS, Config, View, Volume
from sharekit.connect.reads import Reads
from sharekit.connect.session import Session, wrap_connector_error
from sharekit.errors import StatementRefused
from sharekit.sql import identifiers
from sharekit.sql.templates import Templates
from sharekit.state.model import AccountState

DEFAULT_TOLERANCE = timedelta(minutes=5)
ZONED = ("TIMESTAMP_LTZ", "TIMESTAMP_TZ")

DATA_CHUNK = 50  # views per data query: a query of a few hundred KB, quick to parse and plan
DATA_WORKERS = 8  # data queries in flight at once

Progress = Callable[[int, int], None]  # (queries done, queries in all)


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
    volume: Volume | None = None  # Optimove's volume rule (checks/volume.py)


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
        rules = value_rules(view, live, spec) if view.optimove is not None else ()
        volume = volume_probe(view, live, skipped)
        if skipped:
            notes.append(Finding("data.skipped", "warning", label, "skipped " + "; ".join(skipped)))
        probes.append(Probe(len(probes) + 1, view, label, key, last_updated, zoned, primary_key, rules, volume))
    return probes, notes


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
            "volume": p.volume,
        }
        for p in probes
    ]
    return t.render("check_data", views=views, tolerance_seconds=int(tolerance.total_seconds()))


def chunks(probes: list[Probe], size: int = DATA_CHUNK) -> list[list[Probe]]:
    """The probes, `size` views a query (config order)."""
    return [probes[i:i + size] for i in range(0, len(probes), max(1, size))]


def run_data_checks(
    session: Session, t: Templates, probes: list[Probe], tolerance: timedelta = DEFAULT_TOLERANCE,
    progress: Progress | None = None, chunk: int = DATA_CHUNK, workers: int = DATA_WORKERS,
) -> tuple[list[Finding], dict[str, int]]:
    """(findings, rows per view label) from one query per `chunk` views, `workers` at a time. A
    chunk Snowflake refuses (a broken view) is read again view by view, so the others are still
    checked and the broken one is named. Findings are in probe order whatever order the answers
    come in; the row counts (for `handoff`) cost nothing more, the query counts them anyway."""
    if not probes:
        return [], {}
    rows, failed = _read(session, t, chunks(probes, chunk), tolerance, progress, workers)
    refused = [(group[0], error) for group, error in failed if len(group) == 1]
    retry = [[probe] for group, _ in failed if len(group) > 1 for probe in group]
    if retry:
        more, again = _read(session, t, retry, tolerance, progress, workers)
        rows += more
        refused += [(group[0], error) for group, error in again]
    by_no = {int(row["VIEW_NO"]): row for row in rows}
    findings, counts = [], {}
    for probe in probes:
        if probe.no in by_no:
            findings += evaluate(probe, by_no[probe.no], tolerance)
            counts[probe.label] = _count(by_no[probe.no].get("ROW_COUNT"))
    for probe, refusal in sorted(refused, key=lambda item: item[0].no):
        findings.append(Finding(
            "data.query_failed", "error", probe.label,
            f"reading the view failed: {_error_text(refusal)}; fix the data or the view's definition "
            "(the other views were checked one by one), then check again",
        ))
    return findings, counts


def _read(session: Session, t: Templates, groups: list[list[Probe]], tolerance: timedelta,
          progress: Progress | None, workers: int,
          ) -> tuple[list[dict[str, Any]], list[tuple[list[Probe], Exception]]]:
    """The data query of every group, concurrently: (rows, refused groups with their error).
    Anything but a refusal (a lost connection) is raised, after every query sent has ended."""
    if progress:
        progress(0, len(groups))
    rows: list[dict[str, Any]] = []
    failed: list[tuple[list[Probe], Exception]] = []
    with Reads(session, workers, stop_on_failure=False) as reads:
        for index, group in enumerate(groups):
            reads.send(str(index), data_query(t, group, tolerance))
        for done, _ in enumerate(reads.as_finished(), 1):
            if progress:
                progress(done, len(groups))
        for index, group in enumerate(groups):  # in order: the error a one-by-one read meets first
            try:
                rows += reads.result(str(index))
            except Exception as error:  # a refused query is reported per view; anything else is raised
                if not _refused(error):
                    raise
                failed.append((group, error))
    return rows, failed


def _refused(error: Exception) -> bool:
    """A statement Snowflake (or the local account) refused, as opposed to a lost connection;
    a bare session's connector error is classified the way GuardedSession does."""
    return isinstance(error, StatementRefused) or isinstance(wrap_connector_error(error), StatementRefused)


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
    findings += volume_findings(probe.volume, label, row)
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

"""`sharekit monitor status`: the monitor's last run, read back from its results table in one query.

The run is unhealthy when it found an error, or when it is older than one schedule period plus
a margin (a tenth of the period, at least 30 minutes): then the task itself has stopped (it was
suspended, its warehouse is gone, the procedure fails). No run at all is unhealthy too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sharekit.checks.findings import Finding
from sharekit.config.model import Config
from sharekit.config.monitor import cron_period_minutes
from sharekit.connect.session import Session
from sharekit.errors import SharekitError
from sharekit.monitor.objects import RESULTS, TASK
from sharekit.monitor.run import RUN_CHECK
from sharekit.sql import identifiers
from sharekit.sql.templates import Templates


def margin(period: timedelta) -> timedelta:
    return max(period / 10, timedelta(minutes=30))


@dataclass(frozen=True)
class MonitorStatus:
    table: str
    schedule: str
    period: timedelta
    run_id: str | None = None
    run_at: str | None = None
    age_seconds: int | None = None
    findings: tuple[Finding, ...] = ()
    summary: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def stale(self) -> bool:
        return self.age_seconds is None or timedelta(seconds=self.age_seconds) > self.period + margin(self.period)

    @property
    def problems(self) -> list[str]:
        """Why `monitor status` exits 1 (empty: healthy)."""
        out = []
        if self.run_id is None:
            out.append(f"the monitor has not run yet (no rows in {self.table}): check that task {TASK} is "
                       "resumed (`sharekit apply`), or run it once (EXECUTE TASK; locally `sharekit local run-task`)")
        elif self.stale:
            out.append(f"the last run is {_hours(self.age_seconds or 0)} old, more than one period of the schedule "
                       f"({self.schedule}) plus {_hours(margin(self.period).total_seconds())}: the task has stopped "
                       f"running; check SHOW TASKS (state), its warehouse and TASK_HISTORY for {TASK}")
        if self.errors:
            out.append(f"the last run found {len(self.errors)} error(s) (listed above)")
        return out

    def to_json(self) -> dict[str, Any]:
        return {"table": self.table, "schedule": self.schedule, "run_id": self.run_id, "run_at": self.run_at,
                "age_seconds": self.age_seconds, "stale": self.stale, "summary": self.summary,
                "checks": [{**f.to_json(), "figures": f.figures} for f in self.findings],
                "problems": self.problems, "stats": self.stats}


def _hours(seconds: float) -> str:
    from sharekit.checks.data import human

    return human(seconds)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _figures(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str) and text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def read_status(config: Config, session: Session, t: Templates) -> MonitorStatus:
    """The last run's rows and age, in one query."""
    monitor = config.monitor
    if monitor is None:
        raise SharekitError(f"{config.path} has no `monitor:` section: add one (schema, warehouse, schedule), "
                            "then `sharekit apply`")
    table = (monitor.database, monitor.schema, RESULTS)
    rows = session.query(t.render("monitor_last_run", table=table))
    period = timedelta(minutes=cron_period_minutes(monitor.schedule))
    base = MonitorStatus(identifiers.fqn(*table), monitor.schedule, period, stats={"queries": 1})
    if not rows:
        return base
    first = rows[0]
    findings, summary = [], {}
    for row in rows:
        if row.get("CHECK_ID") == RUN_CHECK:
            summary = _figures(row.get("FIGURES"))
            continue
        findings.append(Finding(str(row.get("CHECK_ID")), str(row.get("SEVERITY")), str(row.get("VIEW_NAME") or ""),
                                str(row.get("MESSAGE") or ""), figures=_figures(row.get("FIGURES"))))
    findings.sort(key=lambda f: (f.severity != "error", f.object, f.id))
    return MonitorStatus(base.table, base.schedule, period, run_id=str(first.get("RUN_ID")),
                         run_at=str(first.get("RUN_AT")), age_seconds=int(first.get("AGE_SECONDS") or 0),
                         findings=tuple(findings), summary=summary, stats=base.stats)


def status_markdown(status: MonitorStatus, target: str) -> str:
    lines = [f"## sharekit monitor status ({target})", "",
             f"Last run: {status.run_at or 'never'} UTC" + (f" ({_hours(status.age_seconds or 0)} ago)"
                                                           if status.run_id else ""),
             f"Schedule: `{status.schedule}`", ""]
    if status.findings:
        lines += ["| severity | check | object | message |", "| --- | --- | --- | --- |"]
        lines += [f"| {f.severity} | `{f.id}` | `{f.object}` | {_cell(f.message)} |" for f in status.findings]
    elif status.run_id:
        lines.append("No findings.")
    lines += [""] + [f"- **{p}**" for p in status.problems]
    return "\n".join(lines).rstrip() + "\n"

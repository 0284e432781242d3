"""One monitor run: sharekit's own checks (`checks.run.run_checks` with the data checks, the
volume check included), then one row per finding in the results table and a `monitor.run` row
that records the run itself, then results older than `keep_days` deleted.

Queries: introspection (six without the monitor's own SHOWs, which a run does not need), one
data query per 50 views, one INSERT per 1,000 rows, one DELETE with `keep_days`: the same count
for 1 to 50 views.
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sharekit.config.model import Config
from sharekit.connect.session import Session
from sharekit.monitor.objects import RESULTS
from sharekit.sql.templates import Templates, get_templates

INSERT_ROWS = 1000  # rows per INSERT: a statement well under Snowflake's recommended 1 MB
RUN_CHECK = "monitor.run"


def result_rows(findings: Any, summary: dict[str, Any]) -> list[dict[str, str]]:
    """The results table's rows: each finding, then the run's own row (severity `info`)."""
    rows = [{"view": f.object, "check_id": f.id, "severity": f.severity, "message": f.message,
             "figures": json.dumps(f.figures, sort_keys=True)} for f in findings]
    message = f"{summary['errors']} error(s), {summary['warnings']} warning(s) over {summary['views']} view(s)"
    rows.append({"view": "", "check_id": RUN_CHECK, "severity": "info", "message": message,
                 "figures": json.dumps(summary, sort_keys=True)})
    return rows


def run_monitor(session: Session, config: Config, t: Templates | None = None) -> dict[str, Any]:
    """Run the checks on `session` and write the results; returns the run's summary."""
    from sharekit.checks.run import run_checks

    assert config.monitor is not None, "the config has no monitor: section"
    t = t or get_templates()
    started, before = time.perf_counter(), session.round_trips
    run_id, run_at = uuid.uuid4().hex, datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    report = run_checks(dataclasses.replace(config, monitor=None), session, t, data=True)
    summary = {"run_id": run_id, "run_at": run_at, "views": len(config.views), "errors": len(report.blocking),
               "warnings": len(report.warnings)}
    table = (config.monitor.database, config.monitor.schema, RESULTS)
    rows = result_rows(report.findings, summary)
    for start in range(0, len(rows), INSERT_ROWS):
        session.execute(t.render("monitor_insert_results", table=table, run_id=run_id,
                                 rows=rows[start:start + INSERT_ROWS]))
    if config.monitor.keep_days is not None:
        session.execute(t.render("monitor_delete_old", table=table, keep_days=config.monitor.keep_days))
    return {**summary, "queries": session.round_trips - before, "seconds": round(time.perf_counter() - started, 3)}


def packaged_config(read: Callable[[str], bytes], name: str) -> Config:
    """The config packaged in a code archive (`monitor.package`), with its variables; `read`
    gives an entry's bytes (from the zip, or from the directory it was extracted to)."""
    from sharekit.config.load import parse_config
    from sharekit.monitor.package import CONFIG_ENTRY, VARIABLES_ENTRY

    text = read(CONFIG_ENTRY).decode("utf-8")
    variables = json.loads(read(VARIABLES_ENTRY).decode("utf-8"))
    return parse_config(text, f"sharekit.yml in {name}", variables)


def run_packaged(session: Session, archive_path: Path) -> dict[str, Any]:
    """A run with the config a code archive carries (the local account's run-task)."""
    with zipfile.ZipFile(archive_path) as archive:
        config = packaged_config(archive.read, archive_path.name)
    return run_monitor(session, config)

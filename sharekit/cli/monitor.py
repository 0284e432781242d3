"""`sharekit monitor …`: the in-account check run (`monitor:` in sharekit.yml).

`status` reads the last run from the results table (`sharekit.monitor.status`) in one query;
exit 1 when it found errors, is older than one schedule period plus a margin, or never ran.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sharekit.cli import common

monitor_app = typer.Typer(
    name="monitor",
    help="sharekit's checks inside Snowflake on a schedule (the `monitor:` section): their last run.",
    no_args_is_help=True,
)


@monitor_app.command("status")
@common.handle_errors
def status(
    file: Path = common.FileOption,
    connection: str | None = common.ConnectionOption,
    local: bool = common.LocalOption,
    local_dir: Path | None = common.LocalDirOption,
    record: Path | None = common.RecordOption,
    replay: Path | None = common.ReplayOption,
    fmt: common.Format = common.FormatOption,
    var: list[str] | None = common.VarOption,
    templates_dir: Path | None = common.TemplatesOption,
) -> None:
    """Show the monitor's last run: its time and findings, in one query.

    Exits 1 when the last run found an error, when it is older than one period of the schedule
    plus a margin (the task stopped), or when the monitor never ran.

    Example: sharekit monitor status -c prod --format markdown
    """
    from sharekit.monitor.status import read_status, status_markdown

    config = common.load(file, var)
    t = common.templates(templates_dir)
    target = common.target_name(connection, local, local_dir, replay)
    with common.session_for(config, connection, local, local_dir, record, replay) as session:
        report = read_status(config, session, t)
    common.emit(fmt, report.to_json, lambda: status_markdown(report, target), lambda: _print(report, target))
    if report.problems:
        for problem in report.problems:
            common.error_line(problem)
        raise typer.Exit(1)


def _print(report: object, target: str) -> None:
    from sharekit.monitor.status import MonitorStatus

    assert isinstance(report, MonitorStatus)
    console = common.out()
    console.print(f"sharekit monitor status on {target}: results in {report.table}", markup=False)
    if report.run_id is None:
        console.print("Last run: never", markup=False)
        return
    console.print(f"Last run: {report.run_at} UTC, {report.age_seconds}s ago (run {report.run_id}); "
                  f"schedule {report.schedule}", markup=False)
    if not report.findings:
        console.print("No findings.", markup=False)
    for finding in report.findings:
        console.print(f"  {finding.severity:<7} {finding.id:<24} {finding.object}", markup=False)
        console.print(f"          {finding.message}", markup=False)

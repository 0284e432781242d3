"""`sharekit check`: LastUpdated and Optimove data readiness, as a table, JSON or Markdown.

The work is `sharekit.checks.run.run_checks`; this module wires options to it and hands the
report to `sharekit.output.check`. Exit 1 when an error-severity finding remains after `--skip-check`, else 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from sharekit.cli import common
from sharekit.errors import SharekitError
from sharekit.output.common import plural

if TYPE_CHECKING:
    from datetime import timedelta

    from sharekit.checks.run import CheckReport
    from sharekit.checks.spec import OptimoveSpec
    from sharekit.config.model import Config
    from sharekit.connect.session import Session
    from sharekit.sql.templates import Templates

@common.handle_errors
def check(
    file: Path = common.FileOption,
    connection: str | None = common.ConnectionOption,
    local: bool = common.LocalOption,
    local_dir: Path | None = common.LocalDirOption,
    record: Path | None = common.RecordOption,
    replay: Path | None = common.ReplayOption,
    data: bool = typer.Option(
        False, "--data",
        help="Also read the shared data: rows, LastUpdated, keys, Optimove's value rules (one query for all views)."),
    fmt: common.ReportFormat = common.ReportFormatOption,
    skip_check: list[str] | None = common.SkipCheckOption,
    optimove_spec: list[Path] | None = typer.Option(
        None, "--optimove-spec", envvar="SHAREKIT_OPTIMOVE_SPEC", metavar="FILE",
        help="A YAML file extending or overriding the built-in Optimove table specs (repeatable; "
             "layout of sharekit/optimove/*.yml).",
    ),
    future_tolerance: str = typer.Option(
        "5m", "--future-tolerance", metavar="DURATION",
        help="How far past now a LastUpdated may lie before it counts as future (e.g. 5m, 1h)."),
    var: list[str] | None = common.VarOption,
    templates_dir: Path | None = common.TemplatesOption,
) -> None:
    """Prove every incremental view has a usable LastUpdated and the data fits Optimove.

    Structural checks always (one read of the account's metadata); with --data, the data of
    every view in one query. Exits 1 when an error remains after --skip-check.

    Example: sharekit check --local --data --format markdown
    """
    from sharekit.checks.spec import load_spec
    from sharekit.config.model import parse_duration
    from sharekit.output.check import print_report, report_markdown
    from sharekit.output.sarif import sarif_log

    try:
        tolerance = parse_duration(future_tolerance)
    except ValueError as error:
        raise SharekitError(f"--future-tolerance: {error}") from None
    config = common.load(file, var)
    t = common.templates(templates_dir)
    spec = load_spec(optimove_spec or ())
    target = common.target_name(connection, local, local_dir, replay)
    with common.session_for(config, connection, local, local_dir, record, replay) as session:
        report = _run_with_progress(config, session, t, data, spec, skip_check or (), tolerance)
    common.emit_report(fmt, report.to_json, lambda: report_markdown(report, target),
                       lambda: print_report(report, common.out(), target),
                       lambda: sarif_log(report.findings, "check", config))
    if report.blocking:
        common.error_line(f"{plural(len(report.blocking), 'check')} failed with severity error (listed above); "
                          "fix them, or waive one with --skip-check ID if you are sure")
        raise typer.Exit(1)


def _run_with_progress(config: Config, session: Session, t: Templates, data: bool, spec: OptimoveSpec,
                       skip: Iterable[str], tolerance: timedelta) -> CheckReport:
    from sharekit.checks.run import run_checks
    from sharekit.output.progress import counter

    views = plural(len(config.views), "view")
    # CI logs and pipes get no bar (nor the blank line it leaves)
    with counter(common.err(), f"Checking the data of {views}", first="Reading the account's metadata") as bar:

        def progress(done: int, total: int) -> None:
            if bar:  # one query for all views: the bar pulses until it returns; per-view queries count up
                bar(done, total if total > 1 else None, "")

        return run_checks(config, session, t, data=data, spec=spec, skip_checks=skip,
                          tolerance=tolerance, progress=progress if bar else None)

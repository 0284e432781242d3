"""`sharekit check`: LastUpdated and Optimove data readiness, as a table, JSON or Markdown.

The work is `sharekit.datachecks.run_checks`; this module wires options to it and draws the
report. Exit 1 when an error-severity finding remains after `--skip-check`, else 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sharekit.cli.main import (
    ConnectionOption,
    FileOption,
    Format,
    FormatOption,
    LocalDirOption,
    LocalOption,
    SkipCheckOption,
    TemplatesOption,
    VarOption,
    app,
    emit,
    err,
    error_line,
    handle_errors,
    load,
    out,
    session_for,
    target_name,
    templates,
)
from sharekit.errors import SharekitError

if TYPE_CHECKING:
    from sharekit.checks.run import CheckReport

SEVERITY_STYLE = {"error": "red", "warning": "yellow"}


@app.command()
@handle_errors
def check(
    file: Path = FileOption,
    connection: Optional[str] = ConnectionOption,
    local: bool = LocalOption,
    local_dir: Optional[Path] = LocalDirOption,
    data: bool = typer.Option(False, "--data", help="Also read the shared data: rows, LastUpdated, keys, Optimove's value rules (one query for all views)."),
    fmt: Format = FormatOption,
    skip_check: Optional[List[str]] = SkipCheckOption,
    optimove_spec: Optional[List[Path]] = typer.Option(
        None, "--optimove-spec", envvar="SHAREKIT_OPTIMOVE_SPEC", metavar="FILE",
        help="A YAML file extending or overriding the built-in Optimove table specs (repeatable; "
             "layout of sharekit/optimove/*.yml).",
    ),
    future_tolerance: str = typer.Option("5m", "--future-tolerance", metavar="DURATION", help="How far past now a LastUpdated may lie before it counts as future (e.g. 5m, 1h)."),
    var: Optional[List[str]] = VarOption,
    templates_dir: Optional[Path] = TemplatesOption,
) -> None:
    """Prove every incremental view has a usable LastUpdated and the data fits Optimove.

    Structural checks always (one read of the account's metadata); with --data, the data of
    every view in one query. Exits 1 when an error remains after --skip-check.

    Example: sharekit check --local --data --format markdown
    """
    from sharekit.config.model import parse_duration
    from sharekit.checks.spec import load_spec

    try:
        tolerance = parse_duration(future_tolerance)
    except ValueError as error:
        raise SharekitError(f"--future-tolerance: {error}") from None
    config = load(file, var)
    t = templates(templates_dir)
    spec = load_spec(optimove_spec or ())
    target = target_name(connection, local, local_dir)
    with session_for(config, connection, local, local_dir) as session:
        report = _run_with_progress(config, session, t, data, spec, skip_check or (), tolerance)
    emit(fmt, report.to_json, lambda: report_markdown(report, target), lambda: print_report(report, out(), target))
    if report.blocking:
        count = len(report.blocking)
        error_line(f"{count} check{'s' if count != 1 else ''} failed with severity error (listed above); "
                   "fix them, or waive one with --skip-check ID if you are sure")
        raise typer.Exit(1)


def _run_with_progress(config, session, t, data, spec, skip, tolerance) -> "CheckReport":  # noqa: ANN001
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from sharekit.checks.run import run_checks

    views = len(config.views)
    console = err()
    if not console.is_terminal:  # CI logs and pipes get no bar (nor the blank line it leaves)
        return run_checks(config, session, t, data=data, spec=spec, skip_checks=skip, tolerance=tolerance)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("Reading the account's metadata", total=None)

        def progress(done: int, total: int) -> None:
            # one query for all views: the bar pulses until it returns; per-view queries count up
            bar.update(task, description=f"Checking the data of {views} view{'s' if views != 1 else ''}",
                       total=total if total > 1 else None, completed=done)

        return run_checks(config, session, t, data=data, spec=spec, skip_checks=skip,
                          tolerance=tolerance, progress=progress)


def _summary(report: "CheckReport") -> str:
    errors, warnings = len(report.blocking), len(report.warnings)
    views = len(report.views)
    kinds = "structural and data checks" if report.data else "structural checks; add --data to read the data"
    counts = f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
    return f"{counts} in {views} view{'s' if views != 1 else ''} ({kinds})."


def _stats(report: "CheckReport") -> str:
    stats = report.stats
    return f"Read the account in {stats.get('queries', 0)} queries, {stats.get('seconds', 0):.2f} s."


def print_report(report: "CheckReport", console: Console, target: str) -> None:
    """A table grouped by view: each view once, its findings errors first; `ok` when it has none.
    Views are named without the share database, which the heading names once."""
    console.print(Text.assemble("sharekit check for share ", (report.share, "bold"), f" on {target}"))
    prefix = report.database + "." if report.database else ""
    table = Table(expand=False)
    table.add_column("View", overflow="fold")
    table.add_column("Severity", no_wrap=True)
    table.add_column("Check", overflow="fold")
    table.add_column("Message", overflow="fold", ratio=1)
    for index, (label, findings) in enumerate(report.by_view()):
        if index:
            table.add_section()
        short = label[len(prefix):] if prefix and label.startswith(prefix) else label
        name = Text(short or "(no view)", style="bold")
        if not findings:
            table.add_row(name, Text("ok", style="green"), Text("-"), Text("every check passes"))
            continue
        for row, finding in enumerate(findings):
            table.add_row(
                name if row == 0 else Text(""),
                Text(finding.severity, style=SEVERITY_STYLE.get(finding.severity, "")),
                Text(finding.id),
                Text(finding.message),
            )
    if prefix:
        table.title = Text(f"views in {report.database}", style="dim")
    console.print(table)
    if report.skipped_checks:
        console.print(Text.assemble(("Skipped checks (--skip-check): ", "yellow"), ", ".join(report.skipped_checks)))
    style = "red" if report.blocking else "yellow" if report.warnings else "green"
    console.print(Text(_summary(report), style=style))
    console.print(Text(_stats(report), style="dim"))


def report_markdown(report: "CheckReport", target: str) -> str:
    """A pull-request comment: a summary line, then one table per view."""
    lines = [f"### sharekit check: `{report.share}` on {_cell(target)}", "", f"**{_summary(report)}**", ""]
    for label, findings in report.by_view():
        lines.append(f"#### <code>{_html(label or '(no view)')}</code>")
        lines.append("")
        if not findings:
            lines += [":white_check_mark: every check passes", ""]
            continue
        lines += ["| severity | check | object | message |", "|---|---|---|---|"]
        for finding in findings:
            icon = ":x:" if finding.severity == "error" else ":warning:"
            lines.append(f"| {icon} {finding.severity} | `{finding.id}` | <code>{_html(finding.object)}</code> "
                         f"| {_cell(finding.message)} |")
        lines.append("")
    if report.skipped_checks:
        lines += ["Skipped checks: " + ", ".join(f"`{c}`" for c in report.skipped_checks), ""]
    lines.append(f"<sub>{_stats(report)}</sub>")
    return "\n".join(lines) + "\n"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "&#124;")


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, no HTML, `|` escaped."""
    return " ".join(_html(text).split())

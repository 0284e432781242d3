"""How a check report reads: a table grouped by view for a terminal, Markdown for a pull
request (the JSON is `CheckReport.to_json`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sharekit.output.common import SEVERITY_STYLE, md_code, md_text, plural, stats_line

if TYPE_CHECKING:
    from sharekit.checks.run import CheckReport


def _summary(report: CheckReport) -> str:
    kinds = "structural and data checks" if report.data else "structural checks; add --data to read the data"
    counts = f"{plural(len(report.blocking), 'error')}, {plural(len(report.warnings), 'warning')}"
    return f"{counts} in {plural(len(report.views), 'view')} ({kinds})."


def print_report(report: CheckReport, console: Console, target: str) -> None:
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
    console.print(Text(stats_line(report.stats), style="dim"))


def report_markdown(report: CheckReport, target: str) -> str:
    """A pull-request comment: a summary line, then one table per view."""
    lines = [f"### sharekit check: {md_code(report.share)} on {md_text(target)}", "", f"**{_summary(report)}**", ""]
    for label, findings in report.by_view():
        lines.append(f"#### {md_code(label or '(no view)')}")
        lines.append("")
        if not findings:
            lines += [":white_check_mark: every check passes", ""]
            continue
        lines += ["| severity | check | object | message |", "|---|---|---|---|"]
        for finding in findings:
            icon = ":x:" if finding.severity == "error" else ":warning:"
            lines.append(f"| {icon} {finding.severity} | {md_code(finding.id)} | {md_code(finding.object)} "
                         f"| {md_text(finding.message)} |")
        lines.append("")
    if report.skipped_checks:
        lines += ["Skipped checks: " + ", ".join(md_code(c) for c in report.skipped_checks), ""]
    lines.append(f"<sub>{stats_line(report.stats)}</sub>")
    return "\n".join(lines) + "\n"

"""How a check report reads: a table grouped by view for a terminal, Markdown for a pull
request (the JSON is `CheckReport.to_json`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sharekit.output.common import SEVERITY_STYLE, md_code, md_text, plural, print_rows, stats_line, wrapped

if TYPE_CHECKING:
    from sharekit.checks.run import CheckReport


def _summary(report: CheckReport) -> str:
    kinds = "structural and data checks" if report.data else "structural checks; add --data to read the data"
    counts = f"{plural(len(report.blocking), 'error')}, {plural(len(report.warnings), 'warning')}"
    return f"{counts} in {plural(len(report.views), 'view')} ({kinds})."


def print_report(report: CheckReport, console: Console, target: str) -> None:
    """A table grouped by view: each view once, its findings errors first; `ok` when it has none.
    Views are named without the share database, which the heading names once. Too narrow a
    terminal gets the same as a list: ids and names stay whole, the messages wrap."""
    console.print(wrapped(console, Text.assemble("sharekit check for share ", (report.share, "bold"),
                                                 f" on {target}"), 2))
    prefix = report.database + "." if report.database else ""
    table = Table(expand=False)
    table.add_column("View")
    table.add_column("Severity")
    table.add_column("Check")
    table.add_column("Message", ratio=1)
    groups = []
    for label, findings in report.by_view():
        short = label[len(prefix):] if prefix and label.startswith(prefix) else label
        rows = [(Text(f.severity, style=SEVERITY_STYLE.get(f.severity, "")), Text(f.id), Text(f.message))
                for f in findings] or [(Text("ok", style="green"), Text("-"), Text("every check passes"))]
        groups.append((Text(short or "(no view)", style="bold"), rows))
    if prefix:
        table.title = Text(f"views in {report.database}", style="dim")
    print_rows(console, table, groups, wrap=2)
    if report.skipped_checks:
        console.print(wrapped(console, Text.assemble(("Skipped checks (--skip-check): ", "yellow"),
                                                     ", ".join(report.skipped_checks)), 2))
    style = "red" if report.blocking else "yellow" if report.warnings else "green"
    console.print(wrapped(console, Text(_summary(report), style=style), 2))
    console.print(wrapped(console, Text(stats_line(report.stats), style="dim"), 2))


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

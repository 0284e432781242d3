"""How a doctor report reads: the account's facts, then every check (errors, warnings, then
those that passed) for a terminal, or Markdown for an issue or a pull request (the JSON is
`DoctorReport.to_json`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sharekit.output.common import SEVERITY_STYLE, md_code, md_text, plural, print_rows, stats_line, wrapped

if TYPE_CHECKING:
    from sharekit.checks.doctor_model import DoctorReport

NOT_SHOWN = "(not shown)"


def facts(report: DoctorReport) -> list[tuple[str, str]]:
    """(label, value) rows; a fact the account did not give reads `(not shown)`."""
    f = report.facts
    account = f.identifier or f.account or NOT_SHOWN
    privileges = ", ".join(f.privileges) if f.privileges else "(none listed)" if f.grants_read else "(unknown)"
    rows = [
        ("Account", f"{account} (locator {f.locator or NOT_SHOWN})"),
        ("Organization", f.organization or NOT_SHOWN),
        ("Region", f.region or NOT_SHOWN),
        ("Edition", f.edition),
        ("Role", (f.role or NOT_SHOWN) + (f" (inherits {', '.join(f.inherited_roles)})" if f.inherited_roles else "")),
        ("Warehouse", f.warehouse or "(none)"),
        ("Privileges", privileges),
    ]
    if report.config and report.share:
        rows.append(("Config", f"{report.config}: share {report.share} in database {report.database}"))
    elif report.config:
        rows.append(("Config", f"{report.config} (does not load: see the checks below)"))
    else:
        rows.append(("Config", "(none: pass -f FILE to judge a config's share, database and consumers)"))
    return rows


def summary(report: DoctorReport) -> str:
    verdict = ("sharekit cannot do the job yet: fix the errors above" if report.blocking
               else "this account and role can run sharekit")
    return (f"{plural(len(report.blocking), 'error')}, {plural(len(report.warnings), 'warning')}, "
            f"{plural(len(report.passed), 'check')} passed: {verdict}.")


def print_report(report: DoctorReport, console: Console, target: str) -> None:
    """The facts, then the checks as a table, or a list when the table cannot fit the terminal."""
    console.print(wrapped(console, Text.assemble("sharekit doctor on ", (target, "bold")), 2))
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column("Fact", style="bold")
    table.add_column("Value")
    print_rows(console, table, [(None, [(Text(label), Text(value)) for label, value in facts(report)])], wrap=1)
    checks = Table(expand=False, box=box.SIMPLE_HEAD)
    for header in ("Result", "Check", "Object"):
        checks.add_column(header)
    checks.add_column("Message", ratio=1)
    rows = [(Text(f.severity, style=SEVERITY_STYLE.get(f.severity, "")), Text(f.id), Text(f.object),
             Text(f.message)) for f in report.findings]
    rows += [(Text("ok", style="green"), Text(p.id), Text(p.object), Text(p.message)) for p in report.passed]
    print_rows(console, checks, [(None, rows)], wrap=3)
    style = "red" if report.blocking else "yellow" if report.warnings else "green"
    console.print(wrapped(console, Text(summary(report), style=style), 2))
    console.print(wrapped(console, Text(stats_line(report.stats), style="dim"), 2))


def report_markdown(report: DoctorReport, target: str) -> str:
    lines = [f"### sharekit doctor on {md_text(target)}", "", "| fact | value |", "|---|---|"]
    lines += [f"| {label} | {md_text(value)} |" for label, value in facts(report)]
    lines += ["", f"**{md_text(summary(report))}**", "", "| result | check | object | message |", "|---|---|---|---|"]
    for finding in report.findings:
        icon = ":x:" if finding.severity == "error" else ":warning:"
        lines.append(f"| {icon} {finding.severity} | {md_code(finding.id)} | {md_code(finding.object)} "
                     f"| {md_text(finding.message)} |")
    for passed in report.passed:
        lines.append(f"| :white_check_mark: ok | {md_code(passed.id)} | {md_code(passed.object)} "
                     f"| {md_text(passed.message)} |")
    lines += ["", f"<sub>{stats_line(report.stats)}</sub>"]
    return "\n".join(lines) + "\n"

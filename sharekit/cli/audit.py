"""`sharekit audit`: what the account shares, with whom, and what is wrong with it.

The library does the work (`sharekit.audit.audit` → AuditReport); this module parses options and
draws the report as rich tables, JSON (`AuditReport.to_json`) or Markdown for a ticket.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sharekit.cli.main import (
    ConnectionOption, Format, FormatOption, LocalDirOption, LocalOption, TemplatesOption, VarOption, app,
    emit, error_line, handle_errors, load, out, session_for, target_name, templates,
)

if TYPE_CHECKING:
    from sharekit.audit.report import AuditReport, ShareReport
    from sharekit.checks.findings import Finding


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    none = "none"


SEVERITY_STYLE = {"error": "red", "warning": "yellow"}


@app.command()
@handle_errors
def audit(
    file: Optional[Path] = typer.Option(
        None, "-f", "--file", metavar="FILE",
        help="A sharekit.yml to compare with: adds drift.*, share.unmanaged and its declared consumers."),
    connection: Optional[str] = ConnectionOption,
    local: bool = LocalOption,
    local_dir: Optional[Path] = LocalDirOption,
    share: Optional[str] = typer.Option(None, "--share", metavar="NAME", help="Audit only this outbound share."),
    fmt: Format = FormatOption,
    fail_on: FailOn = typer.Option(
        FailOn.error, "--fail-on",
        help="Exit 1 when a finding has this severity or worse: error, warning, or none (always 0)."),
    allow_account: Optional[List[str]] = typer.Option(
        None, "--allow-account", metavar="ORG.ACCOUNT",
        help="A consumer any share may have: ORG.ACCOUNT (repeatable)."),
    allow_column: Optional[List[str]] = typer.Option(
        None, "--allow-column", metavar="COLUMN",
        help="A shared column that may look like personal data: DB.SCHEMA.VIEW.COLUMN or VIEW.COLUMN (repeatable)."),
    var: Optional[List[str]] = VarOption,
    templates_dir: Optional[Path] = TemplatesOption,
) -> None:
    """Report what the account shares, with whom, and what is wrong with it.

    Every outbound share (or --share NAME): its database, consumers, shared objects (kind, SECURE
    or not, columns) and findings, each saying what to do. Exit 1 when a finding reaches
    --fail-on (default: any error; warning: any finding; none: never), else 0.

    Example: sharekit audit --local -f sharekit.yml --format markdown > audit.md
    """
    from sharekit.sql import identifiers
    from sharekit.audit import audit as run_audit

    config = load(file, var) if file is not None else None
    wanted = identifiers.normalize(share) if share is not None else None
    t = templates(templates_dir)
    target = target_name(connection, local, local_dir)
    with session_for(config, connection, local, local_dir) as session:
        report = run_audit(session, t, config=config, share=wanted,
                           allow_accounts=allow_account or (), allow_columns=allow_column or ())
    emit(fmt, report.to_json, lambda: audit_markdown(report, target), lambda: print_audit(report, out(), target))
    if report.fails(fail_on.value):
        errors, warnings = report.count("error"), report.count("warning")
        error_line(f"the audit found {_plural(errors, 'error')} and {_plural(warnings, 'warning')} "
                   f"(--fail-on {fail_on.value}); each finding above says what to do")
        raise typer.Exit(1)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _status(share: "ShareReport", report: "AuditReport") -> str:
    if share.managed is None:
        return ""
    return f"managed by {report.config}" if share.managed else f"not declared in {report.config}"


def _secure(value: bool | None) -> Text:
    if value is None:
        return Text("")
    return Text("yes", "green") if value else Text("NO", "bold red")


def _columns(obj) -> str:
    from sharekit.sql import identifiers

    return "" if obj.columns is None else ", ".join(identifiers.quote(c.name) for c in obj.columns)


# --- text --------------------------------------------------------------------------------------

def print_audit(report: "AuditReport", console: Console, target: str) -> None:
    """One block per share: facts, an objects table, a findings table; then the totals."""
    count = len(report.shares)
    console.print(Text.assemble(("sharekit audit", "bold"), f" of {target}: {_plural(count, 'outbound share')}"))
    orphans = [f for f in report.findings if f.share not in {s.name for s in report.shares}]
    if orphans:
        console.print()
        console.print(Text.assemble(("Declared share ", "bold"), (orphans[0].share, "bold cyan"),
                                    f"  in {report.config}"))
        console.print(_findings_table(orphans))
    for share in report.shares:
        console.print()
        status = _status(share, report)
        title = Text.assemble(("Share ", "bold"), (share.name, "bold cyan"))
        if status:
            title.append_text(Text.assemble("  ", (status, "dim")))
        console.print(title)
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style="dim")
        facts.add_column()
        consumers = ", ".join(share.consumers) or "none"
        if share.listing:
            consumers += " (attached to a listing: its consumers are not listed)"
        elif not share.consumers_complete:
            consumers += " (incomplete)"
        facts.add_row(Text("database"), Text(share.database or "none"))
        facts.add_row(Text("consumers"), Text(consumers))
        if share.comment:
            facts.add_row(Text("comment"), Text(share.comment))
        console.print(facts)
        if share.objects:
            table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
            widest = max(len(obj.name) for obj in share.objects)
            table.add_column("privilege", no_wrap=True)
            table.add_column("kind", no_wrap=True)
            table.add_column("object", overflow="fold", min_width=min(widest, 60))
            table.add_column("secure", no_wrap=True)
            table.add_column("columns", overflow="fold", ratio=1)
            for obj in share.objects:
                table.add_row(Text(obj.privilege), Text(obj.kind), Text(obj.name), _secure(obj.secure),
                              Text(_columns(obj)))
            console.print(table)
        if share.findings:
            console.print(_findings_table(share.findings))
        else:
            console.print(Text("  No findings.", "green"))
    console.print()
    errors, warnings = report.count("error"), report.count("warning")
    style = "red" if errors else "yellow" if warnings else "green"
    console.print(Text.assemble((f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}", style),
                                f" in {_plural(count, 'share')}."))
    if not report.consumers_checked:
        console.print(Text("Consumers were not judged: pass -f sharekit.yml or --allow-account ORG.ACCOUNT.", "dim"))
    stats = report.stats
    console.print(Text(f"Read the account in {stats.get('queries', 0)} queries, {stats.get('seconds', 0):.2f} s.",
                       "dim"))


def _findings_table(findings: "list[Finding] | tuple[Finding, ...]") -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("severity", no_wrap=True)
    table.add_column("finding", no_wrap=True)
    table.add_column("object", overflow="fold", min_width=min(max(len(f.object) for f in findings), 50))
    table.add_column("what to do", overflow="fold", ratio=1)
    for f in findings:
        table.add_row(Text(f.severity, SEVERITY_STYLE.get(f.severity, "")), Text(f.id), Text(f.object), Text(f.message))
    return table


# --- Markdown ----------------------------------------------------------------------------------

def _cell(text: str) -> str:
    """Plain text for a Markdown table cell: no HTML, no column breaks, one line."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _code(text: str) -> str:
    """A name as inline code, safe in a table cell whatever it contains."""
    text = text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def audit_markdown(report: "AuditReport", target: str) -> str:
    """A report a security team can read in a ticket: summary, every finding, then each share."""
    errors, warnings = report.count("error"), report.count("warning")
    lines = [f"# sharekit audit: {_cell(target)}", ""]
    verdict = ("**No findings.**" if not (errors or warnings)
               else f"**{_plural(errors, 'error')}, {_plural(warnings, 'warning')}** in "
                    f"{_plural(len(report.shares), 'outbound share')}.")
    lines += [verdict + (f" Compared with {_code(report.config)}." if report.config else ""), ""]
    if not report.consumers_checked:
        lines += ["> Consumers were not judged: no config and no `--allow-account` was given.", ""]
    if report.shares:
        lines += ["| share | database | consumers | objects | errors | warnings |", "|---|---|---|---:|---:|---:|"]
        for s in report.shares:
            consumers = ", ".join(_code(a) for a in s.consumers) or "none"
            if s.listing:
                consumers += " (listing)"
            elif not s.consumers_complete:
                consumers += " (incomplete)"
            lines.append(f"| {_code(s.name)} | {_code(s.database) if s.database else 'none'} | {consumers} | "
                         f"{len(s.objects)} | {s.count('error')} | {s.count('warning')} |")
        lines.append("")
    if report.findings:
        lines += ["## Findings", "", "| severity | finding | share | object | what to do |", "|---|---|---|---|---|"]
        lines += [f"| {f.severity} | {_code(f.id)} | {_code(f.share)} | {_code(f.object)} | {_cell(f.message)} |"
                  for f in report.findings]
        lines.append("")
    for s in report.shares:
        lines += [f"## Share {_code(s.name)}", ""]
        status = _status(s, report)
        if status:
            lines.append(f"- {_cell(status)}")
        lines.append(f"- Database: {_code(s.database) if s.database else 'none'}")
        consumers = ", ".join(_code(a) for a in s.consumers) or "none"
        if s.listing:
            consumers += " — attached to a listing; its consumers are managed there and not listed"
        elif not s.consumers_complete:
            consumers += " — incomplete"
        lines.append(f"- Consumers: {consumers}")
        if s.comment:
            lines.append(f"- Comment: {_cell(s.comment)}")
        lines.append("")
        if s.objects:
            lines += ["| privilege | kind | object | secure | columns |", "|---|---|---|---|---|"]
            for o in s.objects:
                secure = "" if o.secure is None else "yes" if o.secure else "**NO**"
                columns = ", ".join(_code(c.name) for c in o.columns) if o.columns else ""
                lines.append(f"| {o.privilege} | {o.kind} | {_code(o.name)} | {secure} | {columns} |")
            lines.append("")
        else:
            lines += ["Nothing is granted to this share.", ""]
    stats = report.stats
    lines.append(f"<sub>sharekit audit read the account in {stats.get('queries', 0)} queries, "
                 f"{stats.get('seconds', 0):.2f} s.</sub>")
    return "\n".join(lines) + "\n"

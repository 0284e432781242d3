"""How an audit reads: rich tables per share for a terminal, Markdown for a ticket (the JSON is
`AuditReport.to_json`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sharekit.output.common import SEVERITY_STYLE, md_code, md_text, plural, print_rows, stats_line, wrapped
from sharekit.sql import identifiers

if TYPE_CHECKING:
    from sharekit.audit.report import AuditReport, ShareReport
    from sharekit.checks.findings import Finding
    from sharekit.state.listing import ListingState


def _status(share: ShareReport, report: AuditReport) -> str:
    if share.managed is None:
        return ""
    return f"managed by {report.config}" if share.managed else f"not declared in {report.config}"


def _secure(value: bool | None) -> Text:
    if value is None:
        return Text("")
    return Text("yes", "green") if value else Text("NO", "bold red")


def _columns(obj: Any) -> str:
    return "" if obj.columns is None else ", ".join(identifiers.quote(c.name) for c in obj.columns)


# --- text --------------------------------------------------------------------------------------

def print_audit(report: AuditReport, console: Console, target: str) -> None:
    """One block per share: facts, an objects table, a findings table; then the totals. A table
    too wide for the terminal becomes a list (names and ids whole, the long cells wrapped)."""
    count = len(report.shares)

    def line(text: Text) -> None:
        console.print(wrapped(console, text, 2))

    line(Text.assemble(("sharekit audit", "bold"), f" of {target}: {plural(count, 'outbound share')}"))
    orphans = [f for f in report.findings if f.share not in {s.name for s in report.shares}]
    if orphans:
        console.print()
        line(Text.assemble(("Declared share ", "bold"), (orphans[0].share, "bold cyan"), f"  in {report.config}"))
        _print_findings(console, orphans)
    for share in report.shares:
        console.print()
        status = _status(share, report)
        title = Text.assemble(("Share ", "bold"), (share.name, "bold cyan"))
        if status:
            title.append_text(Text.assemble("  ", (status, "dim")))
        line(title)
        consumers = ", ".join(share.consumers) or "none"
        if share.listing and share.listing_state is not None:
            consumers += " (direct; the listing's targets below)"
        elif share.listing:
            consumers += " (attached to a listing: its consumers are not listed)"
        elif not share.consumers_complete:
            consumers += " (incomplete)"
        facts = [(Text("database"), Text(share.database or "none")), (Text("consumers"), Text(consumers))]
        if share.listing_state is not None:
            facts.append((Text("listing"), Text(listing_text(share.listing_state))))
        if share.comment:
            facts.append((Text("comment"), Text(share.comment)))
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim")
        grid.add_column()
        print_rows(console, grid, [(None, facts)], wrap=1)
        if share.objects:
            table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
            for header in ("privilege", "kind", "object", "secure"):
                table.add_column(header)
            table.add_column("columns", ratio=1)
            rows = [(Text(obj.privilege), Text(obj.kind), Text(obj.name), _secure(obj.secure), Text(_columns(obj)))
                    for obj in share.objects]
            print_rows(console, table, [(None, rows)], wrap=4)
        if share.findings:
            _print_findings(console, share.findings)
        else:
            console.print(Text("  No findings.", "green"))
    console.print()
    errors, warnings = report.count("error"), report.count("warning")
    style = "red" if errors else "yellow" if warnings else "green"
    line(Text.assemble((f"{plural(errors, 'error')}, {plural(warnings, 'warning')}", style),
                       f" in {plural(count, 'share')}."))
    if not report.consumers_checked:
        line(Text("Consumers were not judged: pass -f sharekit.yml or --allow-account ORG.ACCOUNT.", "dim"))
    line(Text(stats_line(report.stats), "dim"))


def listing_text(listing: ListingState) -> str:
    """`SK_LISTING (published): OPTIMOVE.US_PROD; refresh every 60 MINUTE`."""
    state = "published" if listing.published else "not published"
    refresh = f"refresh every {listing.refresh}" if listing.refresh else "no auto-fulfillment"
    return f"{listing.name} ({state}): {', '.join(listing.targets) or 'no targets'}; {refresh}"


def _print_findings(console: Console, findings: list[Finding] | tuple[Finding, ...]) -> None:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for header in ("severity", "finding", "object"):
        table.add_column(header)
    table.add_column("what to do", ratio=1)
    rows = [(Text(f.severity, SEVERITY_STYLE.get(f.severity, "")), Text(f.id), Text(f.object), Text(f.message))
            for f in findings]
    print_rows(console, table, [(None, rows)], wrap=3)


# --- Markdown ----------------------------------------------------------------------------------

def audit_markdown(report: AuditReport, target: str) -> str:
    """A report a security team can read in a ticket: summary, every finding, then each share."""
    errors, warnings = report.count("error"), report.count("warning")
    lines = [f"# sharekit audit: {md_text(target)}", ""]
    verdict = ("**No findings.**" if not (errors or warnings)
               else f"**{plural(errors, 'error')}, {plural(warnings, 'warning')}** in "
                    f"{plural(len(report.shares), 'outbound share')}.")
    lines += [verdict + (f" Compared with {md_code(report.config)}." if report.config else ""), ""]
    if not report.consumers_checked:
        lines += ["> Consumers were not judged: no config and no `--allow-account` was given.", ""]
    if report.shares:
        lines += ["| share | database | consumers | objects | errors | warnings |", "|---|---|---|---:|---:|---:|"]
        for s in report.shares:
            consumers = ", ".join(md_code(a) for a in s.consumers) or "none"
            if s.listing:
                consumers += " (listing)"
            elif not s.consumers_complete:
                consumers += " (incomplete)"
            lines.append(f"| {md_code(s.name)} | {md_code(s.database) if s.database else 'none'} | {consumers} | "
                         f"{len(s.objects)} | {s.count('error')} | {s.count('warning')} |")
        lines.append("")
    if report.findings:
        lines += ["## Findings", "", "| severity | finding | share | object | what to do |", "|---|---|---|---|---|"]
        lines += [f"| {f.severity} | {md_code(f.id)} | {md_code(f.share)} | {md_code(f.object)} "
                  f"| {md_text(f.message)} |" for f in report.findings]
        lines.append("")
    for s in report.shares:
        lines += [f"## Share {md_code(s.name)}", ""]
        status = _status(s, report)
        if status:
            lines.append(f"- {md_text(status)}")
        lines.append(f"- Database: {md_code(s.database) if s.database else 'none'}")
        consumers = ", ".join(md_code(a) for a in s.consumers) or "none"
        if s.listing:
            consumers += " — attached to a listing; its consumers are managed there and not listed"
        elif not s.consumers_complete:
            consumers += " — incomplete"
        lines.append(f"- Consumers: {consumers}")
        if s.listing_state is not None:
            lines.append(f"- Listing: {md_text(listing_text(s.listing_state))}")
        if s.comment:
            lines.append(f"- Comment: {md_text(s.comment)}")
        lines.append("")
        if s.objects:
            lines += ["| privilege | kind | object | secure | columns |", "|---|---|---|---|---|"]
            for o in s.objects:
                secure = "" if o.secure is None else "yes" if o.secure else "**NO**"
                columns = ", ".join(md_code(c.name) for c in o.columns) if o.columns else ""
                lines.append(f"| {o.privilege} | {o.kind} | {md_code(o.name)} | {secure} | {columns} |")
            lines.append("")
        else:
            lines += ["Nothing is granted to this share.", ""]
    lines.append(f"<sub>sharekit audit: {stats_line(report.stats)}</sub>")
    return "\n".join(lines) + "\n"

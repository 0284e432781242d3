"""How a Plan reads: Terraform-style text, the JSON contract, and Markdown for pull requests.

The JSON form is also the saved plan (`plan --out`), read back by `apply PLAN.json`.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from sharekit.output.common import md_block, md_code, md_text, plural, stats_line, wrapped
from sharekit.plan.definition import ACTIONS, Change, Plan

SYMBOLS = {"create": "+", "grant": "+", "add_accounts": "+", "replace": "~", "alter": "~",
           "revoke": "-", "remove_accounts": "-", "drop": "-"}
COLOURS = {"+": "green", "~": "yellow", "-": "red"}
VERBS = {"create": "create", "replace": "replace", "alter": "alter", "grant": "grant",
         "revoke": "revoke", "add_accounts": "add consumers", "remove_accounts": "remove consumers",
         "drop": "drop"}


def summary_line(plan: Plan) -> str:
    s = plan.summary
    parts = [f"{s['create']} to create", f"{s['replace']} to replace", f"{s['alter']} to alter",
             f"{s['grant']} to grant", f"{s['revoke']} to revoke",
             plural(s["add_accounts"], "consumer addition"), plural(s["remove_accounts"], "consumer removal"),
             f"{s['drop']} to drop"]
    line = "Plan: " + ", ".join(parts) + "."
    if s["breaking"]:
        line += f" {s['breaking']} BREAKING for consumers."
    return line


def print_plan(plan: Plan, console: Console, target: str) -> None:
    """Terraform-style text: one block per change with its exact SQL, stages in apply order.

    Written in one go: each piece is rendered as `console.print(piece)` would render it (markup,
    emoji, highlighting) and the pieces are printed together, one per line, so a plan of
    thousands of statements is one write, not thousands. The SQL (and its diff) is shown as it
    runs, never cut or re-wrapped; every other line wraps at the terminal's width, its
    continuation indented under the first (a `# reason` continues as a comment)."""
    pieces: list[tuple[str, str | None]] = []  # (markup, continuation prefix; None: verbatim SQL)

    def emit(markup: str, lead: str | None = "  ") -> None:
        pieces.append((markup, lead))

    emit(f"sharekit plan for share [bold]{escape(plan.share)}[/bold] on {escape(target)}")
    if not plan.has_changes:
        emit("\n[green]No changes.[/green] The account matches the config.")
    for number, stage in enumerate(plan.stages, 1):
        emit(f"\n[bold]{number}. {escape(stage.name)}[/bold]")
        for change in stage.changes:
            symbol = SYMBOLS[change.action]
            colour = COLOURS[symbol]
            head = f"  [{colour}]{symbol} {_title(change)}[/{colour}] {escape(change.object)}"
            if change.breaking:
                head += "  [bold red]BREAKING[/bold red]"
            emit(head, " " * 6)
            if change.reason:
                emit(f"      [dim]# {escape(change.reason)}[/dim]", "      # ")
            if change.diff:
                for line in change.diff.splitlines():
                    style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
                    emit(f"      [{style}]{escape(line)}[/{style}]", None)
            else:
                for line in change.sql.splitlines():
                    emit(f"      {escape(line)}", None)
    if plan.unmanaged:
        emit("\n[bold]Unmanaged[/bold] (left alone; set share.prune: true to remove them):")
        for item in plan.unmanaged:
            emit(f"  [dim]? {escape(item)}[/dim]", " " * 4)
    if plan.checks:
        emit("\n[bold]Checks[/bold]")
        for check in plan.checks:
            colour = "red" if check.severity == "error" else "yellow"
            emit(f"  [{colour}]{check.severity}[/{colour}] {escape(check.id)} "
                 f"{escape(check.object)}: {escape(check.message)}", " " * 6)
    if plan.skipped_checks:
        emit(f"\n[yellow]Skipped checks (--skip-check):[/yellow] {escape(', '.join(plan.skipped_checks))}")
    emit("")
    if plan.has_changes:
        emit(summary_line(plan))
    if plan.stats:
        emit(f"[dim]{escape(stats_line(plan.stats))}[/dim]")
    texts = (console.render_str(markup) for markup, _ in pieces)
    console.print(Text("\n").join(text if lead is None else _wrapped(console, text, lead)
                                  for text, (_, lead) in zip(texts, pieces, strict=True)), soft_wrap=True)


def _wrapped(console: Console, text: Text, lead: str) -> Text:
    """A piece wrapped at the console's width; a blank line before it (`\n…`) stays."""
    if text.cell_len <= console.width:
        return text
    blank = text.plain.startswith("\n")
    body = wrapped(console, text[1:] if blank else text, prefix=lead)
    return Text("\n") + body if blank else body


def plan_markdown(plan: Plan, target: str) -> str:
    """A pull-request comment: summary table, each change with its SQL folded away."""
    s = plan.summary
    lines = [f"### sharekit plan: {md_code(plan.share)} on {md_text(target)}", ""]
    if not plan.has_changes:
        lines += ["**No changes.** The account matches the config.", ""]
    else:
        lines += ["| action | count |", "|---|---:|"]
        lines += [f"| {VERBS[action]} | {s[action]} |" for action in ACTIONS if s[action]]
        lines += [f"| **total** | **{s['total']}** |", ""]
        if s["breaking"]:
            lines += [f"> :warning: **{plural(s['breaking'], 'breaking change')}** for consumers: "
                      "Optimove's daily ETL reads these columns.", ""]
        for stage in plan.stages:
            lines.append(f"#### {stage.name}")
            for change in stage.changes:
                flag = " **BREAKING**" if change.breaking else ""
                reason = f" — {md_text(change.reason)}" if change.reason else ""
                lines += [
                    "<details>",
                    f"<summary><code>{SYMBOLS[change.action]}</code> {_title(change)} "
                    f"{md_code(change.object)}{flag}{reason}</summary>",
                    "",
                    *md_block(change.diff or change.sql, "diff" if change.diff else "sql"),
                    "</details>",
                ]
            lines.append("")
    if plan.unmanaged:
        lines += ["#### Unmanaged (left alone)", ""] + [f"- {md_code(item)}" for item in plan.unmanaged] + [""]
    if plan.checks:
        lines += ["#### Checks", "", "| severity | id | object | message |", "|---|---|---|---|"]
        lines += [f"| {c.severity} | {md_code(c.id)} | {md_code(c.object)} | {md_text(c.message)} |"
                  for c in plan.checks]
        lines.append("")
    if plan.skipped_checks:
        lines += [f"Skipped checks: {', '.join(md_code(c) for c in plan.skipped_checks)}", ""]
    if plan.stats:
        lines.append(f"<sub>{stats_line(plan.stats)}</sub>")
    return "\n".join(lines) + "\n"


def _title(change: Change) -> str:
    """`create view`, `drop view`…; grants and consumers read well with the verb alone."""
    verb = VERBS[change.action]
    return verb if change.object_type in ("grant", "accounts") else f"{verb} {change.object_type}"

"""How an export report reads: one line per view on a terminal (the statements too for a dry
run), Markdown for a pull request; the JSON is `ExportReport.to_json`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from sharekit.output.common import md_code, md_text, plural, stats_line, wrapped

if TYPE_CHECKING:
    from sharekit.export import ExportReport, ViewExport


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB" if count >= 1024 * 1024 else f"{count:,} bytes"


def _line(view: ViewExport) -> str:
    if view.note:
        return view.note
    if not view.files and not view.statements:
        return "nothing to write"
    watermark = f", watermark {view.watermark}" if view.incremental else ", whole view (no LastUpdated column)"
    return f"{plural(view.rows, 'row')} in {plural(len(view.files), 'file')} ({_size(view.bytes)}){watermark}"


def print_report(report: ExportReport, console: Console, target: str) -> None:
    """A line per view and per file, wrapped at the terminal's width; a dry run's statements are
    shown as they would run (never re-wrapped)."""
    verb = "would export" if report.dry_run else "exported"

    def line(text: Text, indent: int = 2) -> None:
        console.print(wrapped(console, text, indent))

    line(Text.assemble("sharekit export to ", (report.stage, "bold"), f" on {target} "
                       f"({report.format}, run {report.run_id}{', --full' if report.full else ''})"))
    if report.dry_run:
        line(Text("Dry run: these statements are not run (only reads were sent); each INSERT's row, "
                  "file and byte counts come from its COPY's result when it runs.", style="yellow"))
        for statement in report.statements:
            console.print(statement)
            console.print()
    for view in report.views:
        detail = view.location if not report.dry_run else f"{view.location}; from watermark {view.previous}"
        line(Text.assemble((view.view, "bold"), f": {_line(view) if not report.dry_run else detail}"))
        for f in view.files:
            line(Text(f"  {f.name}  {plural(f.rows, 'row')}, {_size(f.size)}"), 4)
        for path in view.downloaded:
            line(Text(f"  downloaded {path}"), 4)
        for warning in view.warnings:
            line(Text(f"  warning: {warning}", style="yellow"), 4)
    rows = sum(v.rows for v in report.views)
    files = sum(len(v.files) for v in report.views)
    if not report.dry_run:
        line(Text(f"{verb.capitalize()} {plural(rows, 'row')} in {plural(files, 'file')} from "
                  f"{plural(len(report.views), 'view')}.", style="green"))
    line(Text(stats_line(report.stats), style="dim"))


def report_markdown(report: ExportReport, target: str) -> str:
    lines = [f"### sharekit export to {md_code(report.stage)} on {md_text(target)}", "",
             f"Format {report.format}, run {md_code(report.run_id)}{' (dry run)' if report.dry_run else ''}.", "",
             "| View | Rows | Files | Bytes | Watermark |", "|---|---:|---:|---:|---|"]
    for v in report.views:
        lines.append(f"| {md_code(v.view)} | {v.rows} | {len(v.files)} | {v.bytes} | "
                     f"{md_text(v.watermark or '') if v.incremental else 'whole view'} |")
    return "\n".join(lines) + "\n"

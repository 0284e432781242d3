"""`sharekit export`: the shared views as files (GZ CSV, JSON lines, Parquet) in a stage.

The work is `sharekit.export.run_export`; this module wires options to it and hands the report
to `sharekit.output.export`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sharekit.cli import common


@common.handle_errors
def export(
    file: Path = common.FileOption,
    connection: str | None = common.ConnectionOption,
    local: bool = common.LocalOption,
    local_dir: Path | None = common.LocalDirOption,
    record: Path | None = common.RecordOption,
    replay: Path | None = common.ReplayOption,
    view: list[str] | None = typer.Option(None, "--view", metavar="NAME",
                                          help="Export only this view (repeatable; NAME or SCHEMA.NAME)."),
    full: bool = typer.Option(False, "--full", help="Export every row, ignoring the stored watermarks."),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help="Print the statements without running them (only reads are sent: nothing "
                                      "is created, written or locked)."),
    download: Path | None = typer.Option(None, "--download", metavar="DIR",
                                         help="Also copy this run's files (recorded in WATERMARKS, so they count) "
                                              "from the (internal) stage to DIR (GET)."),
    break_lock: bool = typer.Option(False, "--break-lock",
                                    help="Take the export lock over from a run that is dead (killed, disconnected)."),
    fmt: common.Format = common.FormatOption,
    var: list[str] | None = common.VarOption,
    templates_dir: Path | None = common.TemplatesOption,
) -> None:
    """Unload the views' new rows into the `export:` stage as files for Optimove.

    One COPY INTO per view, run by Snowflake: rows with a LastUpdated newer than the last
    export's (all rows with --full; views without LastUpdated whole), GZ CSV with a header, JSON
    lines or Parquet, in parts of at most max_file_mb. The watermark advances after each COPY.

    Example: sharekit export --local --download ./out
    """
    from sharekit.export import run_export
    from sharekit.output.export import print_report, report_markdown
    from sharekit.output.progress import counter

    config = common.load(file, var)
    t = common.templates(templates_dir)
    target = common.target_name(connection, local, local_dir, replay)
    with common.session_for(config, connection, local, local_dir, record, replay) as session, \
            counter(common.err(), "Exporting" if not dry_run else "Reading") as progress:
        report = run_export(config, session, t, views=view or (), full=full, dry_run=dry_run, download=download,
                            break_lock=break_lock, progress=progress)
    report.target = target
    for warning in report.warnings:  # on stderr whatever the format; the JSON carries them too
        common.warning_line(warning)
    common.emit(fmt, report.to_json, lambda: report_markdown(report, target),
                lambda: print_report(report, common.out(), target))

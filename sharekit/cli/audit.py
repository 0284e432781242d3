"""`sharekit audit`: what the account shares, with whom, and what is wrong with it.

The library does the work (`sharekit.audit.audit` → AuditReport); this module parses options and
hands the report to `sharekit.output.audit`.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from sharekit.cli import common
from sharekit.output.common import plural


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    none = "none"


@common.handle_errors
def audit(
    file: Path | None = typer.Option(
        None, "-f", "--file", metavar="FILE",
        help="A sharekit.yml to compare with: adds drift.*, share.unmanaged and its declared consumers."),
    connection: str | None = common.ConnectionOption,
    local: bool = common.LocalOption,
    local_dir: Path | None = common.LocalDirOption,
    record: Path | None = common.RecordOption,
    replay: Path | None = common.ReplayOption,
    share: str | None = typer.Option(None, "--share", metavar="NAME", help="Audit only this outbound share."),
    fmt: common.ReportFormat = common.ReportFormatOption,
    fail_on: FailOn = typer.Option(
        FailOn.error, "--fail-on",
        help="Exit 1 when a finding has this severity or worse: error, warning, or none (always 0)."),
    allow_account: list[str] | None = typer.Option(
        None, "--allow-account", metavar="ORG.ACCOUNT",
        help="A consumer any share may have: ORG.ACCOUNT (repeatable)."),
    allow_column: list[str] | None = typer.Option(
        None, "--allow-column", metavar="COLUMN",
        help="A shared column that may look like personal data: DB.SCHEMA.VIEW.COLUMN or VIEW.COLUMN (repeatable)."),
    var: list[str] | None = common.VarOption,
    templates_dir: Path | None = common.TemplatesOption,
) -> None:
    """Report what the account shares, with whom, and what is wrong with it.

    Every outbound share (or --share NAME): its database, consumers, shared objects (kind, SECURE
    or not, columns) and findings, each saying what to do. Exit 1 when a finding reaches
    --fail-on (default: any error; warning: any finding; none: never), else 0.

    Example: sharekit audit --local -f sharekit.yml --format markdown > audit.md
    """
    from sharekit.audit import audit as run_audit
    from sharekit.output.audit import audit_markdown, print_audit
    from sharekit.output.progress import status
    from sharekit.output.sarif import sarif_log
    from sharekit.sql import identifiers

    config = common.load(file, var) if file is not None else None
    wanted = identifiers.normalize(share) if share is not None else None
    t = common.templates(templates_dir)
    target = common.target_name(connection, local, local_dir, replay)
    with common.session_for(config, connection, local, local_dir, record, replay) as session, \
            status(common.err(), "Auditing the account's outbound shares"):
        report = run_audit(session, t, config=config, share=wanted,
                           allow_accounts=allow_account or (), allow_columns=allow_column or ())
    common.emit_report(fmt, report.to_json, lambda: audit_markdown(report, target),
                       lambda: print_audit(report, common.out(), target),
                       lambda: sarif_log(report.findings, "audit", config))
    if report.fails(fail_on.value):
        errors, warnings = report.count("error"), report.count("warning")
        common.error_line(f"the audit found {plural(errors, 'error')} and {plural(warnings, 'warning')} "
                          f"(--fail-on {fail_on.value}); each finding above says what to do")
        raise typer.Exit(1)

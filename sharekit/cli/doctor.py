"""`sharekit doctor`: can this account and role do the job, before the first plan.

The work is `sharekit.checks.doctor.diagnose`; this module wires options to it and hands the
report to `sharekit.output.doctor`. A config that does not load is reported as findings (the
account checks still run), not as an error that stops the command. Exit 1 when an error-severity
finding is found, else 0.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sharekit.cli import common
from sharekit.errors import ConfigError
from sharekit.output.common import plural

DEFAULT_CONFIG = Path("sharekit.yml")


@common.handle_errors
def doctor(
    file: Path | None = typer.Option(
        None, "-f", "--file",
        help="A config whose share, share database and consumers to judge too "
             "(default: ./sharekit.yml when it exists)."),
    connection: str | None = common.ConnectionOption,
    local: bool = common.LocalOption,
    local_dir: Path | None = common.LocalDirOption,
    record: Path | None = common.RecordOption,
    replay: Path | None = common.ReplayOption,
    fmt: common.Format = common.FormatOption,
    var: list[str] | None = common.VarOption,
    templates_dir: Path | None = common.TemplatesOption,
) -> None:
    """Tell whether this account and role can do the job, before the first plan.

    Shows the account, organisation, locator, region, edition, role and warehouse, and checks that
    the role can create shares, add consumers, see its shares, own or create the share database
    and read INFORMATION_SCHEMA; with a config, that each consumer looks valid. Every problem
    comes with its fix. At most five queries. Exits 1 when a blocking problem is found.

    Example: sharekit doctor -c prod -f sharekit.yml
    """
    from sharekit.checks.doctor import diagnose
    from sharekit.output.doctor import print_report, report_markdown

    if file is None and DEFAULT_CONFIG.is_file():
        file = DEFAULT_CONFIG
    config, config_error = None, None
    if file is not None:
        try:
            config = common.load(file, var)
        except ConfigError as error:
            config_error = error
    t = common.templates(templates_dir)
    target = common.target_name(connection, local, local_dir, replay)
    with common.session_for(config, connection, local, local_dir, record, replay) as session:
        report = diagnose(session, t, config, config_error)
    common.emit(fmt, report.to_json, lambda: report_markdown(report, target),
                lambda: print_report(report, common.out(), target))
    if report.blocking:
        common.error_line(f"{plural(len(report.blocking), 'blocking problem')} found (listed above): "
                          "fix them before the first plan")
        raise typer.Exit(1)

"""`sharekit handoff`: the facts Optimove's onboarding asks the customer for, ready to send.

The work is `sharekit.handoff.gather`; this module wires options to it and hands the result to
`sharekit.output.handoff`. A failed check blocks the handoff (exit 1, nothing printed on stdout)
unless --force, which prints it with the failures listed, so what reaches Optimove is never
silently broken.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

import typer

from sharekit.cli import common
from sharekit.output.common import plural


class HandoffFormat(str, Enum):
    markdown = "markdown"
    json = "json"


@common.handle_errors
def handoff(
    file: Path = common.FileOption,
    connection: str | None = common.ConnectionOption,
    local: bool = common.LocalOption,
    local_dir: Path | None = common.LocalDirOption,
    record: Path | None = common.RecordOption,
    replay: Path | None = common.ReplayOption,
    fmt: HandoffFormat = typer.Option(
        HandoffFormat.markdown, "--format", help="markdown: to paste into an e-mail or a ticket; json: for tools."),
    force: bool = typer.Option(False, "--force", help="Hand off even when a check fails (the failures are listed)."),
    skip_check: list[str] | None = common.SkipCheckOption,
    optimove_spec: list[Path] | None = typer.Option(
        None, "--optimove-spec", envvar="SHAREKIT_OPTIMOVE_SPEC", metavar="FILE",
        help="A YAML file extending or overriding the built-in Optimove table specs (repeatable)."),
    var: list[str] | None = common.VarOption,
    templates_dir: Path | None = common.TemplatesOption,
) -> None:
    """Print what Optimove needs to connect the share, once the data is ready.

    The provider's organisation, account, locator and region; the share, its listing and
    database; per view the Optimove table, kind, primary key, LastUpdated column and type,
    columns and row count; the daily ready-by time; and the result of `check --data` now.
    A failed check blocks the handoff unless --force.

    Example: sharekit handoff --local --format markdown > handoff.md
    """
    from sharekit.checks.spec import load_spec
    from sharekit.handoff import gather
    from sharekit.output.handoff import report_markdown

    config = common.load(file, var)
    t = common.templates(templates_dir)
    spec = load_spec(optimove_spec or ())
    with common.session_for(config, connection, local, local_dir, record, replay) as session:
        result = gather(config, session, t, spec, tuple(sorted(set(skip_check or ()))))
    failed = len(result.checks.blocking)
    if failed and not force:
        from rich.text import Text

        for finding in result.checks.blocking:
            common.err().print(Text.assemble((finding.id, "red"), " ", (finding.object, "bold"), ": ", finding.message))
        common.error_line(
            f"{plural(failed, 'check')} failed with severity error (listed above), so the share is not ready to "
            "hand off: fix them and hand off again, or pass --force to hand off anyway")
        raise typer.Exit(1)
    if fmt is HandoffFormat.json:
        sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n")
    else:
        sys.stdout.write(report_markdown(result))
    if failed:
        common.warning_line(f"handed off with {plural(failed, 'failed check')} (--force): they are listed")

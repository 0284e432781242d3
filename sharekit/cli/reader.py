"""`sharekit reader …`: the database-connection route's own commands (the work is in
`sharekit.access`)."""

from __future__ import annotations

from pathlib import Path

import typer

from sharekit.cli import common

reader_app = typer.Typer(help="The Optimove reader (database-connection route): key rotation.", no_args_is_help=True)


@reader_app.command("rotate-key")
@common.handle_errors
def rotate_key(
    file: Path = common.FileOption,
    connection: str | None = common.ConnectionOption,
    local: bool = common.LocalOption,
    local_dir: Path | None = common.LocalDirOption,
    record: Path | None = common.RecordOption,
    replay: Path | None = common.ReplayOption,
    swap: bool = typer.Option(False, "--swap", help="Step 2: make the new key the only one (after Optimove uses it)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the statements without running them."),
    fmt: common.Format = common.FormatOption,
    var: list[str] | None = common.VarOption,
    templates_dir: Path | None = common.TemplatesOption,
) -> None:
    """Rotate the reader user's public key without downtime, in two steps.

    Step 1 (no --swap): the new `reader.public_key` becomes RSA_PUBLIC_KEY_2, beside the old key.
    Step 2 (--swap), once Optimove logs in with the new key: it becomes RSA_PUBLIC_KEY and
    RSA_PUBLIC_KEY_2 is unset.

    Example: sharekit reader rotate-key --local --swap
    """
    from sharekit.access import rotate_key as rotate

    config = common.load(file, var)
    t = common.templates(templates_dir)
    with common.session_for(config, connection, local, local_dir, record, replay) as session:
        rotation = rotate(config, session, t, swap=swap, dry_run=dry_run)

    def as_text() -> None:
        console = common.out()
        for sql in rotation.statements:
            console.print(sql, markup=False, highlight=False, soft_wrap=True)
        console.print(rotation.summary, markup=False, highlight=False)

    common.emit(fmt, rotation.to_json, rotation.to_markdown, as_text)

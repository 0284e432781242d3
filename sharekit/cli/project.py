"""The offline commands over a project's files: `init`, `validate`, `render`."""

from __future__ import annotations

import shlex
from pathlib import Path

import typer

from sharekit.cli import common
from sharekit.errors import SharekitError
from sharekit.output.common import plural


@common.handle_errors
def init(
    directory: Path = typer.Argument(Path("."), help="Where to write sharekit.yml."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing sharekit.yml and seed.sql."),
) -> None:
    """Write a commented starter sharekit.yml, and a seed.sql of sample tables for --local.

    Example: sharekit init my_share && cd my_share && sharekit plan --local
    """
    from sharekit.output.safefile import write_text_safely

    package = Path(__file__).parent.parent
    files = {directory / "sharekit.yml": package / "starter.yml",
             directory / "seed.sql": package / "starter_seed.sql"}
    existing = [str(target) for target in files if target.exists()]
    if existing and not force:
        raise SharekitError(f"{' and '.join(existing)} already {'exists' if len(existing) == 1 else 'exist'}: "
                            "edit, or pass --force to overwrite")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for target, source in files.items():
            text = source.read_text(encoding="utf-8")
            if target.name == "sharekit.yml":
                text = _schema_line(directory) + text
            write_text_safely(target, text)
    except OSError as error:
        raise SharekitError(f"cannot write the starter files into {directory}: {error.strerror or error}") from None
    config = shlex.quote(str(directory / "sharekit.yml"))
    common.out().print(f"Wrote {directory / 'sharekit.yml'} and {directory / 'seed.sql'}. "
                       f"Next: `sharekit validate -f {config}`, "
                       f"then try it with no Snowflake: `sharekit plan -f {config} --local`.")


def _schema_line(directory: Path) -> str:
    """`# yaml-language-server: $schema=…`, so editors complete and check the keys. A relative path
    when the project commits a sharekit.schema.json (in DIR or above, up to the repository root):
    it works offline and matches the sharekit the project uses; else the published URL, a
    placeholder to adjust (README, "Editor support")."""
    from sharekit.config.schema import modeline, schema_reference

    return modeline(schema_reference(directory))


@common.handle_errors
def validate(
    file: Path = common.FileOption,
    skip_check: list[str] | None = common.SkipCheckOption,
    var: list[str] | None = common.VarOption,
    templates_dir: Path | None = common.TemplatesOption,
) -> None:
    """Check the config and the SQL templates offline (no connection).

    Example: sharekit validate -f sharekit.yml
    """
    from sharekit.api import validate as validate_config

    config = common.load(file, var)
    findings = validate_config(config, common.templates(templates_dir), skip_check or ())
    for finding in findings:
        if finding.severity == "warning":
            common.warning_line(f"{finding.id} {finding.object}: {finding.message}")
    common.out().print(
        f"{file} is valid: share {config.share.name} in database {config.share.database}, "
        f"{plural(len(config.views), 'view')}, {plural(len(config.share.consumers), 'consumer')}."
    )


@common.handle_errors
def render(
    file: Path = common.FileOption,
    out_dir: Path = typer.Option(Path("sql"), "--out-dir", help="Directory for the .sql files."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 when --out-dir is out of date."),
    var: list[str] | None = common.VarOption,
    templates_dir: Path | None = common.TemplatesOption,
) -> None:
    """Write the full desired-state SQL, one file per object, for review in a pull request.

    Example: sharekit render -f sharekit.yml --out-dir sql --check
    """
    from sharekit.output.sqlfiles import check_files, render_files, write_files

    config = common.load(file, var)
    files = render_files(config, common.templates(templates_dir))
    if check:
        stale = check_files(files, out_dir)
        if stale.ok:
            common.out().print(f"{out_dir} is up to date ({plural(len(files), 'file')}).")
            return
        lines = [f"  stale:   {out_dir / p}" for p in stale.stale]
        lines += [f"  missing: {out_dir / p}" for p in stale.missing]
        lines += [f"  extra:   {out_dir / p}" for p in stale.extra]
        common.error_line(
            f"{out_dir} is out of date with {file}:\n" + "\n".join(lines)
            + f"\nRun: sharekit render -f {shlex.quote(str(file))} --out-dir {shlex.quote(str(out_dir))}"
        )
        raise typer.Exit(1)
    try:
        result = write_files(files, out_dir)
    except OSError as error:
        raise SharekitError(f"cannot write to --out-dir {out_dir}: {error.strerror or error}"
                            + (f" ({error.filename})" if error.filename else "")) from None
    removed = f", {len(result.removed)} removed" if result.removed else ""
    common.out().print(f"Wrote {plural(len(files), 'file')} to {out_dir} ({len(result.written)} changed{removed}).")
    for path in result.written:
        common.out().print(f"  {out_dir / path}")
    for path in result.removed:
        common.out().print(f"  removed {out_dir / path}")

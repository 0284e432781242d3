"""The `sharekit` command: a thin Typer layer over the library.

Each command builds library objects, calls them, and prints. Known errors become one
`Error: …` line on stderr and exit code 1; `--debug` shows the traceback instead.
Heavy modules (sqlglot, jinja2, the Snowflake connector, fakesnow) are imported inside the
commands, so `sharekit --help` stays fast.
"""

from __future__ import annotations

import functools
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, List, Optional

import typer
from rich.console import Console

from .cli_local import local_app
from .errors import SharekitError

if TYPE_CHECKING:
    from .config import Config

app = typer.Typer(
    name="sharekit",
    help="Provision Snowflake Secure Data Sharing to Optimove, and keep it correct.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(local_app, name="local")

_state = {"debug": False}


def out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


class Format(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _snowflake_error(error: BaseException) -> str | None:
    """A Snowflake connector error as one readable line (errno, sqlstate, message)."""
    module = type(error).__module__
    if not module.startswith("snowflake.connector"):
        return None
    return f"Snowflake: {getattr(error, 'msg', None) or error}"


def handle_errors(func: Callable) -> Callable:
    """Known errors → `Error: …` on stderr, exit 1; with --debug, the traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except SharekitError as error:
            if _state["debug"]:
                raise
            err().print(f"[red]Error:[/red] {error}", markup=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err().print("Interrupted.")
            raise typer.Exit(130) from None
        except Exception as error:  # noqa: BLE001 - the last line of defence against tracebacks
            if _state["debug"]:
                raise
            message = _snowflake_error(error)
            if message is None:
                message = (
                    f"unexpected {type(error).__name__}: {error}\n"
                    "This is a bug in sharekit; run again with --debug and report the traceback."
                )
            err().print(f"[red]Error:[/red] {message}", markup=True)
            raise typer.Exit(1) from None

    return wrapper


@app.callback()
def main_callback(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(False, "--version", help="Show the version and exit.", is_eager=True),
) -> None:
    """Provision Snowflake Secure Data Sharing to Optimove, and keep it correct."""
    _state["debug"] = debug
    if version:
        from importlib.metadata import version as dist_version

        out().print(f"sharekit {dist_version('sharekit')}")
        raise typer.Exit(0)


FileOption = typer.Option(Path("sharekit.yml"), "-f", "--file", help="The config file.")
VarOption = typer.Option(None, "--var", help="Set ${NAME} in the config: NAME=VALUE (repeatable).")
TemplatesOption = typer.Option(None, "--templates", help="Directory of .sql.j2 files overriding built-in templates.")


def parse_vars(values: Optional[List[str]]) -> dict[str, str]:
    result = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise SharekitError(f"--var {item!r}: write it as NAME=VALUE")
        result[name.strip()] = value
    return result


def load(file: Path, var: Optional[List[str]]) -> "Config":
    from .config import load_config

    config = load_config(file, parse_vars(var))
    for warning in config.warnings:
        err().print(f"[yellow]Warning:[/yellow] {warning}", markup=True)
    return config


def templates(directory: Optional[Path]) -> Any:
    from .templates import get_templates

    return get_templates(str(directory) if directory else None)


@app.command()
@handle_errors
def init(
    directory: Path = typer.Argument(Path("."), help="Where to write sharekit.yml."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing sharekit.yml."),
) -> None:
    """Write a commented starter sharekit.yml.

    Example: sharekit init my_share
    """
    target = directory / "sharekit.yml"
    if target.exists() and not force:
        raise SharekitError(f"{target} already exists: edit it, or pass --force to overwrite it")
    directory.mkdir(parents=True, exist_ok=True)
    starter = (Path(__file__).parent / "starter.yml").read_text(encoding="utf-8")
    target.write_text(starter, encoding="utf-8")
    out().print(f"Wrote {target}. Next: edit it, then run `sharekit validate -f {target}`.")


@app.command()
@handle_errors
def validate(
    file: Path = FileOption,
    var: Optional[List[str]] = VarOption,
    templates_dir: Optional[Path] = TemplatesOption,
) -> None:
    """Check the config and the SQL templates offline (no connection).

    Example: sharekit validate -f sharekit.yml
    """
    from .render import render_files

    config = load(file, var)
    t = templates(templates_dir)
    problems = t.check_all()
    if problems:
        raise SharekitError("templates are broken:\n  " + "\n  ".join(problems))
    render_files(config, t)  # every statement renders
    consumers = len(config.share.consumers)
    out().print(
        f"{file} is valid: share {config.share.name} in database {config.share.database}, "
        f"{len(config.views)} view{'s' if len(config.views) != 1 else ''}, "
        f"{consumers} consumer{'s' if consumers != 1 else ''}."
    )


@app.command()
@handle_errors
def render(
    file: Path = FileOption,
    out_dir: Path = typer.Option(Path("sql"), "--out-dir", help="Directory for the .sql files."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 when --out-dir is out of date."),
    var: Optional[List[str]] = VarOption,
    templates_dir: Optional[Path] = TemplatesOption,
) -> None:
    """Write the full desired-state SQL, one file per object, for review in a pull request.

    Example: sharekit render -f sharekit.yml --out-dir sql --check
    """
    from .render import check_files, render_files, write_files

    config = load(file, var)
    files = render_files(config, templates(templates_dir))
    if check:
        result = check_files(files, out_dir)
        if result.ok:
            out().print(f"{out_dir} is up to date ({len(files)} files).")
            return
        lines = [f"  stale:   {out_dir / p}" for p in result.stale]
        lines += [f"  missing: {out_dir / p}" for p in result.missing]
        lines += [f"  extra:   {out_dir / p}" for p in result.extra]
        err().print(
            f"[red]Error:[/red] {out_dir} is out of date with {file}:\n" + "\n".join(lines)
            + f"\nRun: sharekit render -f {file} --out-dir {out_dir}",
            markup=True,
        )
        raise typer.Exit(1)
    changed = write_files(files, out_dir)
    out().print(f"Wrote {len(files)} files to {out_dir} ({len(changed)} changed).")
    for path in changed:
        out().print(f"  {out_dir / path}")


def _not_yet(name: str, issue: int) -> None:
    raise SharekitError(
        f"`sharekit {name}` is not available yet in this version (tracked in issue #{issue}); "
        "use `sharekit render` to review the SQL meanwhile"
    )


@app.command()
@handle_errors
def check() -> None:
    """Prove every incremental view has a usable LastUpdated and the data fits Optimove."""
    _not_yet("check", 5)


@app.command()
@handle_errors
def audit() -> None:
    """Report what the account shares, with whom, and what is wrong with it."""
    _not_yet("audit", 6)


def main() -> None:
    app()


if __name__ == "__main__":
    main()

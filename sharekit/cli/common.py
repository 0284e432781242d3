"""What every command shares: consoles, the error mapping, the shared options, and loading.

Known errors become one `Error: …` line on stderr and exit code 1; `--debug` shows the traceback
instead. Heavy modules (sqlglot, jinja2, the Snowflake connector, fakesnow) are imported inside
functions, so `sharekit --help` stays fast.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
import typer.core
from rich.text import Text

from sharekit.errors import SharekitError
from sharekit.output.common import SafeConsole

if TYPE_CHECKING:
    from sharekit.config.model import Config
    from sharekit.sql.templates import Templates

STATE = {"debug": False}


class ExitOneOnUsageErrors(typer.core.TyperGroup):
    """Click exits 2 on a usage error (unknown option, bad value), the code `plan
    --detailed-exitcode` uses for "changes pending": a CI gate would read a typo as changes.
    sharekit's contract is 1 for every error, so usage errors of every command exit 1."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except Exception as error:
            _exit_one_on_usage_error(error)
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as error:
            _exit_one_on_usage_error(error)
            raise


def _exit_one_on_usage_error(error: Exception) -> None:
    # by name: recent Typer versions raise the UsageError of their own vendored copy of click
    if any(cls.__name__ == "UsageError" for cls in type(error).__mro__):
        error.exit_code = 1  # type: ignore[attr-defined]


def out() -> SafeConsole:
    """stdout; markup off, so file and object names print as they are."""
    return SafeConsole(highlight=False, soft_wrap=True, markup=False)


def err() -> SafeConsole:
    return SafeConsole(stderr=True, highlight=False, soft_wrap=True, markup=False)


def plan_console() -> SafeConsole:
    """The plan renderer escapes every name itself and colours with markup."""
    return SafeConsole(highlight=False, soft_wrap=True)


def labelled(label: str, style: str, message: str, stream: SafeConsole | None = None) -> None:
    """`Label: message` with the label coloured; the message is never read as rich markup."""
    (stream or err()).print(Text.assemble((label, style), " ", str(message)))


def error_line(message: str) -> None:
    labelled("Error:", "red", message)


def warning_line(message: str) -> None:
    labelled("Warning:", "yellow", message)


class Format(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def handle_errors(func: Callable) -> Callable:
    """Known errors → `Error: …` on stderr, exit 1; with --debug, the traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sharekit.connect.session import wrap_connector_error

        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except SharekitError as error:
            if STATE["debug"]:
                raise
            error_line(str(error))
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err().print("Interrupted.")
            raise typer.Exit(130) from None
        except Exception as error:  # the last line of defence against tracebacks
            if STATE["debug"]:
                raise
            known = wrap_connector_error(error)
            error_line(str(known) if known is not None else (
                f"unexpected {type(error).__name__}: {error}\n"
                "This is a bug in sharekit; run again with --debug and report the traceback."))
            raise typer.Exit(1) from None

    return wrapper


FileOption = typer.Option(Path("sharekit.yml"), "-f", "--file", help="The config file.")
VarOption = typer.Option(None, "--var", help="Set ${NAME} in the config: NAME=VALUE (repeatable).")
TemplatesOption = typer.Option(
    None, "--templates", help="Directory of .sql.j2 files overriding built-in templates.")
ConnectionOption = typer.Option(
    None, "-c", "--connection", help="Snowflake connection name (connections.toml, as the snow CLI).")
LocalOption = typer.Option(False, "--local", help="Use the embedded local account instead of Snowflake.")
LocalDirOption = typer.Option(
    None, "--local-dir", help="State directory of the local account ($SHAREKIT_LOCAL_DIR, ./.sharekit/local).")
FormatOption = typer.Option(Format.text, "--format", help="Output format.")
SkipCheckOption = typer.Option(
    None, "--skip-check", help="Waive a blocking check by id, e.g. last_updated.type (repeatable).")


def parse_vars(values: list[str] | None) -> dict[str, str]:
    result = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise SharekitError(f"--var {item!r}: write it as NAME=VALUE")
        result[name.strip()] = value
    return result


def load(file: Path, var: list[str] | None) -> Config:
    from sharekit.config import load_config

    config = load_config(file, parse_vars(var))
    for warning in config.warnings:
        warning_line(warning)
    return config


def templates(directory: Path | None) -> Templates:
    from sharekit.sql.templates import get_templates

    return get_templates(str(directory) if directory else None)


@contextmanager
def session_for(config: Config | None, connection: str | None, local: bool,
                local_dir: Path | None) -> Iterator[Any]:
    from sharekit.api import open_session

    if local and connection:
        raise SharekitError("pass either --local or -c/--connection, not both")
    session = open_session(connection, local, local_dir, config, warn=warning_line)
    try:
        yield session
    finally:
        session.close()


def target_name(connection: str | None, local: bool, local_dir: Path | None) -> str:
    if local:
        from sharekit.local import resolve_local_dir

        return f"the local account ({resolve_local_dir(local_dir)})"
    return f"connection {connection}" if connection else "the default connection"


def emit(fmt: Format, as_json: Callable[[], Any], as_markdown: Callable[[], str],
         as_text: Callable[[], None]) -> None:
    """Write a report in the chosen format; JSON and Markdown go to stdout unstyled."""
    if fmt is Format.json:
        sys.stdout.write(json.dumps(as_json(), indent=2) + "\n")
    elif fmt is Format.markdown:
        sys.stdout.write(as_markdown())
    else:
        as_text()

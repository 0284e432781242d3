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
# the command running and its options, set by `handle_errors`: the header of a --record file
INVOKED: dict[str, Any] = {}


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


class ReportFormat(str, Enum):
    """`--format` of the commands whose findings can go to code scanning (check, audit): the
    formats of `Format`, plus SARIF. A separate choice, so `plan --format sarif` is a usage error."""

    text = "text"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"


def handle_errors(func: Callable) -> Callable:
    """Known errors → `Error: …` on stderr, exit 1; with --debug, the traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sharekit.connect.session import wrap_connector_error

        INVOKED.clear()
        INVOKED.update(command=func.__name__, params=dict(kwargs))
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
RecordOption = typer.Option(
    None, "--record", metavar="FILE",
    help="Also write every statement sent and what came back to FILE (JSON lines; no credentials, "
         "host names or sampled data), e.g. for a bug report.")
ReplayOption = typer.Option(
    None, "--replay", metavar="FILE",
    help="Connect to no account: answer every statement from a file written by --record.")
FormatOption = typer.Option(Format.text, "--format", help="Output format.")
ReportFormatOption = typer.Option(
    ReportFormat.text, "--format", help="Output format; sarif: SARIF 2.1.0 for code scanning (e.g. GitHub's).")
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
def session_for(config: Config | None, connection: str | None, local: bool, local_dir: Path | None,
                record: Path | None = None, replay: Path | None = None) -> Iterator[Any]:
    """The session a command runs on: local, a connection, or a --replay file; --record wraps
    either of the first two. Closed when the block ends."""
    from sharekit.api import open_session

    _refuse_combinations(connection, local, record, replay)
    header = None
    if record is not None:
        header = {**_recorded_command(), "target": target_name(connection, local, local_dir)}
    session = open_session(connection, local, local_dir, config, warn=warning_line, record=record,
                           replay=replay, header=header)
    if replay is not None:
        _announce_replay(replay, getattr(session, "header", {}))
    try:
        yield session
    finally:
        session.close()


def _refuse_combinations(connection: str | None, local: bool, record: Path | None, replay: Path | None) -> None:
    if local and connection:
        raise SharekitError("pass either --local or -c/--connection, not both")
    if replay is not None and (local or connection):
        raise SharekitError("--replay answers from the recording and connects to no account: "
                            "pass it without --local and -c/--connection")
    if replay is not None and record is not None:
        raise SharekitError("pass either --record or --replay, not both")


# options a recording's header leaves out: they name the account or its files (--var values may
# be anything, so only their names are kept)
_UNRECORDED_OPTIONS = frozenset({"connection", "local_dir", "record", "replay", "var"})


def _recorded_command() -> dict[str, Any]:
    params = INVOKED.get("params", {})
    options: dict[str, Any] = {}
    for name, value in params.items():
        if name not in _UNRECORDED_OPTIONS:
            options[name] = _plain(value)
    if params.get("var"):
        options["var"] = sorted({str(item).partition("=")[0].strip() for item in params["var"]})
    return {"command": INVOKED.get("command"), "options": options}


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _announce_replay(replay: Path, header: dict[str, Any]) -> None:
    from sharekit.version import __version__

    recorded = header.get("sharekit_version")
    err().print(f"Replaying {replay} (`sharekit {header.get('command') or '?'}`, recorded "
                f"{header.get('recorded_at') or '?'} by sharekit {recorded or '?'}): no account is contacted.")
    if recorded and recorded != __version__:
        warning_line(f"{replay} was recorded by sharekit {recorded}, this is {__version__}: "
                     "a statement that differs fails the replay")


def target_name(connection: str | None, local: bool, local_dir: Path | None, replay: Path | None = None) -> str:
    """What the output calls the account; with --replay, what the recording's output called it."""
    if replay is not None:
        from sharekit.connect.record import read_header

        _refuse_combinations(connection, local, None, replay)
        return str(read_header(replay).get("target") or f"the recording {replay}")
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


def emit_report(fmt: ReportFormat, as_json: Callable[[], Any], as_markdown: Callable[[], str],
                as_text: Callable[[], None], as_sarif: Callable[[], Any]) -> None:
    """`emit`, plus SARIF (a JSON document on stdout) for check and audit."""
    if fmt is ReportFormat.sarif:
        sys.stdout.write(json.dumps(as_sarif(), indent=2) + "\n")
    else:
        emit(Format(fmt.value), as_json, as_markdown, as_text)

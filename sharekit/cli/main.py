"""The `sharekit` command: a thin Typer layer over the library.

Each command builds library objects, calls them, and prints. Known errors become one
`Error: …` line on stderr and exit code 1; `--debug` shows the traceback instead.
Heavy modules (sqlglot, jinja2, the Snowflake connector, fakesnow) are imported inside the
commands, so `sharekit --help` stays fast.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, List, Optional

import typer
import typer.core
from rich.console import Console
from rich.text import Text

from sharekit.cli.local import local_app
from sharekit.errors import CheckError, SharekitError

if TYPE_CHECKING:
    from sharekit.config.model import Config

class _ExitOneOnUsageErrors(typer.core.TyperGroup):
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


app = typer.Typer(
    cls=_ExitOneOnUsageErrors,
    name="sharekit",
    help="Provision Snowflake Secure Data Sharing to Optimove, and keep it correct.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(local_app, name="local")

_state = {"debug": False}


def out() -> Console:
    """stdout; markup off, so file and object names print as they are."""
    return Console(highlight=False, soft_wrap=True, markup=False)


def err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


def plan_console() -> Console:
    """The plan renderer escapes every name itself and colours with markup."""
    return Console(highlight=False, soft_wrap=True)


def labelled(label: str, style: str, message: str, stream: Console | None = None) -> None:
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
            error_line(str(error))
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
            error_line(message)
            raise typer.Exit(1) from None

    return wrapper


def _show_version(value: bool) -> None:
    """--version runs while the options are parsed: the group callback runs only with a command,
    so checking the flag there printed 'Missing command.' for `sharekit --version`."""
    if value:
        from importlib.metadata import version as dist_version

        out().print(f"sharekit {dist_version('sharekit')}")
        raise typer.Exit(0)


@app.callback()
def main_callback(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(False, "--version", help="Show the version and exit.", is_eager=True,
                                 callback=_show_version),
) -> None:
    """Provision Snowflake Secure Data Sharing to Optimove, and keep it correct."""
    _state["debug"] = debug


FileOption = typer.Option(Path("sharekit.yml"), "-f", "--file", help="The config file.")
VarOption = typer.Option(None, "--var", help="Set ${NAME} in the config: NAME=VALUE (repeatable).")
TemplatesOption = typer.Option(None, "--templates", help="Directory of .sql.j2 files overriding built-in templates.")
ConnectionOption = typer.Option(None, "-c", "--connection", help="Snowflake connection name (connections.toml, as the snow CLI).")
LocalOption = typer.Option(False, "--local", help="Use the embedded local account instead of Snowflake.")
LocalDirOption = typer.Option(None, "--local-dir", help="State directory of the local account ($SHAREKIT_LOCAL_DIR, ./.sharekit/local).")
FormatOption = typer.Option(Format.text, "--format", help="Output format.")
SkipCheckOption = typer.Option(None, "--skip-check", help="Waive a blocking check by id, e.g. last_updated.type (repeatable).")


def parse_vars(values: Optional[List[str]]) -> dict[str, str]:
    result = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise SharekitError(f"--var {item!r}: write it as NAME=VALUE")
        result[name.strip()] = value
    return result


def load(file: Path, var: Optional[List[str]]) -> "Config":
    from sharekit.config import load_config

    config = load_config(file, parse_vars(var))
    for warning in config.warnings:
        warning_line(warning)
    return config


def templates(directory: Optional[Path]) -> Any:
    from sharekit.sql.templates import get_templates

    return get_templates(str(directory) if directory else None)


@app.command()
@handle_errors
def init(
    directory: Path = typer.Argument(Path("."), help="Where to write sharekit.yml."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing sharekit.yml and seed.sql."),
) -> None:
    """Write a commented starter sharekit.yml, and a seed.sql of sample tables for --local.

    Example: sharekit init my_share && cd my_share && sharekit plan --local
    """
    package = Path(__file__).parent.parent
    files = {directory / "sharekit.yml": package / "starter.yml", directory / "seed.sql": package / "starter_seed.sql"}
    existing = [str(target) for target in files if target.exists()]
    if existing and not force:
        raise SharekitError(f"{', '.join(existing)} already exist(s): edit, or pass --force to overwrite")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for target, source in files.items():
            target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    except OSError as error:
        raise SharekitError(f"cannot write the starter files into {directory}: {error.strerror or error}") from None
    config = directory / "sharekit.yml"
    out().print(f"Wrote {config} and {directory / 'seed.sql'}. Next: `sharekit validate -f {config}`, "
                f"then try it with no Snowflake: `sharekit plan -f {config} --local`.")


@app.command()
@handle_errors
def validate(
    file: Path = FileOption,
    skip_check: Optional[List[str]] = SkipCheckOption,
    var: Optional[List[str]] = VarOption,
    templates_dir: Optional[Path] = TemplatesOption,
) -> None:
    """Check the config and the SQL templates offline (no connection).

    Example: sharekit validate -f sharekit.yml
    """
    from sharekit.api import blocking_message
    from sharekit.checks.structural import apply_skips, blocking, config_checks
    from sharekit.output.sqlfiles import render_files

    config = load(file, var)
    t = templates(templates_dir)
    problems = t.check_all()
    if problems:
        raise SharekitError("templates are broken:\n  " + "\n  ".join(problems))
    render_files(config, t)  # every statement renders
    findings = apply_skips(config_checks(config), skip_check or ())
    for finding in findings:
        if finding.severity == "warning":
            warning_line(f"{finding.id} {finding.object}: {finding.message}")
    if blocking(findings):
        raise CheckError(blocking_message(blocking(findings)))
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
    from sharekit.output.sqlfiles import check_files, render_files, write_files

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
        error_line(
            f"{out_dir} is out of date with {file}:\n" + "\n".join(lines)
            + f"\nRun: sharekit render -f {file} --out-dir {out_dir}"
        )
        raise typer.Exit(1)
    try:
        changed = write_files(files, out_dir)
    except OSError as error:
        raise SharekitError(f"cannot write to --out-dir {out_dir}: {error.strerror or error}"
                            + (f" ({error.filename})" if error.filename else "")) from None
    out().print(f"Wrote {len(files)} files to {out_dir} ({len(changed)} changed).")
    for path in changed:
        out().print(f"  {out_dir / path}")


@contextmanager
def session_for(config: "Config", connection: Optional[str], local: bool, local_dir: Optional[Path]) -> Iterator[Any]:
    from sharekit.api import open_session

    if local and connection:
        raise SharekitError("pass either --local or -c/--connection, not both")
    session = open_session(connection, local, local_dir, config, warn=warning_line)
    try:
        yield session
    finally:
        session.close()


def target_name(connection: Optional[str], local: bool, local_dir: Optional[Path]) -> str:
    if local:
        from sharekit.local import resolve_local_dir

        return f"the local account ({resolve_local_dir(local_dir)})"
    return f"connection {connection}" if connection else "the default connection"


def emit(fmt: Format, as_json: Callable[[], Any], as_markdown: Callable[[], str], as_text: Callable[[], None]) -> None:
    """Write a report in the chosen format; JSON and Markdown go to stdout unstyled."""
    if fmt is Format.json:
        sys.stdout.write(json.dumps(as_json(), indent=2) + "\n")
    elif fmt is Format.markdown:
        sys.stdout.write(as_markdown())
    else:
        as_text()


@app.command()
@handle_errors
def plan(
    file: Path = FileOption,
    connection: Optional[str] = ConnectionOption,
    local: bool = LocalOption,
    local_dir: Optional[Path] = LocalDirOption,
    fmt: Format = FormatOption,
    out_file: Optional[Path] = typer.Option(None, "--out", help="Save the plan as JSON for `sharekit apply PLAN.json`."),
    detailed_exitcode: bool = typer.Option(False, "--detailed-exitcode", help="Exit 2 when there are changes, 0 when none."),
    skip_check: Optional[List[str]] = SkipCheckOption,
    var: Optional[List[str]] = VarOption,
    templates_dir: Optional[Path] = TemplatesOption,
) -> None:
    """Show the exact SQL that would bring the account in line with the config.

    Example: sharekit plan --local --format markdown
    """
    from sharekit.api import blocking_message, make_plan
    from sharekit.output.plan import plan_markdown, print_plan
    from sharekit.plan.definition import plan_to_json

    config = load(file, var)
    t = templates(templates_dir)
    with session_for(config, connection, local, local_dir) as session:
        result = make_plan(config, session, t, skip_check or ())
    target = target_name(connection, local, local_dir)
    emit(fmt, lambda: plan_to_json(result), lambda: plan_markdown(result, target),
         lambda: print_plan(result, plan_console(), target))
    if out_file is not None:
        write_atomic(out_file, json.dumps(plan_to_json(result), indent=2) + "\n")
        err().print(f"Saved the plan to {out_file}; apply it with `sharekit apply {out_file}`.")
    if result.blocking:
        raise CheckError(blocking_message(result.blocking))
    if detailed_exitcode and result.has_changes:
        raise typer.Exit(2)


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file; a path that cannot take a file is a SharekitError, not a crash."""
    if path.is_dir():
        raise SharekitError(f"--out {path} is a directory: name a file, e.g. {path / 'plan.json'}")
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as error:
        if temporary.parent.is_dir():
            temporary.unlink(missing_ok=True)
        raise SharekitError(f"cannot write {path}: {error.strerror or error}") from None


@app.command()
@handle_errors
def apply(
    plan_file: Optional[Path] = typer.Argument(None, help="A plan saved by `sharekit plan --out`; default: plan now."),
    file: Path = FileOption,
    connection: Optional[str] = ConnectionOption,
    local: bool = LocalOption,
    local_dir: Optional[Path] = LocalDirOption,
    yes: bool = typer.Option(False, "--yes", "-y", help="Apply without asking for confirmation."),
    allow_destroy: bool = typer.Option(False, "--allow-destroy", help="Allow revokes, consumer removals and drops."),
    workers: int = typer.Option(8, "--workers", min=1, max=64, help="Statements of one stage run in parallel."),
    skip_check: Optional[List[str]] = SkipCheckOption,
    var: Optional[List[str]] = VarOption,
    templates_dir: Optional[Path] = TemplatesOption,
) -> None:
    """Run the plan: views first, consumers last; stops at the first failure.

    Example: sharekit apply --local --yes
    """
    from rich.progress import Progress

    from sharekit.api import check_fresh, make_plan, run_plan
    from sharekit.output.plan import print_plan
    from sharekit.plan.definition import plan_from_json

    config = load(file, var)
    t = templates(templates_dir)
    target = target_name(connection, local, local_dir)
    with session_for(config, connection, local, local_dir) as session:
        if plan_file is not None:
            try:
                data = json.loads(plan_file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise SharekitError(f"cannot read plan {plan_file}: {error}") from None
            result = plan_from_json(data, str(plan_file))
            check_fresh(config, session, t, result)
        else:
            result = make_plan(config, session, t, skip_check or ())
        print_plan(result, plan_console(), target)
        if not result.has_changes:
            return
        if result.blocking or (result.destructive and not allow_destroy):
            run_plan(session, result, allow_destroy)  # raises the refusal with the list
        if not yes:
            if not sys.stdin.isatty():
                raise SharekitError("no terminal to confirm on: review the plan, then pass --yes")
            if not typer.confirm(f"Apply {len(result.changes)} changes to {target}?", default=False):
                err().print("Apply cancelled; nothing was changed.")
                raise typer.Exit(1)
        started = time.perf_counter()
        with Progress(console=err(), transient=True) as progress:
            task = progress.add_task("Applying", total=len(result.changes))
            outcome = run_plan(session, result, allow_destroy, workers,
                               on_done=lambda _change: progress.advance(task))
        seconds = time.perf_counter() - started
    if outcome.ok:
        labelled(f"Applied {len(outcome.done)} changes", "green",
                 f"in {seconds:.2f} s with {workers} worker{'s' if workers != 1 else ''}.", out())
        return
    report = err()
    error_line(f"apply stopped at the first failure: "
               f"{len(outcome.done)} done, {len(outcome.failed)} failed, {len(outcome.not_started)} not started.")
    for change, message in outcome.failed:
        labelled("  failed     ", "red", f"{change.action} {change.object}: {message}", report)
    for change in outcome.done:
        report.print(f"  done        {change.action} {change.object}", markup=False)
    for change in outcome.not_started:
        report.print(f"  not started {change.action} {change.object}", markup=False)
    report.print("Fix the cause, then run `sharekit plan` to see what is left, or `sharekit apply` to finish.")
    raise typer.Exit(1)


def main() -> None:
    app()


# Commands that live in their own modules register themselves on `app` (kept last: they import it).
from sharekit.cli import audit as cli_audit, check as cli_check  # noqa: E402,F401


if __name__ == "__main__":
    main()

"""`sharekit plan` and `sharekit apply`: the SQL diff with the account, and running it."""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from sharekit.cli import common
from sharekit.errors import CheckError, SharekitError
from sharekit.output.common import plural

if TYPE_CHECKING:
    from sharekit.plan.apply import ApplyResult
    from sharekit.plan.definition import Plan

# what a shell reports for a command a signal stopped: 128 + the signal's number
SIGNAL_EXIT: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}


@common.handle_errors
def plan(
    file: Path = common.FileOption,
    connection: str | None = common.ConnectionOption,
    local: bool = common.LocalOption,
    local_dir: Path | None = common.LocalDirOption,
    record: Path | None = common.RecordOption,
    replay: Path | None = common.ReplayOption,
    fmt: common.Format = common.FormatOption,
    out_file: Path | None = typer.Option(
        None, "--out", help="Save the plan as JSON for `sharekit apply PLAN.json`."),
    detailed_exitcode: bool = typer.Option(
        False, "--detailed-exitcode", help="Exit 2 when there are changes, 0 when none."),
    skip_check: list[str] | None = common.SkipCheckOption,
    var: list[str] | None = common.VarOption,
    templates_dir: Path | None = common.TemplatesOption,
) -> None:
    """Show the exact SQL that would bring the account in line with the config.

    Example: sharekit plan --local --format markdown
    """
    from sharekit.api import blocking_message, make_plan
    from sharekit.output.plan import plan_markdown, print_plan
    from sharekit.output.progress import status
    from sharekit.output.safefile import write_text_safely
    from sharekit.plan.definition import plan_to_json

    config = common.load(file, var)
    t = common.templates(templates_dir)
    with common.session_for(config, connection, local, local_dir, record, replay) as session, \
            status(common.err(), "Reading the account"):
        result = make_plan(config, session, t, skip_check or ())
    target = common.target_name(connection, local, local_dir, replay)
    common.emit(fmt, lambda: plan_to_json(result), lambda: plan_markdown(result, target),
                lambda: print_plan(result, common.plan_console(), target))
    if out_file is not None:
        try:
            write_text_safely(out_file, json.dumps(plan_to_json(result), indent=2) + "\n")
        except OSError as error:
            reason = f"{out_file}: {error.strerror}" if error.strerror else str(error)  # ours names the path
            raise SharekitError(f"cannot write --out {reason}") from None
        command = _apply_command(out_file, file, local, connection)
        common.err().print(f"Saved the plan to {out_file}; apply it with `{command}`.")
    if result.blocking:
        raise CheckError(blocking_message(result.blocking))
    if detailed_exitcode and result.has_changes:
        raise typer.Exit(2)


def _apply_command(plan_file: Path, file: Path, local: bool, connection: str | None) -> str:
    """The apply command for a saved plan, with the options that name the same config and account."""
    import shlex

    words = ["sharekit", "apply", str(plan_file)]
    if file != Path("sharekit.yml"):
        words += ["-f", str(file)]
    if local:
        words.append("--local")
    elif connection:
        words += ["-c", connection]
    return " ".join(shlex.quote(word) for word in words)


@common.handle_errors
def apply(
    plan_file: Path | None = typer.Argument(
        None, help="A plan saved by `sharekit plan --out`; default: plan now."),
    file: Path = common.FileOption,
    connection: str | None = common.ConnectionOption,
    local: bool = common.LocalOption,
    local_dir: Path | None = common.LocalDirOption,
    record: Path | None = common.RecordOption,
    replay: Path | None = common.ReplayOption,
    yes: bool = typer.Option(False, "--yes", "-y", help="Apply without asking for confirmation."),
    allow_destroy: bool = typer.Option(False, "--allow-destroy", help="Allow revokes, consumer removals and drops."),
    workers: int = typer.Option(8, "--workers", min=1, max=64, help="Statements of one stage run in parallel."),
    batch_size: int = typer.Option(
        50, "--batch-size", min=1, max=500,
        help="Statements of one stage sent in one request, where the connection allows it; 1: one a request."),
    skip_check: list[str] | None = common.SkipCheckOption,
    var: list[str] | None = common.VarOption,
    templates_dir: Path | None = common.TemplatesOption,
) -> None:
    """Run the plan: views first, consumers last; stops at the first failure.

    Example: sharekit apply --local --yes
    """
    from rich.progress import Progress

    from sharekit.api import check_fresh, make_plan, read_plan, refuse_unsafe, run_plan, write_local_files
    from sharekit.output.plan import print_plan
    from sharekit.output.progress import status

    config = common.load(file, var)
    t = common.templates(templates_dir)
    target = common.target_name(connection, local, local_dir, replay)
    with common.session_for(config, connection, local, local_dir, record, replay) as session:
        with status(common.err(), "Reading the account"):
            if plan_file is not None:
                result = check_fresh(config, session, t, read_plan(plan_file))
            else:
                result = make_plan(config, session, t, skip_check or ())
        print_plan(result, common.plan_console(), target)
        if not result.has_changes:
            return
        refuse_unsafe(result, allow_destroy)
        if not yes:
            _confirm(result, target)
        write_local_files(config, result)
        started = time.perf_counter()
        with _stopped_by_signals() as stop, Progress(console=common.err(), transient=True) as progress:
            task = progress.add_task("Applying", total=len(result.changes))
            outcome = run_plan(session, result, allow_destroy, workers,
                               on_done=lambda _change: progress.advance(task), stop=stop, batch_size=batch_size)
        seconds = time.perf_counter() - started
    if outcome.ok:
        common.labelled(f"Applied {plural(len(outcome.done), 'change')}", "green",
                        f"in {seconds:.2f} s with {plural(workers, 'worker')}.", common.out())
        return
    _report_unfinished(outcome, stop.signal)
    raise typer.Exit(SIGNAL_EXIT.get(stop.signal, 1) if stop.signal else 1)


def _confirm(result: Plan, target: str) -> None:
    """Ask before changing the account; a plan that breaks consumers wants the share's name typed."""
    if not _interactive():
        raise SharekitError("no terminal to confirm on: review the plan, then pass --yes")
    changes = plural(len(result.changes), "change")
    breaking = result.summary["breaking"]
    if breaking:
        typed = typer.prompt(f"{plural(breaking, 'change')} of {changes} BREAK what consumers read. "
                             f"Type the share name ({result.share}) to apply them to {target}", default="",
                             show_default=False)
        if typed.strip() != result.share:
            common.err().print("Apply cancelled; nothing was changed.")
            raise typer.Exit(1)
    elif not typer.confirm(f"Apply {changes} to {target}?", default=False):
        common.err().print("Apply cancelled; nothing was changed.")
        raise typer.Exit(1)


def _interactive() -> bool:
    return sys.stdin.isatty()


class _Stop(threading.Event):
    """Set by SIGINT or SIGTERM during apply; remembers which."""

    signal: int | None = None


@contextmanager
def _stopped_by_signals() -> Iterator[_Stop]:
    """While apply runs, SIGINT and SIGTERM stop it cleanly: statements in flight finish, none
    start, and the report says what was done (a second signal is handled the same way)."""
    stop = _Stop()

    def handler(signum: int, _frame: Any) -> None:
        stop.signal = signum
        stop.set()

    if threading.current_thread() is not threading.main_thread():
        yield stop  # signal handlers can only be set from the main thread (a test runner's worker)
        return
    previous = {number: signal.signal(number, handler) for number in SIGNAL_EXIT}
    try:
        yield stop
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


def _report_unfinished(outcome: ApplyResult, signum: int | None) -> None:
    report = common.err()
    counts = (f"{len(outcome.done)} done, {len(outcome.failed)} failed, "
              f"{len(outcome.not_started)} not started")
    if outcome.unknown:  # a batch failed without naming its statement: a plan tells which ran
        counts += f", {len(outcome.unknown)} unknown (re-plan to see)"
    if signum is not None:
        common.error_line(f"apply stopped by {signal.Signals(signum).name}: {counts}.")
    else:
        common.error_line(f"apply stopped at the first failure: {counts}.")
    for change, message in outcome.failed:
        common.labelled("  failed     ", "red", f"{change.action} {change.object}: {message}", report)
    for change in outcome.done:
        report.print(f"  done        {change.action} {change.object}", markup=False)
    for change in outcome.not_started:
        report.print(f"  not started {change.action} {change.object}", markup=False)
    for change, message in outcome.unknown:
        common.labelled("  unknown    ", "yellow", f"{change.action} {change.object}: {message}", report)
    report.print("Fix the cause, then run `sharekit plan` to see what is left, or `sharekit apply` to finish."
                 if signum is None else "Run `sharekit plan` to see what is left, or `sharekit apply` to finish.")
    if outcome.unknown:
        # UNCONFIRMED on a real account: that share DDL runs in a multi-statement request (reference §5)
        report.print("If the account refuses several statements in one request, apply with --batch-size 1 "
                     "(one statement a request).")

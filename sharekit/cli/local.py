"""`sharekit local …`: create, seed, query and reset the embedded local Snowflake account.

The main CLI mounts `local_app` and turns SharekitError into `Error: …`, exit 1; statement
errors (the connector's ProgrammingError) are re-raised here as SnowflakeError so the user
sees Snowflake's own message.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from sharekit.cli.common import handle_errors

local_app = typer.Typer(
    name="local",
    help=(
        "The embedded local Snowflake account (fakesnow + sharekit's share layer) behind --local. "
        "State lives in --local-dir, else $SHAREKIT_LOCAL_DIR, else ./.sharekit/local."
    ),
    no_args_is_help=True,
)

LocalDirOption = typer.Option(
    None,
    "--local-dir",
    metavar="DIR",
    help="Local account directory (default: $SHAREKIT_LOCAL_DIR, else ./.sharekit/local).",
)


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return str(value)


def _run(account: Any, text: str, name: str | None = None) -> list[dict[str, Any]]:
    """Run every statement of `text`; rows of the last one. A failing statement → SnowflakeError
    saying which one failed and that those before it were kept (`run_statements`)."""
    from sharekit.local.account import run_statements

    return run_statements(account, text, name)


@local_app.command("init")
@handle_errors
def init(
    seed: Path | None = typer.Option(
        None, "--seed", metavar="FILE", help="SQL script to run once, when the account is created."
    ),
    local_dir: Path | None = LocalDirOption,
) -> None:
    """Create the local account (running --seed once) or confirm it exists."""
    from sharekit.local import open_local_account, resolve_local_dir

    directory = resolve_local_dir(local_dir)
    with open_local_account(directory, seed=seed) as account:
        if not account.created:
            note = f"; seed {seed} not run (it runs only at creation: use `sharekit local seed`)" if seed else ""
            typer.echo(f"Local account {account.account_locator} already exists at {directory}{note}")
        elif seed:
            typer.echo(
                f"Created local account {account.account_locator} at {directory}, "
                f"seeded from {seed} ({account.round_trips} statements)"
            )
        else:
            typer.echo(f"Created local account {account.account_locator} at {directory}")


@local_app.command("seed")
@handle_errors
def seed(
    script: Path = typer.Argument(..., metavar="FILE.sql", help="SQL script: ;-separated statements."),
    local_dir: Path | None = LocalDirOption,
) -> None:
    """Run a SQL script against the local account (creating it if needed)."""
    from sharekit.local import open_local_account, resolve_local_dir
    from sharekit.local.account import read_script

    text = read_script(script, "SQL script")
    directory = resolve_local_dir(local_dir)
    with open_local_account(directory) as account:
        _run(account, text, str(script))
        typer.echo(f"Ran {account.round_trips} statements from {script} on the local account at {directory}")


@local_app.command("sql")
@handle_errors
def sql(
    statement: str = typer.Argument(
        ..., metavar='"STATEMENT"', help="SQL to run; with several statements, the last one's rows are shown."
    ),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, or json (a list of row objects)."),
    local_dir: Path | None = LocalDirOption,
) -> None:
    """Run SQL on the local account and print the result."""
    from sharekit.local import open_local_account

    with open_local_account(local_dir) as account:
        rows = _run(account, statement)
    if output is OutputFormat.json:
        typer.echo(json.dumps(rows, default=_json_value, indent=2, ensure_ascii=False))
        return
    from sharekit.cli.common import out
    from sharekit.output.common import plural, print_records

    console = out()
    if not rows:
        console.print("(no rows)")
        return
    print_records(console, [{name: "" if v is None else v if isinstance(v, str) else str(_json_value(v))
                             for name, v in row.items()} for row in rows])
    console.print(plural(len(rows), "row"))


@local_app.command("run-task")
@handle_errors
def run_task(
    name: str = typer.Argument(..., metavar="NAME", help="The task: TASK, or DATABASE.SCHEMA.TASK."),
    local_dir: Path | None = LocalDirOption,
) -> None:
    """Run a task's body once, as Snowflake would on its schedule: the monitor's task runs
    sharekit's checks and fills its results table; the export's runs one `sharekit export`."""
    from sharekit.local import open_local_account
    from sharekit.local.tasks import run_task as run_local_task
    from sharekit.output.common import plural

    with open_local_account(local_dir) as account:
        summary = run_local_task(account, name)
    did = (f"exported {plural(int(summary['rows']), 'row')} in {plural(int(summary['files']), 'file')}"
           if "files" in summary else plural(int(summary["errors"]), "error"))
    typer.echo(f"Ran task {name}: run {summary['run_id']} at {summary['run_at']} UTC, {did}, "
               f"{plural(int(summary['warnings']), 'warning')} over {plural(int(summary['views']), 'view')}, "
               f"{plural(int(summary.get('queries', 0)), 'query')}")


@local_app.command("reset")
@handle_errors
def reset(local_dir: Path | None = LocalDirOption) -> None:
    """Delete the local account's state (it is re-created, empty, on next use).

    Deletes only what a local account writes — refuses when the directory holds anything else —
    and removes the lock file last, while holding it, so a command opening the account at the
    same time either finds it in use or starts a fresh one (see `sharekit.local.store.reset`).
    The directory itself goes too when sharekit created it."""
    from sharekit.local import resolve_local_dir
    from sharekit.local.store import reset as reset_directory

    typer.echo(reset_directory(resolve_local_dir(local_dir)))

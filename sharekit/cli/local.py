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
from sharekit.errors import SharekitError, SnowflakeError

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


def _run(account: Any, text: str) -> list[dict[str, Any]]:
    """Run every statement of `text`; rows of the last one. Statement errors → SnowflakeError."""
    from sharekit.local.sqltext import split_statements

    try:
        statements = split_statements(text)
        if not statements:
            raise SnowflakeError("no SQL statement given")
        rows: list[dict[str, Any]] = []
        for stmt in statements:
            rows = account.query(stmt.text)
        return rows
    except SharekitError:
        raise
    except Exception as exc:  # noqa: BLE001 - the connector's error classes
        raise SnowflakeError(str(exc)) from None


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

    try:
        text = script.read_text(encoding="utf-8")
    except OSError as exc:
        raise SnowflakeError(f"cannot read {script}: {exc.strerror or exc}") from None
    directory = resolve_local_dir(local_dir)
    with open_local_account(directory) as account:
        _run(account, text)
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
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not rows:
        console.print("(no rows)")
        return
    table = Table(show_lines=False)
    for name in rows[0]:
        table.add_column(name, overflow="fold")  # wrap, never truncate values
    for row in rows:
        table.add_row(
            *("" if v is None else str(_json_value(v) if not isinstance(v, str) else v) for v in row.values())
        )
    console.print(table)
    console.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}")


@local_app.command("reset")
@handle_errors
def reset(local_dir: Path | None = LocalDirOption) -> None:
    """Delete the local account's state (it is re-created, empty, on next use)."""
    import shutil

    from sharekit.errors import ConnectionError_
    from sharekit.local import resolve_local_dir
    from sharekit.local.store import OWNED_NAMES, DirLock, looks_like_account

    directory = resolve_local_dir(local_dir)
    if not directory.exists() or not any(p.name != "lock" for p in directory.iterdir()):
        typer.echo(f"No local account at {directory}; nothing to reset")
        return
    if not looks_like_account(directory):
        raise ConnectionError_(
            f"{directory} holds files a local account does not write; not deleting it "
            "(point --local-dir at a local account directory)"
        )
    lock = DirLock(directory)
    lock.acquire()  # refuses while a command uses the account
    try:
        for name in OWNED_NAMES:
            path = directory / name
            if name == "lock":
                continue
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
        for stray in directory.glob(".account.json.*"):
            stray.unlink()
    finally:
        lock.release()  # the lock file stays: unlinking it could let two openers race
    typer.echo(f"Reset the local account at {directory}")

"""The `sharekit` command: a thin Typer layer over the library (`sharekit.api`).

Each module holds one command group and imports only `cli.common`; this module assembles them,
in the order `sharekit --help` lists them. Nothing in the library imports `sharekit.cli`.
"""

from __future__ import annotations

import typer

from sharekit.cli import audit, check, common, doctor, export, handoff, local, monitor, plan, project, reader, schema

app = typer.Typer(
    cls=common.ExitOneOnUsageErrors,
    name="sharekit",
    help="Provision Snowflake Secure Data Sharing to Optimove, and keep it correct.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(local.local_app, name="local")
app.add_typer(monitor.monitor_app, name="monitor")
app.add_typer(reader.reader_app, name="reader")
for command in (project.init, project.validate, project.render, plan.plan, plan.apply, audit.audit, check.check,
                doctor.doctor, handoff.handoff, schema.schema, export.export):
    app.command()(command)


def _show_version(value: bool) -> None:
    """--version runs while the options are parsed: the group callback runs only with a command,
    so checking the flag there printed 'Missing command.' for `sharekit --version`."""
    if value:
        from importlib.metadata import version as dist_version

        common.out().print(f"sharekit {dist_version('sharekit')}")
        raise typer.Exit(0)


@app.callback()
def main_callback(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(False, "--version", help="Show the version and exit.", is_eager=True,
                                 callback=_show_version),
) -> None:
    """Provision Snowflake Secure Data Sharing to Optimove, and keep it correct."""
    common.STATE["debug"] = debug


def main() -> None:
    app()


__all__ = ["app", "main"]

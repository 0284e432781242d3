"""The `sharekit` command: a thin Typer layer over the library (`sharekit.api`)."""

from sharekit.cli.main import app, main

__all__ = ["app", "main"]

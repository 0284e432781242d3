"""Shared test fixtures: keep this file small and generic.

- `cli(*args)` runs the `sharekit` Typer app in-process (CliRunner, 100 columns) and returns the
  click Result; `result.stdout` and `result.stderr` are captured separately.
- `write_config(text, name="sharekit.yml")` writes a dedented config into `tmp_path`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable

import pytest


@pytest.fixture
def cli() -> Callable:
    """`cli("validate", "-f", path)` → click Result of the sharekit app, run in-process."""
    from typer.testing import CliRunner

    from sharekit.cli import app  # imported here: collecting other tests must not need the CLI

    runner = CliRunner(env={"COLUMNS": "100"})

    def invoke(*args: object, **kwargs: object):
        return runner.invoke(app, [str(arg) for arg in args], **kwargs)

    return invoke


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """`write_config(text, name="sharekit.yml")` → path of the dedented text written in tmp_path."""

    def write(text: str, name: str = "sharekit.yml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write

"""`sharekit --help` stays fast: the CLI module imports no heavy dependency at start-up."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sqlglot", "jinja2", "snowflake.connector", "fakesnow", "duckdb", "pyarrow", "yaml")


def test_cli_import_loads_no_heavy_module():
    code = (
        "import sys, sharekit.cli; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"imported at start-up: {result.stdout.strip()}"


def test_help_runs_without_touching_the_account():
    result = subprocess.run([sys.executable, "-m", "sharekit", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "plan" in result.stdout and "audit" in result.stdout

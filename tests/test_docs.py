"""Docs that stay true: the README's CLI reference, its set-up commands and CI agree with the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import typer

from sharekit.cli import app

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_cli_reference_is_up_to_date():
    result = subprocess.run([sys.executable, "-m", "cogapp", "--check", "README.md"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, "README.md's CLI reference is stale: run `cog -r README.md`\n" + result.stderr


def test_every_command_is_documented_with_help():
    commands = typer.main.get_command(app).commands
    for name, command in commands.items():
        assert command.help, f"sharekit {name} has no help text"
        assert f"### sharekit {name}" in README, f"sharekit {name} is missing from the README"


def test_readme_starts_with_the_two_setup_commands_and_ci_runs_the_second():
    block = re.search(r"```sh\n(.*?)```", README, re.S).group(1).strip().splitlines()
    assert len(block) == 2
    install_and_plan, install_and_test = block
    assert "pip install ." in install_and_plan and "sharekit plan" in install_and_plan and "--local" in install_and_plan
    assert install_and_test.endswith("python -m pytest")
    assert install_and_test in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_examples_committed_sql_is_in_step_with_its_config(monkeypatch):
    """The example keeps its rendered SQL in the repo, as a user would; CI keeps it current."""
    from typer.testing import CliRunner

    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, ["render", "-f", "examples/optimove_ecommerce/sharekit.yml",
                                      "--out-dir", "examples/optimove_ecommerce/sql", "--check"])
    assert result.exit_code == 0, result.output + result.stderr

"""The offline commands end to end, in-process: `init`, `validate`, `render`, help texts; and the
CLI's own error handling: usage errors, `--version`, outputs it cannot write."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from sharekit.output.sqlfiles import render_files

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "optimove_ecommerce" / "sharekit.yml"
EXAMPLE_FILES = [
    "consumers.sql", "grants.sql", "share.sql",
    "views/OPTIMOVE.CUSTOMERS.sql", "views/OPTIMOVE.ITEMS_CATALOG.sql",
    "views/OPTIMOVE.ORDERS_ITEMS.sql", "views/OPTIMOVE.ORDERS_SUMMARY.sql",
]


def sql_files(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*.sql"))


def assert_ok(result) -> None:
    assert result.exit_code == 0, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def assert_error(result, *fragments: str) -> None:
    """Exit 1, `Error:` on stderr with every fragment, no traceback."""
    assert result.exit_code == 1, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.stderr.startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in:\n{result.stderr}"


# --- init ----------------------------------------------------------------------------------

def test_init_writes_a_config_that_validates(cli, tmp_path):
    result = cli("init", tmp_path / "new")
    assert_ok(result)
    target = tmp_path / "new" / "sharekit.yml"
    assert f"Wrote {target} and {tmp_path / 'new' / 'seed.sql'}." in result.stdout
    assert (tmp_path / "new" / "seed.sql").read_text().count("CREATE TABLE") == 2
    assert_ok(cli("validate", "-f", target))


def test_init_starter_plans_applies_and_checks_on_the_local_account(cli, tmp_path):
    """What `sharekit init` writes works end to end with no Snowflake: the seed builds its sources."""
    assert_ok(cli("init", tmp_path / "new"))
    target = tmp_path / "new" / "sharekit.yml"
    local = ["--local", "--local-dir", tmp_path / "account"]
    assert_ok(cli("apply", "-f", target, *local, "--yes"))
    assert_ok(cli("check", "-f", target, *local, "--data"))
    assert "No changes." in cli("plan", "-f", target, *local).stdout


def test_init_refuses_to_overwrite_without_force(cli, tmp_path):
    assert_ok(cli("init", tmp_path))
    target = tmp_path / "sharekit.yml"
    target.write_text("# mine\n")
    assert_error(cli("init", tmp_path), f"{target} and {tmp_path / 'seed.sql'} already exist", "--force")
    assert target.read_text() == "# mine\n"
    assert_ok(cli("init", tmp_path, "--force"))
    assert target.read_text().splitlines()[1].startswith("# sharekit.yml")  # after the schema line


# --- validate ------------------------------------------------------------------------------

def test_validate_example_prints_the_summary(cli):
    result = cli("validate", "-f", EXAMPLE)
    assert_ok(result)
    assert result.stdout == (
        f"{EXAMPLE} is valid: share OPTIMOVE_SHARE in database OPTIMOVE_SHARE_DB, 4 views, 1 consumer.\n")
    assert result.stderr == ""


def test_validate_defaults_to_sharekit_yml_in_the_working_directory(cli, tmp_path, monkeypatch):
    shutil.copy(EXAMPLE, tmp_path / "sharekit.yml")
    monkeypatch.chdir(tmp_path)
    result = cli("validate")
    assert_ok(result)
    assert result.stdout.startswith("sharekit.yml is valid: ")


def test_validate_missing_file(cli, tmp_path):
    assert_error(cli("validate", "-f", tmp_path / "nope.yml"), "nope.yml: file not found", "sharekit init")


def test_validate_prints_warnings_on_stderr(cli, write_config):
    path = write_config("""
        version: 1
        share:
          name: S
          database: D
        views:
          - name: ITEMS
            kind: dimension
            from: RAW.CATALOG.ITEMS
            columns: [ITEM_ID]
    """)
    result = cli("validate", "-f", path)
    assert_ok(result)
    assert "Warning: " in result.stderr
    assert "share.consumers: none declared" in result.stderr
    assert "dimension view has no LASTUPDATED column" in result.stderr


def test_validate_reports_broken_templates(cli, tmp_path):
    (tmp_path / "drop_view.sql.j2").write_text("DROP VIEW {{ view_name | fqn ;\n")
    assert_error(cli("validate", "-f", EXAMPLE, "--templates", tmp_path),
                 "templates are broken", "drop_view.sql.j2:1: template syntax error")


def test_debug_shows_the_traceback(cli, tmp_path):
    result = cli("--debug", "validate", "-f", tmp_path / "nope.yml")
    assert result.exit_code == 1
    assert type(result.exception).__name__ == "ConfigError"


@pytest.mark.parametrize("name", ["my[b]view", "my[/b]view"])
def test_error_messages_keep_user_text_verbatim(cli, write_config, name):
    path = write_config(f"""
        version: 1
        share: {{name: S, database: D}}
        views:
          - name: '{name}'
            from: RAW.SALES.ORDERS
            columns: [ORDER_ID, LASTUPDATED]
    """)
    assert_error(cli("validate", "-f", path), f"'{name}' is not a valid unquoted Snowflake name")


# --- render --------------------------------------------------------------------------------

def test_render_writes_one_file_per_object(cli, tmp_path):
    out = tmp_path / "sql"
    result = cli("render", "-f", EXAMPLE, "--out-dir", out)
    assert_ok(result)
    assert result.stdout.startswith(f"Wrote 7 files to {out} (7 changed).\n")
    assert sql_files(out) == EXAMPLE_FILES
    for path in EXAMPLE_FILES:
        assert (out / path).read_text().splitlines()[0] == (
            f"-- Generated by sharekit from {EXAMPLE.name}; do not edit.")


def test_render_output_matches_the_library(cli, tmp_path):
    from sharekit.config import load_config
    from sharekit.sql.templates import Templates

    assert_ok(cli("render", "-f", EXAMPLE, "--out-dir", tmp_path))
    expected = render_files(load_config(EXAMPLE), Templates())
    assert {p: (tmp_path / p).read_text() for p in sql_files(tmp_path)} == expected


def test_second_render_changes_nothing(cli, tmp_path):
    assert_ok(cli("render", "-f", EXAMPLE, "--out-dir", tmp_path))
    result = cli("render", "-f", EXAMPLE, "--out-dir", tmp_path)
    assert_ok(result)
    assert result.stdout == f"Wrote 7 files to {tmp_path} (0 changed).\n"


def test_render_check_in_sync(cli, tmp_path):
    assert_ok(cli("render", "-f", EXAMPLE, "--out-dir", tmp_path))
    result = cli("render", "-f", EXAMPLE, "--out-dir", tmp_path, "--check")
    assert_ok(result)
    assert result.stdout == f"{tmp_path} is up to date (7 files).\n"


def test_render_check_names_stale_missing_and_extra_files(cli, tmp_path):
    assert_ok(cli("render", "-f", EXAMPLE, "--out-dir", tmp_path))
    (tmp_path / "grants.sql").write_text("-- edited by hand\n")
    (tmp_path / "views" / "OPTIMOVE.CUSTOMERS.sql").unlink()
    (tmp_path / "views" / "OPTIMOVE.OLD_VIEW.sql").write_text(f"-- Generated by sharekit from {EXAMPLE.name}; do not edit.\n")
    result = cli("render", "-f", EXAMPLE, "--out-dir", tmp_path, "--check")
    assert_error(
        result,
        f"{tmp_path} is out of date with {EXAMPLE}",
        f"stale:   {tmp_path / 'grants.sql'}",
        f"missing: {tmp_path / 'views' / 'OPTIMOVE.CUSTOMERS.sql'}",
        f"extra:   {tmp_path / 'views' / 'OPTIMOVE.OLD_VIEW.sql'}",
        f"Run: sharekit render -f {EXAMPLE} --out-dir {tmp_path}",
    )
    assert (tmp_path / "grants.sql").read_text() == "-- edited by hand\n"  # --check writes nothing


def test_render_check_of_an_empty_directory(cli, tmp_path):
    result = cli("render", "-f", EXAMPLE, "--out-dir", tmp_path / "none", "--check")
    assert_error(result, "missing: ")
    assert result.stderr.count("missing: ") == 7


def test_render_templates_override(cli, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "create_share.sql.j2").write_text(
        "CREATE SHARE IF NOT EXISTS {{ share | ident }} /* reviewed by data-platform */;\n")
    out = tmp_path / "sql"
    assert_ok(cli("render", "-f", EXAMPLE, "--out-dir", out, "--templates", templates))
    share = (out / "share.sql").read_text()
    assert "CREATE SHARE IF NOT EXISTS OPTIMOVE_SHARE /* reviewed by data-platform */;" in share
    assert "COMMENT =" not in share
    assert "CREATE DATABASE IF NOT EXISTS OPTIMOVE_SHARE_DB;" in share  # other templates: built-in


def test_render_templates_must_be_a_directory(cli, tmp_path):
    assert_error(cli("render", "-f", EXAMPLE, "--out-dir", tmp_path, "--templates", tmp_path / "nope"),
                 "not a directory")


# --- help ----------------------------------------------------------------------------------

def test_help_lists_every_command(cli):
    from sharekit.cli import app

    result = cli("--help")
    assert_ok(result)
    commands = typer.main.get_command(app).commands
    assert {"init", "validate", "render", "check", "audit"} <= set(commands)
    for name in commands:
        assert name in result.stdout


def test_every_command_has_help_text(cli):
    from sharekit.cli import app

    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        assert (command.help or command.short_help or "").strip(), f"`sharekit {name}` has no help text"
        result = cli(name, "--help")
        assert_ok(result)
        assert "Usage:" in result.stdout


def test_python_dash_m_sharekit(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run([sys.executable, "-m", "sharekit", "--help"], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout and "render" in result.stdout


# --- error handling: usage errors, --version, outputs that cannot be written ---------------

SEED = """\
CREATE DATABASE IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS RAW.SALES;
CREATE TABLE RAW.SALES.ORDERS (ORDER_ID NUMBER, STATUS VARCHAR, LASTUPDATED TIMESTAMP_NTZ);
"""


@pytest.mark.parametrize("args", [
    ["plan", "--detailed-exitcode", "--bogus"],      # a typo in an option
    ["plan", "--format", "yaml"],                     # a value the option does not take
    ["apply", "--workers", "0"],                      # out of range
    ["nope"],                                         # no such command
    ["local", "sql", "--format", "csv", "SELECT 1"],  # in a sub-app
    [],                                               # no command at all
])
def test_usage_errors_exit_1_not_the_detailed_exitcode_2(cli, args):
    """corpus suite (command-line input): click exits 2 on a usage error, which is what
    `plan --detailed-exitcode` returns for "changes pending"; a CI gate read a typo as changes."""
    result = cli(*args)
    assert result.exit_code == 1, result.output


def test_version_prints_the_version(cli):
    """corpus suite (command-line input): `sharekit --version` printed 'Missing command.' and
    exited 2: the flag was read in the group callback, which runs only when a command is given."""
    from importlib.metadata import version

    result = cli("--version")
    assert (result.exit_code, result.stdout) == (0, f"sharekit {version('sharekit')}\n")


def test_unwritable_outputs_are_clear_errors(cli, write_config, tmp_path, monkeypatch):
    """corpus suite (command-line input): `plan --out` into a missing directory or onto a
    directory, and `render --out-dir` onto a file, were 'unexpected …Error … a bug in sharekit'."""
    monkeypatch.setenv("SHAREKIT_LOCAL_DIR", str(tmp_path / "account"))
    monkeypatch.delenv("SHAREKIT_LOCAL_FAIL_AT", raising=False)
    monkeypatch.delenv("SHAREKIT_LOCAL_LATENCY_MS", raising=False)
    write_config(SEED, "seed.sql")
    config = write_config("version: 1\nshare: {name: S, database: D}\nlocal: {seed: seed.sql}\n"
                          "views:\n  - {name: V, from: RAW.SALES.ORDERS, columns: [LASTUPDATED]}\n")
    missing = cli("plan", "-f", config, "--local", "--out", tmp_path / "no" / "plan.json")
    assert missing.exit_code == 1
    assert f"Error: cannot write --out {tmp_path / 'no' / 'plan.json'}: No such file or directory" in missing.stderr
    directory = cli("plan", "-f", config, "--local", "--out", tmp_path)
    assert (f"Error: cannot write --out {tmp_path} is a directory: sharekit replaces only regular files; "
            "name a file") in directory.stderr
    (tmp_path / "file").write_text("x")
    onto_file = cli("render", "-f", config, "--out-dir", tmp_path / "file")
    assert onto_file.exit_code == 1 and f"Error: cannot write to --out-dir {tmp_path / 'file'}:" in onto_file.stderr
    for result in (missing, directory, onto_file):
        assert "bug in sharekit" not in result.stderr


def test_init_hint_quotes_a_path_with_spaces(cli, tmp_path):
    target = tmp_path / "my share"
    result = cli("init", target)
    assert_ok(result)
    assert f"`sharekit validate -f '{target / 'sharekit.yml'}'`" in result.stdout
    assert f"`sharekit plan -f '{target / 'sharekit.yml'}' --local`" in result.stdout


def test_render_says_what_it_removed_apart_from_what_it_wrote(cli, tmp_path):
    assert_ok(cli("render", "-f", EXAMPLE, "--out-dir", tmp_path))
    old = tmp_path / "views" / "OPTIMOVE.OLD_VIEW.sql"
    old.write_text(f"-- Generated by sharekit from {EXAMPLE.name}; do not edit.\n")
    (tmp_path / "grants.sql").write_text("-- edited by hand\n")
    result = cli("render", "-f", EXAMPLE, "--out-dir", tmp_path)
    assert_ok(result)
    assert result.stdout == (f"Wrote 7 files to {tmp_path} (1 changed, 1 removed).\n"
                             f"  {tmp_path / 'grants.sql'}\n  removed {old}\n")
    assert not old.exists()

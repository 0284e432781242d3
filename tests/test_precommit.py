"""`.pre-commit-hooks.yaml`: each hook's entry, run as pre-commit runs it (the installed
`sharekit` script, in the project's root, no file names), passes on the bundled example and fails
when the rendered SQL is stale or the config is broken; the README shows the hooks."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
BY_ID = {hook["id"]: hook for hook in HOOKS}
EXAMPLE = ROOT / "examples" / "optimove_ecommerce"


def sharekit_command() -> list[str]:
    """The `sharekit` console script beside this interpreter (what pre-commit's python venv
    runs), else the same program as `python -m sharekit`."""
    script = Path(sys.executable).parent / "sharekit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sharekit"]


def run_hook(hook_id: str, cwd: Path) -> subprocess.CompletedProcess:
    hook = BY_ID[hook_id]
    program, *args = shlex.split(hook["entry"])
    assert program == "sharekit"
    return subprocess.run([*sharekit_command(), *args, *hook.get("args", [])], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the example as a user's repository holds it: sharekit.yml, seed.sql, sql/."""
    shutil.copytree(EXAMPLE, tmp_path / "project", ignore=shutil.ignore_patterns(".sharekit"))
    return tmp_path / "project"


def test_the_hooks_are_well_formed():
    assert list(BY_ID) == ["sharekit-validate", "sharekit-render-check"]
    for hook in HOOKS:
        assert {"id", "name", "entry", "language"} <= set(hook)  # what pre-commit requires
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert hook["description"]
    assert BY_ID["sharekit-validate"]["entry"] == "sharekit validate"
    assert BY_ID["sharekit-render-check"]["entry"] == "sharekit render --check"


@pytest.mark.parametrize(("hook_id", "path", "runs"), [
    ("sharekit-validate", "sharekit.yml", True),
    ("sharekit-validate", "shares/optimove/sharekit.yml", True),
    ("sharekit-validate", "sql/share.sql", False),
    ("sharekit-validate", "README.md", False),
    ("sharekit-render-check", "sharekit.yml", True),
    ("sharekit-render-check", "sql/views/OPTIMOVE.CUSTOMERS.sql", True),
    ("sharekit-render-check", "templates/create_view.sql.j2", True),
    ("sharekit-render-check", "docs/sharekit.yml.md", False),
])
def test_files_pattern(hook_id, path, runs):
    """pre-commit matches `files` with Python's re.search against repository-relative paths."""
    assert bool(re.search(BY_ID[hook_id]["files"], path)) is runs


def test_each_hook_passes_on_the_example(project):
    for hook_id in BY_ID:
        result = run_hook(hook_id, project)
        assert result.returncode == 0, f"{hook_id}: {result.stdout}{result.stderr}"
    assert "is valid" in run_hook("sharekit-validate", project).stdout
    assert "sql is up to date" in run_hook("sharekit-render-check", project).stdout


def test_render_check_fails_when_the_sql_is_stale(project):
    view = project / "sql" / "views" / "OPTIMOVE.CUSTOMERS.sql"
    view.write_text(view.read_text(encoding="utf-8").replace("CUSTOMER_ID", "CUSTOMER_NO", 1), encoding="utf-8")
    result = run_hook("sharekit-render-check", project)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: sql is out of date with sharekit.yml")
    assert "stale:   sql/views/OPTIMOVE.CUSTOMERS.sql" in result.stderr
    assert run_hook("sharekit-validate", project).returncode == 0  # the config itself is fine


def test_render_check_fails_when_the_config_changed_and_sql_was_not_rendered(project):
    config = project / "sharekit.yml"
    text = config.read_text(encoding="utf-8")
    assert "General marketing consent, Yes or No" in text
    config.write_text(text.replace("General marketing consent, Yes or No", "Marketing consent"), encoding="utf-8")
    result = run_hook("sharekit-render-check", project)
    assert result.returncode == 1, result.stdout
    assert "stale:   sql/views/OPTIMOVE.CUSTOMERS.sql" in result.stderr


def test_validate_fails_on_a_broken_config(project):
    config = project / "sharekit.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  database:", "  databse:", 1), encoding="utf-8")
    result = run_hook("sharekit-validate", project)
    assert result.returncode == 1
    assert "share.databse: unknown key; did you mean 'database'?" in result.stderr


def test_the_readme_shows_the_hooks():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use in CI", 1)[1].split("\n## ", 1)[0]
    snippet = re.search(r"```yaml\n(repos:.*?)```", section, re.S)
    assert snippet, "README's Use in CI section has no .pre-commit-config.yaml snippet"
    (repo,) = yaml.safe_load(snippet.group(1))["repos"]
    assert [hook["id"] for hook in repo["hooks"]] == list(BY_ID)

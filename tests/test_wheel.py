"""The built wheel works on its own: templates and the starter config ship inside the package.

Slow (a build and a venv, ~10 s): `python -m pytest -m slow tests/test_wheel.py`.

The source is copied to tmp_path first (pyproject.toml, sharekit/, sql_templates/, README.md)
so the build sees no caches and no files others are editing at the same moment. The fresh venv
gets its dependencies from this interpreter's site-packages through a .pth file (the base
interpreter's "system" site-packages do not hold them); the repo checkout is never on its path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from sharekit.config import load_config
from sharekit.output.sqlfiles import render_files
from sharekit.sql.templates import Templates

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_DIR = REPO / "examples" / "optimove_ecommerce"

pytestmark = pytest.mark.slow


def run(args: list, cwd: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    shutil.copy(REPO / "pyproject.toml", source)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "sharekit", source / "sharekit", ignore=ignore)
    shutil.copytree(REPO / "sql_templates", source / "sql_templates", ignore=ignore)
    readme = REPO / "README.md"
    (source / "README.md").write_text(readme.read_text(encoding="utf-8") if readme.exists() else "# sharekit\n")
    out = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, source], cwd=out)
    (built,) = out.glob("sharekit-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", "--system-site-packages", root / "venv"], cwd=root)
    python = root / "venv" / "bin" / "python"
    purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=root).stdout.strip()
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "_sharekit_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    # --ignore-installed: the dependency path may hold an installed sharekit (CI installs one)
    run([python, "-m", "pip", "install", "--no-deps", "--ignore-installed", "-q", wheel], cwd=root)
    return root / "venv" / "bin"


def test_wheel_contains_templates_and_starter(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "sharekit/sql_templates/create_view.sql.j2" in names
    assert "sharekit/starter.yml" in names
    assert {f"sharekit/sql_templates/{p.name}" for p in (REPO / "sql_templates").glob("*.sql.j2")} <= names
    assert not any("__pycache__" in name for name in names)


def test_installed_package_is_not_the_checkout(venv, tmp_path):
    where = run([venv / "python", "-c", "import sharekit; print(sharekit.__file__)"], cwd=tmp_path).stdout
    assert where.startswith(str(venv.parent)), where  # the fresh venv's own copy, not the checkout
    assert "site-packages" in where


def test_installed_cli_renders_what_the_checkout_renders(venv, tmp_path, monkeypatch):
    shutil.copytree(EXAMPLE_DIR, tmp_path / "example")
    config = "example/sharekit.yml"
    validated = run([venv / "sharekit", "validate", "-f", config], cwd=tmp_path)
    assert "is valid: share OPTIMOVE_SHARE" in validated.stdout
    run([venv / "sharekit", "render", "-f", config, "--out-dir", "sql"], cwd=tmp_path)
    written = {p.relative_to(tmp_path / "sql").as_posix(): p.read_text() for p in (tmp_path / "sql").rglob("*.sql")}
    monkeypatch.chdir(tmp_path)
    assert written == render_files(load_config(config), Templates())


def test_installed_init_writes_the_starter(venv, tmp_path):
    run([venv / "sharekit", "init", "new"], cwd=tmp_path)
    schema_line, rest = (tmp_path / "new" / "sharekit.yml").read_text().split("\n", 1)
    assert schema_line.startswith("# yaml-language-server: $schema=")  # for editors: tests/test_schema.py
    assert rest == (REPO / "sharekit" / "starter.yml").read_text()
    run([venv / "sharekit", "validate", "-f", "new/sharekit.yml"], cwd=tmp_path)

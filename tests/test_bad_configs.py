"""`sharekit validate` on every file of the bad-config corpus, `tests/corpus/bad_configs/*.yml`.

Each corpus file starts with comment lines that say what the error must be:

    # expect-line: 12                      the line the error points at
    # expect: a substring of the message
    # expect-key: views[0](ORDERS).columns (optional) the key path shown before the message
    # title: what is wrong, for humans

The command must exit 1 with `Error:`, the file path, `:<line>`, the key and the message on
stderr, and no traceback. Config errors read `FILE:LINE: KEY: message`; blocking checks (e.g.
last_updated.missing) read `CHECK OBJECT: (FILE:LINE) message` and carry no expect-key. To add
a case, drop a new file in the folder.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent / "corpus" / "bad_configs"
FILES = sorted(CORPUS.glob("*.yml"))
_META = re.compile(r"^# (expect-line|expect|expect-key|title): (.*)$", re.M)


def expectations(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# expect-line: "), f"{path.name} must start with '# expect-line: N'"
    meta = dict(_META.findall(text))
    assert {"expect-line", "expect"} <= set(meta), f"{path.name} needs # expect-line and # expect"
    return meta


@pytest.fixture(autouse=True)
def no_sharekit_vars(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith("SHAREKIT_VAR_"):
            monkeypatch.delenv(name)


def test_corpus_is_large_enough():
    assert len(FILES) >= 30


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_bad_config(cli, path):
    meta = expectations(path)
    result = cli("validate", "-f", path)
    assert result.exit_code == 1, result.output
    stderr = result.stderr
    assert "Traceback" not in result.output
    assert "Error:" in stderr
    location = re.compile(re.escape(f"{path}:{meta['expect-line']}") + r"[:)] ")
    lines = [line for line in stderr.splitlines() if location.search(line)]
    assert lines, f"expected {path}:{meta['expect-line']} in:\n{stderr}"
    if "expect-key" in meta:
        key = f"{path}:{meta['expect-line']}: {meta['expect-key']}: "
        assert any(key in line for line in lines), f"expected {key!r} in:\n{stderr}"
    assert any(meta["expect"] in line for line in lines), f"expected {meta['expect']!r} in:\n{stderr}"
    assert result.stdout == ""


# --- ${VAR}: --var and SHAREKIT_VAR_* ----------------------------------------------------------

VAR_CONFIG = """\
version: 1
share:
  name: OPTIMOVE_SHARE
  database: ${ENV}_SHARE_DB
  consumers:
    - account: OPTIMOVE.EU_PROD
views:
  - name: ORDERS
    from: RAW.SALES.ORDERS
    columns: [ORDER_ID, LASTUPDATED]
"""


def test_var_option_fills_a_variable(cli, write_config):
    result = cli("validate", "-f", write_config(VAR_CONFIG), "--var", "ENV=DEV")
    assert result.exit_code == 0, result.output
    assert "in database DEV_SHARE_DB" in result.stdout


def test_environment_fills_a_variable(cli, write_config, monkeypatch):
    monkeypatch.setenv("SHAREKIT_VAR_ENV", "PROD")
    result = cli("validate", "-f", write_config(VAR_CONFIG))
    assert result.exit_code == 0, result.output
    assert "in database PROD_SHARE_DB" in result.stdout


def test_var_option_wins_over_the_environment(cli, write_config, monkeypatch):
    monkeypatch.setenv("SHAREKIT_VAR_ENV", "PROD")
    result = cli("validate", "-f", write_config(VAR_CONFIG), "--var", "ENV=DEV")
    assert result.exit_code == 0, result.output
    assert "in database DEV_SHARE_DB" in result.stdout


def test_unset_variable_names_both_ways_to_set_it(cli, write_config):
    result = cli("validate", "-f", write_config(VAR_CONFIG))
    assert result.exit_code == 1
    assert "variable ${ENV} is not set: pass --var ENV=VALUE or set SHAREKIT_VAR_ENV" in result.stderr


def test_malformed_var_option(cli, write_config):
    result = cli("validate", "-f", write_config(VAR_CONFIG), "--var", "ENV")
    assert result.exit_code == 1
    assert "Error: --var 'ENV': write it as NAME=VALUE" in result.stderr

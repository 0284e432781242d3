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

After the corpus: `${VAR}` errors, and errors found by the corpus suite
(tests/test_reliability_corpus.py) in names, queries and file bytes.
"""

from __future__ import annotations

import json
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


# --- control characters, non-UTF-8 bytes, non-SELECT queries (the corpus suite found these) ---

BARE = "version: 1\nshare: {name: S, database: D}\nlocal: {seed: seed.sql}\n"


@pytest.mark.parametrize("name, shown", [
    ('"a \nb"', '"a \\nb"'),   # a quoted view name with a space before a line break
    ("x\ty", "x\\ty"),         # a tab in an unquoted name
])
def test_names_with_control_characters_are_refused_on_one_line(cli, write_config, name, shown):
    """corpus suite: a quoted name holding a line break was accepted, rendered with the space
    before the break stripped, so the view was created under another name and re-planned
    forever; the error key printed the raw line break. Names now refuse control characters."""
    config = write_config(BARE + f"views:\n  - name: {json.dumps(name)}\n    from: RAW.SALES.ORDERS\n"
                                 "    columns: [LASTUPDATED]\n")
    result = cli("validate", "-f", config)
    assert result.exit_code == 1
    (line,) = [line for line in result.stderr.splitlines() if "views[0]" in line]
    assert f"views[0]({shown}).name: name " in line
    assert "contains the control character" in line


def test_query_alias_with_a_line_break_is_refused(cli, write_config):
    query = 'SELECT LASTUPDATED AS "a \nb" FROM RAW.SALES.ORDERS'
    config = write_config(BARE + f"views:\n  - name: V\n    query: {json.dumps(query)}\n")
    result = cli("validate", "-f", config)
    assert result.exit_code == 1
    assert "views[0](V).query: name 'a \\nb' contains the control character '\\n'" in result.stderr


def test_a_file_that_is_not_utf8_names_the_line(cli, tmp_path):
    """corpus suite: a non-UTF-8 byte was reported as a byte offset of the whole file."""
    path = tmp_path / "sharekit.yml"
    path.write_bytes(b"version: 1\nshare:\n  name: S\n  comment: caf\xe9\n")
    result = cli("validate", "-f", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"  {path}:4: not UTF-8 text (byte 0xe9): save the file as UTF-8"


def test_a_query_that_is_not_sql_sqlglot_knows_is_one_clear_error(cli, write_config):
    """corpus suite: `query: GRANT …` printed sqlglot's 'contains unsupported syntax. Falling
    back to parsing as a Command' warning on stderr before the error, and named it COMMAND."""
    config = write_config(BARE + "views:\n  - name: V\n"
                                 "    query: GRANT SELECT ON ALL TABLES IN SCHEMA RAW.SALES TO SHARE S\n")
    result = cli("validate", "-f", config)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 1 problem in config:\n"), result.stderr
    assert "views[0](V).query: query must be one SELECT statement, not GRANT" in result.stderr
    two = write_config(BARE + "views:\n  - name: V\n"
                              "    query: SELECT LASTUPDATED FROM RAW.SALES.ORDERS; DROP TABLE X\n")
    assert "query contains ';': it must be one SELECT, not statements" in cli("validate", "-f", two).stderr


# --- YAML anchors and merge keys, nesting and size limits --------------------------------------

MERGED = """\
version: 1
share: {name: S, database: D, consumers: [OPTIMOVE.EU_PROD]}
views: [
  &common {name: ORDERS, from: RAW.SALES.ORDERS, kind: fact, columns: [ORDER_ID, LASTUPDATED]},
  {<<: *common, name: ORDERS_EU, where: "REGION = 'EU'"},
  {<<: *common, name: ORDERS_US, kind: dimension},
]
"""


def test_anchors_merge_keys_and_overrides_validate(cli, write_config, tmp_path):
    """`<<: *common` then `name: …` was 'duplicate key 'name'': the override must win."""
    path = write_config(MERGED)
    result = cli("validate", "-f", path)
    assert result.exit_code == 0, result.output
    assert "share S in database D, 3 views, 1 consumer." in result.stdout
    assert cli("render", "-f", path, "--out-dir", tmp_path / "sql").exit_code == 0
    eu = (tmp_path / "sql" / "views" / "OPTIMOVE.ORDERS_EU.sql").read_text()
    assert "FROM RAW.SALES.ORDERS" in eu and "WHERE REGION = 'EU'" in eu
    us = (tmp_path / "sql" / "views" / "OPTIMOVE.ORDERS_US.sql").read_text()
    assert "WHERE" not in us


def test_an_unknown_key_in_a_merged_base_is_reported_at_its_line(cli, write_config):
    path = write_config(MERGED.replace("kind: fact,", "kind: fact, colour: red,"))
    result = cli("validate", "-f", path)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for index in range(3):
        assert f"{path}:4: views[{index}].colour: unknown key; did you mean 'columns'?" in result.stderr


@pytest.mark.parametrize("views", ["[" * 10_000 + "]" * 10_000, "{a: " * 10_000 + "1" + "}" * 10_000],
                         ids=["lists", "mappings"])
def test_deep_nesting_is_one_error_naming_the_file(cli, write_config, views):
    """corpus suite: 10,000 nested `[` was 'unexpected RecursionError … a bug in sharekit'."""
    path = write_config(f"version: 1\nshare: {{name: S, database: D}}\nviews: {views}\n")
    result = cli("validate", "-f", path)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 1 problem in config:\n"), result.stderr
    assert f"  {path}:3: nested too deeply: sharekit reads at most 100 levels" in result.stderr
    assert "RecursionError" not in result.output and "bug in sharekit" not in result.output


def test_a_config_over_the_size_limit_is_refused_before_parsing(cli, tmp_path, monkeypatch):
    from sharekit.config import load as config_load

    monkeypatch.setattr(config_load, "load", lambda text: pytest.fail("parsed a file over the limit"))
    path = tmp_path / "sharekit.yml"
    path.write_bytes(b"version: 1\n" + b"# padding\n" * (17 * 1024 * 1024 // 10))
    size = path.stat().st_size
    result = cli("validate", "-f", path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"  {path}: the file is {size / 1024 / 1024:.1f} MiB ({size:,} bytes), over the 16 MiB limit for a "
        "config: a sharekit.yml is a few KB, so check that -f names the config and not a data file")


# --- warnings: the same for no consumers and `consumers: []`, and printed once ---------------------

SEED = """\
CREATE DATABASE IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS RAW.SALES;
CREATE TABLE RAW.SALES.ORDERS (ORDER_ID NUMBER, "order" NUMBER, LASTUPDATED TIMESTAMP_NTZ);
"""
WARNED = """\
version: 1
share:
  name: S
  database: D
  consumers: [xy12345]
local: {seed: seed.sql}
views:
  - name: V
    from: RAW.SALES.ORDERS
    columns: [ORDER_ID, '"order"', LASTUPDATED]
"""


@pytest.mark.parametrize("consumers, line", [("", 3), ("  consumers: []\n", 5)], ids=["missing", "empty"])
def test_no_consumers_and_an_empty_list_give_the_same_one_warning(cli, write_config, consumers, line):
    path = write_config(WARNED.replace("  consumers: [xy12345]\n", consumers))
    result = cli("validate", "-f", path)
    assert result.exit_code == 0, result.output
    warnings = [w for w in result.stderr.splitlines() if "share.consumers" in w]
    assert warnings == [f"Warning: {path}:{line}: share.consumers: none declared; the share will reach no "
                        "account: add `- account: ORG.ACCOUNT` under `consumers:` (Optimove gives you its "
                        "ORG.ACCOUNT)"]
    assert "0 consumers." in result.stdout


@pytest.mark.parametrize("command", [("validate",), ("plan", "--local")], ids=["validate", "plan"])
def test_every_warning_is_printed_once(cli, write_config, tmp_path, monkeypatch, command):
    """A config warning goes to stderr as `Warning:` when the config loads; a check's warning
    either there (validate) or in the plan's Checks section (plan), never both."""
    monkeypatch.setenv("SHAREKIT_LOCAL_DIR", str(tmp_path / "account"))
    monkeypatch.delenv("SHAREKIT_LOCAL_FAIL_AT", raising=False)
    monkeypatch.delenv("SHAREKIT_LOCAL_LATENCY_MS", raising=False)
    write_config(SEED, "seed.sql")
    result = cli(*command, "-f", write_config(WARNED))
    assert result.exit_code == 0, result.output
    output = result.stdout + result.stderr
    assert output.count("XY12345 is a legacy account locator") == 1, output
    assert output.count("identifier.case_sensitive") == 1, output

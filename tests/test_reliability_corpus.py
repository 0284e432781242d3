"""Bad and odd input, end to end: `--var` injections, legal text that must reach the account
exactly as written, and a 10,000-view config.

- `tests/corpus/bad_vars/*.yml`: like `tests/corpus/bad_configs/` (see test_config_errors.py) plus
  a `# var-json: {"NAME": "value"}` header whose values are passed as `--var NAME=value`. Each
  must exit 1 with one located message and no traceback: a value is substituted as text, then
  the whole string is validated like any other.
- Legal input (comments holding ', \\, $$, --, /*, line breaks; quoted names with spaces, `"`,
  `;`; string literals in `where:` and `expr:`; `--var` values in comments) is applied to the
  local account and read back from SHOW SHARES, SHOW VIEWS, INFORMATION_SCHEMA.COLUMNS and the
  data through the views: what arrives is exactly what the config says.
- 10,000 views validate in linear time (measured; the bound is generous for slow CI), and the
  same file with a mistake in its last view, or in every view, fails with located messages.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from sharekit.sql import identifiers
from sharekit.cli import app
from sharekit.local import open_local_account

CORPUS = Path(__file__).resolve().parent / "corpus" / "bad_vars"
FILES = sorted(CORPUS.glob("*.yml"))
_META = re.compile(r"^# (expect-line|expect|expect-key|var-json|title): (.*)$", re.M)


def sk(*args: Any, env: dict[str, str | None] | None = None) -> Any:
    base = {"COLUMNS": "200", "SHAREKIT_LOCAL_FAIL_AT": None, "SHAREKIT_LOCAL_LATENCY_MS": None}
    return CliRunner().invoke(app, [str(a) for a in args], env={**base, **(env or {})})


@pytest.fixture(autouse=True)
def no_sharekit_vars(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith("SHAREKIT_VAR_"):
            monkeypatch.delenv(name)


# --- --var injections --------------------------------------------------------------------------

def test_var_corpus_is_there():
    assert len(FILES) >= 15


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_bad_var(path):
    meta = dict(_META.findall(path.read_text(encoding="utf-8")))
    args = [arg for name, value in json.loads(meta["var-json"]).items() for arg in ("--var", f"{name}={value}")]
    result = sk("validate", "-f", path, *args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    assert result.stderr.startswith("Error: 1 problem in config:\n"), result.stderr
    (line,) = [line for line in result.stderr.splitlines() if f"{path}:" in line]
    where = f"{path}:{meta['expect-line']}: " + (f"{meta['expect-key']}: " if "expect-key" in meta else "")
    assert line.strip().startswith(where), f"expected {where!r} in:\n{result.stderr}"
    assert meta["expect"] in line


def test_a_var_value_is_text_the_plan_shows_in_full(tmp_path):
    """A value inside quotes can still change a row filter's meaning (`${X}` is text, by
    design): the statement is then valid, and what reaches the account is exactly what the plan
    and `render` show, never hidden in a comment or a second statement."""
    config = tmp_path / "sharekit.yml"
    config.write_text("version: 1\nshare: {name: S, database: D}\nviews:\n  - name: V\n    from: RAW.SALES.ORDERS\n"
                      "    columns: [LASTUPDATED]\n    where: \"STATUS = '${S}'\"\n")
    result = sk("render", "-f", config, "--out-dir", tmp_path / "sql", "--var", "S=x' OR 'a' = 'a")
    assert result.exit_code == 0, result.output
    assert "WHERE STATUS = 'x' OR 'a' = 'a';" in (tmp_path / "sql" / "views" / "OPTIMOVE.V.sql").read_text()


# --- legal input reaches the account exactly -----------------------------------------------------

SEED = """\
CREATE DATABASE IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS RAW.SALES;
CREATE TABLE RAW.SALES.ORDERS (ORDER_ID NUMBER, STATUS VARCHAR, "odd; -- col" VARCHAR, LASTUPDATED TIMESTAMP_NTZ);
INSERT INTO RAW.SALES.ORDERS VALUES
    (1, 'it''s', 'a', '2026-01-01 00:00:00'),
    (2, 'a;b--c/*d*/$x', 'b', '2026-01-01 00:00:00'),
    (3, 'back\\\\slash', 'c', '2026-01-01 00:00:00'),
    (4, 'two\\nlines', 'd', '2026-01-01 00:00:00'),
    (5, 'plain', 'e', '2026-01-01 00:00:00');
"""

ODD_TEXTS = {
    "quote": "it's O'Brien's",
    "backslash": "C:\\exports\\daily \\n is not a newline",
    "dollars": "$$ not a dollar string $$",
    "line_comment": "-- not a comment",
    "block_comment": "/* not a comment */ */",
    "newline_tab_cr": "first line\nsecond\tcolumn\rreturn",
    "unicode": "é ü ß 中文 😀 \u2028 line separator",
    "statement": "x'; DROP SHARE S; --",
    "double_quotes": 'say "hi" and ""bye""',
    "percent_underscore": "100% of A_B",
}
SHARE_NAME = '"Share ""q"" ; -- /*"'
SCHEMA = '"my schema"'
VAR_COMMENT = "from --var: it's $$ -- /* \\ \nnewline"
# view name (written) → (where, expected ORDER_IDs through the view)
FILTERS = {
    '"it\'s ""odd"" view; --"': ("STATUS = 'it''s'", [1]),
    '"dollar view"': ("STATUS = $$a;b--c/*d*/$x$$", [2]),
    '"backslash view"': ("STATUS = 'back\\\\slash'", [3]),
    '"newline view"': ("STATUS = 'two\\nlines'", [4]),
    '"escaped quote view"': ("STATUS = '\\'' OR STATUS = $$it's$$", [1]),
    "PLAIN_VIEW": ("STATUS NOT IN ('it''s', 'plain')", [2, 3, 4]),
}
EXPRS = {"Q": ("'it''s -- /* $$'", "it's -- /* $$"), "D": ("$$x'y\\z$$", "x'y\\z")}


@pytest.fixture(scope="module")
def applied(tmp_path_factory) -> dict[str, Any]:
    """One config with every legal oddity, applied to a fresh local account."""
    root = tmp_path_factory.mktemp("legal")
    (root / "seed.sql").write_text(SEED, encoding="utf-8")
    columns: list[Any] = [{"name": f'"{key} col"', "from": "ORDER_ID", "comment": text}
                          for key, text in ODD_TEXTS.items()]
    columns += ['"odd; -- col"', {"name": '"renamed ""odd"" col"', "from": '"odd; -- col"', "comment": "${C}"}]
    columns += [{"name": name, "expr": expr} for name, (expr, _) in EXPRS.items()]
    columns += ["ORDER_ID", "LASTUPDATED"]
    views = [{"name": "COMMENTS", "schema": SCHEMA, "from": "RAW.SALES.ORDERS", "columns": columns,
              "comment": ODD_TEXTS["newline_tab_cr"] + ODD_TEXTS["statement"]}]
    views += [{"name": name, "from": "RAW.SALES.ORDERS", "columns": ["ORDER_ID", "LASTUPDATED"], "where": where,
               "comment": name} for name, (where, _) in FILTERS.items()]
    views += [{"name": '"' + "é" * 255 + '"', "from": "RAW.SALES.ORDERS", "kind": "dimension",
               "columns": [{"name": '"' + "ü" * 255 + '"', "from": "ORDER_ID"}]}]
    config = {"version": 1,
              "share": {"name": SHARE_NAME, "database": "SK_DB", "comment": "".join(ODD_TEXTS.values()),
                        "consumers": [{"account": "OPTIMOVE.EU_PROD"}, {"account": "ab12345"}]},
              "local": {"seed": "seed.sql"}, "views": views}
    path = root / "sharekit.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
    env = {"SHAREKIT_LOCAL_DIR": str(root / "account")}
    result = sk("apply", "-f", path, "--local", "--yes", "--var", f"C={VAR_COMMENT}", env=env)
    assert result.exit_code == 0, result.output + result.stderr
    replan = sk("plan", "-f", path, "--local", "--format", "json", "--var", f"C={VAR_COMMENT}", env=env)
    with open_local_account(root / "account") as account:
        state = {
            "result": result,
            "replan": json.loads(replan.stdout),
            "shares": account.query("SHOW SHARES"),
            "views": {row["name"]: row for row in account.query("SHOW VIEWS IN DATABASE SK_DB")},
            "columns": {(row["TABLE_NAME"], row["COLUMN_NAME"]): row["COMMENT"] for row in account.query(
                "SELECT TABLE_NAME, COLUMN_NAME, COMMENT FROM SK_DB.INFORMATION_SCHEMA.COLUMNS")},
            "data": {},
        }
        for written in [*FILTERS, '"' + "é" * 255 + '"']:
            name = identifiers.normalize(written)
            state["data"][name] = account.query(f"SELECT * FROM {identifiers.fqn('SK_DB', 'OPTIMOVE', name)} ORDER BY 1")
        state["data"]["COMMENTS"] = account.query(
            f"SELECT * FROM {identifiers.fqn('SK_DB', 'my schema', 'COMMENTS')} ORDER BY ORDER_ID")
    return state


def test_legal_config_applies_once_and_converges(applied):
    assert "Applied" in applied["result"].stdout
    assert applied["replan"]["changes"] == []


def test_share_name_and_comment_read_back_exactly(applied):
    (share,) = applied["shares"]
    assert share["name"] == identifiers.normalize(SHARE_NAME) == 'Share "q" ; -- /*'
    assert share["comment"] == "".join(ODD_TEXTS.values())
    assert share["to"] == "AB12345, OPTIMOVE.EU_PROD"  # a legacy locator is a consumer like any other


@pytest.mark.parametrize("key", sorted(ODD_TEXTS))
def test_column_comment_reads_back_exactly(applied, key):
    assert applied["columns"][("COMMENTS", f"{key} col")] == ODD_TEXTS[key]
    assert identifiers.string_literal(ODD_TEXTS[key]) in applied["views"]["COMMENTS"]["text"]


def test_var_value_in_a_comment_reads_back_exactly(applied):
    assert applied["columns"][("COMMENTS", 'renamed "odd" col')] == VAR_COMMENT


def test_view_comment_and_text_read_back_exactly(applied):
    view = applied["views"]["COMMENTS"]
    assert view["comment"] == ODD_TEXTS["newline_tab_cr"] + ODD_TEXTS["statement"]
    assert view["is_secure"] == "true"
    assert view["text"].startswith('CREATE OR REPLACE SECURE VIEW SK_DB."my schema".COMMENTS (\n')
    assert '"odd; -- col" AS "renamed ""odd"" col"' in view["text"]


@pytest.mark.parametrize("written", sorted(FILTERS))
def test_where_filters_exactly_what_it_says(applied, written):
    name = identifiers.normalize(written)
    assert applied["views"][name]["comment"] == written
    assert [row["ORDER_ID"] for row in applied["data"][name]] == FILTERS[written][1]


def test_expressions_and_quoted_columns_return_exact_values(applied):
    rows = applied["data"]["COMMENTS"]
    assert [row["ORDER_ID"] for row in rows] == [1, 2, 3, 4, 5]
    assert {row["Q"] for row in rows} == {EXPRS["Q"][1]} and {row["D"] for row in rows} == {EXPRS["D"][1]}
    assert [row["odd; -- col"] for row in rows] == list("abcde")
    assert [row['renamed "odd" col'] for row in rows] == list("abcde")


def test_255_character_names_work(applied):
    rows = applied["data"]["é" * 255]
    assert [row["ü" * 255] for row in rows] == [1, 2, 3, 4, 5]


# --- a huge config -------------------------------------------------------------------------------

def huge(views: int, broken: set[int] = frozenset()) -> str:
    lines = ["version: 1", "share:", "  name: S", "  database: D", "  consumers: [{account: OPTIMOVE.EU_PROD}]",
             "views:"]
    for i in range(views):
        lines += [f"  - name: V{i}", "    from: RAW.SALES.ORDERS",
                  "    columns: [ORDER_ID, LASTUPDATED]" if i not in broken else "    columns: [ORDER_ID, 'X; --']",
                  "    where: STATUS <> 'TEST'"]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_10000_views_validate_in_reasonable_time(tmp_path, capsys):
    path = tmp_path / "huge.yml"
    path.write_text(huge(10_000))
    started = time.perf_counter()
    result = sk("validate", "-f", path)
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert "10000 views" in result.stdout
    with capsys.disabled():
        print(f"\n  validate, 10,000 views: {seconds:.1f} s", end=" ")
    assert seconds < 120  # ~7 s on a 2-core CI machine: linear, not quadratic


def test_a_mistake_in_the_last_of_10000_views_is_located(tmp_path):
    path = tmp_path / "huge.yml"
    path.write_text(huge(10_000, broken={9_999}))
    result = sk("validate", "-f", path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{path}:{6 + 4 * 9_999 + 3}: views[9999](V9999).columns[1]: 'X; --' is not a valid unquoted" in result.stderr


def test_a_mistake_in_every_view_is_reported_once_and_cut_short(tmp_path):
    path = tmp_path / "huge.yml"
    path.write_text(huge(2_000, broken=set(range(2_000))))
    result = sk("validate", "-f", path)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 2000 problems in config:\n")
    assert result.stderr.rstrip().endswith("… and 1980 more")
    assert len(result.stderr.splitlines()) == 22

"""Bugs the reliability suites (tests/test_reliability_*.py) found, each pinned on its own.

Every test names the suite that found it; the fix lives in the module that owns the behaviour.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sharekit.cli.main import app

SEED = """\
CREATE DATABASE IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS RAW.SALES;
CREATE TABLE RAW.SALES.ORDERS (ORDER_ID NUMBER, STATUS VARCHAR, LASTUPDATED TIMESTAMP_NTZ);
"""


@pytest.fixture
def sk(tmp_path, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_DIR", str(tmp_path / "account"))
    monkeypatch.delenv("SHAREKIT_LOCAL_FAIL_AT", raising=False)
    monkeypatch.delenv("SHAREKIT_LOCAL_LATENCY_MS", raising=False)
    (tmp_path / "seed.sql").write_text(SEED)

    def run(*args: str):
        return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})

    return run


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "sharekit.yml"
    path.write_text("version: 1\nshare: {name: S, database: D}\nlocal: {seed: seed.sql}\n" + text)
    return str(path)


def test_empty_column_comment_converges(sk, tmp_path):
    """convergence suite: `comment: ''` on a column re-planned a replace forever."""
    config = write(tmp_path, "views:\n  - name: V\n    from: RAW.SALES.ORDERS\n    columns:\n"
                             "      - {name: ORDER_ID, comment: ''}\n      - LASTUPDATED\n")
    assert sk("apply", "-f", config, "--local", "--yes").exit_code == 0
    plan = json.loads(sk("plan", "-f", config, "--local", "--format", "json").stdout)
    assert plan["changes"] == []


def test_line_separators_inside_literals_reach_the_account_unchanged(sk, tmp_path):
    """convergence suite: Templates.render split lines with str.splitlines(), which also breaks
    at \\v, \\f, \\x1c-\\x1e, \\x85, U+2028 and U+2029, so a comment holding one was sent with a
    newline instead (and re-planned forever), and so was a `$$…$$` string in a `where:`."""
    from sharekit.local import open_local_account

    odd = "a\u2028b\u2029c\x0bd\x0ce\x1cf\x85g"
    config = write(tmp_path, f"""\
views:
  - name: V
    from: RAW.SALES.ORDERS
    comment: {json.dumps(odd)}
    where: {json.dumps("STATUS <> $$x" + chr(0x2028) + "y$$")}
    columns:
      - {{name: ORDER_ID, comment: {json.dumps(odd)}}}
      - LASTUPDATED
""")
    result = sk("apply", "-f", config, "--local", "--yes")
    assert result.exit_code == 0, result.output + result.stderr
    plan = json.loads(sk("plan", "-f", config, "--local", "--format", "json").stdout)
    assert plan["changes"] == []
    with open_local_account(tmp_path / "account") as account:
        (view,) = account.query("SHOW VIEWS IN DATABASE D")
        assert view["comment"] == odd
        assert "WHERE STATUS <> 'x\u2028y'" in view["text"]
        comments = {r["COLUMN_NAME"]: r["COMMENT"] for r in account.query("SELECT COLUMN_NAME, COMMENT FROM D.INFORMATION_SCHEMA.COLUMNS")}
        assert comments["ORDER_ID"] == odd


@pytest.mark.parametrize("name, shown", [
    ('"a \nb"', '"a \\nb"'),   # a quoted view name with a space before a line break
    ("x\ty", "x\\ty"),         # a tab in an unquoted name
])
def test_names_with_control_characters_are_refused_on_one_line(sk, tmp_path, name, shown):
    """corpus suite: a quoted name holding a line break was accepted, rendered with the space
    before the break stripped, so the view was created under another name and re-planned
    forever; the error key printed the raw line break. Names now refuse control characters."""
    config = write(tmp_path, f"views:\n  - name: {json.dumps(name)}\n    from: RAW.SALES.ORDERS\n"
                             "    columns: [LASTUPDATED]\n")
    result = sk("validate", "-f", config)
    assert result.exit_code == 1
    (line,) = [line for line in result.stderr.splitlines() if "views[0]" in line]
    assert f"views[0]({shown}).name: name " in line
    assert "contains the control character" in line


def test_query_alias_with_a_line_break_is_refused(sk, tmp_path):
    query = 'SELECT LASTUPDATED AS "a \nb" FROM RAW.SALES.ORDERS'
    config = write(tmp_path, f"views:\n  - name: V\n    query: {json.dumps(query)}\n")
    result = sk("validate", "-f", config)
    assert result.exit_code == 1
    assert "views[0](V).query: name 'a \\nb' contains the control character '\\n'" in result.stderr


def test_a_file_that_is_not_utf8_names_the_line(sk, tmp_path):
    """corpus suite: a non-UTF-8 byte was reported as a byte offset of the whole file."""
    path = tmp_path / "sharekit.yml"
    path.write_bytes(b"version: 1\nshare:\n  name: S\n  comment: caf\xe9\n")
    result = sk("validate", "-f", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"  {path}:4: not UTF-8 text (byte 0xe9): save the file as UTF-8"


def test_a_query_that_is_not_sql_sqlglot_knows_is_one_clear_error(sk, tmp_path):
    """corpus suite: `query: GRANT …` printed sqlglot's 'contains unsupported syntax. Falling
    back to parsing as a Command' warning on stderr before the error, and named it COMMAND."""
    config = write(tmp_path, "views:\n  - name: V\n    query: GRANT SELECT ON ALL TABLES IN SCHEMA RAW.SALES TO SHARE S\n")
    result = sk("validate", "-f", config)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 1 problem in config:\n"), result.stderr
    assert "views[0](V).query: query must be one SELECT statement, not GRANT" in result.stderr
    two = write(tmp_path, "views:\n  - name: V\n    query: SELECT LASTUPDATED FROM RAW.SALES.ORDERS; DROP TABLE X\n")
    assert "query contains ';': it must be one SELECT, not statements" in sk("validate", "-f", two).stderr


def test_dollar_word_inside_a_literal_is_text_in_the_local_account(tmp_path):
    """corpus suite: a seed INSERT holding the literal 'a;b/$x' failed with "Session variable
    '$X' does not exist": fakesnow looked for `$name` in the raw statement, literals included."""
    from sharekit.local import open_local_account

    with open_local_account(tmp_path / "account") as account:
        account.run_script("CREATE DATABASE RAW; CREATE SCHEMA RAW.S; CREATE TABLE RAW.S.T (B VARCHAR);")
        account.execute("INSERT INTO RAW.S.T VALUES ('a;b/$x'), ($$ $y$$) /* $z */")
        assert [row["B"] for row in account.query("SELECT B FROM RAW.S.T ORDER BY B")] == [" $y", "a;b/$x"]
        account.execute("SET LIMIT_ID = 7")
        assert account.query("SELECT $limit_id AS A") == [{"A": 7}]


def test_a_key_that_cannot_be_decrypted_is_a_connection_error_not_a_bug(tmp_path, monkeypatch):
    """secrets suite: a wrong private-key passphrase (or one written as a number) escaped the
    connector as ValueError/TypeError and was shown as 'unexpected ValueError … This is a bug in
    sharekit'; it is the user's setting, reported like any other connection error."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"right"))
    (tmp_path / "key.p8").write_bytes(key)
    (tmp_path / "key.p8").chmod(0o600)
    (tmp_path / "connections.toml").write_text(
        f'[kp]\naccount = "org-acct"\nuser = "u"\nauthenticator = "SNOWFLAKE_JWT"\n'
        f'private_key_file = "{tmp_path / "key.p8"}"\nprivate_key_file_pwd = "wrong-S3NTINEL"\n')
    monkeypatch.setenv("SNOWFLAKE_HOME", str(tmp_path))
    config = write(tmp_path, "views:\n  - {name: V, from: A.B.C, kind: dimension, columns: [X]}\n")
    result = CliRunner().invoke(app, ["plan", "-c", "kp", "-f", config])
    assert result.exit_code == 1
    assert ("Error: cannot connect with connection 'kp': Incorrect password, could not decrypt key; check "
            "private_key_file and its passphrase") in result.stderr
    assert "bug in sharekit" not in result.stderr and "S3NTINEL" not in result.output + result.stderr


@pytest.mark.parametrize("args", [
    ["plan", "--detailed-exitcode", "--bogus"],      # a typo in an option
    ["plan", "--format", "yaml"],                     # a value the option does not take
    ["apply", "--workers", "0"],                      # out of range
    ["nope"],                                         # no such command
    ["local", "sql", "--format", "csv", "SELECT 1"],  # in a sub-app
    [],                                               # no command at all
])
def test_usage_errors_exit_1_not_the_detailed_exitcode_2(args):
    """corpus suite (command-line input): click exits 2 on a usage error, which is what
    `plan --detailed-exitcode` returns for "changes pending"; a CI gate read a typo as changes."""
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output


def test_version_prints_the_version():
    """corpus suite (command-line input): `sharekit --version` printed 'Missing command.' and
    exited 2: the flag was read in the group callback, which runs only when a command is given."""
    from importlib.metadata import version

    result = CliRunner().invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"sharekit {version('sharekit')}\n")


def test_unwritable_outputs_are_clear_errors(sk, tmp_path):
    """corpus suite (command-line input): `plan --out` into a missing directory or onto a
    directory, and `render --out-dir` onto a file, were 'unexpected …Error … a bug in sharekit'."""
    config = write(tmp_path, "views:\n  - {name: V, from: RAW.SALES.ORDERS, columns: [LASTUPDATED]}\n")
    missing = sk("plan", "-f", config, "--local", "--out", str(tmp_path / "no" / "plan.json"))
    assert missing.exit_code == 1
    assert f"Error: cannot write {tmp_path / 'no' / 'plan.json'}: No such file or directory" in missing.stderr
    directory = sk("plan", "-f", config, "--local", "--out", str(tmp_path))
    assert f"Error: --out {tmp_path} is a directory: name a file" in directory.stderr
    (tmp_path / "file").write_text("x")
    onto_file = sk("render", "-f", config, "--out-dir", str(tmp_path / "file"))
    assert onto_file.exit_code == 1 and f"Error: cannot write to --out-dir {tmp_path / 'file'}:" in onto_file.stderr
    for result in (missing, directory, onto_file):
        assert "bug in sharekit" not in result.stderr

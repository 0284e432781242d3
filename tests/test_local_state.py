"""The local account's state files damaged every way a disk, a crash or a person can damage them:
each is ONE clear `Error:` naming the file and the fix, through the CLI; nothing is lost
silently and nothing sharekit did not write is deleted. Also: failing seeds say which statement
failed and what was kept, reset leaves nothing behind, huge and deeply nested input."""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sharekit.cli import app
from sharekit.local import open_local_account
from sharekit.local.store import DirLock

runner = CliRunner()

SEED = """\
CREATE DATABASE RAW;
CREATE SCHEMA RAW.SALES;
CREATE TABLE RAW.SALES.ORDERS (ORDER_ID NUMBER, NOTE VARCHAR(40) COMMENT 'free text', LASTUPDATED TIMESTAMP_NTZ);
INSERT INTO RAW.SALES.ORDERS SELECT range, 'order ' || range, '2026-01-01 10:00:00' FROM range(60000);
CREATE DATABASE D;
CREATE SCHEMA D.S;
CREATE SECURE VIEW D.S.V AS SELECT ORDER_ID FROM RAW.SALES.ORDERS;
CREATE SHARE SH COMMENT = 'kept';
GRANT USAGE ON DATABASE D TO SHARE SH;
GRANT USAGE ON SCHEMA D.S TO SHARE SH;
GRANT SELECT ON VIEW D.S.V TO SHARE SH;
"""


@pytest.fixture(autouse=True)
def _no_knobs(monkeypatch):
    for name in ("SHAREKIT_LOCAL_LATENCY_MS", "SHAREKIT_LOCAL_FAIL_AT", "SHAREKIT_LOCAL_DIR"):
        monkeypatch.delenv(name, raising=False)


def sk(*args: object):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


def failed(result) -> str:
    """One `Error: …` line, exit 1, no traceback, never "a bug in sharekit"."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    text = result.output
    assert text.startswith("Error: "), text
    assert "\n" not in text.rstrip("\n"), text  # one line
    assert "Traceback" not in text and "bug in sharekit" not in text and "unexpected" not in text
    return text


def reset_fix(directory: Path) -> str:
    command = f"sharekit local reset --local-dir {shlex.quote(str(directory))}"
    return f"`{command}` to start over (it deletes the local account's state"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """One seeded account (closed), copied for each test: seeding takes a few seconds."""
    base = tmp_path_factory.mktemp("template")
    (base / "seed.sql").write_text(SEED)
    result = sk("local", "seed", base / "seed.sql", "--local-dir", base / "acct")
    assert result.exit_code == 0, result.output
    return base / "acct"


@pytest.fixture
def acct(template, tmp_path) -> Path:
    import shutil

    target = tmp_path / "acct"
    shutil.copytree(template, target)
    return target


def _remove(path: Path) -> None:
    import shutil

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def replace_with(data: bytes | str | None) -> Callable[[Path], None]:
    """None: delete it; "DIR": an empty directory; "DIR+": a directory holding a file; bytes: content."""

    def corrupt(path: Path) -> None:
        _remove(path)
        if data is None:
            return
        if data in ("DIR", "DIR+"):
            path.mkdir()
            if data == "DIR+":
                (path / "precious.txt").write_text("not sharekit's")
            return
        path.write_bytes(data if isinstance(data, bytes) else data.encode())

    return corrupt


def truncate_to(fraction: float) -> Callable[[Path], None]:
    def corrupt(path: Path) -> None:
        with path.open("r+b") as fh:
            fh.truncate(int(path.stat().st_size * fraction))

    return corrupt


def edit_snapshot(change: Callable[[dict], object]) -> Callable[[Path], None]:
    def corrupt(path: Path) -> None:
        raw = json.loads(path.read_text())
        result = change(raw)
        path.write_text(json.dumps(raw if result is None else result))

    return corrupt


GARBAGE = b"\xff\xfe" + bytes(range(256)) * 40  # binary: not UTF-8, not JSON, not DuckDB
DEEP_JSON = "[" * 200_000 + "]" * 200_000

# (file, label, how it is damaged, what the error says about it)
CASES = [
    ("account.json", "missing", replace_with(None), "is missing, but"),
    ("account.json", "empty", replace_with(b""), "is empty"),
    ("account.json", "directory", replace_with("DIR"), "is a directory, where the local account keeps a file"),
    ("account.json", "binary", replace_with(GARBAGE), "is not UTF-8 text"),
    ("account.json", "json-list", replace_with("[1, 2]"), "holds a list, where sharekit writes an object"),
    ("account.json", "truncated", truncate_to(0.5), "is not valid JSON"),
    ("account.json", "deep-json", replace_with(DEEP_JSON), "is nested too deeply"),
    ("account.json", "version", edit_snapshot(lambda raw: raw.update(version=99)), "has format 99"),
    ("account.json", "accounts-list",
     edit_snapshot(lambda raw: raw["share"][0][1].update(accounts=["ORG.A"])), "'accounts'"),
    ("account.json", "grants-object", edit_snapshot(lambda raw: raw.update(grant={"a": 1})), "under 'grant'"),
    ("account.json", "grant-key-numbers",
     edit_snapshot(lambda raw: raw["grant"][0].__setitem__(0, [1, 2])), "grant key"),
    ("journal.jsonl", "missing", replace_with(None), "is missing beside account.json"),
    ("journal.jsonl", "directory", replace_with("DIR"), "is a directory"),
    ("journal.jsonl", "binary", replace_with(GARBAGE), "line 1 is not UTF-8 text"),
    ("journal.jsonl", "json-list", replace_with("[1, 2]\n"), "line 1 is not a"),
    ("journal.jsonl", "json-object", replace_with('{"put": 1}'), "line 1 is not a"),
    ("journal.jsonl", "bad-record", replace_with('["put","share",["X"],{"created_on":"x"}]\n'), "'created_on'"),
    ("journal.jsonl", "bad-line-then-good",
     replace_with('not json\n["del","share",["SH"],null]\n'), "line 1 is not valid JSON"),
    ("global.duckdb", "missing", replace_with(None), "is missing beside 2 database file(s)"),
    ("global.duckdb", "empty", replace_with(b""), "is not a DuckDB database file"),
    ("global.duckdb", "directory", replace_with("DIR"), "is a directory"),
    ("global.duckdb", "binary", replace_with(GARBAGE), "is not a DuckDB database file"),
    ("global.duckdb", "truncated", truncate_to(0.01), "is truncated"),
    ("databases/D.db", "missing", replace_with(None), "is missing, but account.json still records"),
    ("databases/D.db", "empty", replace_with(b""), "is not a DuckDB database file"),
    ("databases/D.db", "directory", replace_with("DIR"), "is a directory"),
    ("databases/D.db", "binary", replace_with(GARBAGE), "is not a DuckDB database file"),
    ("databases/D.db", "truncated", truncate_to(0.01), "is truncated"),
    ("databases/D.db.wal", "orphan-wal", replace_with(b"wal"), None),
    ("databases", "missing", replace_with(None), "databases/D.db is missing, but account.json still records"),
    ("databases", "a-file", replace_with(b""), "is a file, where the local account keeps a directory"),
    ("lock", "directory", replace_with("DIR"), "is a directory, where the local account keeps a file"),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_damaged_state_is_one_clear_error_naming_the_file_and_reset_fixes_it(acct, case):
    name, _label, corrupt, says = case
    target = acct / name
    if name == "databases/D.db.wal":  # a write-ahead log whose database file is gone
        (acct / "databases" / "D.db").unlink()
        says = "databases/D.db is missing, but its write-ahead log D.db.wal is still there"
    corrupt(target)
    share_layer = {n: (acct / n).read_bytes() for n in ("account.json", "journal.jsonl") if (acct / n).is_file()}

    text = failed(sk("local", "sql", "SHOW SHARES", "--local-dir", acct))
    assert says in text
    assert f"local account file {acct}/" in text  # names the file, where it is
    assert reset_fix(acct) in text and "Snowflake" not in text
    assert share_layer == {n: (acct / n).read_bytes() for n in share_layer}  # not rewritten: nothing lost

    result = sk("local", "reset", "--local-dir", acct)
    assert result.exit_code == 0, result.output
    assert not acct.exists() or not any(acct.iterdir())
    result = sk("local", "sql", "SHOW SHARES", "--format", "json", "--local-dir", acct)
    assert result.exit_code == 0 and json.loads(result.output) == []  # a fresh, empty account


def test_damage_is_reported_the_same_through_plan(acct, tmp_path):
    (tmp_path / "seed.sql").write_text(SEED)
    config = tmp_path / "sharekit.yml"
    config.write_text(
        "version: 1\nshare: {name: SH, database: D, consumers: [{account: ORG.ACCOUNT}]}\nlocal: {seed: seed.sql}\n"
        "views:\n  - name: V\n    from: RAW.SALES.ORDERS\n    columns: [ORDER_ID, LASTUPDATED]\n"
    )
    (acct / "account.json").write_text("[]")
    result = runner.invoke(app, ["plan", "-f", str(config), "--local", "--local-dir", str(acct)])
    text = failed(result)
    assert f"local account file {acct / 'account.json'} is not a local account snapshot" in text
    assert reset_fix(acct) in text and "Snowflake" not in text


def test_a_database_file_damaged_where_only_reading_data_finds_it(acct):
    """DuckDB opens a file cut short behind its catalog and fails only when a query reads the
    lost blocks: that too is the file's error, not Snowflake's and not a statement's."""
    truncate_to(0.6)(acct / "databases" / "RAW.db")
    ok = sk("local", "sql", "SHOW SHARES", "--format", "json", "--local-dir", acct)
    assert ok.exit_code == 0 and [r["name"] for r in json.loads(ok.output)] == ["SH"]
    text = failed(sk("local", "sql", "SELECT SUM(LENGTH(NOTE)) FROM RAW.SALES.ORDERS", "--local-dir", acct))
    assert f"local account file {acct / 'databases' / 'RAW.db'} cannot be read (DuckDB: IO Error" in text
    assert reset_fix(acct) in text


def test_a_corrupted_block_names_the_database_the_statement_read(acct):
    path = acct / "databases" / "RAW.db"
    with path.open("r+b") as fh:
        fh.seek(path.stat().st_size - 200_000)
        fh.write(b"\xde\xad" * 500)
    text = failed(sk("local", "sql", "SELECT SUM(LENGTH(NOTE)) FROM RAW.SALES.ORDERS", "--local-dir", acct))
    assert f"local account file {path} is damaged (DuckDB: Corrupt database file" in text


def test_a_torn_last_journal_line_is_a_crash_and_loses_nothing_before_it(acct):
    """A crash mid-append leaves the start of a line: the design tolerates it, and keeps every
    complete line before it (they used to be dropped after any bad line, silently)."""
    journal = acct / "journal.jsonl"
    journal.write_text('["put","share",["LATE"],{"created_on":"2026-01-01T00:00:00+00:00","comment":null,'
                       '"secure_objects_only":true,"accounts":{}}]\n["put","share",["TO')
    result = sk("local", "sql", "SHOW SHARES", "--format", "json", "--local-dir", acct)
    assert result.exit_code == 0, result.output
    assert [r["name"] for r in json.loads(result.output)] == ["LATE", "SH"]


def test_a_directory_holding_files_is_never_deleted(acct):
    (acct / "account.json").unlink()
    replace_with("DIR+")(acct / "account.json")
    text = failed(sk("local", "sql", "SHOW SHARES", "--local-dir", acct))
    assert "is a directory, where the local account keeps a file" in text
    assert "move it out of the way (reset deletes only what sharekit wrote), then run" in text
    text = failed(sk("local", "reset", "--local-dir", acct))
    assert f"{acct / 'account.json'} is a directory, not a file sharekit wrote" in text
    assert (acct / "account.json" / "precious.txt").exists() and (acct / "databases" / "D.db").exists()


def test_reset_keeps_what_it_did_not_write_inside_databases(acct):
    (acct / "databases" / "notes.txt").write_text("mine")
    text = failed(sk("local", "reset", "--local-dir", acct))
    assert "databases holds notes.txt, which sharekit did not write" in text
    assert (acct / "account.json").exists() and (acct / "databases" / "notes.txt").read_text() == "mine"


def test_a_symlinked_state_file_is_refused_not_followed(acct, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("do not truncate")
    (acct / "journal.jsonl").unlink()
    (acct / "journal.jsonl").symlink_to(outside)
    text = failed(sk("local", "sql", "SHOW SHARES", "--local-dir", acct))
    assert "journal.jsonl is a symbolic link" in text
    assert "is a symbolic link, not a file sharekit wrote" in failed(sk("local", "reset", "--local-dir", acct))
    assert outside.read_text() == "do not truncate"


def test_a_symlinked_lock_is_refused(acct, tmp_path):
    (acct / "lock").unlink()
    (acct / "lock").symlink_to(tmp_path / "elsewhere")
    text = failed(sk("local", "sql", "SHOW SHARES", "--local-dir", acct))
    assert f"local account file {acct / 'lock'} is a symbolic link" in text
    assert not (tmp_path / "elsewhere").exists()


# -- seeds ----------------------------------------------------------------------------------------


def test_a_failing_seed_says_which_statement_and_that_earlier_ones_were_kept(tmp_path):
    script = tmp_path / "seed.sql"
    script.write_text(
        "CREATE DATABASE A;\nCREATE SCHEMA A.S;\n-- the third one is wrong\n"
        "CREATE TABLE A.S.T (X INT) AS SELECT * FROM NOWHERE.S.T;\nCREATE SHARE LATER;\nCREATE DATABASE B;\n"
    )
    d = tmp_path / "acct"
    text = failed(sk("local", "seed", script, "--local-dir", d))
    assert text.startswith(f"Error: {script}: statement 3 of 5 (line 4) failed (CREATE TABLE A.S.T (X INT) AS SELECT")
    assert '"NOWHERE.S.T" does not exist' in text
    assert "; statements 1–2 ran and were kept; statements 4–5 were not run" in text
    dbs = sk("local", "sql", "SHOW DATABASES", "--format", "json", "--local-dir", d)
    assert [r["name"] for r in json.loads(dbs.output)] == ["A"]


def test_a_failing_seed_at_creation_says_so_and_how_to_start_again(tmp_path):
    script = tmp_path / "seed.sql"
    script.write_text("CREATE DATABASE A;\nCREATE SHARE S;\nALTER SHARE S ADD ACCOUNTS = ORG.A;\n")
    d = tmp_path / "acct"
    text = failed(sk("local", "init", "--seed", script, "--local-dir", d))
    assert f"{script}: statement 3 of 3 (line 3) failed (ALTER SHARE S ADD ACCOUNTS = ORG.A): " in text
    assert "statements 1–2 ran and were kept" in text
    assert f"the local account at {d} was created but is only partly seeded" in text
    assert f"`sharekit local reset --local-dir {d}`" in text


def test_a_long_first_statement_line_is_shortened_in_the_error(tmp_path):
    script = tmp_path / "seed.sql"
    script.write_text("SELECT " + ", ".join(f"C{i}" for i in range(200)) + " FROM NOWHERE.S.T;")
    text = failed(sk("local", "seed", script, "--local-dir", tmp_path / "acct"))
    assert "statement 1 of 1 (line 1) failed (SELECT C0, C1, C2" in text and " …): " in text
    assert "C199" not in text and "no statement before it ran" in text


def test_a_seed_syntax_error_runs_nothing(tmp_path):
    script = tmp_path / "seed.sql"
    script.write_text("CREATE DATABASE A;\nSELECT 'never closed;\n")
    text = failed(sk("local", "seed", script, "--local-dir", tmp_path / "acct"))
    assert f"{script}: " in text and "unterminated string literal" in text and "no statement was run" in text


@pytest.mark.parametrize("command", ["seed", "init"])
def test_a_binary_seed_file_is_one_clear_error_naming_it(tmp_path, command):
    script = tmp_path / "seed.sql"
    script.write_bytes(b"CREATE DATABASE A;\n\xff\xfe\x00garbage")
    args = ["local", "seed", script] if command == "seed" else ["local", "init", "--seed", script]
    text = failed(sk(*args, "--local-dir", tmp_path / "acct"))
    assert f"{script} is not UTF-8 text (byte 0xff on line 2, offset 19): save it as UTF-8" in text
    assert not (tmp_path / "acct").exists()  # read before the account is touched


def test_many_statements_are_numbered_and_located_exactly(tmp_path):
    """Each statement's line used to be counted from the top of the script: O(n²) on a long seed."""
    script = tmp_path / "seed.sql"
    n = 30_000
    script.write_text("".join(f"SELECT {i};\n" for i in range(n)) + "-- last\nSELECT * FROM NOWHERE.S.T;\n")
    from sharekit.local.sqltext import script_statements

    started = time.perf_counter()
    statements = script_statements(script.read_text())
    assert time.perf_counter() - started < 20  # it was minutes
    assert (len(statements), statements[-1].line, statements[-1].text) == (n + 1, n + 2, "SELECT * FROM NOWHERE.S.T")


# -- huge and deep --------------------------------------------------------------------------------


def test_a_seed_of_tens_of_megabytes_is_a_clear_error_not_a_hang(tmp_path):
    script = tmp_path / "seed.sql"
    rows = ",".join(f"({i}, 'a row of the big insert, number {i}')" for i in range(500_000))
    script.write_text(f"CREATE DATABASE A;\nCREATE SCHEMA A.S;\nCREATE TABLE A.S.T (X INT, Y VARCHAR);\n"
                      f"INSERT INTO A.S.T VALUES {rows};\n")
    assert script.stat().st_size > 20_000_000
    started = time.perf_counter()
    text = failed(sk("local", "seed", script, "--local-dir", tmp_path / "acct"))
    assert time.perf_counter() - started < 120
    assert "statement 4 of 4 (line 4) failed (INSERT INTO A.S.T VALUES (0, 'a row" in text
    assert "a statement of 2" in text and "MB (at most 1 MB each" in text and "statements 1–3 ran and were kept" in text


@pytest.mark.parametrize("nested", [
    "SELECT " + "(" * 5000 + "1" + ")" * 5000,
    "SELECT " + "CASE WHEN 1 = 1 THEN " * 2000 + "1" + " END" * 2000,
    "CREATE SECURE VIEW A.S.V AS SELECT " + "(" * 500 + "1" + ")" * 500 + " AS X",
], ids=["parentheses", "case", "view"])  # fmt: skip
def test_deeply_nested_sql_is_a_clear_error_not_a_recursion_error(tmp_path, nested):
    script = tmp_path / "seed.sql"
    script.write_text(f"CREATE DATABASE A;\nCREATE SCHEMA A.S;\n{nested};\nCREATE SHARE AFTER;\n")
    d = tmp_path / "acct"
    text = failed(sk("local", "seed", script, "--local-dir", d))
    assert "statement 3 of 4 (line 3) failed" in text and "a statement nested this deeply" in text
    assert "RecursionError" not in text and "recursion" not in text
    # the account is still usable afterwards
    result = sk("local", "sql", "SELECT 1 AS ONE", "--format", "json", "--local-dir", d)
    assert result.exit_code == 0 and json.loads(result.output) == [{"ONE": 1}]


def test_moderate_nesting_still_works(tmp_path):
    result = sk("local", "sql", "SELECT " + "(" * 30 + "1" + ")" * 30 + " AS X", "--format", "json",
                "--local-dir", tmp_path / "acct")  # fmt: skip
    assert result.exit_code == 0 and json.loads(result.output) == [{"X": 1}]


# -- reset ----------------------------------------------------------------------------------------


def test_reset_removes_the_lock_file_and_the_directory_sharekit_created(tmp_path):
    d = tmp_path / "made" / "acct"
    assert sk("local", "init", "--local-dir", d).exit_code == 0
    assert (d / "lock").exists()
    result = sk("local", "reset", "--local-dir", d)
    assert result.exit_code == 0 and "removed the directory" in result.output
    assert not d.exists() and not (tmp_path / "made").exists()  # both made by sharekit
    assert list(tmp_path.iterdir()) == []


def test_reset_of_the_default_directory_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert sk("local", "init").exit_code == 0
    assert (tmp_path / ".sharekit" / "local" / "lock").exists()
    assert sk("local", "reset").exit_code == 0
    assert list(tmp_path.iterdir()) == []


def test_reset_keeps_a_directory_it_did_not_create_but_empties_it(tmp_path):
    d = tmp_path / "mine"
    d.mkdir()
    assert sk("local", "init", "--local-dir", d).exit_code == 0
    result = sk("local", "reset", "--local-dir", d)
    assert result.exit_code == 0 and "kept the directory (sharekit did not create it)" in result.output
    assert d.is_dir() and list(d.iterdir()) == []


def test_reset_keeps_a_parent_that_holds_other_files(tmp_path):
    d = tmp_path / "made" / "acct"
    assert sk("local", "init", "--local-dir", d).exit_code == 0
    (tmp_path / "made" / "keep.txt").write_text("mine")
    assert sk("local", "reset", "--local-dir", d).exit_code == 0
    assert not d.exists() and (tmp_path / "made" / "keep.txt").read_text() == "mine"


def test_reset_removes_a_lock_file_an_older_reset_left(tmp_path):
    d = tmp_path / "acct"
    d.mkdir()
    (d / "lock").write_text("")
    result = sk("local", "reset", "--local-dir", d)
    assert result.exit_code == 0 and "removed the lock file" in result.output
    assert list(d.iterdir()) == []


def test_reset_refuses_while_in_use_and_deletes_nothing(tmp_path):
    d = tmp_path / "acct"
    with open_local_account(d) as account:
        account.execute("CREATE SHARE S")
        assert "in use" in failed(sk("local", "reset", "--local-dir", d))
        assert (d / "lock").exists() and (d / "account.json").exists()
    shares = sk("local", "sql", "SHOW SHARES", "--format", "json", "--local-dir", d)
    assert [r["name"] for r in json.loads(shares.output)] == ["S"]


def test_an_opener_racing_a_reset_never_shares_the_lock(tmp_path, monkeypatch):
    """An opener that opened the lock file before reset deleted it, and locks it only after
    reset let go, holds a lock on a file nobody else can see: it must notice and take the lock
    on the file the path names now — else a second opener would hold "the" lock too."""
    d = tmp_path / "acct"
    d.mkdir()
    real_flock = fcntl.flock
    calls = []

    def flock_after_a_reset(fd, op):
        if not calls:  # the first flock: the reset deleted the file in between open and flock
            os.unlink(d / "lock")
        calls.append(fd)
        return real_flock(fd, op)

    monkeypatch.setattr(fcntl, "flock", flock_after_a_reset)
    lock = DirLock(d)
    lock.acquire()
    monkeypatch.setattr(fcntl, "flock", real_flock)
    try:
        assert len(calls) == 2  # gave up the orphaned file, locked the new one
        assert os.stat(d / "lock").st_ino == os.fstat(lock._fd).st_ino
        other = DirLock(d)
        with pytest.raises(Exception, match="in use"):
            other.acquire()
    finally:
        lock.release()


def test_an_opener_after_a_reset_gets_a_fresh_account(tmp_path):
    d = tmp_path / "acct"
    assert sk("local", "seed", _script(tmp_path, "CREATE SHARE S;"), "--local-dir", d).exit_code == 0
    assert sk("local", "reset", "--local-dir", d).exit_code == 0
    result = sk("local", "sql", "SHOW SHARES", "--format", "json", "--local-dir", d)
    assert result.exit_code == 0 and json.loads(result.output) == []


def _script(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "script.sql"
    path.write_text(text)
    return path


def test_reset_deletes_the_stage_files_the_account_wrote_but_never_follows_a_link(acct, tmp_path):
    files = acct / "stages" / "D" / "S" / "ST" / "files"
    files.mkdir(parents=True)
    (files.parent / "stage.json").write_text("{}")
    (files / "data_0_0_0.csv.gz").write_bytes(b"\x1f\x8b")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("mine")
    (files / "linked").symlink_to(outside)
    text = failed(sk("local", "reset", "--local-dir", acct))
    assert f"{files / 'linked'} is a symbolic link, which sharekit did not write" in text
    assert (files / "data_0_0_0.csv.gz").exists() and (acct / "account.json").exists()  # nothing deleted

    (files / "linked").unlink()
    assert sk("local", "reset", "--local-dir", acct).exit_code == 0
    assert not any(acct.iterdir()) and (outside / "precious.txt").read_text() == "mine"

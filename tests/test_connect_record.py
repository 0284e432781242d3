"""`--record FILE` / `--replay FILE`: a session written as JSON lines, and replayed with no account.

- Recorded on `--local`, a command replays to the same stdout and exit code. Timings are the
  replay's own ("0.05 s", JSON "seconds"), so outputs are compared with them normalised (`same`).
- `tests/replays/` holds recordings of the bundled example made with `--local`, each with the
  stdout of the recorded run; they must replay to that output. When the example or sharekit's
  SQL changes on purpose, refresh them:
  `SHAREKIT_UPDATE_REPLAYS=1 python -m pytest tests/test_connect_record.py -k committed`.
- A statement that was not recorded fails clearly; recorded errors come back as the same errors;
  no literal of the data query, no sample value, no credential or host name is written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import shutil
import threading
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sharekit.connect.record import RecordingSession, ReplaySession
from sharekit.connect.recorded import MARKER, decode, encode, is_data_check, mask_literals
from sharekit.errors import ConnectionLost, SharekitError, StatementRefused

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "optimove_ecommerce"
REPLAYS = Path(__file__).resolve().parent / "replays"
UPDATE = os.environ.get("SHAREKIT_UPDATE_REPLAYS") == "1"

# name → (commands that prepare the account, the recorded command); `-f` is the example's config
COMMITTED = {
    "plan_fresh": ([], ["plan"]),
    "check_data_after_apply": ([["apply", "--yes"]], ["check", "--data"]),
}


def same(text: str) -> str:
    """Output with its timing figures normalised: the one part a replay does not reproduce."""
    text = re.sub(r"\b\d+\.\d+ s\b", "<t> s", text)
    return re.sub(r'"seconds": [0-9.e+-]+', '"seconds": <t>', text)


def replay_stderr(text: str) -> str:
    """stderr of a replay without the line saying it is one."""
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("Replaying "))


def entries(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(autouse=True)
def no_knobs(monkeypatch, tmp_path):
    for name in ("SHAREKIT_LOCAL_LATENCY_MS", "SHAREKIT_LOCAL_FAIL_AT", "SHAREKIT_LOCAL_QUIRKS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHAREKIT_LOCAL_DIR", str(tmp_path / "local"))


@pytest.fixture
def example(tmp_path) -> Path:
    """A copy of the bundled example (config and seed), so nothing is written next to the repo's."""
    target = tmp_path / "example"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("sql"))
    return target / "sharekit.yml"


def record_and_replay(cli, tmp_path: Path, name: str, *args: object):
    """Run `args` on --local with --record, then with --replay; (recorded result, replayed, file)."""
    recording = tmp_path / f"{name}.jsonl"
    recorded = cli(*args, "--local", "--record", recording)
    replayed = cli(*args, "--replay", recording)
    return recorded, replayed, recording


# --- (a) record on --local, replay to the same output ------------------------------------------


def test_every_connecting_command_replays_to_the_output_it_recorded(cli, tmp_path, example, monkeypatch):
    steps = [
        ("plan", "plan", "-f", example),
        ("plan_json", "plan", "-f", example, "--format", "json"),
        ("plan_markdown", "plan", "-f", example, "--format", "markdown", "--detailed-exitcode"),
        ("apply", "apply", "-f", example, "--yes"),  # parallel stages: entries are found by text
        ("replan", "plan", "-f", example, "--detailed-exitcode"),
        ("check", "check", "-f", example, "--data"),
        ("check_json", "check", "-f", example, "--data", "--format", "json"),
        ("audit", "audit", "-f", example),
        ("audit_json", "audit", "--format", "json", "--fail-on", "warning"),
    ]
    for name, *args in steps:
        recorded, replayed, recording = record_and_replay(cli, tmp_path, name, *args)
        assert recorded.exception is None or isinstance(recorded.exception, SystemExit), recorded.stderr
        assert replayed.exit_code == recorded.exit_code, (name, replayed.stderr)
        assert same(replayed.stdout) == same(recorded.stdout), name
        assert replay_stderr(replayed.stderr) == recorded.stderr, name
        assert replayed.stderr.startswith(f"Replaying {recording} (`sharekit {args[0]}`, recorded ")
        header, *rest = entries(recording)
        assert header["sharekit_recording"] == 1 and header["command"] == args[0] and rest
        assert [e["n"] for e in rest] == list(range(1, len(rest) + 1))
    assert "Applied 15 changes" in cli("apply", "-f", example, "--yes", "--replay", tmp_path / "apply.jsonl").stdout
    pending = cli("plan", "-f", example, "--detailed-exitcode", "--replay", tmp_path / "plan_markdown.jsonl")
    assert pending.exit_code == 2


def test_a_replay_opens_no_account(cli, tmp_path, example, monkeypatch):
    recorded, _, recording = record_and_replay(cli, tmp_path, "plan", "plan", "-f", example)
    nowhere = tmp_path / "no-account-here"
    monkeypatch.setenv("SHAREKIT_LOCAL_DIR", str(nowhere))
    monkeypatch.setenv("SNOWFLAKE_HOME", str(tmp_path / "no-snowflake-home"))
    replayed = cli("plan", "-f", example, "--replay", recording)
    assert replayed.exit_code == 0, replayed.stderr
    assert same(replayed.stdout) == same(recorded.stdout)
    assert not nowhere.exists()


def test_a_saved_plan_from_a_replay_applies_from_a_replay(cli, tmp_path, example):
    """`apply PLAN.json` re-plans and verifies the plan: the whole conversation replays."""
    saved = tmp_path / "plan.json"
    assert cli("plan", "-f", example, "--local", "--out", saved).exit_code == 0
    recorded, replayed, _ = record_and_replay(cli, tmp_path, "apply_saved", "apply", saved, "-f", example, "--yes")
    assert recorded.exit_code == replayed.exit_code == 0, replayed.stderr
    assert same(replayed.stdout) == same(recorded.stdout)


# --- (b) the committed recordings ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(COMMITTED))
def test_committed_recordings_replay_to_their_committed_output(cli, tmp_path, monkeypatch, name):
    recording, expected = REPLAYS / f"{name}.jsonl", REPLAYS / f"{name}.stdout"
    prepare, command = COMMITTED[name]
    if UPDATE:
        _record_committed(cli, tmp_path, monkeypatch, prepare, command, recording, expected)
    monkeypatch.chdir(ROOT)
    result = cli(*command, "-f", "examples/optimove_ecommerce/sharekit.yml", "--replay", recording)
    assert result.exit_code == 0, result.stderr
    assert same(result.stdout) == same(expected.read_text(encoding="utf-8"))
    assert "Replaying" in result.stderr and "Error" not in result.stderr


def _record_committed(cli, tmp_path, monkeypatch, prepare, command, recording: Path, expected: Path) -> None:
    """Record on a fresh local account in a scratch directory, so the files hold no machine's paths."""
    work = tmp_path / "work"
    shutil.copytree(EXAMPLE, work / "optimove_ecommerce", ignore=shutil.ignore_patterns("sql"))
    monkeypatch.chdir(work)
    monkeypatch.setenv("SHAREKIT_LOCAL_DIR", ".sharekit/local")
    config = "optimove_ecommerce/sharekit.yml"
    for args in prepare:
        assert cli(*args, "-f", config, "--local").exit_code == 0
    REPLAYS.mkdir(exist_ok=True)
    result = cli(*command, "-f", config, "--local", "--record", recording)
    assert result.exit_code == 0, result.stderr
    expected.write_text(result.stdout, encoding="utf-8")


def test_committed_recordings_are_what_they_say():
    plan = entries(REPLAYS / "plan_fresh.jsonl")
    assert plan[0]["command"] == "plan" and plan[0]["target"] == "the local account (.sharekit/local)"
    assert [e["op"] for e in plan[1:]] == ["query"] * (len(plan) - 1)  # a plan only reads
    check = entries(REPLAYS / "check_data_after_apply.jsonl")
    assert check[0]["command"] == "check" and check[0]["options"]["data"] is True
    data_checks = [e for e in check[1:] if is_data_check(e["sql"])]
    assert len(data_checks) == 1  # one query reads all four views
    assert set(re.findall(r"'[^']*'", data_checks[0]["sql"])) == {f"'{MARKER}'"}
    expected = (REPLAYS / "check_data_after_apply.stdout").read_text(encoding="utf-8")
    assert "0 errors" in expected and "4 views" in expected
    assert "Plan: 7 to create" in (REPLAYS / "plan_fresh.stdout").read_text(encoding="utf-8")


# --- (c) a statement that was not recorded -----------------------------------------------------


def test_an_unrecorded_statement_fails_naming_the_file_the_statement_and_the_fix(cli, tmp_path, example):
    _, _, recording = record_and_replay(cli, tmp_path, "plan", "plan", "-f", example)
    other = example.with_name("other.yml")
    other.write_text(example.read_text(encoding="utf-8").replace("name: OPTIMOVE_SHARE\n", "name: OTHER_SHARE\n"),
                     encoding="utf-8")
    result = cli("plan", "-f", other, "--replay", recording)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"Error: --replay {recording}: this query was not recorded: SHOW SHARES LIKE 'OTHER_SHARE';" in result.stderr
    assert "`sharekit plan` of sharekit" in result.stderr
    assert "Record it again with the same command and `--record FILE`." in result.stderr
    assert "Traceback" not in result.stderr


def test_a_recording_of_another_command_fails_on_its_first_statement_shortened(cli, tmp_path, example):
    assert cli("apply", "-f", example, "--local", "--yes").exit_code == 0
    _, _, recording = record_and_replay(cli, tmp_path, "plan", "plan", "-f", example)
    result = cli("check", "-f", example, "--data", "--replay", recording)
    assert result.exit_code == 1
    line = next(line for line in result.stderr.splitlines() if "was not recorded" in line)
    statement = line.split("was not recorded: ", 1)[1]
    assert statement.endswith("…") and len(statement) == 120 and "\n" not in statement


def test_each_recorded_round_trip_answers_once(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"sharekit_recording": 1, "command": "plan"}) + "\n"
                    + json.dumps({"n": 1, "op": "query", "sql": "SHOW SHARES;", "rows": [{"A": 1}]}) + "\n")
    session = ReplaySession(path)
    assert session.query("SHOW SHARES;") == [{"A": 1}]
    with pytest.raises(SharekitError, match="this query was not recorded: SHOW SHARES;"):
        session.query("SHOW SHARES;")
    with pytest.raises(SharekitError, match="this execute was not recorded"):
        session.execute("SHOW SHARES;")
    assert session.round_trips == 3


@pytest.mark.parametrize("text, message", [
    ("", "not a sharekit recording"),
    ("{}\n", "not a sharekit recording"),
    ("not json\n", "not a JSON line"),
    ('{"sharekit_recording": 99}\n', "recording format 99"),
    ('{"sharekit_recording": 1}\n{"n": 1}\n', "has no `op` and `sql`"),
])
def test_a_file_that_is_no_recording_is_a_clear_error(cli, tmp_path, example, text, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(text)
    result = cli("plan", "-f", example, "--replay", path)
    assert result.exit_code == 1 and message in result.stderr and "Traceback" not in result.stderr
    missing = cli("plan", "-f", example, "--replay", tmp_path / "missing.jsonl")
    assert missing.exit_code == 1 and f"cannot read --replay {tmp_path / 'missing.jsonl'}" in missing.stderr


@pytest.mark.parametrize("extra, message", [
    (["--local"], "--replay answers from the recording and connects to no account"),
    (["-c", "prod"], "--replay answers from the recording and connects to no account"),
    (["--record", "again.jsonl"], "pass either --record or --replay, not both"),
])
def test_replay_goes_with_no_account_and_no_second_recording(cli, tmp_path, example, extra, message):
    _, _, recording = record_and_replay(cli, tmp_path, "plan", "plan", "-f", example)
    for command in (["plan"], ["check"], ["audit"], ["apply", "--yes"]):
        result = cli(*command, "-f", example, "--replay", recording, *extra)
        assert result.exit_code == 1 and message in result.stderr, (command, result.stderr)


def test_a_record_file_that_cannot_be_written_is_a_clear_error(cli, tmp_path, example):
    result = cli("plan", "-f", example, "--local", "--record", tmp_path / "no" / "such" / "dir" / "r.jsonl")
    assert result.exit_code == 1
    assert "Error: cannot write --record" in result.stderr and "Traceback" not in result.stderr
    again = cli("plan", "-f", example, "--local")  # the local account was closed, not left locked
    assert again.exit_code == 0, again.stderr


def test_parallel_statements_find_their_entries_in_any_order(tmp_path):
    """apply runs one stage's statements on threads: replay matches by text among unused entries."""
    statements = [f"GRANT SELECT ON VIEW D.S.V{i} TO SHARE S;" for i in range(200)]

    class Inner:
        round_trips = 0

        def query(self, sql):
            return [{"SQL": sql}]

        def execute(self, sql):
            pass

        def close(self):
            pass

    path = tmp_path / "r.jsonl"
    recorder = RecordingSession(Inner(), path, {"command": "apply"})
    for sql in statements:
        recorder.execute(sql)
    recorder.query("SHOW SHARES;")
    recorder.query("SHOW SHARES;")
    recorder.close()
    replay = ReplaySession(path)
    shuffled = random.Random(7).sample(statements, len(statements))
    errors: list[BaseException] = []

    def run(chunk):
        try:
            for sql in chunk:
                replay.execute(sql)
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=run, args=(shuffled[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert replay.query("SHOW SHARES;") == replay.query("SHOW SHARES;") == [{"SQL": "SHOW SHARES;"}]
    assert replay.round_trips == 202 and replay.unused == 0


# --- (d) redaction ------------------------------------------------------------------------------


def test_no_literal_of_the_data_query_and_no_sample_value_is_recorded(cli, tmp_path, example):
    assert cli("apply", "-f", example, "--local", "--yes").exit_code == 0
    bad = "Xyzzy-Private-Value"
    poked = cli("local", "sql", f"UPDATE RAW.CRM.CUSTOMERS SET GENDER = '{bad}', ALLOW_SMS = FALSE WHERE "
                                "CUSTOMER_ID IN (SELECT MIN(CUSTOMER_ID) FROM RAW.CRM.CUSTOMERS WHERE NOT IS_TEST)")
    assert poked.exit_code == 0, poked.output
    recorded, replayed, recording = record_and_replay(cli, tmp_path, "check", "check", "-f", example, "--data",
                                                      "--format", "json")
    assert recorded.exit_code == replayed.exit_code == 1
    assert f"(e.g. '{bad}')" in recorded.stdout  # the local run shows the sample
    text = recording.read_text(encoding="utf-8")
    assert bad not in text
    data_checks = [e for e in entries(recording)[1:] if is_data_check(e["sql"])]
    assert len(data_checks) == 1
    sql = data_checks[0]["sql"]
    assert re.findall(r"'[^']*'", sql) and set(re.findall(r"'[^']*'", sql)) == {f"'{MARKER}'"}
    for literal in ("'Yes'", "'No'", "'Male'", "'Female'", "'Unknown'"):
        assert literal not in sql
    samples = [v for row in data_checks[0]["rows"] for k, v in row.items() if re.fullmatch(r"M\d+_SAMPLE", k)]
    assert samples.count(MARKER) == 1 and set(samples) == {MARKER, None}  # GENDER; a NULL sample says nothing
    assert all(isinstance(row["LU_NEWEST"], str) for row in data_checks[0]["rows"])  # not a sample: kept
    # the replay says the same, with the marker where the sample was
    assert same(replayed.stdout) == same(recorded.stdout.replace(bad, MARKER))


def test_mask_literals_keeps_identifiers_and_comments():
    sql = ("SELECT \"it's\" AS \"A\"\"B\", 'x''y', 'a\\'b', $$dollar ' text$$ -- it's a comment\n"
           "/* 'kept' */ FROM T WHERE C IN ('Yes', 'No')")
    assert mask_literals(sql) == (
        "SELECT \"it's\" AS \"A\"\"B\", '<redacted>', '<redacted>', '<redacted>' -- it's a comment\n"
        "/* 'kept' */ FROM T WHERE C IN ('<redacted>', '<redacted>')")
    assert not is_data_check("SHOW SHARES LIKE 'S';")


def test_credentials_and_host_names_never_reach_the_file(tmp_path):
    password, host = "S3NTINEL-pw-91x", "org-acct.eu-west-1.privatelink.snowflakecomputing.com"

    class Failing:
        round_trips = 0

        def query(self, sql):
            return [{"owner": "SYSADMIN", "note": f"reached {host} with {password}", "short": "abc"}]

        def execute(self, sql):
            raise ConnectionLost(f"Failed to connect to DB: {host}:443. Backend said {password}", 250001, "08001")

        def close(self):
            pass

    path = tmp_path / "r.jsonl"
    session = RecordingSession(Failing(), path, {"command": "plan"}, sensitive=(password, "abc"))
    session.query("SHOW SHARES;")
    with pytest.raises(ConnectionLost):
        session.execute("CREATE SHARE S;")
    session.close()
    text = path.read_text(encoding="utf-8")
    assert password not in text and "snowflakecomputing" not in text and host not in text
    assert "SYSADMIN" in text and '"abc"' in text  # too short to scrub: it would blank out ordinary text
    error = entries(path)[2]["error"]
    assert error == {"kind": "lost", "errno": 250001, "sqlstate": "08001",
                     "msg": f"Failed to connect to DB: {MARKER}:443. Backend said {MARKER}"}


class FakeConnection:
    """What `snowflake.connector.connect` returns, scripted: SHOW SHARES finds nothing, then the
    network drops with the connector's usual text, which names the host."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.sent: list[str] = []

    def cursor(self, *_args):
        connection = self

        class Cursor:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def execute(self, sql):
                from snowflake.connector.errors import OperationalError

                connection.sent.append(sql)
                if len(connection.sent) > 1:
                    raise OperationalError(msg=f"Failed to connect to DB: {connection.host}:443. Connection reset",
                                           errno=250001, sqlstate="08001")

            def fetchall(self):
                return []

        return Cursor()

    def close(self):
        pass


def test_record_on_a_connection_writes_no_connection_parameter(cli, tmp_path, example, monkeypatch):
    """-c works with --record; the file holds the answers and nothing of connections.toml, not
    even the host a connector error names, and the replay fails the same way."""
    import snowflake.connector

    password, host = "S3NTINEL-password-record", "myorg-prod.eu-central-1.snowflakecomputing.com"
    for name in list(os.environ):
        if name.startswith("SNOWFLAKE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SNOWFLAKE_HOME", str(tmp_path))
    (tmp_path / "connections.toml").write_text(
        f'[prod]\naccount = "myorg-prod"\nuser = "fake-user-x"\npassword = "{password}"\nhost = "{host}"\n'
        'role = "ROLE_FROM_TOML"\nwarehouse = "WH_FROM_TOML"\n')
    (tmp_path / "connections.toml").chmod(0o600)
    settings: dict = {}
    connection = FakeConnection(host)

    def connect(**kwargs):
        settings.update(kwargs)
        return connection

    monkeypatch.setattr(snowflake.connector, "connect", connect)
    recording = tmp_path / "prod.jsonl"
    recorded = cli("plan", "-f", example, "-c", "prod", "--record", recording, "--var", "X=secret-var-value")
    assert settings["password"] == password and len(connection.sent) == 2  # the connector was used
    assert recorded.exit_code == 1
    assert recorded.stderr.startswith("Error: Snowflake: 250001 (08001): Failed to connect to DB: "
                                      f"{host}:443"), recorded.stderr
    text = recording.read_text(encoding="utf-8")
    for value in (password, host, "myorg", "fake-user-x", "ROLE_FROM_TOML", "WH_FROM_TOML", "secret-var-value"):
        assert value not in text, value
    header, shares, lost = entries(recording)
    assert header["target"] == "connection prod" and header["options"]["var"] == ["X"]
    assert "connection" not in header["options"] and shares["rows"] == []
    assert lost["error"] == {"kind": "lost", "errno": 250001, "sqlstate": "08001",
                             "msg": f"250001 (08001): Failed to connect to DB: {MARKER}:443. Connection reset"}
    replayed = cli("plan", "-f", example, "--replay", recording)
    assert replayed.exit_code == 1
    assert replay_stderr(replayed.stderr) == recorded.stderr.replace(host, MARKER)


# --- (e) recorded errors come back as the same errors ------------------------------------------


def test_a_refused_statement_replays_as_the_same_error(cli, tmp_path, example):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "show_shares.sql.j2").write_text("SHOW SHAREZ LIKE {{ share | literal }};\n")
    recorded, replayed, recording = record_and_replay(cli, tmp_path, "refused", "plan", "-f", example,
                                                      "--templates", templates)
    assert recorded.exit_code == replayed.exit_code == 1
    assert recorded.stderr.startswith("Error: Snowflake: ") and "SHAREZ" in recorded.stderr
    assert replay_stderr(replayed.stderr) == recorded.stderr
    error = entries(recording)[1]["error"]
    assert error["kind"] == "refused" and error["errno"] and error["sqlstate"]


def test_a_dropped_connection_during_apply_replays_as_the_same_report(cli, tmp_path, example, monkeypatch):
    assert cli("plan", "-f", example, "--local").exit_code == 0  # create and seed the account first
    monkeypatch.setenv("SHAREKIT_LOCAL_FAIL_AT", "9")  # 3 to plan, then the 6th change
    recorded = cli("apply", "-f", example, "--local", "--yes", "--workers", "1", "--record", tmp_path / "a.jsonl")
    monkeypatch.delenv("SHAREKIT_LOCAL_FAIL_AT")
    replayed = cli("apply", "-f", example, "--yes", "--workers", "1", "--replay", tmp_path / "a.jsonl")
    assert recorded.exit_code == replayed.exit_code == 1
    assert "apply stopped at the first failure: 5 done, 1 failed, 9 not started" in recorded.stderr
    assert same(replayed.stdout) == same(recorded.stdout)
    assert replay_stderr(replayed.stderr) == recorded.stderr
    lost = [e for e in entries(tmp_path / "a.jsonl")[1:] if "error" in e]
    assert len(lost) == 1 and lost[0]["error"]["kind"] == "lost" and lost[0]["op"] == "execute"


def test_recorded_errors_are_raised_as_their_kind(tmp_path):
    path = tmp_path / "r.jsonl"
    lines = [{"sharekit_recording": 1, "command": "apply"},
             {"n": 1, "op": "execute", "sql": "A;", "error": {"kind": "refused", "errno": 3001, "sqlstate": "42501",
                                                             "msg": "Insufficient privileges."}},
             {"n": 2, "op": "execute", "sql": "B;", "error": {"kind": "lost", "errno": 250001, "sqlstate": "08001",
                                                             "msg": "Connection closed."}}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    session = ReplaySession(path)
    with pytest.raises(StatementRefused) as refused:
        session.execute("A;")
    assert (str(refused.value), refused.value.errno, refused.value.sqlstate) == (
        "Snowflake: Insufficient privileges.", 3001, "42501")
    with pytest.raises(ConnectionLost, match="Connection closed"):
        session.execute("B;")


# --- values -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    None, True, 0, -7, 1.5, "text ' \" \n", [1, "a"],
    dt.datetime(2026, 1, 2, 3, 4, 5, 678901),
    dt.datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC")),
    dt.datetime(2026, 6, 1, 12, tzinfo=ZoneInfo("Europe/Berlin")),
    dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=-7))),
    dt.date(2026, 1, 2), dt.time(3, 4, 5, 6), dt.timedelta(days=-1, seconds=5),
    Decimal("0"), Decimal("12.3400"), Decimal("-1E+3"), b"\x00\xffab", float("inf"),
    (1, "a"), {"k": Decimal("1.0"), "$t": "not a tag"},
])
def test_values_decode_to_what_the_session_returned(value):
    back = decode(json.loads(json.dumps(encode(value))))
    assert back == value and type(back) is type(value)
    if isinstance(value, dt.datetime):
        assert str(back) == str(value) and back.tzname() == value.tzname()
    if isinstance(value, Decimal):
        assert str(back) == str(value)
    nan = decode(json.loads(json.dumps(encode(float("nan")))))
    assert nan != nan

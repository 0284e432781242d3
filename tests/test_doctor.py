"""`sharekit doctor`: through the CLI on the local account (text, JSON, Markdown, exit codes,
the local knobs that make a role lack a privilege or a session lack a warehouse, consumers that
are not ORG.ACCOUNT, a fixed query count), and the library on rows shaped like Snowflake's
where the local account cannot produce them (inherited roles, refused statements, regions)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlglot

from sharekit.checks.doctor import MAX_QUERIES, diagnose
from sharekit.checks.doctor_model import read_role_grants, region_key
from sharekit.config import load_config
from sharekit.config.model import Consumer
from sharekit.errors import StatementRefused
from sharekit.sql.templates import Templates

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "optimove_ecommerce" / "sharekit.yml"
T = Templates()

MINIMAL = """\
version: 1
share:
  name: OPTIMOVE_SHARE
  database: OPTIMOVE_SHARE_DB
  consumers:
{consumers}
views:
  - name: CUSTOMERS
    from: RAW.CRM.CUSTOMERS
    kind: dimension
    columns: [CUSTOMER_ID, LastUpdated]
"""


def minimal(tmp_path: Path, *accounts: str) -> Path:
    path = tmp_path / "cfg" / "sharekit.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "\n".join(f"    - account: {account}" for account in accounts)
    path.write_text(MINIMAL.format(consumers=lines), encoding="utf-8")
    return path


@pytest.fixture
def doctor(cli, tmp_path, monkeypatch):
    """`doctor(*args)` runs `sharekit doctor --local` on tmp_path/local, from an empty directory."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # no ./sharekit.yml unless a test writes one

    def run(*args: Any):
        return cli("doctor", "--local", "--local-dir", tmp_path / "local", *args)

    return run


def as_json(result) -> dict[str, Any]:
    return json.loads(result.stdout)


def ids(data: dict[str, Any], severity: str | None = None) -> set[str]:
    return {c["id"] for c in data["checks"] if severity is None or c["severity"] == severity}


# -- a healthy local account -------------------------------------------------------------------


def test_healthy_account_after_apply_exits_0_in_five_queries(cli, doctor, tmp_path):
    applied = cli("apply", "-f", EXAMPLE, "--local", "--local-dir", tmp_path / "local", "--yes")
    assert applied.exit_code == 0, applied.output
    result = doctor("-f", EXAMPLE, "--format", "json")
    assert result.exit_code == 0, result.output
    data = as_json(result)
    for key in ("account", "organization", "region", "role", "checks"):
        assert key in data
    assert (data["organization"], data["region"], data["role"]) == ("SHAREKIT", "AWS_EU_CENTRAL_1", "ACCOUNTADMIN")
    assert data["identifier"] == "SHAREKIT.LOCAL01" and data["locator"] == "LOCAL01"
    assert data["edition"] == "unknown" and data["warehouse"] == "LOCAL_WH"
    assert data["checks"] == [] and data["summary"]["error"] == 0
    passed = {p["id"] for p in data["passed"]}
    assert {"doctor.role", "doctor.warehouse", "doctor.show_shares", "doctor.share_owner", "doctor.add_consumers",
            "doctor.share_database", "doctor.information_schema", "doctor.consumer_format"} <= passed
    assert data["stats"]["queries"] == MAX_QUERIES == 5


def test_text_report_shows_the_facts_and_every_check(doctor):
    result = doctor("-f", EXAMPLE)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("sharekit doctor on the local account")
    for text in ("SHAREKIT.LOCAL01 (locator LOCAL01)", "AWS_EU_CENTRAL_1", "Edition", "unknown", "ACCOUNTADMIN",
                 "LOCAL_WH", "CREATE SHARE", "doctor.create_share", "doctor.information_schema",
                 "0 errors, 0 warnings", "Read the account in 5 queries"):
        assert text in out, text
    assert "Traceback" not in result.output


def test_markdown_report(doctor):
    result = doctor("-f", EXAMPLE, "--format", "markdown")
    assert result.exit_code == 0, result.output
    md = result.stdout
    assert md.startswith("### sharekit doctor on the local account")
    assert "| fact | value |" in md and "| Region | AWS_EU_CENTRAL_1 |" in md
    assert "| result | check | object | message |" in md
    assert "| :white_check_mark: ok | <code>doctor.create_share</code> |" in md
    assert md.rstrip().endswith("</sub>")


def test_without_a_config_it_judges_the_account_only(doctor):
    result = doctor("--format", "json")
    assert result.exit_code == 0, result.output
    data = as_json(result)
    assert data["config"] is None and data["share"] is None
    # a fresh account has no database to probe INFORMATION_SCHEMA in: a warning, not a blocker
    assert ids(data) == {"doctor.information_schema"} and ids(data, "error") == set()
    assert data["stats"]["queries"] == 4
    assert "pass -f FILE" in doctor().stdout


def test_picks_up_sharekit_yml_in_the_current_directory(doctor, tmp_path):
    Path("sharekit.yml").write_text(minimal(tmp_path, "OPTIMOVE.EU_PROD").read_text())
    data = as_json(doctor("--format", "json"))
    assert data["config"] == "sharekit.yml" and data["share"] == "OPTIMOVE_SHARE"


# -- blocking problems -------------------------------------------------------------------------


def test_a_role_without_create_share_exits_1_with_the_grant_to_run(doctor, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_ROLE", "SHARE_ADMIN")
    monkeypatch.setenv("SHAREKIT_LOCAL_ROLE_PRIVILEGES", "none")
    result = doctor("-f", EXAMPLE, "--format", "json")
    assert result.exit_code == 1
    data = as_json(result)
    assert data["role"] == "SHARE_ADMIN" and data["privileges"] == []
    errors = {c["id"]: c["message"] for c in data["checks"] if c["severity"] == "error"}
    assert set(errors) == {"doctor.create_share", "doctor.add_consumers", "doctor.share_database"}
    assert "`GRANT CREATE SHARE ON ACCOUNT TO ROLE SHARE_ADMIN`" in errors["doctor.create_share"]
    assert "`USE ROLE ACCOUNTADMIN`" in errors["doctor.create_share"]
    assert "GRANT MANAGE SHARE TARGET ON ACCOUNT TO ROLE SHARE_ADMIN" in errors["doctor.add_consumers"]
    assert "GRANT CREATE DATABASE ON ACCOUNT TO ROLE SHARE_ADMIN" in errors["doctor.share_database"]
    assert "3 blocking problems found" in result.stderr


def test_create_share_alone_lets_the_role_add_consumers(doctor, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_ROLE", "SHARE_ADMIN")
    monkeypatch.setenv("SHAREKIT_LOCAL_ROLE_PRIVILEGES", "create_share, CREATE DATABASE")
    result = doctor("-f", EXAMPLE, "--format", "json")
    assert result.exit_code == 0, result.output
    assert "doctor.add_consumers" in {p["id"] for p in as_json(result)["passed"]}


def test_another_role_than_the_owner_is_told_which_role_to_use(cli, doctor, tmp_path, monkeypatch):
    applied = cli("apply", "-f", EXAMPLE, "--local", "--local-dir", tmp_path / "local", "--yes")
    assert applied.exit_code == 0, applied.output
    monkeypatch.setenv("SHAREKIT_LOCAL_ROLE", "SHARE_ADMIN")
    result = doctor("-f", EXAMPLE, "--format", "json")
    assert result.exit_code == 1
    errors = {c["id"]: c["message"] for c in as_json(result)["checks"] if c["severity"] == "error"}
    assert set(errors) == {"doctor.share_owner", "doctor.share_database"}
    assert "owned by role ACCOUNTADMIN" in errors["doctor.share_owner"]
    assert "`USE ROLE ACCOUNTADMIN`" in errors["doctor.share_owner"]
    assert ("`GRANT OWNERSHIP ON DATABASE OPTIMOVE_SHARE_DB TO ROLE SHARE_ADMIN COPY CURRENT GRANTS`"
            in errors["doctor.share_database"])


def test_no_warehouse_is_blocking_and_skips_the_probe(doctor, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_WAREHOUSE", "none")
    result = doctor("-f", EXAMPLE, "--format", "json")
    assert result.exit_code == 1
    data = as_json(result)
    assert data["warehouse"] is None
    assert ids(data, "error") == {"doctor.warehouse"}
    warehouse = next(c for c in data["checks"] if c["id"] == "doctor.warehouse")
    assert "connections.toml" in warehouse["message"]
    assert "doctor.information_schema" not in ids(data) | {p["id"] for p in data["passed"]}
    assert data["stats"]["queries"] == 4


def test_a_consumer_that_is_not_org_account_is_blocking_and_the_account_is_still_read(doctor, tmp_path):
    result = doctor("-f", minimal(tmp_path, "optimove-eu_prod"), "--format", "json")
    assert result.exit_code == 1
    data = as_json(result)
    (finding,) = [c for c in data["checks"] if c["id"] == "doctor.consumer_format"]
    assert finding["severity"] == "error" and finding["object"] == "share.consumers[0].account"
    assert "'OPTIMOVE.EU_PROD'" in finding["message"] and "sharekit.yml:6" in finding["message"]
    assert data["config"].endswith("sharekit.yml") and data["share"] is None
    assert {"doctor.role", "doctor.create_share"} <= {p["id"] for p in data["passed"]}
    text = doctor("-f", minimal(tmp_path, "optimove-eu_prod"))
    # the line may wrap anywhere in the (long, varying) temp path: compare words
    assert "does not load" in " ".join(text.stdout.split()) and text.exit_code == 1


def test_a_config_problem_elsewhere_is_doctor_config(doctor, tmp_path):
    path = minimal(tmp_path, "OPTIMOVE.EU_PROD")
    path.write_text(path.read_text().replace("kind: dimension", "kind: daily"))
    data = as_json(doctor("-f", path, "--format", "json"))
    assert "doctor.config" in ids(data, "error") and "doctor.consumer_format" not in ids(data)


def test_this_account_as_its_own_consumer_is_blocking_a_locator_a_warning(doctor, tmp_path):
    result = doctor("-f", minimal(tmp_path, "SHAREKIT.LOCAL01", "AB12345"), "--format", "json")
    assert result.exit_code == 1
    data = as_json(result)
    assert ids(data, "error") == {"doctor.consumer_self"}
    assert {"doctor.consumer_format"} <= ids(data, "warning")


def test_a_bad_knob_is_one_clear_error(doctor, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_ROLE_PRIVILEGES", "CREATE SHAR")
    result = doctor()
    assert result.exit_code == 1
    assert "SHAREKIT_LOCAL_ROLE_PRIVILEGES: unknown privilege CREATE SHAR" in result.stderr
    assert "Traceback" not in result.output


def test_the_region_knob(doctor, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_REGION", "aws_us_west_2")
    assert as_json(doctor("--format", "json"))["region"] == "AWS_US_WEST_2"


# -- cost ----------------------------------------------------------------------------------------


def test_query_count_does_not_grow_with_the_account(cli, doctor, tmp_path):
    local = tmp_path / "local"
    for n in range(4):
        for statement in (f"CREATE DATABASE DB{n}", f"CREATE SHARE S{n}", f"GRANT USAGE ON DATABASE DB{n} TO SHARE S{n}"):
            done = cli("local", "sql", statement, "--local-dir", local)
            assert done.exit_code == 0, done.output
    data = as_json(doctor("-f", EXAMPLE, "--format", "json"))
    assert data["stats"]["queries"] == MAX_QUERIES
    show = next(p for p in data["passed"] if p["id"] == "doctor.show_shares")
    assert "4 outbound shares" in show["message"]


def test_record_and_replay(doctor, cli, tmp_path):
    recording = tmp_path / "doctor.jsonl"
    recorded = doctor("-f", EXAMPLE, "--format", "json", "--record", recording)
    assert recorded.exit_code == 0, recorded.output
    replayed = cli("doctor", "-f", EXAMPLE, "--format", "json", "--replay", recording)
    assert replayed.exit_code == 0, replayed.output
    before, after = as_json(recorded), as_json(replayed)
    before["stats"].pop("seconds"), after["stats"].pop("seconds")
    assert before == after


# -- the local account's answers -------------------------------------------------------------------


def test_local_show_grants_to_role(tmp_path, monkeypatch):
    from sharekit.local import open_local_account

    monkeypatch.setenv("SHAREKIT_LOCAL_ROLE_PRIVILEGES", "CREATE SHARE")
    with open_local_account(tmp_path / "acct") as account:
        rows = account.query("SHOW GRANTS TO ROLE ACCOUNTADMIN")
        assert [(r["privilege"], r["granted_on"], r["name"]) for r in rows] == [
            ("CREATE SHARE", "ACCOUNT", "LOCAL01"), ("USAGE", "ROLE", "SECURITYADMIN"), ("USAGE", "ROLE", "SYSADMIN")]
        assert list(rows[0]) == ["created_on", "privilege", "granted_on", "name", "granted_to", "grantee_name",
                                 "grant_option", "granted_by"]
        assert account.query("SHOW GRANTS TO ROLE PUBLIC") == []
        with pytest.raises(Exception, match="Role 'NOBODY' does not exist or not authorized"):
            account.query("SHOW GRANTS TO ROLE NOBODY")


def test_local_context_functions(tmp_path, monkeypatch):
    from sharekit.local import open_local_account

    monkeypatch.setenv("SHAREKIT_LOCAL_WAREHOUSE", "none")
    with open_local_account(tmp_path / "acct") as account:
        (row,) = account.query(T.render("doctor_context"))
        assert row == {"ACCOUNT_LOCATOR": "LOCAL01", "ORGANIZATION_NAME": "SHAREKIT", "ACCOUNT_NAME": "LOCAL01",
                       "REGION_NAME": "AWS_EU_CENTRAL_1", "ROLE_NAME": "ACCOUNTADMIN", "WAREHOUSE_NAME": None}
        assert account.query("SELECT CURRENT_WAREHOUSE()") == [{"CURRENT_WAREHOUSE()": None}]


# -- the library on Snowflake-shaped rows -------------------------------------------------------------


class StubSession:
    """Answers by the statement's first words; `refuse` lists prefixes refused like Snowflake."""

    def __init__(self, answers: dict[str, list[dict[str, Any]]], refuse: tuple[str, ...] = ()) -> None:
        self.answers, self.refuse, self.sent = answers, refuse, []

    @property
    def round_trips(self) -> int:
        return len(self.sent)

    def query(self, sql: str) -> list[dict[str, Any]]:
        self.sent.append(sql)
        if sql.startswith(self.refuse):
            raise StatementRefused("SQL access control error:\nInsufficient privileges to operate on account",
                                   3001, "42501")
        return next(rows for prefix, rows in self.answers.items() if sql.startswith(prefix))

    def execute(self, sql: str) -> None:
        self.query(sql)

    def close(self) -> None:
        pass


def snowflake_like(role: str | None = "SHARE_ADMIN", warehouse: str | None = "ETL_WH", grants=None, databases=None):
    context = {"account_locator": "XY12345", "organization_name": "ACME", "account_name": "PROD",
               "region_name": "PUBLIC.AWS_EU_CENTRAL_1", "role_name": role, "warehouse_name": warehouse}
    return {
        "SELECT": [context],
        "SHOW GRANTS TO ROLE": grants if grants is not None else [],
        "SHOW SHARES": [{"created_on": None, "kind": "INBOUND", "owner_account": "SNOWFLAKE.ACCOUNT_USAGE",
                         "name": "ACCOUNT_USAGE", "database_name": "SNOWFLAKE", "to": "", "owner": ""}],
        "SHOW DATABASES": databases if databases is not None else [
            {"name": "SNOWFLAKE", "owner": "", "kind": "IMPORTED DATABASE", "origin": "SNOWFLAKE.ACCOUNT_USAGE"},
            {"name": "RAW", "owner": "SYSADMIN", "kind": "STANDARD", "origin": ""}],
    }


def test_grant_rows_are_read_defensively():
    rows = [{"privilege": "CREATE_SHARE", "granted_on": "account", "name": "XY12345"},
            {"PRIVILEGE": "usage", "GRANTED_ON": "ROLE", "NAME": '"Data Eng"'},
            {"privilege": "OWNERSHIP", "granted_on": "DATABASE", "name": "RAW"},
            {"privilege": None, "granted_on": None}]
    assert read_role_grants(rows) == (("CREATE SHARE",), ("Data Eng",))
    assert region_key("PUBLIC.aws_eu_central_1") == "AWS_EU_CENTRAL_1"


def test_a_privilege_that_may_come_through_an_inherited_role_is_a_warning():
    grants = [{"privilege": "USAGE", "granted_on": "ROLE", "name": "DATA_ENG"}]
    session = StubSession(snowflake_like(grants=grants))
    report = diagnose(session, T)
    by_id = {f.id: f for f in report.findings}
    assert by_id["doctor.create_share"].severity == "warning"
    assert "DATA_ENG" in by_id["doctor.create_share"].message
    assert not report.blocking
    assert report.facts.identifier == "ACME.PROD" and report.facts.region == "PUBLIC.AWS_EU_CENTRAL_1"
    assert session.sent[1] == "SHOW GRANTS TO ROLE SHARE_ADMIN;"
    assert session.sent[-1] == "SELECT SCHEMA_NAME FROM RAW.INFORMATION_SCHEMA.SCHEMATA LIMIT 1;"
    assert session.round_trips == MAX_QUERIES


def test_refused_statements_become_findings_not_crashes():
    session = StubSession(snowflake_like(role='Share Admin'), refuse=("SHOW GRANTS", "SHOW SHARES", "SELECT SCHEMA"))
    report = diagnose(session, T)
    by_id = {f.id: f for f in report.findings}
    assert by_id["doctor.privileges"].severity == "warning"
    assert by_id["doctor.show_shares"].severity == "error"
    assert by_id["doctor.information_schema"].severity == "error"
    assert "Insufficient privileges" in by_id["doctor.information_schema"].message
    assert by_id["doctor.create_share"].severity == "warning"  # unknown, not guessed missing
    assert session.sent[1] == 'SHOW GRANTS TO ROLE "Share Admin";'


def test_a_consumer_in_another_region_is_blocking(tmp_path):
    @dataclass(frozen=True)
    class RegionalConsumer(Consumer):  # consumers[].region, which the config will carry (round 2)
        region: str | None = None

    config = load_config(minimal(tmp_path, "OPTIMOVE.US_PROD", "OPTIMOVE.EU_PROD"))
    consumers = (RegionalConsumer("OPTIMOVE.US_PROD", region="AWS_US_EAST_1"),
                 RegionalConsumer("OPTIMOVE.EU_PROD", region="aws_eu_central_1"))
    config = type(config)(**{**config.__dict__, "share": type(config.share)(
        **{**config.share.__dict__, "consumers": consumers})})
    grants = [{"privilege": p, "granted_on": "ACCOUNT", "name": "XY12345"}
              for p in ("CREATE SHARE", "CREATE DATABASE")]
    report = diagnose(StubSession(snowflake_like(grants=grants)), T, config)
    (blocking,) = report.blocking
    assert (blocking.id, blocking.object) == ("doctor.consumer_region", "OPTIMOVE.US_PROD")
    assert "listing" in blocking.message and "replication" in blocking.message
    assert ("doctor.consumer_region", "OPTIMOVE.EU_PROD") in {(p.id, p.object) for p in report.passed}


def test_no_role_is_blocking_and_sends_no_show_grants():
    session = StubSession(snowflake_like(role=None, warehouse=None))
    report = diagnose(session, T)
    assert {f.id for f in report.blocking} == {"doctor.role", "doctor.warehouse"}
    assert not any(sql.startswith("SHOW GRANTS") for sql in session.sent)
    assert "USE ROLE ACCOUNTADMIN" in next(f.message for f in report.blocking if f.id == "doctor.role")
    assert session.round_trips == 3


# -- the reader (`reader:`) --------------------------------------------------------------------

READER_KEY = Path(__file__).parent / "golden" / "reader_key_a.pub"
READER_IDS = {"doctor.reader_role", "doctor.reader_user", "doctor.reader_network_policy", "doctor.reader_warehouse"}


def with_reader(tmp_path: Path, quota: bool = True) -> Path:
    path = minimal(tmp_path, "OPTIMOVE.EU_PROD")
    path.write_text(path.read_text() + f"reader:\n  public_key: {READER_KEY}\n  allowed_ips: [203.0.113.10]\n"
                    + ("  credit_quota: 20\n" if quota else ""))
    return path


def test_accountadmin_can_create_the_readers_objects_in_the_same_queries(doctor, tmp_path, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_ROLE_PRIVILEGES", "CREATE SHARE, CREATE DATABASE")  # the rest by default
    result = doctor("-f", with_reader(tmp_path), "--format", "json")
    assert result.exit_code == 0, result.output
    data = as_json(result)
    passed = {p["id"]: p["message"] for p in data["passed"]}
    assert READER_IDS | {"doctor.reader_monitor"} <= set(passed)
    assert "ACCOUNTADMIN holds CREATE NETWORK POLICY by default" in passed["doctor.reader_network_policy"]
    assert "role ACCOUNTADMIN is ACCOUNTADMIN" in passed["doctor.reader_monitor"]
    without = as_json(doctor("-f", minimal(tmp_path / "plain", "OPTIMOVE.EU_PROD"), "--format", "json"))
    assert data["stats"]["queries"] == without["stats"]["queries"] == 4  # no query more (no database to probe yet)


def test_a_role_without_the_readers_privileges_gets_each_grant_to_run(doctor, tmp_path, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_ROLE", "SHARE_ADMIN")
    monkeypatch.setenv("SHAREKIT_LOCAL_ROLE_PRIVILEGES", "CREATE SHARE, CREATE DATABASE")
    result = doctor("-f", with_reader(tmp_path), "--format", "json")
    assert result.exit_code == 1
    errors = {c["id"]: (c["object"], c["message"]) for c in as_json(result)["checks"] if c["severity"] == "error"}
    assert set(errors) == READER_IDS | {"doctor.reader_monitor"}
    for check, obj, privilege in (("role", "OPTIMOVE_READER", "CREATE ROLE"), ("user", "OPTIMOVE_ETL", "CREATE USER"),
                                  ("network_policy", "OPTIMOVE_ETL_NETWORK_POLICY", "CREATE NETWORK POLICY"),
                                  ("warehouse", "OPTIMOVE_WH", "CREATE WAREHOUSE")):
        shown, message = errors[f"doctor.reader_{check}"]
        grant = f"GRANT {privilege} ON ACCOUNT TO ROLE SHARE_ADMIN"
        assert shown == obj and f"`{grant}`" in message and f"create {check.replace('_', ' ')} {obj}" in message
        assert sqlglot.parse_one(grant, read="snowflake") is not None
    shown, message = errors["doctor.reader_monitor"]
    assert shown == "OPTIMOVE_WH_MONITOR" and "only ACCOUNTADMIN may create resource monitors" in message
    assert "`USE ROLE ACCOUNTADMIN`" in message and "reader.credit_quota" in message
    assert "GRANT" not in message  # no privilege to grant: the role itself


def test_the_readers_privileges_granted_leave_only_the_monitor(doctor, tmp_path, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_ROLE", "SHARE_ADMIN")
    monkeypatch.setenv("SHAREKIT_LOCAL_ROLE_PRIVILEGES", "CREATE SHARE, CREATE DATABASE, CREATE ROLE, CREATE USER, "
                       "CREATE_NETWORK_POLICY, CREATE WAREHOUSE")
    data = as_json(doctor("-f", with_reader(tmp_path), "--format", "json"))
    assert ids(data, "error") == {"doctor.reader_monitor"}
    passed = {p["id"]: p["message"] for p in data["passed"]}
    assert set(passed) >= READER_IDS
    assert "role SHARE_ADMIN holds CREATE USER on the account" in passed["doctor.reader_user"]
    without_quota = as_json(doctor("-f", with_reader(tmp_path, quota=False), "--format", "json"))
    assert ids(without_quota) == {"doctor.information_schema"}
    assert "doctor.reader_monitor" not in {p["id"] for p in without_quota["passed"]}


def test_an_existing_warehouse_needs_no_create_warehouse(doctor, tmp_path, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_ROLE", "SHARE_ADMIN")
    monkeypatch.setenv("SHAREKIT_LOCAL_ROLE_PRIVILEGES", "none")
    monkeypatch.setenv("SHAREKIT_LOCAL_WAREHOUSE", "OPTIMOVE_WH")
    data = as_json(doctor("-f", with_reader(tmp_path), "--format", "json"))
    assert "doctor.reader_warehouse" not in ids(data)
    passed = {p["id"]: p["message"] for p in data["passed"]}
    assert passed["doctor.reader_warehouse"] == "warehouse OPTIMOVE_WH exists: the reader uses it"


def test_reader_objects_owned_or_privileges_inherited_on_snowflake_like_rows(tmp_path):
    config = load_config(with_reader(tmp_path))
    owned = [{"privilege": "OWNERSHIP", "granted_on": on, "name": name} for on, name in (
        ("ROLE", "OPTIMOVE_READER"), ("USER", "OPTIMOVE_ETL"), ("NETWORK_POLICY", "OPTIMOVE_ETL_NETWORK_POLICY"))]
    warehouse = [{"privilege": "USAGE", "granted_on": "WAREHOUSE", "name": "OPTIMOVE_WH"}]
    report = diagnose(StubSession(snowflake_like(grants=owned + warehouse)), T, config)
    passed = {p.id: p.message for p in report.passed}
    assert set(passed) >= READER_IDS
    assert passed["doctor.reader_role"] == "role OPTIMOVE_READER exists, owned by role SHARE_ADMIN"
    assert [f.id for f in report.blocking if f.id.startswith("doctor.reader")] == ["doctor.reader_monitor"]
    inherits = [{"privilege": "USAGE", "granted_on": "ROLE", "name": "SECURITY_TEAM"}]
    session = StubSession(snowflake_like(grants=inherits))
    report = diagnose(session, T, config)
    by_id = {f.id: f for f in report.findings}
    for check in READER_IDS | {"doctor.reader_monitor"}:
        assert by_id[check].severity == "warning", check
        assert "SECURITY_TEAM" in by_id[check].message
    assert session.round_trips == MAX_QUERIES
    admin = diagnose(StubSession(snowflake_like(grants=[{"privilege": "USAGE", "granted_on": "ROLE",
                                                          "name": "ACCOUNTADMIN"}])), T, config)
    assert "role SHARE_ADMIN inherits ACCOUNTADMIN" in {p.id: p.message for p in admin.passed}["doctor.reader_monitor"]

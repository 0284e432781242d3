"""The reader (`reader:`, the database-connection route) end to end on the local account: config
errors located, the SQL it renders (golden), plan → apply → an empty plan, drift planned back,
undeclared grants warned about or revoked with prune, the two-step key rotation, the audit's
reader findings, and a dropped connection at every statement of an apply."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import sqlglot
from typer.testing import CliRunner

from sharekit.access import connection_facts
from sharekit.cli import app
from sharekit.config import load_config, parse_config
from sharekit.errors import ConfigError
from sharekit.local import open_local_account
from sharekit.output.sqlfiles import render_files
from sharekit.sql.templates import Templates

GOLDEN = Path(__file__).parent / "golden"
KEY_A, KEY_B = GOLDEN / "reader_key_a.pub", GOLDEN / "reader_key_b.pub"
# `openssl rsa -pubin -in reader_key_a.pub -outform DER | openssl dgst -sha256 -binary | openssl enc -base64`,
# the check https://docs.snowflake.com/en/user-guide/key-pair-auth gives for RSA_PUBLIC_KEY_FP
FP_A = "SHA256:c+9La6lNtYjkZOv8qEQgtS9HUaaZJWVF974Ol/PbF5I="
FP_B = "SHA256:N53z1d8JKFCQQHgoKgjVYCFOyJX9bihpiN9i5gaX6/4="

SEED = """\
CREATE DATABASE IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS RAW.SALES;
CREATE TABLE RAW.SALES.ORDERS (ORDER_ID NUMBER, CUSTOMER_ID NUMBER, LASTUPDATED TIMESTAMP_NTZ);
"""

CONFIG = """\
version: 1
share:
  name: SK_SHARE
  database: SK_DB
  consumers: [OPTIMOVE.EU_PROD]
  prune: {prune}
local: {{seed: seed.sql}}
reader:
  public_key: {key}
  allowed_ips: [203.0.113.10, 198.51.100.0/24]
{extra}views:
{views}"""

VIEW = """\
  - name: ORDERS_{i}
    from: RAW.SALES.ORDERS
    columns: [ORDER_ID, CUSTOMER_ID, LASTUPDATED]
"""


def write(directory: Path, views: int = 1, key: str = "key_a.pub", prune: bool = False,
          extra: str = "  credit_quota: 20\n  statement_timeout: 1h\n") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "seed.sql").write_text(SEED)
    shutil.copy(KEY_A, directory / "key_a.pub")
    shutil.copy(KEY_B, directory / "key_b.pub")
    path = directory / "reader.yml"
    path.write_text(CONFIG.format(prune=str(prune).lower(), key=key, extra=extra,
                                  views="".join(VIEW.format(i=i) for i in range(views))))
    return path


@pytest.fixture
def sk(tmp_path, monkeypatch):
    """sharekit against a fresh local account in tmp_path; returns the CliRunner result."""
    monkeypatch.setenv("SHAREKIT_LOCAL_DIR", str(tmp_path / "account"))
    for name in ("SHAREKIT_LOCAL_FAIL_AT", "SHAREKIT_LOCAL_LATENCY_MS"):
        monkeypatch.delenv(name, raising=False)

    def run(*args: str, env: dict[str, str] | None = None):
        return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})

    run.local_dir = tmp_path / "account"
    return run


def sql(sk, statement: str) -> list[dict]:
    with open_local_account(sk.local_dir) as account:
        return account.query(statement)


def plan_json(sk, config: Path) -> dict:
    result = sk("plan", "-f", str(config), "--local", "--format", "json")
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout)


def reader_sql(plan: dict) -> list[str]:
    return [c["sql"] for c in plan["changes"] if c["stage"].startswith("reader:")]


def assert_converged(sk, config: Path) -> None:
    result = sk("plan", "-f", str(config), "--local", "--detailed-exitcode")
    assert result.exit_code == 0, result.output + result.stderr
    assert "No changes." in result.output


def applied(sk, config: Path, *extra: str) -> None:
    result = sk("apply", "-f", str(config), "--local", "--yes", *extra)
    assert result.exit_code == 0, result.output + result.stderr


# --- config --------------------------------------------------------------------------------------

def test_defaults_and_the_keys_fingerprint(tmp_path):
    reader = load_config(write(tmp_path)).reader
    assert reader is not None
    assert (reader.role, reader.user, reader.warehouse) == ("OPTIMOVE_READER", "OPTIMOVE_ETL", "OPTIMOVE_WH")
    assert reader.network_policy == "OPTIMOVE_ETL_NETWORK_POLICY"
    assert reader.resource_monitor == "OPTIMOVE_WH_MONITOR" and reader.credit_quota == 20
    assert reader.statement_timeout == 3600
    assert reader.allowed_ips == ("203.0.113.10", "198.51.100.0/24")
    assert reader.key_fingerprint == FP_A
    assert "\n" not in reader.public_key and reader.public_key.startswith("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A")


def test_the_key_may_come_from_a_variable(tmp_path):
    text = write(tmp_path, key="${OPTIMOVE_KEY}").read_text()
    config = parse_config(text, "reader.yml", {"OPTIMOVE_KEY": KEY_B.read_text()}, base_dir=tmp_path)
    assert config.reader is not None and config.reader.key_fingerprint == FP_B


@pytest.mark.parametrize("extra, expected", [
    ("  credit_quota: 0\n", "reader.yml:11: reader.credit_quota: must be a whole number of credits of at least 1"),
    ("  statement_timeout: 9d\n", "reader.yml:11: reader.statement_timeout: 777600 s is out of range"),
    ("  rolle: X\n", "reader.yml:11: reader.rolle: unknown key; did you mean 'role'?"),
    ("  user: 'a b'\n", "reader.yml:11: reader.user:"),
])
def test_config_errors_are_located(tmp_path, extra, expected):
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, extra=extra))
    assert any(f"/{expected}" in str(p) for p in error.value.problems), error.value.problems


@pytest.mark.parametrize("ips, expected", [
    ("[10.0.0.1/8]", "'10.0.0.1/8' is not an IPv4 address or CIDR range (host bits set: write the network address)"),
    ("[2001:db8::/32]", "'2001:db8::/32' is IPv6: Snowflake network policies take IPv4 addresses"),
    ("[0.0.0.0/0]", "'0.0.0.0/0' opens the reader to every address: list Optimove's addresses only"),
    ("[]", "must be a non-empty list of Optimove's IPv4 addresses or CIDR ranges"),
])
def test_allowed_ips_are_validated(tmp_path, ips, expected):
    path = write(tmp_path)
    path.write_text(path.read_text().replace("[203.0.113.10, 198.51.100.0/24]", ips))
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert [str(p) for p in error.value.problems] == [f"{path}:10: reader.allowed_ips: {expected}"]


def test_a_private_key_or_a_missing_file_is_refused_without_echoing_it(tmp_path):
    (tmp_path / "private.pem").write_text("-----BEGIN PRIVATE KEY-----\nMIIEsecretsecret\n-----END PRIVATE KEY-----\n")
    for key, expected in (("private.pem", "is a PRIVATE key: give Optimove's PUBLIC key"),
                          ("nowhere.pub", "not found: give the path of Optimove's public key file")):
        with pytest.raises(ConfigError) as error:
            load_config(write(tmp_path, key=key))
        message = str(error.value.problems[0])
        assert ":9: reader.public_key:" in message and expected in message
        assert "secret" not in message


# --- rendered SQL ----------------------------------------------------------------------------------

def test_rendered_reader_sql_matches_the_golden_file_and_parses(tmp_path):
    files = render_files(load_config(write(tmp_path)), Templates())
    actual = files["reader.sql"]
    golden = GOLDEN / "reader.sql"
    if os.environ.get("SHAREKIT_UPDATE_GOLDEN") == "1":
        golden.write_text(actual, encoding="utf-8")
    assert actual == golden.read_text(encoding="utf-8")
    for statement in actual.split("\n\n")[1:]:
        sqlglot.parse(statement, read="snowflake")  # raises on an error
    assert "TO ROLE OPTIMOVE_READER" not in files["grants.sql"]  # the share's grants stay apart


# --- plan, apply, plan again ------------------------------------------------------------------------

def test_plan_apply_then_an_empty_plan(sk, tmp_path):
    config = write(tmp_path)
    first = plan_json(sk, config)
    types = {c["object_type"] for c in first["changes"] if c["stage"].startswith("reader:")}
    assert types == {"role", "user", "network_policy", "warehouse", "resource_monitor", "grant"}
    assert "GRANT SELECT ON VIEW SK_DB.OPTIMOVE.ORDERS_0 TO ROLE OPTIMOVE_READER;" in reader_sql(first)
    assert not any("RAW.SALES" in s for s in reader_sql(first))  # never the source tables
    assert not any("FUTURE" in s for s in reader_sql(first))
    user = [c for c in first["changes"] if c["object_type"] == "user"]
    assert user[0]["reason"] == f"key {FP_A}"
    applied(sk, config)
    assert_converged(sk, config)
    rows = sql(sk, "SHOW GRANTS TO ROLE OPTIMOVE_READER")
    grants = sorted((r["privilege"], r["granted_on"], r["name"]) for r in rows)
    assert grants == [("SELECT", "VIEW", "SK_DB.OPTIMOVE.ORDERS_0"), ("USAGE", "DATABASE", "SK_DB"),
                      ("USAGE", "SCHEMA", "SK_DB.OPTIMOVE"), ("USAGE", "WAREHOUSE", "OPTIMOVE_WH")]
    described = {r["property"]: r["value"] for r in sql(sk, "DESC USER OPTIMOVE_ETL")}
    assert (described["TYPE"], described["PASSWORD"], described["RSA_PUBLIC_KEY_FP"]) == ("SERVICE", "null", FP_A)
    parameters = {r["key"]: r["value"] for r in sql(sk, "SHOW PARAMETERS IN USER OPTIMOVE_ETL")}
    assert parameters == {"NETWORK_POLICY": "OPTIMOVE_ETL_NETWORK_POLICY", "STATEMENT_TIMEOUT_IN_SECONDS": "3600"}
    assert [r["resource_monitor"] for r in sql(sk, "SHOW WAREHOUSES LIKE 'OPTIMOVE_WH'")] == ["OPTIMOVE_WH_MONITOR"]


def test_a_policy_listing_hosts_as_32_ranges_still_converges(sk, tmp_path, monkeypatch):
    monkeypatch.setenv("SHAREKIT_LOCAL_QUIRKS", "network_policy_cidr_hosts")
    config = write(tmp_path)
    applied(sk, config)
    listed = sql(sk, "DESC NETWORK POLICY OPTIMOVE_ETL_NETWORK_POLICY")
    assert listed[0]["value"] == "203.0.113.10/32,198.51.100.0/24"
    assert_converged(sk, config)


def test_can_role_read_view_through_local_sql(sk, tmp_path):
    config = write(tmp_path)
    applied(sk, config)
    result = sk("local", "sql", "SHOW GRANTS TO ROLE OPTIMOVE_READER", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["granted_on"], r["name"]) for r in rows if r["privilege"] == "SELECT"] == [
        ("VIEW", "SK_DB.OPTIMOVE.ORDERS_0")]


def test_introspection_is_a_fixed_number_of_queries(sk, tmp_path):
    counts = []
    for views in (1, 12):
        config = write(tmp_path / f"n{views}", views=views)
        env = {"SHAREKIT_LOCAL_DIR": str(tmp_path / f"n{views}" / "account")}
        assert sk("apply", "-f", str(config), "--local", "--yes", env=env).exit_code == 0
        plan = json.loads(sk("plan", "-f", str(config), "--local", "--format", "json", env=env).stdout)
        counts.append(plan["stats"]["queries"])
    assert counts[0] == counts[1] <= 6 + 10


def test_drift_is_planned_back(sk, tmp_path):
    config = write(tmp_path)
    applied(sk, config)
    for statement in ("REVOKE SELECT ON VIEW SK_DB.OPTIMOVE.ORDERS_0 FROM ROLE OPTIMOVE_READER",
                      "ALTER NETWORK POLICY OPTIMOVE_ETL_NETWORK_POLICY SET ALLOWED_IP_LIST = ('192.0.2.1')",
                      "ALTER USER OPTIMOVE_ETL SET DEFAULT_ROLE = PUBLIC",
                      "ALTER USER OPTIMOVE_ETL UNSET NETWORK_POLICY",
                      "ALTER RESOURCE MONITOR OPTIMOVE_WH_MONITOR SET CREDIT_QUOTA = 500"):
        sql(sk, statement)
    assert reader_sql(plan_json(sk, config)) == [
        "ALTER RESOURCE MONITOR OPTIMOVE_WH_MONITOR SET CREDIT_QUOTA = 20;",
        "GRANT SELECT ON VIEW SK_DB.OPTIMOVE.ORDERS_0 TO ROLE OPTIMOVE_READER;",
        "ALTER NETWORK POLICY OPTIMOVE_ETL_NETWORK_POLICY SET ALLOWED_IP_LIST = ('203.0.113.10', '198.51.100.0/24');",
        "ALTER USER OPTIMOVE_ETL SET DEFAULT_ROLE = OPTIMOVE_READER;",
        "ALTER USER OPTIMOVE_ETL SET NETWORK_POLICY = OPTIMOVE_ETL_NETWORK_POLICY;",
    ]
    applied(sk, config)
    assert_converged(sk, config)


def test_a_grant_behind_our_back_is_an_unmanaged_warning_and_prune_revokes_it(sk, tmp_path):
    config = write(tmp_path)
    applied(sk, config)
    sql(sk, "GRANT SELECT ON TABLE RAW.SALES.ORDERS TO ROLE OPTIMOVE_READER")
    result = sk("plan", "-f", str(config), "--local", "--detailed-exitcode")
    assert result.exit_code == 0, result.output  # nothing to change without prune…
    assert "? reader grant SELECT on table RAW.SALES.ORDERS to role OPTIMOVE_READER" in result.output
    checks = plan_json(sk, config)["checks"]
    assert [c["id"] for c in checks if c["id"].startswith("unmanaged.reader")] == ["unmanaged.reader_grant"]
    pruned = write(tmp_path, prune=True)
    plan = plan_json(sk, pruned)
    revoke = [c for c in plan["changes"] if c["action"] == "revoke"]
    assert [(c["sql"], c["destructive"]) for c in revoke] == [
        ("REVOKE SELECT ON TABLE RAW.SALES.ORDERS FROM ROLE OPTIMOVE_READER;", True)]
    refused = sk("apply", "-f", str(pruned), "--local", "--yes")
    assert refused.exit_code == 1 and "refused without --allow-destroy" in refused.stderr
    applied(sk, pruned, "--allow-destroy")
    assert_converged(sk, pruned)
    assert not any(r["name"].startswith("RAW.") for r in sql(sk, "SHOW GRANTS TO ROLE OPTIMOVE_READER"))


def test_another_role_granted_to_the_user_is_found(sk, tmp_path):
    config = write(tmp_path, prune=True)
    applied(sk, config)
    sql(sk, "CREATE ROLE ANALYST")
    sql(sk, "GRANT ROLE ANALYST TO USER OPTIMOVE_ETL")
    sql(sk, "GRANT ROLE SYSADMIN TO USER OPTIMOVE_ETL")  # a system role: no CREATE ROLE needed
    plan = plan_json(sk, config)
    assert reader_sql(plan) == ["REVOKE ROLE ANALYST FROM USER OPTIMOVE_ETL;",
                                "REVOKE ROLE SYSADMIN FROM USER OPTIMOVE_ETL;"]
    assert [c["id"] for c in plan["checks"] if c["id"].startswith("unmanaged.reader")] == ["unmanaged.reader_role"] * 2
    applied(sk, config, "--allow-destroy")
    assert_converged(sk, config)


# --- key rotation -------------------------------------------------------------------------------------

def test_a_new_key_plans_the_two_step_rotation(sk, tmp_path):
    config = write(tmp_path)
    applied(sk, config)
    rotated = write(tmp_path, key="key_b.pub")
    plan = plan_json(sk, rotated)
    [change] = plan["changes"]
    assert change["sql"].startswith("ALTER USER OPTIMOVE_ETL SET RSA_PUBLIC_KEY_2 = 'MIIBIjANBgkqhkiG9w0BAQEFAAOC")
    assert change["destructive"] is False
    assert change["reason"].startswith(f"key rotation step 1 of 2: adds {FP_B} beside {FP_A}, both work")
    applied(sk, rotated)
    pending = plan_json(sk, rotated)
    assert pending["changes"] == []
    assert [c["id"] for c in pending["checks"] if c["id"].startswith("reader.")] == ["reader.rotation_pending"]
    swap = sk("reader", "rotate-key", "-f", str(rotated), "--local", "--swap")
    assert swap.exit_code == 0, swap.output + swap.stderr
    assert "ALTER USER OPTIMOVE_ETL UNSET RSA_PUBLIC_KEY_2;" in swap.output
    assert f"Step 2 of 2 is done: {FP_B} is the only key." in swap.output
    described = {r["property"]: r["value"] for r in sql(sk, "DESC USER OPTIMOVE_ETL")}
    assert (described["RSA_PUBLIC_KEY_FP"], described["RSA_PUBLIC_KEY_2_FP"]) == (FP_B, "null")
    assert_converged(sk, rotated)


def test_rotate_key_does_step_one_and_refuses_a_premature_swap(sk, tmp_path):
    config = write(tmp_path)
    applied(sk, config)
    early = sk("reader", "rotate-key", "-f", str(config), "--local", "--swap")
    assert early.exit_code == 1
    assert "nothing to swap: OPTIMOVE_ETL already uses only the configured key" in early.stderr
    rotated = write(tmp_path, key="key_b.pub")
    premature = sk("reader", "rotate-key", "-f", str(rotated), "--local", "--swap")
    assert premature.exit_code == 1 and "run `sharekit reader rotate-key` without --swap first" in premature.stderr
    dry = sk("reader", "rotate-key", "-f", str(rotated), "--local", "--dry-run", "--format", "json")
    assert dry.exit_code == 0, dry.stderr
    planned = json.loads(dry.stdout)
    assert (planned["step"], planned["applied"], planned["fingerprint"]) == (1, False, FP_B)
    assert planned["statements"][0].startswith("ALTER USER OPTIMOVE_ETL SET RSA_PUBLIC_KEY_2 = 'MIIBIjANBgkqhk")
    assert {r["property"]: r["value"] for r in sql(sk, "DESC USER OPTIMOVE_ETL")}["RSA_PUBLIC_KEY_2_FP"] == "null"
    step1 = sk("reader", "rotate-key", "-f", str(rotated), "--local")
    assert step1.exit_code == 0, step1.stderr
    assert f"Step 1 of 2 is done: {FP_B} is RSA_PUBLIC_KEY_2, both keys work." in step1.output
    described = {r["property"]: r["value"] for r in sql(sk, "DESC USER OPTIMOVE_ETL")}
    assert (described["RSA_PUBLIC_KEY_FP"], described["RSA_PUBLIC_KEY_2_FP"]) == (FP_A, FP_B)


# --- audit ----------------------------------------------------------------------------------------------

def test_audit_flags_a_password_an_open_policy_and_an_extra_grant(sk, tmp_path):
    config = write(tmp_path, extra="")
    applied(sk, config)
    clean = sk("audit", "-f", str(config), "--local", "--format", "json")
    ids = [f["id"] for f in json.loads(clean.stdout)["findings"]]
    assert [i for i in ids if i.startswith("reader.")] == ["reader.no_resource_monitor"]  # no credit_quota
    for statement in ("ALTER USER OPTIMOVE_ETL SET TYPE = LEGACY_SERVICE",
                      "ALTER USER OPTIMOVE_ETL SET PASSWORD = 'Secret-123456789'",
                      "ALTER NETWORK POLICY OPTIMOVE_ETL_NETWORK_POLICY SET ALLOWED_IP_LIST = ('0.0.0.0/0')",
                      "GRANT SELECT ON TABLE RAW.SALES.ORDERS TO ROLE OPTIMOVE_READER"):
        sql(sk, statement)
    result = sk("audit", "-f", str(config), "--local", "--format", "json")
    assert result.exit_code == 1
    found = {f["id"] for f in json.loads(result.stdout)["findings"] if f["id"].startswith("reader.")}
    assert found == {"reader.password", "reader.not_service", "reader.network_open", "reader.extra_grant",
                     "reader.no_resource_monitor"}
    assert "Secret-123456789" not in result.output
    assert reader_sql(plan_json(sk, config))[-3:] == [
        "ALTER NETWORK POLICY OPTIMOVE_ETL_NETWORK_POLICY SET ALLOWED_IP_LIST = ('203.0.113.10', '198.51.100.0/24');",
        "ALTER USER OPTIMOVE_ETL UNSET PASSWORD;", "ALTER USER OPTIMOVE_ETL SET TYPE = SERVICE;"]


# --- the local account's rules ------------------------------------------------------------------------------

def test_a_service_user_cannot_have_a_password_nor_an_unknown_network_policy(sk, tmp_path):
    from snowflake.connector.errors import ProgrammingError

    applied(sk, write(tmp_path))
    with pytest.raises(ProgrammingError, match="of TYPE SERVICE cannot have a PASSWORD"):
        sql(sk, "ALTER USER OPTIMOVE_ETL SET PASSWORD = 'Secret-123456789'")
    with pytest.raises(ProgrammingError, match="Network policy 'NOWHERE' does not exist"):
        sql(sk, "ALTER USER OPTIMOVE_ETL SET NETWORK_POLICY = NOWHERE")


# --- faults and hand-off ----------------------------------------------------------------------------------

def test_a_dropped_connection_at_any_reader_statement_converges(sk, tmp_path):
    config = write(tmp_path)
    fresh = plan_json(sk, config)  # creates the account: its seed runs in this process, not the next
    shutil.rmtree(sk.local_dir)
    total, reads = fresh["summary"]["total"], fresh["stats"]["queries"]
    first_reader = next(i for i, c in enumerate(fresh["changes"]) if c["stage"].startswith("reader:"))
    for k in range(first_reader + 1, total + 1):
        local_dir = tmp_path / f"account-{k}"
        env = {"SHAREKIT_LOCAL_DIR": str(local_dir)}
        failed = sk("apply", "-f", str(config), "--local", "--yes", "--workers", "1",
                    env={**env, "SHAREKIT_LOCAL_FAIL_AT": str(3 + reads + k)})
        assert failed.exit_code == 1 and "simulated dropped connection" in failed.stderr, (k, failed.stderr)
        assert f"{k - 1} done, 1 failed, {total - k} not started" in failed.stderr
        assert sk("apply", "-f", str(config), "--local", "--yes", env=env).exit_code == 0
        again = sk("plan", "-f", str(config), "--local", "--detailed-exitcode", env=env)
        assert again.exit_code == 0, (k, again.output)


def test_connection_facts_for_handoff(tmp_path):
    config = load_config(write(tmp_path))
    facts = connection_facts(config, "myorg-myaccount.snowflakecomputing.com")
    assert facts == {"host": "myorg-myaccount.snowflakecomputing.com", "port": 443, "user": "OPTIMOVE_ETL",
                     "authentication": "key pair (SNOWFLAKE_JWT)", "public_key_fingerprint": FP_A,
                     "role": "OPTIMOVE_READER", "warehouse": "OPTIMOVE_WH", "database": "SK_DB",
                     "allowed_ips": ["203.0.113.10", "198.51.100.0/24"]}

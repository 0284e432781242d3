"""Connection settings resolved like the `snow` CLI, and the real connector against fakesnow's server."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from sharekit.connect import snowflake as connections
from sharekit.cli import app
from sharekit.errors import ConnectionError_

SENTINEL = "S3NTINEL-PASSWORD"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SNOWFLAKE_HOME", str(tmp_path))
    for name in list(os.environ):
        if name.startswith("SNOWFLAKE_CONNECTIONS_") or name in ("SNOWFLAKE_DEFAULT_CONNECTION_NAME", "PRIVATE_KEY_PASSPHRASE"):
            monkeypatch.delenv(name)
    return tmp_path


def write(path, text):
    path.write_text(text)
    path.chmod(0o600)


def test_connections_toml_wins_over_config_toml(home):
    write(home / "config.toml", 'default_connection_name = "prod"\n[connections.prod]\naccount = "OLD"\nuser = "u"\n')
    write(home / "connections.toml", '[prod]\naccount = "ORG-PROD"\nuser = "deployer"\n')
    name, settings = connections.resolve()
    assert name == "prod"
    assert settings["account"] == "ORG-PROD" and settings["user"] == "deployer"
    assert settings["application"] == "sharekit"
    assert settings["session_parameters"]["QUERY_TAG"] == "sharekit"


def test_default_connection_name_from_the_environment_and_env_overrides(home, monkeypatch):
    write(home / "connections.toml", '[a]\naccount = "ORG-A"\n[b]\naccount = "ORG-B"\nuser = "x"\n')
    monkeypatch.setenv("SNOWFLAKE_DEFAULT_CONNECTION_NAME", "b")
    monkeypatch.setenv("SNOWFLAKE_CONNECTIONS_B_PASSWORD", SENTINEL)
    monkeypatch.setenv("SNOWFLAKE_CONNECTIONS_B_ROLE", "SHARE_ADMIN")
    name, settings = connections.resolve()
    assert (name, settings["account"], settings["password"], settings["role"]) == ("b", "ORG-B", SENTINEL, "SHARE_ADMIN")
    assert connections.redact(settings)["password"] == "***"


def test_a_connection_can_come_from_environment_variables_alone(home, monkeypatch):
    monkeypatch.setenv("SNOWFLAKE_CONNECTIONS_CI_ACCOUNT", "ORG-CI")
    monkeypatch.setenv("SNOWFLAKE_CONNECTIONS_CI_AUTHENTICATOR", "PROGRAMMATIC_ACCESS_TOKEN")
    monkeypatch.setenv("SNOWFLAKE_CONNECTIONS_CI_TOKEN", SENTINEL)
    _, settings = connections.resolve("ci")
    assert settings["authenticator"] == "PROGRAMMATIC_ACCESS_TOKEN" and settings["token"] == SENTINEL


def test_unknown_connection_names_the_files_and_known_names(home):
    write(home / "connections.toml", '[dev]\naccount = "ORG-DEV"\n')
    with pytest.raises(ConnectionError_) as info:
        connections.resolve("prod")
    message = str(info.value)
    assert "'prod' is not defined" in message and "connections.toml" in message and "known: dev" in message


def test_connection_without_account_is_refused(home):
    write(home / "connections.toml", '[dev]\nuser = "x"\n')
    with pytest.raises(ConnectionError_, match="has no `account`"):
        connections.resolve("dev")


def test_bad_toml_is_a_clear_error(home):
    write(home / "connections.toml", "[dev\naccount = 1\n")
    with pytest.raises(ConnectionError_, match="cannot read it as TOML"):
        connections.resolve("dev")


def test_key_pair_passphrase_from_the_environment_and_loose_key_file_warns(home, monkeypatch):
    key = home / "rsa_key.p8"
    key.write_text("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    key.chmod(0o644)
    write(home / "connections.toml", f'[kp]\naccount = "ORG-KP"\nuser = "u"\nprivate_key_file = "{key}"\n')
    monkeypatch.setenv("PRIVATE_KEY_PASSPHRASE", SENTINEL)
    warnings: list[str] = []
    _, settings = connections.resolve("kp", warnings.append)
    assert settings["private_key_file_pwd"] == SENTINEL
    assert warnings == [f"private key file {key} is readable by other users: run `chmod 600 {key}`"]
    key.chmod(0o600)
    warnings.clear()
    connections.resolve("kp", warnings.append)
    assert warnings == []


def test_unreachable_account_is_one_clear_error_without_secrets(home):
    write(home / "connections.toml", f'[dead]\naccount = "fakesnow"\nuser = "u"\npassword = "{SENTINEL}"\n'
          'host = "127.0.0.1"\nport = 9\nprotocol = "http"\nlogin_timeout = 2\nnetwork_timeout = 2\n')
    config = home / "sharekit.yml"
    config.write_text("version: 1\nshare: {name: S, database: D}\nviews:\n"
                      "  - {name: V, from: A.B.C, kind: dimension, columns: [X]}\n")
    result = CliRunner().invoke(app, ["plan", "-c", "dead", "-f", str(config)])
    assert result.exit_code == 1
    assert "Error: cannot connect with connection 'dead'" in result.stderr
    assert SENTINEL not in result.output + result.stderr
    assert "Traceback" not in result.stderr


def test_a_key_that_cannot_be_decrypted_is_a_connection_error_not_a_bug(home):
    """secrets suite: a wrong private-key passphrase (or one written as a number) escaped the
    connector as ValueError/TypeError and was shown as 'unexpected ValueError … This is a bug in
    sharekit'; it is the user's setting, reported like any other connection error."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"right"))
    (home / "key.p8").write_bytes(key)
    (home / "key.p8").chmod(0o600)
    (home / "connections.toml").write_text(
        f'[kp]\naccount = "org-acct"\nuser = "u"\nauthenticator = "SNOWFLAKE_JWT"\n'
        f'private_key_file = "{home / "key.p8"}"\nprivate_key_file_pwd = "wrong-S3NTINEL"\n')
    config = home / "sharekit.yml"
    config.write_text("version: 1\nshare: {name: S, database: D}\nlocal: {seed: seed.sql}\nviews:\n"
                      "  - {name: V, from: A.B.C, kind: dimension, columns: [X]}\n")
    result = CliRunner().invoke(app, ["plan", "-c", "kp", "-f", str(config)])
    assert result.exit_code == 1
    assert ("Error: cannot connect with connection 'kp': Incorrect password, could not decrypt key; check "
            "private_key_file and its passphrase") in result.stderr
    assert "bug in sharekit" not in result.stderr and "S3NTINEL" not in result.output + result.stderr


def test_real_connector_against_fakesnow_server(home):
    """The Snowflake session runs sharekit's introspection templates through the real connector
    (SHOW SHARES is outside what fakesnow's server answers, so it is not sent here)."""
    from test_reliability_secrets import fakesnow_server

    from sharekit.sql.templates import Templates

    t = Templates()
    with fakesnow_server() as port:
        write(home / "connections.toml",
              f'[fake]\naccount = "fakesnow"\nuser = "fake"\npassword = "snow"\nhost = "127.0.0.1"\n'
              f'port = {port}\nprotocol = "http"\nnetwork_timeout = 5\n')
        session = connections.connect("fake")
        try:
            # a database of its own: the server is shared by every test of the process
            session.execute("CREATE DATABASE CONNRAW")
            session.execute("CREATE SCHEMA CONNRAW.SALES")
            session.execute("CREATE TABLE CONNRAW.SALES.ORDERS (ORDER_ID INT, LASTUPDATED TIMESTAMP_NTZ)")
            assert "CONNRAW" in [row["name"] for row in session.query(t.render("show_databases"))]
            assert "SALES" in [row["name"] for row in session.query(t.render("show_schemas", database="CONNRAW"))]
            assert session.query(t.render("show_views", database="CONNRAW")) == []
            columns = session.query(t.render("select_columns", scopes=[("CONNRAW", ["SALES"])]))
            assert [(c["TABLE_NAME"], c["COLUMN_NAME"], c["DATA_TYPE"]) for c in columns] == [
                ("ORDERS", "ORDER_ID", "NUMBER"), ("ORDERS", "LASTUPDATED", "TIMESTAMP_NTZ")]
            assert session.round_trips == 7
        finally:
            session.close()


def test_connector_errors_leave_the_session_as_sharekit_errors(tmp_path):
    """The session boundary wraps the connector's exceptions: a refused statement is a
    StatementRefused (with the connector's errno and text), and it is a SharekitError."""
    from sharekit.api import open_session
    from sharekit.errors import SharekitError, StatementRefused

    session = open_session(local=True, local_dir=tmp_path / "acct")
    try:
        with pytest.raises(StatementRefused) as caught:
            session.query("SELECT * FROM NO_DB.NO_SCHEMA.NO_TABLE")
    finally:
        session.close()
    assert isinstance(caught.value, SharekitError)
    assert caught.value.errno is not None
    assert str(caught.value) == f"Snowflake: {caught.value.msg}"

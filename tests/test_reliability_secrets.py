"""Secrets never leave sharekit: not on stdout or stderr, not in plan files or rendered SQL, not
in any log record (Python logging captured at DEBUG, the Snowflake connector included), not in
a --debug traceback.

Sentinel password, private-key passphrase and token sit in a temporary connections.toml
(SNOWFLAKE_HOME) and in the environment (SNOWFLAKE_CONNECTIONS_<NAME>_PASSWORD,
PRIVATE_KEY_PASSPHRASE). Every command runs with and without --debug: offline (validate,
render), on the local account (plan, apply, check, audit, local init/seed/sql/reset), against
connections that cannot be reached (a closed port on 127.0.0.1, 0.3 s login timeout) with a
password, a key pair, a token or a password from the environment, against one whose key cannot
be decrypted, and against a reachable server (fakesnow.server(), where SHOW SHARES then fails).
A private key file readable by others gets a warning through the CLI.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest
from typer.testing import CliRunner

from sharekit.cli import app


@contextmanager
def fakesnow_server() -> Iterator[int]:
    """fakesnow's server in a thread, as `fakesnow.server()` starts it; that helper cannot be
    called twice in one process (its `import fakesnow.server` rebinds the name to the submodule),
    so the few lines are repeated here and every test that needs a server starts it with this.
    The server's databases are shared by the whole process: each test names its own."""
    import threading

    import uvicorn
    from fakesnow.server import app as fakesnow_app

    port = closed_port()
    server = uvicorn.Server(uvicorn.Config(fakesnow_app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="fakesnow server", daemon=True)
    thread.start()
    while thread.is_alive() and not server.started:
        time.sleep(0.05)
    assert server.started, "fakesnow's server did not start"
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join()

PASSWORD = "S3NTINEL-password-4f9c1a"
PASSPHRASE = "S3NTINEL-passphrase-7d2e88"
TOKEN = "S3NTINEL-token-b51c03"
SENTINELS = (PASSWORD, PASSPHRASE, TOKEN)

CONFIG = """\
version: 1
share:
  name: SK_SHARE
  database: SK_DB
  consumers: [{account: OPTIMOVE.EU_PROD}]
local:
  seed: seed.sql
views:
  - name: ORDERS
    from: RAW.SALES.ORDERS
    columns: [ORDER_ID, LASTUPDATED]
"""
SEED = """\
CREATE DATABASE IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS RAW.SALES;
CREATE TABLE RAW.SALES.ORDERS (ORDER_ID NUMBER, LASTUPDATED TIMESTAMP_NTZ);
"""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Logs(logging.Handler):
    """Every record any logger emits, formatted with its arguments."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(f"{record.name} {record.levelname} {record.getMessage()}")
        except Exception as error:  # noqa: BLE001 - a record that cannot be formatted still counts
            self.lines.append(f"{record.name} {record.msg!r} {record.args!r} ({error})")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """SNOWFLAKE_HOME with every kind of connection, a reachable fakesnow server, the env."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    root = tmp_path_factory.mktemp("secrets")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE.encode()))
    for name in ("key.p8", "loose_key.p8"):
        (root / name).write_bytes(key)
        (root / name).chmod(0o600)
    (root / "loose_key.p8").chmod(0o644)
    dead = f'host = "127.0.0.1"\nport = {closed_port()}\nprotocol = "http"\nlogin_timeout = 0.3\nnetwork_timeout = 0.3\n'
    with fakesnow_server() as port:
        live = f'host = "127.0.0.1"\nport = {port}\nprotocol = "http"\nnetwork_timeout = 5\n'
        (root / "connections.toml").write_text(
            f'[dead_password]\naccount = "org-acct"\nuser = "u"\npassword = "{PASSWORD}"\n{dead}'
            # the passphrase comes from $PRIVATE_KEY_PASSPHRASE
            f'[dead_keypair]\naccount = "org-acct"\nuser = "u"\nauthenticator = "SNOWFLAKE_JWT"\n'
            f'private_key_file = "{root / "key.p8"}"\n{dead}'
            f'[dead_token]\naccount = "org-acct"\nuser = "u"\nauthenticator = "PROGRAMMATIC_ACCESS_TOKEN"\n'
            f'token = "{TOKEN}"\n{dead}'
            # the password comes from $SNOWFLAKE_CONNECTIONS_DEAD_ENV_PASSWORD
            f'[dead_env]\naccount = "org-acct"\nuser = "u"\n{dead}'
            f'[wrong_passphrase]\naccount = "org-acct"\nuser = "u"\nauthenticator = "SNOWFLAKE_JWT"\n'
            f'private_key_file = "{root / "key.p8"}"\nprivate_key_file_pwd = "{PASSWORD}"\n{dead}'
            f'[loose_key]\naccount = "org-acct"\nuser = "u"\nauthenticator = "SNOWFLAKE_JWT"\n'
            f'private_key_file = "{root / "loose_key.p8"}"\n{dead}'
            f'[live]\naccount = "fakesnow"\nuser = "fake"\npassword = "{PASSWORD}"\n{live}'
        )
        (root / "connections.toml").chmod(0o600)
        (root / "sharekit.yml").write_text(CONFIG)
        (root / "seed.sql").write_text(SEED)
        env = {
            "SNOWFLAKE_HOME": str(root),
            "PRIVATE_KEY_PASSPHRASE": PASSPHRASE,
            "SNOWFLAKE_CONNECTIONS_DEAD_ENV_PASSWORD": PASSWORD,
            "SNOWFLAKE_CONNECTIONS_LIVE_TOKEN": TOKEN,  # set but unused by password auth: must not show either
            "SNOWFLAKE_DEFAULT_CONNECTION_NAME": None,
            "SHAREKIT_LOCAL_DIR": str(root / "local"),
            "SHAREKIT_LOCAL_FAIL_AT": None,
            "SHAREKIT_LOCAL_LATENCY_MS": None,
            "COLUMNS": "200",
        }
        yield {"root": root, "env": env}


def run(home: dict[str, Any], *args: Any) -> tuple[Any, str]:
    """Run the CLI in-process with every log record captured at DEBUG; (result, all text)."""
    logs, root_logger = Logs(), logging.getLogger()
    level = root_logger.level
    root_logger.addHandler(logs)
    root_logger.setLevel(logging.DEBUG)
    try:
        result = CliRunner().invoke(app, [str(a) for a in args], env=home["env"])
    finally:
        root_logger.removeHandler(logs)
        root_logger.setLevel(level)
    shown = result.stdout + result.stderr + "\n".join(logs.lines)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        shown += "".join(traceback.format_exception(result.exception))  # what --debug prints
    return result, shown


def assert_no_secret(text: str, where: str) -> None:
    for secret in SENTINELS:
        assert secret not in text, f"a secret reached {where}"


def files_written(root: Path) -> str:
    """Everything sharekit wrote under the home (plans, rendered SQL, the local account)."""
    texts = []
    for path in root.rglob("*"):
        if path.is_file() and path.name not in ("connections.toml", "key.p8", "loose_key.p8"):
            texts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(texts)


DEAD = ["dead_password", "dead_keypair", "dead_token", "dead_env", "wrong_passphrase"]
REMOTE_COMMANDS = {
    "plan": lambda h, c: ("plan", "-c", c, "-f", h["root"] / "sharekit.yml", "--out", h["root"] / f"plan-{c}.json"),
    "apply": lambda h, c: ("apply", "-c", c, "-f", h["root"] / "sharekit.yml", "--yes"),
    "check": lambda h, c: ("check", "-c", c, "-f", h["root"] / "sharekit.yml"),
    "audit": lambda h, c: ("audit", "-c", c),
}


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("command", sorted(REMOTE_COMMANDS))
@pytest.mark.parametrize("connection", DEAD)
def test_unreachable_connection_fails_cleanly_without_secrets(home, connection, command, debug):
    result, shown = run(home, *(["--debug"] if debug else []), *REMOTE_COMMANDS[command](home, connection))
    assert result.exit_code == 1
    assert_no_secret(shown, f"the output or logs of {command} -c {connection}")
    if not debug:
        assert f"Error: cannot connect with connection '{connection}'" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and "bug in sharekit" not in result.stderr
    assert not (home["root"] / f"plan-{connection}.json").exists()


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("command", sorted(REMOTE_COMMANDS))
def test_reachable_server_without_secrets(home, command, debug):
    """fakesnow's server accepts the login (the password is sent) and then cannot answer
    SHOW SHARES: a Snowflake error after a real connection, DEBUG logs of the connector included."""
    result, shown = run(home, *(["--debug"] if debug else []), *REMOTE_COMMANDS[command](home, "live"))
    assert_no_secret(shown, f"the output or logs of {command} -c live")
    assert "snowflake.connector.auth" in shown  # the connector's DEBUG records were captured
    assert result.exit_code == 1
    if not debug:
        assert result.stderr.startswith("Error:") or "\nError:" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and "cannot connect" not in result.stderr
    assert_no_secret(files_written(home["root"]), "a file")


LOCAL_COMMANDS = [
    ("validate", "-f", "{root}/sharekit.yml"),
    ("render", "-f", "{root}/sharekit.yml", "--out-dir", "{root}/sql"),
    ("local", "init", "--seed", "{root}/seed.sql"),
    ("plan", "-f", "{root}/sharekit.yml", "--local", "--out", "{root}/plan-local.json"),
    ("plan", "-f", "{root}/sharekit.yml", "--local", "--format", "json"),
    ("apply", "-f", "{root}/sharekit.yml", "--local", "--yes"),
    ("check", "-f", "{root}/sharekit.yml", "--local", "--data"),
    ("audit", "--local", "-f", "{root}/sharekit.yml", "--format", "json"),
    ("local", "sql", "SHOW SHARES", "--format", "json"),
    ("local", "seed", "{root}/seed.sql"),
    ("plan", "-c", "nope", "-f", "{root}/sharekit.yml"),
    ("plan", "-f", "{root}/sharekit.yml", "--local", "-c", "live"),
    ("local", "reset"),
]


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_offline_and_local_commands_without_secrets(home, debug):
    for command in LOCAL_COMMANDS:
        args = [part.format(root=home["root"]) for part in command]
        result, shown = run(home, *(["--debug"] if debug else []), *args)
        assert_no_secret(shown, " ".join(command))
        assert "Traceback" not in result.stdout + result.stderr
    assert_no_secret(files_written(home["root"]), "a file")


def test_a_private_key_readable_by_others_gets_a_warning(home):
    result, shown = run(home, "plan", "-c", "loose_key", "-f", home["root"] / "sharekit.yml")
    key = home["root"] / "loose_key.p8"
    assert f"Warning: private key file {key} is readable by other users: run `chmod 600 {key}`" in result.stderr
    assert result.exit_code == 1 and "Error: cannot connect with connection 'loose_key'" in result.stderr
    assert_no_secret(shown, "the loose-key run")
    quiet, _ = run(home, "plan", "-c", "dead_keypair", "-f", home["root"] / "sharekit.yml")
    assert "readable by other users" not in quiet.stderr


def test_broken_connections_toml_does_not_echo_its_content(home, tmp_path):
    (tmp_path / "connections.toml").write_text(f'[x]\naccount = "a"\npassword = "{PASSWORD}\n')
    result = CliRunner().invoke(app, ["plan", "-c", "x", "-f", str(home["root"] / "sharekit.yml")],
                                env={**home["env"], "SNOWFLAKE_HOME": str(tmp_path)})
    assert result.exit_code == 1 and "cannot read it as TOML" in result.stderr
    assert_no_secret(result.output + result.stderr, "a TOML error")


@pytest.mark.parametrize("connection", ["dead_password", "wrong_passphrase"])
def test_debug_traceback_in_a_real_process_has_no_secret(home, connection):
    """--debug prints a real traceback (and the connector's warnings go to stderr through
    Python's last-resort handler): read them from a separate process."""
    env = {k: v for k, v in {**os.environ, **home["env"]}.items() if v is not None}
    done = subprocess.run([sys.executable, "-m", "sharekit", "--debug", "plan", "-c", connection,
                           "-f", str(home["root"] / "sharekit.yml")], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr
    assert f"cannot connect with connection '{connection}'" in done.stderr
    assert_no_secret(done.stdout + done.stderr, "a --debug traceback")

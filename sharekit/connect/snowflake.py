"""Snowflake connection settings, resolved the way Snowflake's `snow` CLI resolves them.

Where: `$SNOWFLAKE_HOME`, else `~/.snowflake` when it exists, else the platform config dir.
What: `connections.toml` (top-level tables) over `config.toml` (`[connections.NAME]`).
Which: `-c NAME`, else `$SNOWFLAKE_DEFAULT_CONNECTION_NAME`, else `default_connection_name`
in config.toml, else `default`. Each key can be overridden by
`SNOWFLAKE_CONNECTIONS_<NAME>_<KEY>`. Secrets never leave this module in any message.
"""

from __future__ import annotations

import os
import stat
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sharekit.errors import ConnectionError_

APPLICATION = "sharekit"
SECRET_KEYS = frozenset({"password", "token", "private_key_file_pwd", "private_key_passphrase", "passcode",
                         "oauth_client_secret", "private_key"})


def config_dir() -> Path:
    if os.environ.get("SNOWFLAKE_HOME"):
        return Path(os.environ["SNOWFLAKE_HOME"]).expanduser()
    home = Path.home() / ".snowflake"
    if home.is_dir():
        return home
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "snowflake"
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "snowflake"
    return Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "snowflake"


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as error:
        raise ConnectionError_(f"{path}: cannot read it as TOML: {error}") from None


def resolve(name: str | None = None, warn: Callable[[str], None] | None = None) -> tuple[str, dict[str, Any]]:
    """(connection name, connector keyword arguments) for `name` or the default connection."""
    directory = config_dir()
    config = _read_toml(directory / "config.toml")
    connections: dict[str, Any] = dict(config.get("connections", {}))
    connections.update(_read_toml(directory / "connections.toml"))
    chosen = (
        name
        or os.environ.get("SNOWFLAKE_DEFAULT_CONNECTION_NAME")
        or config.get("default_connection_name")
        or "default"
    )
    settings = dict(connections.get(chosen, {}))
    prefix = f"SNOWFLAKE_CONNECTIONS_{chosen.upper()}_"
    for variable, value in os.environ.items():
        if variable.startswith(prefix) and len(variable) > len(prefix):
            settings[variable[len(prefix):].lower()] = value
    if not settings:
        known = ", ".join(sorted(connections)) or "none"
        raise ConnectionError_(
            f"connection {chosen!r} is not defined in {directory / 'connections.toml'} or "
            f"{directory / 'config.toml'} (known: {known}); add it, pass -c NAME, or use --local"
        )
    if "account" not in settings:
        raise ConnectionError_(f"connection {chosen!r} has no `account`: add account = \"ORG-ACCOUNT\"")
    if "private_key_passphrase" in settings:
        settings["private_key_file_pwd"] = settings.pop("private_key_passphrase")
    if "private_key_file_pwd" not in settings and os.environ.get("PRIVATE_KEY_PASSPHRASE"):
        settings["private_key_file_pwd"] = os.environ["PRIVATE_KEY_PASSPHRASE"]
    key_file = settings.get("private_key_file") or settings.get("private_key_path")
    if key_file:
        settings["private_key_file"] = str(Path(key_file).expanduser())
        settings.pop("private_key_path", None)
        _check_key_file(Path(settings["private_key_file"]), warn)
    settings["application"] = APPLICATION
    session_parameters = dict(settings.get("session_parameters", {}))
    session_parameters.setdefault("QUERY_TAG", APPLICATION)
    settings["session_parameters"] = session_parameters
    return chosen, settings


def _check_key_file(path: Path, warn: Callable[[str], None] | None) -> None:
    if not path.is_file():
        raise ConnectionError_(f"private key file {path} does not exist")
    mode = path.stat().st_mode
    if warn and mode & (stat.S_IRWXG | stat.S_IRWXO):
        warn(f"private key file {path} is readable by other users: run `chmod 600 {path}`")


def redact(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings safe to show: secrets replaced by `***`."""
    return {key: ("***" if key in SECRET_KEYS else value) for key, value in settings.items()}


def connect(name: str | None = None, warn: Callable[[str], None] | None = None) -> Any:
    """Open a Session on a real account. Errors name the connection, never its secrets."""
    from snowflake.connector import connect as snowflake_connect
    from snowflake.connector.errors import Error as SnowflakeConnectorError

    from sharekit.connect.session import SnowflakeSession

    chosen, settings = resolve(name, warn)
    secrets = [str(settings[key]) for key in SECRET_KEYS if settings.get(key)]

    def redacted(message: str) -> str:
        for secret in secrets:
            message = message.replace(secret, "***")
        return message

    try:
        connection = snowflake_connect(**settings)
    except SnowflakeConnectorError as error:
        message = redacted(str(getattr(error, "msg", None) or error))
        raise ConnectionError_(f"cannot connect with connection {chosen!r}: {message}") from None
    except Exception as error:  # noqa: BLE001 - the connector checks settings and loads keys before it connects
        # e.g. ValueError "Incorrect password, could not decrypt key", TypeError for a passphrase
        # written as a number: the user's settings, not a bug, and never shown with a secret in it.
        hint = ""
        if settings.get("private_key_file") or settings.get("private_key"):
            hint = ("; check private_key_file and its passphrase (private_key_file_pwd, quoted, "
                    "or $PRIVATE_KEY_PASSPHRASE)")
        raise ConnectionError_(
            f"cannot connect with connection {chosen!r}: {redacted(str(error)) or type(error).__name__}{hint}"
        ) from None
    # what `--record` scrubs from everything it writes (sharekit.connect.record): the secrets and
    # the host; the connection's parameters themselves are never written
    sensitive = (*secrets, *(str(settings[key]) for key in ("host",) if settings.get(key)))
    return SnowflakeSession(connection, sensitive)

"""What a recording holds: statements and rows with secrets and data redacted, and row values in a
JSON form that decodes to the Python values the session returned (`connect.record` writes and
reads the files)."""

from __future__ import annotations

import base64
import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any

MARKER = "<redacted>"
SQL_MARKER = f"'{MARKER}'"

# --- redaction ---------------------------------------------------------------------------------
#
# What never reaches a recording, and why:
#
# - Connection parameters. The header holds the command, its non-connection options and the
#   label the output prints ("connection prod", "the local account (DIR)"): never the account,
#   host, user, role, password, token, key file or passphrase, and not --var values (they may be
#   anything), only their names.
# - Credentials and host names in what came back. Statements carry none (sharekit renders them
#   from templates and the config), but a connector's error text can name the host it could not
#   reach. Every string written (rows and error messages) has the values of the connection's
#   secret keys and its `host` replaced by the marker, and so is any text shaped like a
#   Snowflake host name (`….snowflakecomputing.com`, `.cn`, privatelink included).
# - Data. `check --data` is the one command that reads the shared data itself: its statement
#   (check_data.sql.j2, recognised by its `… AS VIEW_NO` column) has every string literal replaced
#   by the marker (the values Optimove's rules allow, which a spec file can make the user's own),
#   and its rows have every non-NULL `Mn_SAMPLE` replaced by the marker: that column is one
#   offending value of the view's data (or, for a length rule, the longest length). Counts,
#   ages and the newest LastUpdated stay: they are what the findings are made of. A finding that
#   quotes a sample therefore replays with the marker in place of the value.
#
# Replay redacts each statement the same way before it looks it up, so a redacted recording
# still matches the statements the command sends.

_DATA_CHECK = re.compile(r"\bAS\s+VIEW_NO\b", re.IGNORECASE)
_SAMPLE = re.compile(r"M\d+_SAMPLE\Z", re.IGNORECASE)
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?\.snowflakecomputing\.(?:com|cn)\b", re.IGNORECASE)
MIN_SCRUBBED = 4  # shorter "secrets" would blank out ordinary letters everywhere


def is_data_check(sql: str) -> bool:
    """The statement of `check --data` (check_data.sql.j2), whose rows carry sample values."""
    return _DATA_CHECK.search(sql) is not None


def mask_literals(sql: str) -> str:
    """Every string literal ('…' with '' and backslash escapes, $$…$$) replaced by the marker;
    quoted identifiers and comments are kept as they are."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c == '"':  # a quoted identifier, "" escapes a quote
            j = i + 1
            while j < n:
                if sql[j] == '"':
                    if j + 1 < n and sql[j + 1] == '"':
                        j += 2
                        continue
                    break
                j += 1
            out.append(sql[i:j + 1])
            i = j + 1
        elif c == "'":
            j = i + 1
            while j < n:
                if sql[j] == "\\":
                    j += 2
                    continue
                if sql[j] == "'":
                    if j + 1 < n and sql[j + 1] == "'":
                        j += 2
                        continue
                    break
                j += 1
            out.append(SQL_MARKER)
            i = j + 1
        elif sql.startswith("$$", i):
            end = sql.find("$$", i + 2)
            out.append(SQL_MARKER)
            i = n if end < 0 else end + 2
        elif sql.startswith("--", i) or sql.startswith("//", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end])
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(sql[i:end])
            i = end
        else:
            out.append(c)
            i += 1
    return "".join(out)


def redact_statement(sql: str) -> str:
    """The statement as a recording holds it (and as replay looks it up)."""
    return mask_literals(sql) if is_data_check(sql) else sql


class Scrubber:
    """Replaces credentials and host names in every string written to a recording."""

    def __init__(self, sensitive: tuple[str, ...] = ()) -> None:
        self.sensitive = sorted({s for s in sensitive if len(s) >= MIN_SCRUBBED}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self.sensitive:
            if secret in value:
                value = value.replace(secret, MARKER)
        return _HOST.sub(MARKER, value)

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list | tuple):
            return type(value)(self.value(v) for v in value)
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value


def redact_rows(sql: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not is_data_check(sql):
        return rows
    return [{k: (MARKER if v is not None and _SAMPLE.match(str(k)) else v) for k, v in row.items()}
            for row in rows]


# --- values ------------------------------------------------------------------------------------


def encode(value: Any) -> Any:
    """A row value as JSON; `decode` gives back an equal value of the same type."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$t": "float", "v": repr(value)}
    if isinstance(value, dt.datetime):
        tagged: dict[str, Any] = {"$t": "datetime", "v": value.isoformat()}
        key = getattr(value.tzinfo, "key", None)  # a zoneinfo zone keeps its name
        if isinstance(key, str):
            tagged["tz"] = key
        return tagged
    if isinstance(value, dt.date):
        return {"$t": "date", "v": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$t": "time", "v": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"$t": "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, Decimal):
        return {"$t": "decimal", "v": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$t": "bytes", "v": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$t": "tuple", "v": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"$t": "dict", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    return {"$t": "repr", "v": str(value)}


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    kind = value.get("$t")
    raw: Any = value.get("v")
    if kind == "datetime":
        parsed = dt.datetime.fromisoformat(raw)
        if value.get("tz") and parsed.tzinfo is not None:
            from zoneinfo import ZoneInfo

            parsed = parsed.astimezone(ZoneInfo(value["tz"]))
        return parsed
    if kind == "date":
        return dt.date.fromisoformat(raw)
    if kind == "time":
        return dt.time.fromisoformat(raw)
    if kind == "timedelta":
        return dt.timedelta(days=raw[0], seconds=raw[1], microseconds=raw[2])
    if kind == "decimal":
        return Decimal(raw)
    if kind == "bytes":
        return base64.b64decode(raw)
    if kind == "float":
        return float(raw)
    if kind == "tuple":
        return tuple(decode(v) for v in raw)
    if kind == "dict":
        return {decode(k): decode(v) for k, v in raw}
    if kind == "repr":
        return raw
    raise ValueError(f"unknown tagged value {kind!r}")


def encode_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{str(k): encode(v) for k, v in row.items()} for row in rows]


def decode_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: decode(v) for k, v in row.items()} for row in rows]

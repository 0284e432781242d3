"""`--record FILE` and `--replay FILE`: a session's round-trips as JSON lines, and a session that
answers from them with no account at all.

Nobody who works on sharekit has the user's Snowflake account; the user does. `--record` writes
every statement a command sends and what came back, so a bug report can carry the exact
conversation, and `--replay` runs the same command against that file anywhere.

The file (format 1), one JSON object a line:

    {"sharekit_recording": 1, "sharekit_version": "0.1.0", "command": "plan",
     "options": {...}, "target": "connection prod", "recorded_at": "2026-…Z"}      header
    {"n": 1, "op": "query", "sql": "SHOW SHARES;", "rows": [{...}], "seconds": 0.05}
    {"n": 2, "op": "execute", "sql": "CREATE …;", "seconds": 0.02}
    {"n": 3, "op": "execute", "sql": "GRANT …;", "error": {"kind": "refused", "errno": 3001,
     "sqlstate": "42501", "msg": "…"}, "seconds": 0.01}

Row values that JSON has no type for are tagged, `{"$t": "datetime", "v": "…"}` (also date,
time, timedelta, decimal, bytes, float for NaN/infinity, tuple, dict, and repr for anything
else), and decode to the Python values the session returned.

Replay answers a statement from the first recorded entry with the same operation and text that
has not been used yet, so the statements of one apply stage, which run in parallel on threads,
find their entries in whatever order they arrive. A statement with no such entry fails at once
with a SharekitError naming the file and the statement; a recorded error is raised again as the
same StatementRefused / ConnectionLost.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from pathlib import Path
from typing import IO, Any

from sharekit.connect.recorded import (
    Scrubber,
    decode_rows,
    encode_rows,
    redact_rows,
    redact_statement,
)
from sharekit.connect.session import Session
from sharekit.errors import ConnectionLost, ConnectorError, SharekitError, StatementRefused
from sharekit.version import __version__

FORMAT_VERSION = 1
# --- errors ------------------------------------------------------------------------------------

_KINDS: dict[str, type[ConnectorError]] = {"refused": StatementRefused, "lost": ConnectionLost}


def _error_entry(error: BaseException, scrub: Scrubber) -> dict[str, Any]:
    if isinstance(error, ConnectorError):
        kind = "refused" if isinstance(error, StatementRefused) else "lost"
        return {"kind": kind, "errno": error.errno, "sqlstate": error.sqlstate, "msg": scrub.text(error.msg)}
    # not an account's answer (a bug, an interrupt): kept so the replay fails the same way
    return {"kind": "other", "type": type(error).__name__, "msg": scrub.text(str(error))}


def _raise_recorded(error: dict[str, Any]) -> None:
    kind = _KINDS.get(error.get("kind", ""))
    if kind is not None:
        raise kind(str(error.get("msg", "")), error.get("errno"), error.get("sqlstate"))
    raise SharekitError(f"the recorded session failed here with {error.get('type', 'an error')}: "
                        f"{error.get('msg', '')}")


# --- recording ---------------------------------------------------------------------------------


class RecordingSession:
    """Any Session, with every round-trip also written to `path` (see the module docstring).

    Wrap the GuardedSession, so errors are recorded as the SharekitErrors callers see."""

    def __init__(self, inner: Session, path: str | Path, header: dict[str, Any],
                 sensitive: tuple[str, ...] = ()) -> None:
        self.inner = inner
        self.path = Path(path)
        self._scrub = Scrubber(sensitive)
        self._lock = threading.Lock()
        self._count = 0
        try:
            self._file: IO[str] | None = self.path.open("w", encoding="utf-8")
        except OSError as error:
            reason = f"{self.path}: {error.strerror}" if error.strerror else str(error)
            raise SharekitError(f"cannot write --record {reason}") from None
        full = {"sharekit_recording": FORMAT_VERSION, "sharekit_version": __version__, **header,
                "recorded_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        self._write(self._scrub.value(full))

    @property
    def round_trips(self) -> int:
        return self.inner.round_trips

    def query(self, sql: str) -> list[dict[str, Any]]:
        started = time.perf_counter()
        try:
            rows = self.inner.query(sql)
        except BaseException as error:
            self._entry("query", sql, started, error=error)
            raise
        self._entry("query", sql, started, rows=rows)
        return rows

    def execute(self, sql: str) -> None:
        started = time.perf_counter()
        try:
            self.inner.execute(sql)
        except BaseException as error:
            self._entry("execute", sql, started, error=error)
            raise
        self._entry("execute", sql, started)

    def _entry(self, op: str, sql: str, started: float, rows: list[dict[str, Any]] | None = None,
               error: BaseException | None = None) -> None:
        entry: dict[str, Any] = {"op": op, "sql": redact_statement(sql)}
        if rows is not None:
            entry["rows"] = self._scrub.value(encode_rows(redact_rows(sql, rows)))
        if error is not None:
            entry["error"] = _error_entry(error, self._scrub)
        entry["seconds"] = round(time.perf_counter() - started, 3)
        with self._lock:
            self._count += 1
            self._write({"n": self._count, **entry})

    def _write(self, entry: dict[str, Any]) -> None:
        if self._file is None:
            return
        try:
            self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
            self._file.flush()  # a crash mid-command still leaves every round-trip so far
        except OSError as error:
            raise SharekitError(f"cannot write --record {self.path}: {error.strerror or error}") from None

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            with self._lock:
                if self._file is not None:
                    self._file.close()
                    self._file = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


# --- replay ------------------------------------------------------------------------------------


def _shorten(sql: str, limit: int = 120) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_recording(path: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(header, entries) of a recording; a SharekitError names the file and line for anything else."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise SharekitError(f"cannot read --replay {path}: {reason}") from None
    records: list[dict[str, Any]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            raise SharekitError(f"--replay {path}:{number}: not a JSON line ({error}); "
                                "pass a file written by --record") from None
        if not isinstance(record, dict):
            raise SharekitError(f"--replay {path}:{number}: not a recorded round-trip; pass a file written by --record")
        records.append(record)
    if not records or "sharekit_recording" not in records[0]:
        raise SharekitError(f"--replay {path}: not a sharekit recording (no header line); "
                            "pass a file written by --record")
    header = records[0]
    if header["sharekit_recording"] != FORMAT_VERSION:
        raise SharekitError(f"--replay {path}: recording format {header['sharekit_recording']!r}, this sharekit "
                            f"reads format {FORMAT_VERSION}; record it again with this version")
    for number, entry in enumerate(records[1:], 2):
        if entry.get("op") not in ("query", "execute") or not isinstance(entry.get("sql"), str):
            raise SharekitError(f"--replay {path}: entry {number} has no `op` and `sql`; "
                                "pass a file written by --record")
    return header, records[1:]


def read_header(path: str | Path) -> dict[str, Any]:
    """The first line of a recording (what `--replay` prints the target as, say)."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as stream:
            first = stream.readline()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise SharekitError(f"cannot read --replay {path}: {reason}") from None
    try:
        header = json.loads(first)
    except ValueError:
        header = None
    if not isinstance(header, dict) or "sharekit_recording" not in header:
        raise SharekitError(f"--replay {path}: not a sharekit recording (no header line); "
                            "pass a file written by --record")
    return header


class ReplaySession:
    """A Session answering every statement from a recording; no account is contacted."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.header, self._entries = read_recording(self.path)
        self._used = [False] * len(self._entries)
        self._lock = threading.Lock()
        self._round_trips = 0

    @property
    def round_trips(self) -> int:
        return self._round_trips

    def query(self, sql: str) -> list[dict[str, Any]]:
        entry = self._take("query", sql)
        try:
            return decode_rows(entry.get("rows") or [])
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
            raise SharekitError(f"--replay {self.path}: entry {entry.get('n', '?')} has rows this sharekit "
                                f"cannot read ({error}); pass a file written by --record") from None

    def execute(self, sql: str) -> None:
        self._take("execute", sql)

    def _take(self, op: str, sql: str) -> dict[str, Any]:
        wanted = redact_statement(sql)
        with self._lock:
            self._round_trips += 1
            for index, entry in enumerate(self._entries):
                if not self._used[index] and entry["op"] == op and entry["sql"] == wanted:
                    self._used[index] = True
                    break
            else:
                raise self._unrecorded(op, sql)
        if "error" in entry:
            _raise_recorded(entry["error"])
        return entry

    def _unrecorded(self, op: str, sql: str) -> SharekitError:
        made = f"`sharekit {self.header.get('command', '?')}` of sharekit {self.header.get('sharekit_version', '?')}"
        left = self._used.count(False)
        return SharekitError(
            f"--replay {self.path}: this {op} was not recorded: {_shorten(redact_statement(sql))}\n"
            f"The recording ({made}, {left} of {len(self._entries)} round-trips not replayed yet) "
            "holds other statements: another command, options, config or sharekit version sends "
            "different SQL. Record it again with the same command and `--record FILE`."
        )

    @property
    def unused(self) -> int:
        """Recorded round-trips not replayed (yet)."""
        with self._lock:
            return self._used.count(False)

    def close(self) -> None:
        pass

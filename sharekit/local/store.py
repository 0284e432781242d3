"""The local account's directory: an exclusive lock, and sharekit's own metadata on disk.

Layout of DIR:
  lock            fcntl lock, holds the owner's PID (read for the in-use message)
  account.json    metadata snapshot (shares, grants, view/table extras), replaced atomically
  journal.jsonl   one line per metadata change since the snapshot (cheap per statement)
  global.duckdb   fakesnow's `_fs_global` catalog (table comments, VARCHAR lengths, …)
  databases/      one DuckDB file per Snowflake database (fakesnow's db_path)

Why a journal: rewriting the whole snapshot on every statement is O(n²) over a 1000-view apply;
appending one JSON line costs microseconds, and replaying a journal is idempotent, so a crash
between "snapshot replaced" and "journal truncated" loses nothing. The snapshot is rewritten
(temp file + fsync + os.replace) on open when a journal is pending, when the journal grows past
COMPACT_AFTER lines, and on close.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sharekit.errors import ConnectionError_

FORMAT_VERSION = 1
COMPACT_AFTER = 5000
KINDS = ("share", "grant", "view", "table", "database")  # database: only those made FROM SHARE
SNAPSHOT, JOURNAL, LOCK = "account.json", "journal.jsonl", "lock"
OWNED_NAMES = (SNAPSHOT, JOURNAL, LOCK, "global.duckdb", "global.duckdb.wal", "databases")


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class DirLock:
    """Exclusive, non-blocking flock on DIR/lock; a second open (any process, or this one)
    fails with the owner's PID instead of corrupting files. The OS drops it if we die."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / LOCK
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            owner = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise ConnectionError_(
                    f"local account in use at {self.directory} by process {owner}; wait for it to "
                    "finish or stop that process (only one sharekit command can use a local "
                    "account at a time; use another --local-dir for parallel work)"
                ) from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.ftruncate(fd, 0)
            finally:
                os.close(fd)  # closing the descriptor drops the flock


def _key(value: Any) -> tuple:
    return tuple(value) if isinstance(value, list) else (value,)


class Store:
    """In-memory metadata (`data[kind][key] = value`) backed by snapshot + journal."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.account: dict[str, Any] = {}
        self.data: dict[str, dict[tuple, Any]] = {kind: {} for kind in KINDS}
        self._journal: TextIO | None = None
        self._journal_lines = 0
        self._dirty = False
        self.created = False
        self.version = 0  # bumped on every change: tells readers their copy is stale

    # -- lifecycle ----------------------------------------------------------------------------
    def open(self, defaults: dict[str, Any]) -> None:
        snapshot = self.directory / SNAPSHOT
        if snapshot.exists():
            try:
                raw = json.loads(snapshot.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise ConnectionError_(
                    f"local account metadata {snapshot} is unreadable ({exc}); run `sharekit local reset` to start over"
                ) from None
            if raw.get("version") != FORMAT_VERSION:
                raise ConnectionError_(
                    f"local account at {self.directory} has format {raw.get('version')!r}, this "
                    f"sharekit reads {FORMAT_VERSION}; run `sharekit local reset` to start over"
                )
            self.account = raw["account"]
            for kind in KINDS:
                self.data[kind] = {_key(k): v for k, v in raw.get(kind, [])}
            replayed = self._replay()
        else:
            self.created = True
            self.account = dict(defaults, created_on=now_iso())
            replayed = 1  # write the first snapshot now: creation is recorded even if seeding fails
        if replayed:
            self._write_snapshot()  # also starts an empty journal
        else:
            self._journal = open(self.directory / JOURNAL, "a", encoding="utf-8")  # noqa: SIM115

    def _replay(self) -> int:
        path = self.directory / JOURNAL
        if not path.exists():
            return 0
        count = 0
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    op, kind, key, value = json.loads(line)
                except ValueError:
                    break  # a torn last line from a crash: everything before it is good
                if op == "put":
                    self.data[kind][_key(key)] = value
                else:
                    self.data[kind].pop(_key(key), None)
                count += 1
        return count

    def _write_snapshot(self) -> None:
        payload = {"version": FORMAT_VERSION, "account": self.account}
        for kind in KINDS:
            payload[kind] = [[list(k), v] for k, v in self.data[kind].items()]
        tmp = self.directory / f".{SNAPSHOT}.{os.getpid()}.tmp"
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(payload, fh, separators=(",", ":"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.directory / SNAPSHOT)
        if self._journal is not None:
            self._journal.close()
        self._journal = open(self.directory / JOURNAL, "w", encoding="utf-8")  # noqa: SIM115
        self._journal_lines = 0
        self._dirty = False

    def close(self) -> None:
        if self._journal is None:
            return
        if self._dirty:
            self._write_snapshot()
        self._journal.close()
        self._journal = None

    # -- changes ------------------------------------------------------------------------------
    def _log(self, op: str, kind: str, key: tuple, value: Any) -> None:
        assert self._journal is not None, "store is closed"
        self._journal.write(json.dumps([op, kind, list(key), value], separators=(",", ":")) + "\n")
        self._journal.flush()
        self._dirty = True
        self.version += 1
        self._journal_lines += 1
        if self._journal_lines >= COMPACT_AFTER:
            self._write_snapshot()

    def put(self, kind: str, key: tuple, value: Any) -> None:
        self.data[kind][key] = value
        self._log("put", kind, key, value)

    def delete(self, kind: str, key: tuple) -> None:
        if self.data[kind].pop(key, None) is not None:
            self._log("del", kind, key, None)

    def get(self, kind: str, key: tuple) -> Any:
        return self.data[kind].get(key)


def looks_like_account(directory: Path) -> bool:
    """True when DIR holds only what a local account writes (so `reset` may delete it)."""
    return all(p.name in OWNED_NAMES or p.name.startswith(f".{SNAPSHOT}.") for p in directory.iterdir())

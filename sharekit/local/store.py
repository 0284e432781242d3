"""The local account's directory: an exclusive lock, and sharekit's own metadata on disk.

Layout of DIR:
  lock            fcntl lock, holds the owner's PID (read for the in-use message)
  account.json    metadata snapshot (shares, grants, view/table extras), replaced atomically
  journal.jsonl   one line per metadata change since the snapshot (cheap per statement)
  global.duckdb   fakesnow's `_fs_global` catalog (table comments, VARCHAR lengths, …)
  databases/      one DuckDB file per Snowflake database (fakesnow's db_path), `NAME.db`
  stages/         the local stages and the files unloaded into them (`stages`)
  (each DuckDB file may have a `.wal` beside it; `.account.json.PID.tmp` is a snapshot being written)

Why a journal: rewriting the whole snapshot on every statement is O(n²) over a 1000-view apply;
appending one JSON line costs microseconds, and replaying a journal is idempotent, so a crash
between "snapshot replaced" and "journal truncated" loses nothing. The snapshot is rewritten
(temp file + fsync + os.replace) on open when a journal is pending, when the journal grows past
COMPACT_AFTER lines, and on close. The journal is created before the first snapshot, so a
snapshot without a journal beside it means the journal was lost.

Damage: on open every file above is checked — its type (a directory or a link where a file
belongs), UTF-8, JSON shape, and that the files agree (a share layer beside databases, a
database file for every database the metadata names). Any problem is one ConnectionError_ that
names the file and the fix (`reset_hint`): a damaged account is never opened as an empty one.
The DuckDB files themselves are checked by DuckDB (`engine`). `reset` deletes only what a local
account writes, of the type it writes it, and removes the lock file last (see there).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shlex
import stat
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sharekit.errors import ConnectionError_

FORMAT_VERSION = 1
COMPACT_AFTER = 5000
KINDS = ("share", "grant", "view", "table", "database",  # database: only those made FROM SHARE
         *("role", "role_grant", "user", "user_role", "network_policy", "warehouse", "resource_monitor"),  # access.py
         *("listing", "setting"),  # local/listings.py
         *("task", "alert", "procedure"))  # local/tasks.py: the monitor's objects
SNAPSHOT, JOURNAL, LOCK = "account.json", "journal.jsonl", "lock"
GLOBAL_DB, DATABASES = "global.duckdb", "databases"
STAGES = "stages"  # local/stages.py: one directory per stage, the files COPY INTO wrote
OWNED_NAMES = (SNAPSHOT, JOURNAL, LOCK, GLOBAL_DB, f"{GLOBAL_DB}.wal", DATABASES, STAGES)
STRAY_PREFIX = f".{SNAPSHOT}."  # `.account.json.PID.tmp`: a snapshot a crash left half-written
KEY_PARTS = {"share": (1, 1), "grant": (4, 6), "view": (3, 3), "table": (3, 3), "database": (1, 1)}  # (min, max)
KEY_PARTS.update({"role": (1, 1), "role_grant": (4, 6), "user": (1, 1), "user_role": (2, 2),
                  "network_policy": (1, 1), "warehouse": (1, 1), "resource_monitor": (1, 1)})  # local/access.py
KEY_PARTS.update({"listing": (1, 1), "setting": (1, 1)})  # local/listings.py
KEY_PARTS.update({"task": (3, 3), "alert": (3, 3), "procedure": (3, 3)})  # local/tasks.py


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


# -- messages -------------------------------------------------------------------------------------


def reset_command(directory: Path) -> str:
    return f"sharekit local reset --local-dir {shlex.quote(str(directory))}"


def reset_hint(directory: Path) -> str:
    return (
        f"run `{reset_command(directory)}` to start over (it deletes the local account's state: "
        "its databases, shares and grants)"
    )


def state_error(path: Path, problem: str, fix: str) -> ConnectionError_:
    """`local account file PATH <problem>; <fix>` — what, where and how, on one line."""
    return ConnectionError_(f"local account file {path} {problem}; {fix}")


def _kind(path: Path) -> str | None:
    """'file', 'dir', 'link' or 'other' (FIFO, socket, device) without following links; None if absent."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise state_error(path, f"cannot be read ({exc.strerror})", f"check the permissions of {path.parent}") from None
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "other"


def _empty(path: Path, kind: str) -> bool:
    """Something reset may delete in place of a state file of the wrong type: it holds nothing."""
    try:
        if kind == "dir":
            with os.scandir(path) as entries:
                return next(entries, None) is None
        return kind == "file" and os.lstat(path).st_size == 0
    except OSError:
        return False


_WHAT = {
    "dir": "a directory", "file": "a file", "link": "a symbolic link",
    "other": "a special file (FIFO, socket or device)",
}  # fmt: skip


def wrong_type(path: Path, kind: str, want: str, directory: Path) -> ConnectionError_:
    wanted = "a directory" if want == "dir" else "a file"
    if _empty(path, kind):
        fix = reset_hint(directory)
    else:
        fix = f"move it out of the way (reset deletes only what sharekit wrote), then {reset_hint(directory)}"
    return state_error(path, f"is {_WHAT[kind]}, where the local account keeps {wanted} of that name", fix)


def _expect(path: Path, want: str, directory: Path) -> bool:
    """True when `path` exists as `want` ('file'/'dir'), False when absent; else a clear error."""
    kind = _kind(path)
    if kind is None:
        return False
    if kind != want:
        raise wrong_type(path, kind, want, directory)
    return True


# -- the lock -------------------------------------------------------------------------------------


class DirLock:
    """Exclusive, non-blocking flock on DIR/lock; a second open (any process, or this one)
    fails with the owner's PID instead of corrupting files. The OS drops it if we die.

    `reset` deletes the lock file while holding it. An opener that opened the old file before
    that, and gets its flock only after reset let go, holds a lock on a file nobody else can see;
    so after every flock we check that the path still names the file we locked, and start again
    if not. Two openers therefore never both hold "the" lock."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / LOCK
        self._fd: int | None = None

    def acquire(self) -> None:
        for _attempt in range(50):
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                owner = self._owner(fd)
                os.close(fd)
                if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise ConnectionError_(
                        f"local account in use at {self.directory} by process "
                        f"{owner if owner.isdigit() else 'unknown'}; wait for it to finish or stop that "
                        "process (only one sharekit command can use a local account at a time; use "
                        "another --local-dir for parallel work)"
                    ) from None
                raise ConnectionError_(f"cannot lock {self.path}: {exc.strerror}") from None
            if self._still_named(fd):
                break
            os.close(fd)  # a reset deleted the file we locked: lock the one the path names now
        else:
            raise ConnectionError_(f"could not lock {self.path}: it keeps being replaced; run the command again")
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    @staticmethod
    def _owner(fd: int) -> str:
        """The holder's pid from the lock file. The holder writes it just after its flock, so a
        file still empty is read again for a moment before the holder is called unknown."""
        for _ in range(20):
            owner = os.pread(fd, 64, 0).decode(errors="replace").strip()
            if owner:
                return owner
            time.sleep(0.01)
        return ""

    def _open(self) -> int:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except FileNotFoundError:
            raise ConnectionError_(
                f"local account directory {self.directory} disappeared while it was being opened "
                "(was it reset at the same time?); run the command again"
            ) from None
        except OSError as exc:
            kind = _kind(self.path)
            if kind not in (None, "file"):
                raise wrong_type(self.path, kind, "file", self.directory) from None
            raise ConnectionError_(
                f"cannot open the local account's lock file {self.path}: {exc.strerror}; "
                f"check the permissions of {self.directory}"
            ) from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise wrong_type(self.path, "other", "file", self.directory)
        return fd

    def _still_named(self, fd: int) -> bool:
        try:
            now = os.stat(self.path, follow_symlinks=False)
        except FileNotFoundError:
            return False
        held = os.fstat(fd)
        return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.ftruncate(fd, 0)
            finally:
                os.close(fd)  # closing the descriptor drops the flock

    def remove_and_release(self) -> None:
        """Delete the lock file while still holding it, then let go (see the class docstring)."""
        if self._fd is None:
            return
        try:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
        finally:
            self.release()


# -- what is on disk ------------------------------------------------------------------------------


@dataclass
class Layout:
    """Which state files DIR holds, each checked to be of the right type."""

    directory: Path
    snapshot: bool = False
    journal: bool = False
    journal_size: int = 0
    global_db: bool = False
    global_wal: bool = False
    db_files: list[str] = field(default_factory=list)  # names in databases/: NAME.db, NAME.db.wal

    @classmethod
    def read(cls, directory: Path) -> Layout:
        layout = cls(directory)
        layout.snapshot = _expect(directory / SNAPSHOT, "file", directory)
        layout.journal = _expect(directory / JOURNAL, "file", directory)
        if layout.journal:
            layout.journal_size = (directory / JOURNAL).stat().st_size
        layout.global_db = _expect(directory / GLOBAL_DB, "file", directory)
        layout.global_wal = _expect(directory / f"{GLOBAL_DB}.wal", "file", directory)
        db_dir = directory / DATABASES
        if _expect(db_dir, "dir", directory):
            try:
                names = sorted(os.listdir(db_dir))
            except OSError as exc:
                raise state_error(
                    db_dir, f"cannot be listed ({exc.strerror})", f"check the permissions of {db_dir}"
                ) from None
            for name in names:
                if name.endswith((".db", ".db.wal")):
                    _expect(db_dir / name, "file", directory)
                    layout.db_files.append(name)
        return layout

    def written(self) -> list[str]:
        """The files that show an account lived here (its databases, journal or catalog)."""
        out = [JOURNAL] if self.journal_size else []
        out += [GLOBAL_DB] if self.global_db else []
        out += [f"{GLOBAL_DB}.wal"] if self.global_wal else []
        return out + [f"{DATABASES}/{name}" for name in self.db_files]

    def check(self) -> None:
        """Files that must come in pairs: a write-ahead log without its database, a catalog gone."""
        d = self.directory
        for name in self.db_files:
            if name.endswith(".wal") and name[: -len(".wal")] not in self.db_files:
                db = name[: -len(".db.wal")]
                raise state_error(
                    d / DATABASES / name[: -len(".wal")],
                    f"is missing, but its write-ahead log {name} is still there: the data of database "
                    f"{db} was lost",
                    reset_hint(d),
                )
        if self.global_wal and not self.global_db:
            raise state_error(
                d / GLOBAL_DB, f"is missing, but its write-ahead log {GLOBAL_DB}.wal is still there", reset_hint(d)
            )
        if self.db_files and not self.global_db:
            raise state_error(
                d / GLOBAL_DB,
                f"is missing beside {len(self.db_files)} database file(s) in {d / DATABASES}: the "
                "table comments and column lengths it holds would be lost",
                reset_hint(d),
            )


# -- shape of the metadata ------------------------------------------------------------------------


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}
    return names.get(type(value), "a number")


def _is_ts(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _str_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


_OPT_STR = (str, type(None))
# field → (check, required); every field the share layer reads, typed as it writes them
_FIELDS: dict[str, dict[str, tuple[Any, bool]]] = {
    "share": {
        "created_on": (_is_ts, True),
        "comment": (_OPT_STR, True),
        "secure_objects_only": (bool, True),
        "accounts": (lambda v: isinstance(v, dict) and all(isinstance(a, str) and _is_ts(t) for a, t in v.items()),
                     True),  # fmt: skip
        "share_restrictions": ((bool, type(None)), False),
    },
    "grant": {"created_on": (_is_ts, True)},
    "view": {
        "secure": (bool, False),
        "comment": (_OPT_STR, False),
        "text": (_OPT_STR, False),
        "created_on": (lambda v: v is None or _is_ts(v), False),
        "altered_on": (lambda v: v is None or _is_ts(v), False),
        "column_comments": (_str_map, False),
        "column_types": (_str_map, False),
    },
    "table": {"column_comments": (_str_map, False), "column_types": (_str_map, False)},
    "database": {"origin": (str, True)},
    "listing": {"share": (str, True), "manifest": (str, True), "state": (str, True), "created_on": (_is_ts, True),
                "updated_on": (_is_ts, True), "published_on": (lambda v: v is None or _is_ts(v), True),
                "global_name": (str, True), "comment": (_OPT_STR, False)},
    "setting": {"enabled": (bool, True)},
}


def _check_key(kind: str, key: Any) -> str | None:
    low, high = KEY_PARTS.get(kind, (1, 6))  # a kind added later without limits here: any names
    if not isinstance(key, list) or not all(isinstance(p, str) for p in key) or not low <= len(key) <= high:
        return f"has a {kind} key {json.dumps(key)[:80]} (sharekit writes a list of {low}–{high} names)"
    return None


def _check_value(kind: str, value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"has a {kind} record that is {_json_type(value)}, not an object"
    for name, (check, required) in _FIELDS.get(kind, {}).items():
        if name not in value:
            if required:
                return f"has a {kind} record without {name!r}"
            continue
        ok = isinstance(value[name], check) if isinstance(check, (type, tuple)) else check(value[name])
        if not ok:
            return f"has a {kind} record whose {name!r} is {json.dumps(value[name])[:60]}"
    return None


def _check_snapshot(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return f"holds {_json_type(raw)}, where sharekit writes an object"
    account = raw.get("account")
    if not isinstance(account, dict) or not isinstance(account.get("locator"), str) or not account["locator"]:
        return "has no \"account\" object with a locator"
    made = account.get("made_dirs", [])
    if not isinstance(made, list) or not all(isinstance(p, str) for p in made):
        return "has a \"made_dirs\" that is not a list of paths"
    for kind in KINDS:
        entries = raw.get(kind, [])
        if not isinstance(entries, list):
            return f"has {_json_type(entries)} under {kind!r}, where sharekit writes a list"
        for number, entry in enumerate(entries, 1):
            if not isinstance(entry, list) or len(entry) != 2:
                return f"has a {kind} entry (number {number}) that is not a [key, record] pair"
            problem = _check_key(kind, entry[0]) or _check_value(kind, entry[1])
            if problem:
                return f"{problem} (entry {number} under {kind!r})"
    return None


def _journal_entry(line: bytes) -> tuple[str, str, tuple, Any] | str:
    """A journal line as (op, kind, key, value), or what is wrong with it."""
    try:
        item = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        return "is not UTF-8 text (binary data, not sharekit's JSON)"
    except ValueError:
        return "is not valid JSON"
    except RecursionError:
        return "is nested too deeply to be sharekit's JSON"
    if not isinstance(item, list) or len(item) != 4 or item[0] not in ("put", "del") or item[1] not in KINDS:
        return "is not a [\"put\"|\"del\", kind, key, record] entry"
    op, kind, key, value = item
    problem = _check_key(kind, key) or (_check_value(kind, value) if op == "put" else None)
    return problem or (op, kind, tuple(key), value)


_TORN = (b'["put",', b'["del",')


def _torn(tail: bytes) -> bool:
    """The start of a journal line cut short by a crash mid-append (the design tolerates that)."""
    return any(tail.startswith(p) or p.startswith(tail) for p in _TORN)


def _key(value: Any) -> tuple:
    return tuple(value) if isinstance(value, list) else (value,)


# -- the store ------------------------------------------------------------------------------------


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
        d = self.directory
        layout = Layout.read(d)
        layout.check()
        if layout.snapshot:
            self._read_snapshot()
            if not layout.journal:
                raise state_error(
                    d / JOURNAL,
                    f"is missing beside {SNAPSHOT} (sharekit keeps both): changes made since the last "
                    "snapshot may be lost",
                    f"to keep the account as of its last snapshot, create it empty (`touch "
                    f"{shlex.quote(str(d / JOURNAL))}`); or {reset_hint(d)}",
                )
            replayed = self._replay()
            self._check_databases()
        else:
            written = layout.written()
            if written:
                shown = ", ".join(written[:3]) + (f" and {len(written) - 3} more" if len(written) > 3 else "")
                raise state_error(
                    d / SNAPSHOT,
                    f"is missing, but {d} still holds {shown}: {SNAPSHOT} records the account's shares, "
                    "grants and view metadata, so opening it now would show an account without them",
                    f"restore {SNAPSHOT} if you have a copy; or {reset_hint(d)}",
                )
            self.created = True
            self.account = dict(defaults, created_on=now_iso())
            self._touch_journal()  # before the first snapshot: a snapshot always has a journal beside it
            replayed = 1  # write the first snapshot now: creation is recorded even if seeding fails
        if replayed:
            self._write_snapshot()  # also starts an empty journal
        else:
            self._journal = self._open_journal("a")

    def _read_snapshot(self) -> None:
        path, d = self.directory / SNAPSHOT, self.directory
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise state_error(
                path, f"cannot be read ({exc.strerror})", f"check its permissions; or {reset_hint(d)}"
            ) from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise state_error(
                path,
                f"is not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start}): binary data, "
                "not the JSON sharekit writes",
                reset_hint(d),
            ) from None
        try:
            raw = json.loads(text)
        except ValueError as exc:
            what = "is empty" if not text.strip() else f"is not valid JSON ({exc}): truncated or overwritten"
            raise state_error(path, what, reset_hint(d)) from None
        except RecursionError:
            raise state_error(path, "is nested too deeply to be the JSON sharekit writes", reset_hint(d)) from None
        if isinstance(raw, dict) and raw.get("version") != FORMAT_VERSION:
            raise state_error(
                path, f"has format {raw.get('version')!r}; this sharekit reads format {FORMAT_VERSION}", reset_hint(d)
            )
        problem = _check_snapshot(raw)
        if problem:
            raise state_error(path, f"is not a local account snapshot: it {problem}", reset_hint(d))
        self.account = raw["account"]
        for kind in KINDS:
            self.data[kind] = {_key(k): v for k, v in raw.get(kind, [])}

    def _replay(self) -> int:
        path, d = self.directory / JOURNAL, self.directory
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise state_error(
                path, f"cannot be read ({exc.strerror})", f"check its permissions; or {reset_hint(d)}"
            ) from None
        lines = data.split(b"\n")
        tail = lines.pop()  # b"" when the journal ends with a newline, as every complete entry does
        entries = []
        for number, line in enumerate(lines, 1):
            entry = _journal_entry(line)
            if isinstance(entry, str):
                raise state_error(path, f"line {number} {entry}", reset_hint(d))
            entries.append(entry)
        if tail:
            entry = _journal_entry(tail)
            if not isinstance(entry, str):
                entries.append(entry)  # complete but for its newline: the change was made, keep it
            elif not _torn(tail):
                raise state_error(path, f"line {len(lines) + 1} {entry}", reset_hint(d))
        count = 0
        for op, kind, key, value in entries:
            if op == "put":
                self.data[kind][key] = value
            else:
                self.data[kind].pop(key, None)
            count += 1
        return count

    def _check_databases(self) -> None:
        """Every database the metadata names has its DuckDB file: shares are not silently lost."""
        named: dict[str, int] = {}
        for kind in ("grant", "view", "table", "database"):
            for key in self.data[kind]:
                db = key[3] if kind == "grant" else key[0]
                named[db] = named.get(db, 0) + 1
        for db, count in sorted(named.items()):
            path = self.directory / DATABASES / f"{db}.db"
            if not path.exists():
                raise state_error(
                    path,
                    f"is missing, but {SNAPSHOT} still records {count} grant(s), view(s) or table(s) of database "
                    f"{db}: its tables and views are gone",
                    f"restore the file if you have a copy; or {reset_hint(self.directory)}",
                )

    def _write_error(self, path: Path, exc: OSError) -> ConnectionError_:
        return ConnectionError_(
            f"cannot write the local account's metadata {path}: {exc.strerror or exc}; free disk space "
            f"or fix the permissions of {self.directory}, then run the command again"
        )

    def _touch_journal(self) -> None:
        path = self.directory / JOURNAL
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644))
        except OSError as exc:
            raise self._write_error(path, exc) from None

    def _open_journal(self, mode: str) -> TextIO:
        path = self.directory / JOURNAL
        flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | (os.O_APPEND if mode == "a" else os.O_TRUNC)
        try:
            fd = os.open(path, flags, 0o644)
            return open(fd, "a", encoding="utf-8") if mode == "a" else open(fd, "w", encoding="utf-8")
        except OSError as exc:
            raise self._write_error(path, exc) from None

    def _write_snapshot(self) -> None:
        payload = {"version": FORMAT_VERSION, "account": self.account}
        for kind in KINDS:
            payload[kind] = [[list(k), v] for k, v in self.data[kind].items()]
        tmp = self.directory / f"{STRAY_PREFIX}{os.getpid()}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            with open(fd, "w", encoding="utf-8") as fh:
                json.dump(payload, fh, separators=(",", ":"))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.directory / SNAPSHOT)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise self._write_error(self.directory / SNAPSHOT, exc) from None
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        self._journal = self._open_journal("w")
        self._journal_lines = 0
        self._dirty = False

    def close(self) -> None:
        if self._journal is None:
            return
        try:
            if self._dirty:
                self._write_snapshot()
        finally:
            if self._journal is not None:
                self._journal.close()
            self._journal = None

    # -- changes ------------------------------------------------------------------------------
    def _log(self, op: str, kind: str, key: tuple, value: Any) -> None:
        assert self._journal is not None, "store is closed"
        try:
            self._journal.write(json.dumps([op, kind, list(key), value], separators=(",", ":")) + "\n")
            self._journal.flush()
        except OSError as exc:
            raise self._write_error(self.directory / JOURNAL, exc) from None
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


def _owned(name: str) -> bool:
    return name in OWNED_NAMES or name.startswith(STRAY_PREFIX)


def looks_like_account(directory: Path) -> bool:
    """True when DIR holds only what a local account writes (so `reset` may delete it)."""
    return all(_owned(p.name) for p in directory.iterdir())


# -- reset ----------------------------------------------------------------------------------------


def _made_dirs(directory: Path) -> list[Path]:
    """The directories sharekit created for this account (DIR first, then parents it made), as
    the snapshot recorded them; [] when unknown (damaged snapshot) or when DIR has moved since."""
    try:
        raw = json.loads((directory / SNAPSHOT).read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return []
    account = raw.get("account") if isinstance(raw, dict) else None
    made = account.get("made_dirs") if isinstance(account, dict) else None
    if not isinstance(made, list) or not made or not all(isinstance(p, str) for p in made):
        return []
    paths = [Path(p) for p in made]
    return paths if paths[0] == directory.resolve() else []


def _reset_plan(directory: Path) -> tuple[list[tuple[Path, str]], list[str]]:
    """What reset deletes, in order (account.json first: a reset cut short leaves an account that
    fails to open, never one that opens without its shares), and what it refuses to touch."""
    doomed: list[tuple[Path, str]] = []
    refused: list[str] = []

    def take(path: Path, want: str) -> None:
        kind = _kind(path)
        if kind is None:
            return
        if kind == want or _empty(path, kind):
            doomed.append((path, kind))
        else:
            wanted = "a directory" if want == "dir" else "a file"
            refused.append(f"{path} is {_WHAT[kind]}, not {wanted} sharekit wrote")

    for name in (SNAPSHOT, JOURNAL, GLOBAL_DB, f"{GLOBAL_DB}.wal"):
        take(directory / name, "file")
    for name in sorted(os.listdir(directory)):
        if name.startswith(STRAY_PREFIX):
            take(directory / name, "file")
    db_dir = directory / DATABASES
    if _kind(db_dir) == "dir":
        for name in sorted(os.listdir(db_dir)):
            if name.endswith((".db", ".db.wal")):
                take(db_dir / name, "file")
            else:
                refused.append(f"{db_dir} holds {name}, which sharekit did not write")
    take(db_dir, "dir")
    stages = directory / STAGES
    if _kind(stages) == "dir":
        for root, dirs, files in os.walk(stages, topdown=False):  # contents before their directory
            for name in sorted(files) + sorted(dirs):
                path = Path(root) / name
                kind = _kind(path)
                if kind in ("file", "dir"):  # a link (never followed) or a device: not sharekit's
                    doomed.append((path, kind))
                else:
                    refused.append(f"{path} is {_WHAT[kind or 'other']}, which sharekit did not write")
    take(stages, "dir")
    return doomed, refused


def reset(directory: Path) -> str:
    """Delete the local account's state in DIR and say what was done. Refuses (ConnectionError_)
    while the account is in use, or when DIR holds anything a local account does not write.

    Safety of removing the lock file: everything is deleted while holding the lock, and the lock
    file itself is deleted last, still held (`DirLock.remove_and_release`). A racing opener
    either got the lock before reset did (reset refuses: "in use"), or waits on the lock reset
    holds and fails with "in use", or opens the path after the unlink and creates a fresh lock
    file and a fresh, empty account. One that opened the old file before the unlink and locks it
    after reset let go notices the file is gone (`DirLock` re-checks the path) and locks the new
    one. Finally DIR itself (and parents sharekit created for it) is removed only if empty: a
    racing opener's new lock file keeps it."""
    if not directory.exists():
        return f"No local account at {directory}; nothing to reset"
    if not directory.is_dir():
        raise ConnectionError_(
            f"{directory} is not a directory, so not a local account; not touching it "
            "(point --local-dir at a local account directory)"
        )
    names = sorted(os.listdir(directory))
    if not names:
        return f"No local account at {directory}; nothing to reset"
    foreign = [n for n in names if not _owned(n)]
    if foreign:
        shown = ", ".join(foreign[:3]) + (" …" if len(foreign) > 3 else "")
        raise ConnectionError_(
            f"{directory} holds files a local account does not write ({shown}); not deleting it "
            "(point --local-dir at a local account directory)"
        )
    lock_path = directory / LOCK
    if _kind(lock_path) == "dir" and _empty(lock_path, "dir"):
        os.rmdir(lock_path)  # an empty directory where the lock file belongs: nobody can hold that lock
    lock = DirLock(directory)
    lock.acquire()  # refuses while a command uses the account
    try:
        doomed, refused = _reset_plan(directory)
        if refused:
            raise ConnectionError_(
                f"not resetting the local account at {directory}: " + "; ".join(refused[:5])
                + ". Move these out of the way (reset deletes only what sharekit wrote), then run reset again"
            )
        made = _made_dirs(directory)
        for path, kind in doomed:
            try:
                if kind == "dir":
                    os.rmdir(path)
                else:
                    os.unlink(path)
            except OSError as exc:
                raise ConnectionError_(
                    f"could not delete {path}: {exc.strerror}; the reset stopped part-way (the account "
                    f"will not open until it is finished): fix that, then run `{reset_command(directory)}` again"
                ) from None
    except BaseException:
        lock.release()
        raise
    lock.remove_and_release()
    removed = 0
    for path in made:
        try:
            os.rmdir(path)  # only ever an empty directory sharekit created
        except OSError:
            break
        removed += 1
    if not doomed:
        note = "; removed the lock file a local account left there" if LOCK in names else ""
        return f"No local account at {directory}; nothing to reset{note}"
    if removed:
        return f"Reset the local account at {directory} and removed the directory (sharekit had created it)"
    if made:
        return f"Reset the local account at {directory}; kept the directory (another command is using it again)"
    return f"Reset the local account at {directory}; kept the directory (sharekit did not create it)"

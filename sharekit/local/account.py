"""LocalAccount: the embedded Snowflake account behind the Session interface.

Every statement is one round-trip: it sleeps SHAREKIT_LOCAL_LATENCY_MS outside the internal
lock (so parallel callers overlap as they would against Snowflake), may fail as a dropped
connection (SHAREKIT_LOCAL_FAIL_AT=K, before anything runs), then is dispatched under one lock:
share statements, view DDL and some SHOW commands to sharekit's layer, the rest to fakesnow.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from sharekit.connect.session import RoundTripCounter
from sharekit.errors import ConnectionError_, SharekitError, SnowflakeError
from sharekit.local import resolve, sferrors
from sharekit.local.ddl import Ddl
from sharekit.local.engine import Engine
from sharekit.local.shares import Shares
from sharekit.local.show import OWNER, Filters, Show
from sharekit.local.sqltext import Reader, Statement, one_statement, replace_calls, split_statements
from sharekit.local.store import DirLock, Store

DEFAULT_LOCATOR = "LOCAL01"
LATENCY_ENV = "SHAREKIT_LOCAL_LATENCY_MS"
FAIL_AT_ENV = "SHAREKIT_LOCAL_FAIL_AT"
_READS_METADATA = ("INFORMATION_SCHEMA", "SHOW", "DESC", "DESCRIBE")


def _env_int(name: str) -> int | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ConnectionError_(f"${name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise ConnectionError_(f"${name} must not be negative, got {value}")
    return value


class LocalAccount:
    """A local Snowflake stand-in rooted at a directory. Use `open_local_account` to get one."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.RLock()  # DuckDB/fakesnow and the metadata: one statement at a time
        self._count_lock = threading.Lock()
        self._counter = RoundTripCounter()
        self._statements = 0
        self._closed = True
        latency = _env_int(LATENCY_ENV)
        self._latency = (latency or 0) / 1000.0
        self._fail_at = _env_int(FAIL_AT_ENV)
        self._dir_lock = DirLock(directory)
        self._dir_lock.acquire()
        try:
            self.store = Store(directory)
            self.store.open({"locator": DEFAULT_LOCATOR})
            self.engine = Engine(directory)
        except BaseException:
            if hasattr(self, "store"):
                self.store.close()
            self._dir_lock.release()
            raise
        self._closed = False
        self.created = self.store.created
        self.account_locator: str = self.store.account["locator"]
        self.context = {
            "CURRENT_ACCOUNT": self.account_locator,
            "CURRENT_ACCOUNT_NAME": self.account_locator,
            "CURRENT_ORGANIZATION_NAME": "SHAREKIT",
            "CURRENT_ROLE": OWNER,
        }
        self.shares = Shares(self.store, self.engine)
        self.ddl = Ddl(self.store, self.engine, self.shares, self.context)
        self.show = Show(self.store, self.engine, self.shares, self.account_locator)
        self._synced_version = -1
        _open_accounts.add(self)

    # -- Session ------------------------------------------------------------------------------
    @property
    def round_trips(self) -> int:
        return self._counter.round_trips

    def query(self, sql: str) -> list[dict[str, Any]]:
        started = time.perf_counter()
        try:
            return self._round_trip(sql)
        finally:
            self._counter.record(started)

    def execute(self, sql: str) -> None:
        self.query(sql)

    def run_script(self, sql_text: str) -> None:
        """Run a `;`-separated script (a seed file), one round-trip per statement."""
        for stmt in split_statements(sql_text):
            self.query(stmt.text)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self.engine.close()
            finally:
                try:
                    self.store.close()
                finally:
                    self._dir_lock.release()
                    _open_accounts.discard(self)

    def __enter__(self) -> LocalAccount:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one statement ------------------------------------------------------------------------
    def _round_trip(self, sql: str) -> list[dict[str, Any]]:
        if self._closed:
            raise sferrors.closed()
        with self._count_lock:  # not self._lock: numbering must not wait for a running statement
            self._statements += 1
            number = self._statements
        if self._latency:
            time.sleep(self._latency)  # the network, outside the lock: callers overlap
        if self._fail_at is not None and number == self._fail_at:
            raise sferrors.dropped_connection(number)
        with self._lock:
            if self._closed:
                raise sferrors.closed()
            return self._dispatch(one_statement(sql))

    def _dispatch(self, stmt: Statement) -> list[dict[str, Any]]:
        words = stmt.words
        first = words[0] if words else ""
        second = words[1] if len(words) > 1 else ""
        rest = " ".join(words[1:6])

        if _is_no_op(words):
            return [{"status": "Statement executed successfully."}]
        if first == "CREATE":
            kind = _created_kind(words)
            if kind == "SHARE":
                return self.shares.create(stmt)
            if kind == "VIEW":
                return self.ddl.create_view(stmt)
            if kind == "TABLE":
                return self.ddl.create_table(stmt)
            if kind == "DATABASE":
                return self.ddl.create_database(stmt)
        elif first == "ALTER" and second == "SHARE":
            return self.shares.alter(stmt)
        elif first == "ALTER" and second == "VIEW":
            return self.ddl.alter_view(stmt)
        elif first == "DROP" and second == "SHARE":
            return self.shares.drop(stmt)
        elif first == "DROP" and second in ("VIEW", "TABLE", "SCHEMA", "DATABASE"):
            return self.ddl.drop(stmt)
        elif first == "COMMENT" and second == "ON":
            return self.ddl.comment_on(stmt)
        elif first in ("GRANT", "REVOKE"):
            return self.shares.grant_or_revoke(stmt)
        elif first == "SHOW":
            target = rest.replace("TERSE ", "")
            if target.startswith("SHARES"):
                return self.show.shares_(stmt)
            if target.startswith("GRANTS"):
                return self.show.grants(stmt)
            if target.startswith("VIEWS"):
                return self.show.views(stmt)
            if target.startswith("DATABASES"):
                return self.show.databases(self._show_passthrough(stmt))
            return self._show_passthrough(stmt)
        elif first in ("DESC", "DESCRIBE") and second == "SHARE":
            return self.show.describe_share(stmt)
        elif first in ("SELECT", "WITH"):
            return self._select(stmt)
        return self._passthrough(stmt, ddl=first in ("CREATE", "ALTER", "DROP", "UNDROP"))

    def _show_passthrough(self, stmt: Statement) -> list[dict[str, Any]]:
        """Other SHOW commands run on fakesnow, which ignores LIKE for some of them: strip LIKE /
        STARTS WITH / LIMIT and apply them here with Snowflake's rules."""
        filters, r, text, cut = Filters(), Reader(stmt), stmt.text, 0
        while not r.at_end():
            start = r.pos
            if r.at_word("LIKE", "STARTS", "LIMIT") and filters.read(r):
                first, last = stmt.tokens[start], stmt.tokens[r.pos - 1]
                text = text[: first.start - cut] + text[last.end - cut :]
                cut += last.end - first.start
            else:
                r.pos = start + 1
        rows = self._passthrough(one_statement(text), ddl=False)
        column = "column_name" if "COLUMNS" in stmt.words[:3] else "name"
        return filters.apply(rows, column) if rows and column in rows[0] else rows

    def _select(self, stmt: Statement) -> list[dict[str, Any]]:
        tree = resolve.parse(stmt.text)
        resolve.analyze(tree, stmt.text, 0, self.engine, self.engine.current_database, self.engine.current_schema)
        text = replace_calls(stmt.text, self.context)
        if text != stmt.text:
            tree = resolve.parse(text)
        if self.store.version != self._synced_version and "INFORMATION_SCHEMA" in text.upper():
            self._sync_metadata()
        return self.engine.select(tree, text)

    def _passthrough(self, stmt: Statement, ddl: bool) -> list[dict[str, Any]]:
        upper = stmt.text.upper()
        if self.store.version != self._synced_version and any(w in upper for w in _READS_METADATA):
            self._sync_metadata()
        try:
            return self.engine.run(replace_calls(stmt.text, self.context))
        finally:
            if ddl:
                self.engine.invalidate()

    def _sync_metadata(self) -> None:
        """Copy view/column extras into DuckDB for INFORMATION_SCHEMA and SHOW COLUMNS."""
        views, columns = [], []
        for kind in ("view", "table"):
            for (db, sch, name), meta in self.store.data[kind].items():
                if kind == "view":
                    views.append(
                        {
                            "db": db, "sch": sch, "name": name, "is_secure": bool(meta.get("secure")),
                            "comment": meta.get("comment"), "text": meta.get("text"),
                            "created_on": meta.get("created_on"), "altered_on": meta.get("altered_on"),
                        }
                    )  # fmt: skip
                comments = meta.get("column_comments", {})
                types = meta.get("column_types", {})
                for col in sorted(set(comments) | set(types)):
                    columns.append(
                        {"db": db, "sch": sch, "tbl": name, "col": col,
                         "comment": comments.get(col), "data_type": types.get(col)}
                    )  # fmt: skip
        self.engine.sync_meta(views, columns)
        self._synced_version = self.store.version


def _is_no_op(words: list[str]) -> bool:
    """Compute and role set-up a seed script may carry; one role and no warehouses locally."""
    kinds = {w for w in words[1:4] if w not in ("OR", "REPLACE", "IF", "NOT", "EXISTS")}
    if words[:1] in (["CREATE"], ["ALTER"], ["DROP"]) and kinds & {"WAREHOUSE", "ROLE"}:
        return words[1] != "DATABASE"  # not CREATE DATABASE ROLE … kinds listed above only
    return words[:3] == ["USE", "SECONDARY", "ROLES"] or words[:2] in (["GRANT", "ROLE"], ["REVOKE", "ROLE"])


def _created_kind(words: list[str]) -> str:
    """CREATE [OR REPLACE|OR ALTER] [SECURE|TRANSIENT|…] <KIND> → KIND."""
    for word in words[1:]:
        if word in ("OR", "REPLACE", "ALTER", "SECURE", "TRANSIENT", "LOCAL", "GLOBAL", "TEMP",
                    "TEMPORARY", "VOLATILE", "RECURSIVE", "MATERIALIZED"):  # fmt: skip
            continue
        return word
    return ""


# -- opening ------------------------------------------------------------------------------------

_open_accounts: weakref.WeakSet[LocalAccount] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for account in list(_open_accounts):
        with contextlib.suppress(Exception):  # best effort at interpreter exit
            account.close()


def resolve_local_dir(explicit: str | Path | None) -> Path:
    """--local-dir, else $SHAREKIT_LOCAL_DIR, else ./.sharekit/local."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("SHAREKIT_LOCAL_DIR", "").strip()
    return Path(env) if env else Path(".sharekit") / "local"


def open_local_account(local_dir: str | Path | None = None, seed: str | Path | None = None) -> LocalAccount:
    """Open (creating on first use) the local account; a new one runs `seed` once."""
    directory = resolve_local_dir(local_dir)
    seed_text = None
    if seed is not None:
        try:
            seed_text = Path(seed).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConnectionError_(f"cannot read seed script {seed}: {exc.strerror or exc}") from None
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConnectionError_(f"cannot create local account directory {directory}: {exc.strerror or exc}") from None
    account = LocalAccount(directory)
    if account.created and seed_text is not None:
        try:
            _seed(account, seed_text, str(seed))
        except BaseException:
            account.close()
            raise
    return account


def _seed(account: LocalAccount, text: str, name: str) -> None:
    try:
        statements = split_statements(text)
    except Exception as exc:  # noqa: BLE001 - a syntax error in the script itself
        raise SnowflakeError(f"seed script {name}: {exc}") from None
    for number, stmt in enumerate(statements, 1):
        try:
            account.query(stmt.text)
        except SharekitError:
            raise
        except Exception as exc:  # noqa: BLE001 - ProgrammingError and friends
            raise SnowflakeError(
                f"seed script {name}, statement {number} (line {stmt.line}): {exc}\n"
                f"the local account at {account.directory} was created but is only partly seeded; "
                "fix the script, then run `sharekit local reset` and try again"
            ) from None

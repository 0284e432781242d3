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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sharekit.connect.session import BatchFailed, RoundTripCounter
from sharekit.errors import ConnectionError_, SharekitError, SnowflakeError
from sharekit.local import resolve, sferrors
from sharekit.local.access import Access
from sharekit.local.context import session_values
from sharekit.local.ddl import Ddl
from sharekit.local.engine import Engine, gc_paused
from sharekit.local.listings import Listings
from sharekit.local.shares import Shares
from sharekit.local.show import Filters, Show
from sharekit.local.sqltext import (
    QIDENT,
    WORD,
    Reader,
    Statement,
    one_statement,
    replace_calls,
    script_statements,
)
from sharekit.local.stages import Stages
from sharekit.local.store import DirLock, Store, reset_command
from sharekit.local.tasks import Tasks

DEFAULT_LOCATOR = "LOCAL01"
LATENCY_ENV = "SHAREKIT_LOCAL_LATENCY_MS"
FAIL_AT_ENV = "SHAREKIT_LOCAL_FAIL_AT"
MAX_STATEMENT_BYTES = 1_000_000  # Snowflake recommends ≤ 1 MB a statement; fakesnow needs ~20 s for one
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

    def __init__(self, directory: Path, made_dirs: Sequence[str] = ()) -> None:
        """`made_dirs`: the directories `open_local_account` just created for it (DIR first), kept
        in the snapshot so `reset` removes them again, and only them."""
        self.directory = directory
        self._lock = threading.RLock()  # DuckDB/fakesnow and the metadata: one statement at a time
        self._count_lock = threading.Lock()
        self._counter = RoundTripCounter()
        self._statements = 0
        self._closed = True
        latency = _env_int(LATENCY_ENV)
        self._latency = (latency or 0) / 1000.0
        self._fail_at = _env_int(FAIL_AT_ENV)
        self._session_values = session_values()  # SHAREKIT_LOCAL_ROLE… knobs (local/context.py)
        self._dir_lock = DirLock(directory)
        self._dir_lock.acquire()
        try:
            self.store = Store(directory)
            defaults: dict[str, Any] = {"locator": DEFAULT_LOCATOR}
            if made_dirs:
                defaults["made_dirs"] = list(made_dirs)
            self.store.open(defaults)
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
            **self._session_values,
        }
        self.shares = Shares(self.store, self.engine)
        self.ddl = Ddl(self.store, self.engine, self.shares, self.context)
        self.show = Show(self.store, self.engine, self.shares, self.account_locator)
        self.stages = Stages(directory, self.engine)  # CREATE STAGE, COPY INTO @stage, GET, LIST
        self.tasks = Tasks(self.store, self.stages)  # the monitor's tasks, alerts, procedures; PUT
        self.access = Access(self.store)  # roles, users, network policies, warehouses, resource monitors
        self.shares.followers = (self.access,)  # grants to roles go with dropped / replaced objects too
        self.listings = Listings(self.store, self.shares, self.context)  # private listings, consumer regions
        self.shares.elsewhere = self.listings.elsewhere  # ADD ACCOUNTS refuses accounts in other regions
        self.show.listing_of = self.listings.of_share  # SHOW SHARES `to` of a share attached to a listing
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

    def execute_batch(self, sqls: list[str]) -> None:
        """Several statements in one request, like the connector's `num_statements`: one
        round-trip (one latency), each statement numbered (SHAREKIT_LOCAL_FAIL_AT counts
        statements); the first failure stops the batch and says how many completed before it."""
        started = time.perf_counter()
        try:
            if self._latency:
                time.sleep(self._latency)
            for index, sql in enumerate(sqls):
                try:
                    self._round_trip(sql, latency=False)
                except Exception as error:
                    raise BatchFailed(index, error) from error
        finally:
            self._counter.record(started)

    def run_script(self, sql_text: str) -> None:
        """Run a `;`-separated script, one round-trip per statement; errors are the statement's
        own (the connector's classes). `run_statements` says which statement failed instead."""
        for stmt in script_statements(sql_text):
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
    def _round_trip(self, sql: str, latency: bool = True) -> list[dict[str, Any]]:
        if self._closed:
            raise sferrors.closed()
        with self._count_lock:  # not self._lock: numbering must not wait for a running statement
            self._statements += 1
            number = self._statements
        if self._latency and latency:
            time.sleep(self._latency)  # the network, outside the lock: callers overlap
        if self._fail_at is not None and number == self._fail_at:
            raise sferrors.dropped_connection(number)
        if len(sql) > MAX_STATEMENT_BYTES // 4 and len(sql.encode("utf-8")) > MAX_STATEMENT_BYTES:
            raise sferrors.local_limitation(
                f"a statement of {len(sql.encode('utf-8')) / 1e6:.1f} MB (at most {MAX_STATEMENT_BYTES / 1e6:.0f} MB "
                "each, the size Snowflake recommends; split it, e.g. one INSERT per few thousand rows)"
            )
        with self._lock, gc_paused():
            if self._closed:
                raise sferrors.closed()
            stmt = one_statement(sql)
            try:
                return self._dispatch(stmt)
            except RecursionError:
                raise sferrors.local_limitation(
                    "a statement nested this deeply (its parser gives up at a few dozen levels of "
                    "parentheses or subqueries); flatten it, e.g. with a WITH clause"
                ) from None
            except Exception as exc:
                if _caused_by(exc, RecursionError):  # fakesnow may wrap it
                    raise sferrors.local_limitation("a statement nested this deeply; flatten it") from None
                words = {t.value for t in stmt.tokens if t.kind in (WORD, QIDENT)}
                damage = self.engine.damage(exc, words)
                if damage is not None:
                    raise damage from None
                raise

    def _dispatch(self, stmt: Statement) -> list[dict[str, Any]]:
        words = stmt.words
        first = words[0] if words else ""
        second = words[1] if len(words) > 1 else ""
        rest = " ".join(words[1:6])

        if self.access.handles(stmt):  # before the no-ops next: CREATE ROLE / WAREHOUSE are recorded
            return self.access.run(stmt)
        if _is_no_op(words):
            return [{"status": "Statement executed successfully."}]
        if Tasks.handles(stmt):
            return self.tasks.run(stmt)
        if Stages.handles(stmt):
            return self.stages.run(stmt)
        if Listings.handles(stmt):
            return self.listings.run(stmt)
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


def _caused_by(exc: BaseException, cls: type[BaseException]) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, cls):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


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


def read_script(path: str | Path, what: str = "seed script") -> str:
    """A SQL script's text; unreadable or not UTF-8 is one clear error naming the file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConnectionError_(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConnectionError_(
            f"{what} {path} is not UTF-8 text (byte {data[exc.start]:#04x} on line {line}, offset "
            f"{exc.start}): save it as UTF-8 (a binary file is not a SQL script)"
        ) from None


def _missing_dirs(directory: Path) -> list[Path]:
    """DIR and those of its parents that do not exist yet, DIR first."""
    out, path = [], directory.absolute()
    while not os.path.lexists(path) and path.parent != path:
        out.append(path)
        path = path.parent
    return out


def open_local_account(local_dir: str | Path | None = None, seed: str | Path | None = None) -> LocalAccount:
    """Open (creating on first use) the local account; a new one runs `seed` once."""
    directory = resolve_local_dir(local_dir)
    seed_text = read_script(seed) if seed is not None else None
    missing = _missing_dirs(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ConnectionError_(
            f"local account directory {directory} is a file, not a directory; pass another --local-dir"
        ) from None
    except OSError as exc:
        raise ConnectionError_(f"cannot create local account directory {directory}: {exc.strerror or exc}") from None
    account = LocalAccount(directory, made_dirs=[str(p.resolve()) for p in missing])
    if account.created and seed_text is not None:
        try:
            run_statements(account, seed_text, str(seed), creating=True)
        except BaseException:
            account.close()
            raise
    return account


def _head(text: str, limit: int = 60) -> str:
    """A statement's first line, shortened: enough to find it in the script."""
    first = text.strip().split("\n", 1)[0].strip()
    more = first != text.strip()
    if len(first) > limit:
        first, more = first[: limit - 1].rstrip(), True
    return first + (" …" if more else "")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def run_statements(account: Any, text: str, name: str | None = None, creating: bool = False) -> list[dict[str, Any]]:
    """Run every statement of a script on `account` (a LocalAccount, or the CLI's session) and
    return the last one's rows. Each statement commits on its own, as on Snowflake, so a failure
    stops the script with the statements before it kept; the error says which statement failed,
    and what ran. `name` is the script's file (None: SQL given on the command line, where a lone
    statement's error is shown as it is); `creating`: the seed of an account created just now."""
    try:
        statements = script_statements(text)
    except SharekitError:
        raise
    except Exception as exc:  # noqa: BLE001 - a syntax error in the script itself (ProgrammingError)
        where = f"{name}: " if name else ""
        raise SnowflakeError(f"{where}{_one_line(str(exc))}; no statement was run") from None
    if not statements:
        if name is None:
            raise SnowflakeError("no SQL statement given")
        return []
    rows: list[dict[str, Any]] = []
    total = len(statements)
    for number, stmt in enumerate(statements, 1):
        try:
            rows = account.query(stmt.text)
        except ConnectionError_:
            raise  # the account itself (in use, damaged files): not this statement's fault
        except Exception as exc:  # ProgrammingError and friends, sharekit's own refusals
            if name is None and total == 1:
                if isinstance(exc, SharekitError):
                    raise
                raise SnowflakeError(str(exc)) from None
            raise SnowflakeError(_failure(account, name, number, total, stmt, exc, creating)) from None
    return rows


def _failure(account: Any, name: str | None, number: int, total: int, stmt: Statement, exc: Exception,
             creating: bool) -> str:  # fmt: skip
    where = f"{name}: " if name else ""
    if number == 1:
        before = "no statement before it ran"
    elif number == 2:
        before = "statement 1 ran and was kept"
    else:
        before = f"statements 1–{number - 1} ran and were kept"
    line = f" (line {stmt.line})" if name else ""
    message = f"{where}statement {number} of {total}{line} failed ({_head(stmt.text)}): {_one_line(str(exc))}; {before}"
    if number + 1 == total:
        message += f"; statement {total} was not run"
    elif number < total:
        message += f"; statements {number + 1}–{total} were not run"
    if creating:
        directory = Path(getattr(account, "directory", "."))
        message += (
            f"; the local account at {directory} was created but is only partly seeded: fix the script, "
            f"then run `{reset_command(directory)}` and try again"
        )
    return message

"""fakesnow on a persistent DuckDB, plus a cached catalog with Snowflake's exact-name rules.

fakesnow's own `FakeSnow` keeps its `_fs_global` catalog in memory and only attaches the
database named at connect time; here `_fs_global` is a file and every database file in
`databases/` is re-attached on open, so state survives between processes.

DuckDB resolves names case-insensitively, Snowflake does not (`"LastUpdated"` ≠ `LASTUPDATED`).
DuckDB keeps each name as created (fakesnow upper-cases unquoted ones), so the catalog here
reads exact stored names back and the callers compare them exactly.

The INFORMATION_SCHEMA views fakesnow creates are replaced by versions that join sharekit's
metadata (SECURE flag, comments, submitted view text, TIMESTAMP_LTZ), which the account copies
into two in-memory tables (`memory.main._sk1_*`) before such a query runs. DuckDB SQL below is
DuckDB's dialect, not Snowflake's, so it quotes with `_dq`/`_ds` rather than `identifiers`.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import re
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)

from fakesnow import info_schema, macros  # noqa: E402
from fakesnow.conn import FakeSnowflakeConnection  # noqa: E402
from fakesnow.transforms import show as fs_show  # noqa: E402
from fakesnow.variables import Variables  # noqa: E402
from snowflake.connector import DictCursor  # noqa: E402
from snowflake.connector.errors import ProgrammingError  # noqa: E402

from sharekit.local import sferrors, store  # noqa: E402
from sharekit.local.sqltext import QIDENT, STRING, tokenize  # noqa: E402

GLOBAL = "_fs_global"
HIDDEN_CATALOGS = ("memory", "system", "temp", GLOBAL)
HIDDEN_SCHEMAS = ("_fs_information_schema", "main", "pg_catalog", "information_schema")
MARK = "_sk1_"  # bump when the override views below change; they are re-created on open
INT_TYPES = "('BIGINT','INTEGER','SMALLINT','TINYINT','HUGEINT','UBIGINT','UINTEGER','USMALLINT','UTINYINT')"

_quiet = threading.local()


class _QuietSqlglot(logging.Filter):
    """Drop sqlglot's 'unsupported syntax' warnings raised while the local account works;
    other sqlglot users in the process keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_quiet, "on", False)


logging.getLogger("sqlglot").addFilter(_QuietSqlglot())


class quiet:
    def __enter__(self) -> None:
        _quiet.on = True

    def __exit__(self, *exc: object) -> None:
        _quiet.on = False


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a statement runs. A statement makes thousands of
    sqlglot nodes (cyclic: each points to its parent), so collections run every few hundred
    of them, and each older-generation one walks the whole heap, which at 10,000 views is
    most of the account's state: a fifth of the CPU of a data query. Its garbage is collected
    once the statement is done, by the first collection after it."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class _SessionVariables(Variables):
    """fakesnow's session variables, with Snowflake's scope: `$name` is a variable only in the
    SQL text itself. fakesnow searches the raw statement, so a literal such as '/$x' in a seed
    INSERT failed with "Session variable '$X' does not exist"; here string literals, quoted names
    and comments are masked before the search, and `$name` matches the whole word only."""

    _REFERENCE = re.compile(r"(?<![$\w])\$(?!\d)(\w+)")

    def inline_variables(self, sql: str) -> str:
        try:
            tokens = tokenize(sql)
        except ProgrammingError:
            return sql  # an unterminated literal: let the statement fail on its own syntax
        masked = [" "] * len(sql)
        for token in tokens:
            if token.kind not in (STRING, QIDENT):
                masked[token.start : token.end] = sql[token.start : token.end]
        values = {name.upper(): value for name, value in self._variables.items()}
        out, last = [], 0
        for match in self._REFERENCE.finditer("".join(masked)):
            name = match.group(1).upper()
            if name not in values:
                raise ProgrammingError(msg=f"Session variable '${name}' does not exist")
            out += [sql[last : match.start()], values[name]]
            last = match.end()
        return "".join(out) + sql[last:]


def _dq(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _ds(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_GLOBAL_COLUMNS = f"""
create or replace view {GLOBAL}._fs_information_schema._fs_columns AS
select
    c.table_catalog AS TABLE_CATALOG, c.table_schema AS TABLE_SCHEMA, c.table_name AS TABLE_NAME,
    c.column_name AS COLUMN_NAME, c.ordinal_position AS ORDINAL_POSITION,
    c.column_default AS COLUMN_DEFAULT, c.is_nullable AS IS_NULLABLE,
    coalesce(sk.data_type,
        case when starts_with(c.data_type, 'DECIMAL') or c.data_type in {INT_TYPES} then 'NUMBER'
             when c.data_type = 'VARCHAR' then 'TEXT'
             when c.data_type in ('DOUBLE', 'FLOAT') then 'FLOAT'
             when c.data_type = 'BLOB' then 'BINARY'
             when c.data_type = 'TIMESTAMP' then 'TIMESTAMP_NTZ'
             when c.data_type = 'TIMESTAMP WITH TIME ZONE' then 'TIMESTAMP_TZ'
             when c.data_type = 'JSON' then 'VARIANT'
             else c.data_type end) AS DATA_TYPE,
    ext_character_maximum_length AS CHARACTER_MAXIMUM_LENGTH,
    ext_character_octet_length AS CHARACTER_OCTET_LENGTH,
    case when c.data_type in {INT_TYPES} then 38 when c.data_type in ('DOUBLE', 'FLOAT') then NULL
         else c.numeric_precision end AS NUMERIC_PRECISION,
    case when c.data_type in {INT_TYPES} then 10 when c.data_type in ('DOUBLE', 'FLOAT') then NULL
         else c.numeric_precision_radix end AS NUMERIC_PRECISION_RADIX,
    case when c.data_type in {INT_TYPES} then 0 when c.data_type in ('DOUBLE', 'FLOAT') then NULL
         else c.numeric_scale end AS NUMERIC_SCALE,
    c.COLLATION_NAME, c.IS_IDENTITY, c.IDENTITY_GENERATION, c.IDENTITY_CYCLE,
    coalesce(sk.comment, d.comment) AS COMMENT,
    null::VARCHAR AS IDENTITY_START, null::VARCHAR AS IDENTITY_INCREMENT,
    null::VARCHAR AS IDENTITY_ORDERED, null::VARCHAR AS DATA_TYPE_ALIAS
from system.information_schema.columns c
left join {GLOBAL}._fs_information_schema._fs_columns_ext ext
  on ext_table_catalog = c.table_catalog and ext_table_schema = c.table_schema
 and ext_table_name = c.table_name and ext_column_name = c.column_name
left join duckdb_columns() d
  on d.database_name = c.table_catalog and d.schema_name = c.table_schema
 and d.table_name = c.table_name and d.column_name = c.column_name
left join memory.main.{MARK}columns sk
  on sk.db = c.table_catalog and sk.sch = c.table_schema and sk.tbl = c.table_name and sk.col = c.column_name
where c.table_schema != '_fs_information_schema'
  and c.table_catalog not in ('memory', 'system', 'temp', '{GLOBAL}')
"""

_GLOBAL_SHOW_COLUMNS = fs_show.SQL_CREATE_VIEW_SHOW_COLUMNS.replace(
    "create view if not exists", "create or replace view"
).replace("('TIMESTAMP_NTZ','TIMESTAMP_TZ','TIME')", "('TIMESTAMP_NTZ','TIMESTAMP_TZ','TIMESTAMP_LTZ','TIME')")

_GLOBAL_SHOW_SCHEMAS = f"""
create or replace view {GLOBAL}._fs_information_schema._fs_show_schemas as
select to_timestamp(0)::timestamptz as 'created_on',
    case when schema_name = '_fs_information_schema' then 'INFORMATION_SCHEMA' else schema_name end as 'name',
    NULL as 'kind', catalog_name as 'database_name', NULL as 'schema_name'
from information_schema.schemata
where not catalog_name in ('memory', 'system', 'temp', '{GLOBAL}')
  and not schema_name in ('main', 'pg_catalog')
order by catalog_name, 2
"""


def _db_overrides(db: str) -> str:
    c, s = _dq(db), _ds(db)
    return f"""
create or replace view {c}._fs_information_schema._fs_views AS
select v.database_name AS TABLE_CATALOG, v.schema_name AS TABLE_SCHEMA, v.view_name AS TABLE_NAME,
    'ACCOUNTADMIN' AS TABLE_OWNER, coalesce(sk.text, v.sql) AS VIEW_DEFINITION, 'NONE' AS CHECK_OPTION,
    'NO' AS IS_UPDATABLE, 'NO' AS INSERTABLE_INTO,
    case when sk.is_secure then 'YES' else 'NO' end AS IS_SECURE,
    coalesce(sk.created_on, to_timestamp(0)::timestamptz) AS CREATED,
    coalesce(sk.altered_on, sk.created_on, to_timestamp(0)::timestamptz) AS LAST_ALTERED,
    coalesce(sk.altered_on, sk.created_on, to_timestamp(0)::timestamptz) AS LAST_DDL,
    'ACCOUNTADMIN' AS LAST_DDL_BY, sk.comment AS COMMENT
from duckdb_views() v
left join memory.main.{MARK}views sk
  on sk.db = v.database_name and sk.sch = v.schema_name and sk.name = v.view_name
where v.database_name = {s} and v.schema_name != '_fs_information_schema' and not v.internal;

create or replace view {c}._fs_information_schema._fs_tables AS
select t.database_name AS TABLE_CATALOG, t.schema_name AS TABLE_SCHEMA, t.table_name AS TABLE_NAME,
    'ACCOUNTADMIN' AS TABLE_OWNER, 'BASE TABLE' AS TABLE_TYPE, 'NO' AS IS_TRANSIENT,
    NULL::VARCHAR AS CLUSTERING_KEY, t.estimated_size::BIGINT AS ROW_COUNT, 0::BIGINT AS BYTES,
    1 AS RETENTION_TIME, to_timestamp(0)::timestamptz AS CREATED,
    to_timestamp(0)::timestamptz AS LAST_ALTERED, to_timestamp(0)::timestamptz AS LAST_DDL,
    'ACCOUNTADMIN' AS LAST_DDL_BY, x.comment AS COMMENT
from duckdb_tables() t
left join {GLOBAL}._fs_information_schema._fs_tables_ext x
  on t.database_name = x.ext_table_catalog and t.schema_name = x.ext_table_schema
 and t.table_name = x.ext_table_name
where t.database_name = {s} and t.schema_name != '_fs_information_schema'
union all
select v.database_name, v.schema_name, v.view_name, 'ACCOUNTADMIN', 'VIEW', 'NO', NULL::VARCHAR,
    NULL::BIGINT, NULL::BIGINT, 1, coalesce(sk.created_on, to_timestamp(0)::timestamptz),
    coalesce(sk.altered_on, sk.created_on, to_timestamp(0)::timestamptz),
    coalesce(sk.altered_on, sk.created_on, to_timestamp(0)::timestamptz), 'ACCOUNTADMIN', sk.comment
from duckdb_views() v
left join memory.main.{MARK}views sk
  on sk.db = v.database_name and sk.sch = v.schema_name and sk.name = v.view_name
where v.database_name = {s} and v.schema_name != '_fs_information_schema' and not v.internal;
"""


class Engine:
    """One DuckDB instance, one fakesnow connection, and a name cache. Not thread-safe: the
    account serialises every call under its lock."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.db_dir = directory / store.DATABASES
        try:
            self.db_dir.mkdir(exist_ok=True)
        except OSError as exc:
            raise store.state_error(
                self.db_dir, f"cannot be created ({exc.strerror})", f"check the permissions of {directory}"
            ) from None
        self.duck = duckdb.connect(":memory:", config={"lambda_syntax": "ENABLE_SINGLE_ARROW"})
        try:
            with self._opening(directory):
                self._setup(directory)
        except BaseException:
            self.duck.close()
            raise

    @contextlib.contextmanager
    def _opening(self, path: Path) -> Iterator[None]:
        """A DuckDB error while opening `path` → one clear error naming the file (and the fix)."""
        try:
            yield
        except duckdb.Error as exc:
            msg = str(exc).split("\n")[0]
            named = _state_file_in(msg, self.directory)
            path = named or path
            if "not a valid DuckDB database file" in msg:
                problem = "is not a DuckDB database file (empty, truncated or overwritten)"
            elif "Could not read enough bytes" in msg:
                problem = f"is truncated (DuckDB: {msg})"
            else:
                problem = f"cannot be opened by DuckDB ({msg})"
            raise store.state_error(path, problem, store.reset_hint(self.directory)) from None

    def damage(self, exc: BaseException, words: set[str]) -> Exception | None:
        """The account-level error for a statement that failed because one of the account's
        DuckDB files is unreadable (DuckDB reads data lazily: a truncated or corrupted file may
        open and fail only when a statement reads the damaged part); None for any other error.
        `words` are the statement's names, to tell which database file it read."""
        seen: set[int] = set()
        current: BaseException | None = exc
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            if isinstance(current, duckdb.Error):
                msg = str(current).split("\n")[0]
                named = _state_file_in(msg, self.directory)
                corrupt = "Corrupt database file" in msg or isinstance(current, duckdb.FatalException)
                if named is not None and isinstance(current, duckdb.IOException):
                    return store.state_error(named, f"cannot be read (DuckDB: {msg})", store.reset_hint(self.directory))
                if corrupt:
                    return store.state_error(
                        named or self._guess_file(words),
                        f"is damaged (DuckDB: {msg})",
                        store.reset_hint(self.directory),
                    )
            current = current.__cause__ or current.__context__
        return None

    def _guess_file(self, words: set[str]) -> Path:
        """The one database file the statement names (DuckDB's checksum errors name none), else
        the directory holding them all."""
        names = [p.stem for p in self.db_dir.glob("*.db") if p.stem in words or p.stem.upper() in words]
        if not names and self.conn.database_set and self.conn.database:
            names = [self.conn.database]
        return self.db_dir / f"{names[0]}.db" if len(names) == 1 else self.db_dir

    def _setup(self, directory: Path) -> None:
        d = self.duck
        with self._opening(directory / store.GLOBAL_DB):
            d.execute(f"ATTACH IF NOT EXISTS {_ds(str(directory / store.GLOBAL_DB))} AS {GLOBAL}")
            d.execute(info_schema.fs_global_creation_sql())
            d.execute(fs_show.fs_global_creation_sql())
        d.execute("SET GLOBAL TimeZone = 'UTC'")
        d.execute(
            f"CREATE TABLE memory.main.{MARK}views (db VARCHAR, sch VARCHAR, name VARCHAR, "
            "is_secure BOOLEAN, comment VARCHAR, text VARCHAR, created_on TIMESTAMPTZ, altered_on TIMESTAMPTZ)"
        )
        d.execute(
            f"CREATE TABLE memory.main.{MARK}columns (db VARCHAR, sch VARCHAR, tbl VARCHAR, col VARCHAR, "
            "comment VARCHAR, data_type VARCHAR)"
        )
        # fakesnow's macros (_fs_to_timestamp behind CAST(… AS TIMESTAMP_NTZ), …) live in each
        # database it creates; a session with no current database resolves them here
        d.execute(macros.creation_sql("memory"))
        self.meta = d.cursor()  # our own catalog queries; fakesnow gets another cursor
        current = {
            (db, name): sql
            for db, name, sql in self.meta.execute(
                "SELECT database_name, view_name, sql FROM duckdb_views() WHERE schema_name = '_fs_information_schema'"
            ).fetchall()
        }
        if MARK not in current.get((GLOBAL, "_fs_columns"), ""):
            d.execute(_GLOBAL_COLUMNS)
            d.execute(_GLOBAL_SHOW_COLUMNS)
            d.execute(_GLOBAL_SHOW_SCHEMAS)
        for path in sorted(self.db_dir.glob("*.db")):
            name = path.stem
            with self._opening(path):
                d.execute(f"ATTACH IF NOT EXISTS {_ds(str(path))} AS {_dq(name)}")
                if MARK not in current.get((name, "_fs_views"), ""):
                    self.install_overrides(name)
        self.conn = FakeSnowflakeConnection(
            d.cursor(), {}, None, None, create_database=False, create_schema=False, db_path=self.db_dir
        )
        self.conn.variables = _SessionVariables()
        self._databases: list[str] | None = None
        self._schemas: dict[str, list[str]] = {}
        self._objects: dict[tuple[str, str], dict[str, str]] = {}
        self._columns: dict[tuple[str, str, str], list[str]] = {}
        self._columns_read: set[tuple[str, str]] = set()  # schemas whose columns were all read once

    def close(self) -> None:
        try:
            self.conn.close()
        finally:
            self.duck.close()

    # -- fakesnow -----------------------------------------------------------------------------
    def run(self, sql: str) -> list[dict[str, Any]]:
        """One statement through fakesnow; rows as dicts keyed by column name."""
        with quiet():
            cur = self.conn.cursor(DictCursor)  # type: ignore[arg-type]  # fakesnow accepts it
            try:
                cur.execute(sql)
                return list(cur.fetchall())  # type: ignore[arg-type]  # DictCursor rows are dicts
            finally:
                self.conn.results_cache.clear()

    def create_view(self, key: tuple[str, str, str], columns: list[str], body: Any, replace: bool) -> None:
        """CREATE [OR REPLACE] VIEW from an already-parsed Snowflake SELECT.

        Same translation as fakesnow's (its own `_transform` pipeline on the body), but skips
        fakesnow's second parse of the statement and its status query: CREATE VIEW is the hot
        statement of an apply, and the saved ~1.5 ms is a fifth of its CPU cost."""
        with quiet():
            sql = fakesnow_transform(self.conn.cursor(), body).sql(dialect="duckdb")
        cols = f" ({', '.join(_dq(c) for c in columns)})" if columns else ""
        verb = "CREATE OR REPLACE VIEW" if replace else "CREATE VIEW"
        try:
            self.conn._duck_conn.execute(f"{verb} {'.'.join(_dq(p) for p in key)}{cols} AS {sql}")
        except duckdb.Error as exc:
            raise _duck_error(exc) from exc

    def select(self, tree: Any, text: str) -> list[dict[str, Any]]:
        """A plain SELECT, translated like `create_view` and run on DuckDB directly; anything
        fakesnow treats specially (RESULT_SCAN, SAMPLE seeds, binds, missing current
        database) takes fakesnow's own path."""
        from fakesnow import checks
        from sqlglot import exp

        no_db, no_schema = checks.is_unqualified_table_expression(tree)
        special = (
            not isinstance(tree, exp.Query)
            or (no_db and not self.conn.database_set)
            or (no_schema and not self.conn.schema_set)
            or tree.find(exp.TableSample, exp.Placeholder, exp.Parameter) is not None
            or "RESULT_SCAN" in text.upper()
        )
        if special:
            return self.run(text)
        with quiet():  # the tree is the caller's no more: generated in place (no deep copy)
            sql = fakesnow_transform(self.conn.cursor(), tree).sql(dialect="duckdb", copy=False)
        try:
            # execute, not .sql(): a relation is bound once and run again by to_arrow_table(),
            # which costs a data query of 50 views a third more; the Arrow rows are the same
            cursor = self.conn._duck_conn.execute(sql)
            table = None if cursor.description is None else cursor.to_arrow_table()
            return [] if table is None else table.to_pylist()
        except duckdb.Error as exc:
            raise _duck_error(exc) from exc

    @property
    def current_database(self) -> str | None:
        return self.conn.database if self.conn.database_set else None

    @property
    def current_schema(self) -> str | None:
        return self.conn.schema if self.conn.schema_set else None

    def install_overrides(self, db: str) -> None:
        """Point `db`'s INFORMATION_SCHEMA views at sharekit's metadata (after CREATE DATABASE)."""
        self.duck.execute(_db_overrides(db))
        self.duck.execute(f"CREATE SCHEMA IF NOT EXISTS {_dq(db)}.PUBLIC")

    def drop_database(self, db: str) -> None:
        if self.conn.database == db:
            self.conn.database = None
            self.conn._schema = None
            self.conn.database_set = self.conn.schema_set = False
            self.conn._duck_conn.execute("SET schema = 'memory.main'")
        path = self.db_dir / f"{db}.db"
        self.duck.execute(f"DETACH DATABASE IF EXISTS {_dq(db)}")
        for p in (path, Path(f"{path}.wal")):
            if p.exists():
                os.remove(p)
        self.invalidate()

    # -- metadata tables ----------------------------------------------------------------------
    def sync_meta(self, views: list[dict[str, Any]], columns: list[dict[str, Any]]) -> None:
        import pyarrow as pa

        for table, rows, cols in (
            ("views", views, ["db", "sch", "name", "is_secure", "comment", "text", "created_on", "altered_on"]),
            ("columns", columns, ["db", "sch", "tbl", "col", "comment", "data_type"]),
        ):
            self.meta.execute(f"DELETE FROM memory.main.{MARK}{table}")
            if rows:
                src = pa.Table.from_pylist(rows, schema=None).select(cols)
                self.meta.register("_sk_src", src)
                try:
                    select = ", ".join(f"{c}::TIMESTAMPTZ" if c in ("created_on", "altered_on") else c for c in cols)
                    self.meta.execute(f"INSERT INTO memory.main.{MARK}{table} SELECT {select} FROM _sk_src")
                finally:
                    self.meta.unregister("_sk_src")

    # -- catalog (exact stored names, cached) -------------------------------------------------
    def invalidate(self) -> None:
        self._databases = None
        self._schemas.clear()
        self._objects.clear()
        self._columns.clear()
        self._columns_read.clear()

    def databases(self) -> list[str]:
        if self._databases is None:
            self._databases = [
                r[0]
                for r in self.meta.execute(
                    "SELECT database_name FROM duckdb_databases() WHERE NOT internal "
                    f"AND database_name NOT IN {HIDDEN_CATALOGS}"
                ).fetchall()
            ]
        return self._databases

    def schemas(self, db: str) -> list[str]:
        if db not in self._schemas:
            self._schemas[db] = [
                r[0]
                for r in self.meta.execute(
                    "SELECT schema_name FROM duckdb_schemas() WHERE database_name = ? "
                    f"AND schema_name NOT IN {HIDDEN_SCHEMAS}",
                    [db],
                ).fetchall()
            ]
        return self._schemas[db]

    def objects(self, db: str, schema: str) -> dict[str, str]:
        key = (db, schema)
        if key not in self._objects:
            rows = self.meta.execute(
                "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
                "UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() "
                "WHERE database_name = ? AND schema_name = ? AND NOT internal",
                [db, schema, db, schema],
            ).fetchall()
            self._objects[key] = dict(rows)
        return self._objects[key]

    def columns(self, db: str, schema: str, name: str) -> list[str]:
        """The object's column names in order. The first miss in a schema reads the columns of
        all its objects in one query (a query of 50 views otherwise costs 50 catalog scans);
        what the schema gains later (note_object forgets it) is read on its own."""
        key = (db, schema, name)
        if key not in self._columns and (db, schema) not in self._columns_read:
            self._columns_read.add((db, schema))
            read: dict[tuple[str, str, str], list[str]] = {}
            for table, column in self.meta.execute(
                "SELECT table_name, column_name FROM system.information_schema.columns WHERE table_catalog = ? "
                "AND table_schema = ? ORDER BY table_name, ordinal_position",
                [db, schema],
            ).fetchall():
                read.setdefault((db, schema, table), []).append(column)
            for known, names in read.items():
                self._columns.setdefault(known, names)
        if key not in self._columns:
            self._columns[key] = [
                r[0]
                for r in self.meta.execute(
                    "SELECT column_name FROM system.information_schema.columns WHERE table_catalog = ? "
                    "AND table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                    [db, schema, name],
                ).fetchall()
            ]
        return self._columns[key]

    def list_views(self, db: str | None, schema: str | None) -> list[tuple[str, str, str, str]]:
        """(database, schema, name, DuckDB's SQL) of user views, ordered as SHOW VIEWS orders."""
        where, params = [], []
        if db is not None:
            where.append("database_name = ?")
            params.append(db)
        if schema is not None:
            where.append("schema_name = ?")
            params.append(schema)
        extra = "".join(f" AND {w}" for w in where)
        return self.meta.execute(
            "SELECT database_name, schema_name, view_name, sql FROM duckdb_views() WHERE NOT internal "
            f"AND schema_name != '_fs_information_schema' AND database_name NOT IN {HIDDEN_CATALOGS}{extra} "
            "ORDER BY 1, 2, 3",
            params,
        ).fetchall()

    def note_object(self, db: str, schema: str, name: str, kind: str | None) -> None:
        """Keep the cache right after we created (kind) or dropped (None) an object ourselves."""
        objects = self._objects.get((db, schema))
        if objects is not None:
            if kind is None:
                objects.pop(name, None)
            else:
                objects[name] = kind
        self._columns.pop((db, schema, name), None)

    # -- exact-name resolution ----------------------------------------------------------------
    def require_database(self, db: str) -> None:
        if db not in self.databases():
            raise sferrors.does_not_exist("Database", db)

    def require_schema(self, db: str, schema: str) -> None:
        self.require_database(db)
        if schema != "INFORMATION_SCHEMA" and schema not in self.schemas(db):
            raise sferrors.does_not_exist("Schema", db, schema)

    def object_kind(self, db: str, schema: str, name: str) -> str | None:
        """'TABLE' / 'VIEW' for an exact match, None when absent; a name that exists only in
        another letter case is absent in Snowflake, but DuckDB could not hold both: say so
        when asked to create it (see `case_clash`)."""
        if db not in self.databases() or schema not in self.schemas(db):
            return None
        return self.objects(db, schema).get(name)

    def case_clash(self, db: str, schema: str, name: str) -> str | None:
        """The existing name that differs from `name` only in letter case, if any."""
        if db not in self.databases() or schema not in self.schemas(db):
            return None
        folded = name.casefold()
        for existing in self.objects(db, schema):
            if existing != name and existing.casefold() == folded:
                return existing
        return None


_QUOTED = re.compile(r'"([^"]+)"')


def _state_file_in(msg: str, directory: Path) -> Path | None:
    """The account's own DuckDB file a DuckDB message names (global.duckdb, databases/X.db, their
    .wal), or None: an IO error about any other file (read_csv('x.csv')) is the statement's."""
    root = os.path.abspath(directory)
    for quoted in _QUOTED.findall(msg):
        path = os.path.abspath(quoted)
        rel = os.path.relpath(path, root)
        if rel in (store.GLOBAL_DB, f"{store.GLOBAL_DB}.wal") or (
            os.path.dirname(rel) == store.DATABASES and rel.endswith((".db", ".db.wal"))
        ):
            return Path(quoted)
    return None


def _duck_error(exc: Exception) -> Exception:
    """A DuckDB error → the connector's ProgrammingError, mapped as fakesnow maps them."""
    from snowflake.connector.errors import ProgrammingError

    msg = str(exc).split("\n")[0]
    if isinstance(exc, duckdb.CatalogException):
        return ProgrammingError(msg=msg, errno=2003, sqlstate="42S02")
    if isinstance(exc, duckdb.ParserException):
        return ProgrammingError(msg=msg, errno=1003, sqlstate="42000")
    if isinstance(exc, duckdb.BinderException):
        return ProgrammingError(msg=msg, errno=2043, sqlstate="02000")
    return ProgrammingError(
        msg=msg, errno=100035 if isinstance(exc, duckdb.ConversionException) else 2, sqlstate="22000"
    )


# -- fakesnow's transform chain, replayed with a tighter walker ---------------------------------
#
# fakesnow's cursor._transform applies ~76 functions, each through sqlglot's generic
# Expr.transform (a generator-based DFS with a prune callback per node). On a CREATE VIEW that
# walk dominates the statement's CPU, and CPU is what threads queue on (the GIL and our lock).
# `_Recorder` captures the chain (functions and arguments, evaluated now, exactly as fakesnow
# builds it); `_walk` applies each function with the same semantics as Expr.transform(copy=False):
# pre-order, children of a node visited only when the function returned that same node, a new
# node set into its parent's slot. tests/test_local_engine.py checks outputs are identical.


class _Recorder:
    def __init__(self) -> None:
        self.steps: list[tuple[Any, tuple, dict]] = []

    def transform(self, fun: Any, *args: Any, copy: bool = True, **kwargs: Any) -> _Recorder:
        self.steps.append((fun, args, kwargs))
        return self


def _walk(root: Any, fun: Any, args: tuple, kwargs: dict, guard: tuple[type, ...] | None = None,
          seen: set[type] | None = None) -> Any:
    """One pass of `fun`; `seen` collects the classes of the nodes the tree holds after it (of
    each node visited, and all of a node put in another's place), given that a transform
    changes only the subtree of the node it is given (fakesnow's read `.parent`, never set it).
    More classes than are left, at worst: a pass is only skipped for the absence of one."""
    from sqlglot import Expr

    result = None
    stack = [root]
    pop, push = stack.pop, stack.append
    note = seen.add if seen is not None else None
    while stack:
        node = pop()
        if guard is None or isinstance(node, guard):
            parent, arg_key, index = node.parent, node.arg_key, node.index
            new = fun(node, *args, **kwargs)
            if not result:
                result = new
            elif parent and arg_key and new is not node:
                parent.set(arg_key, new, index)
            if new is not node:
                if seen is not None and isinstance(new, Expr):
                    seen |= _classes(new)
                continue
        elif not result:  # outside its guard the function returns the node untouched (`_guard`)
            result = node
        if note is not None:
            note(type(node))
        for value in reversed(node.args.values()):
            if type(value) is list:
                for item in reversed(value):
                    if isinstance(item, Expr):
                        push(item)
            elif isinstance(value, Expr):
                push(value)
    return result


def fakesnow_transform(cursor: Any, tree: Any) -> Any:
    """fakesnow's `_transform(tree)`, faster; falls back to it if the chain cannot be recorded.
    A function with a guard (`_guard`) is not called outside it, and its pass is skipped when
    the tree holds no node of its classes."""
    recorder = _Recorder()
    try:
        recorded = cursor._transform(recorder, None)
    except Exception:  # noqa: BLE001 - fakesnow changed shape: use it as is
        recorded = None
    if recorded is not recorder or not recorder.steps:
        return cursor._transform(tree, None)
    present = _classes(tree)  # at least the node classes the tree holds, kept by each pass
    for fun, args, kwargs in recorder.steps:
        guard = _guard(fun)
        if guard is not None and not any(issubclass(cls, guard) for cls in present):
            continue  # no node the function acts on: the pass would change nothing
        seen: set[type] = set()
        tree = _walk(tree, fun, args, kwargs, guard, seen)
        present = seen
    return tree


def _classes(root: Any) -> set[type]:
    """The classes of the nodes of a tree (the traversal `_walk` makes, without calls)."""
    from sqlglot import Expr

    seen: set[type] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        seen.add(type(node))
        for value in node.args.values():
            if type(value) is list:
                stack.extend(item for item in value if isinstance(item, Expr))
            elif isinstance(value, Expr):
                stack.append(value)
    return seen


_guards: dict[Any, tuple[type, ...] | None] = {}


def _guard(fun: Any) -> tuple[type, ...] | None:
    """The node classes outside which `fun` is the identity, read from its source, or None.

    Most fakesnow transforms are `def f(expression, …): [docstring] if isinstance(expression,
    exp.X) and …: … [more such ifs] return expression`: for a node of no X class every test is
    false at its first operand (isinstance has no side effect) and the node comes back as it
    was; `if not isinstance(expression, exp.X) [or …]: return expression` first says the same. A
    lambda that only forwards the node (`_forwarded_to`) has its target's guard. Anything else
    gives None: called on every node, as fakesnow does."""
    code = getattr(fun, "__code__", None)
    if code is None or hasattr(fun, "__wrapped__"):  # its source is not what runs
        return None
    if code not in _guards:
        if fun.__name__ == "<lambda>":
            target = _forwarded_to(fun)
            _guards[code] = None if target is None else _guard(target)
        else:
            _guards[code] = _read_guard(fun)
    return _guards[code]


_LOADS = {"LOAD_FAST", "LOAD_DEREF", "LOAD_ATTR", "LOAD_CONST", "KW_NAMES"}


def _forwarded_to(fun: Any) -> Any:
    """The function a `lambda e: module.f(e, <names and attributes>)` calls with the node
    first (fakesnow's chain passes its connection's settings that way), read from the bytecode;
    None for any other lambda. Skipping the call skips only reading those attributes."""
    import dis

    code = fun.__code__
    if code.co_argcount != 1 or code.co_kwonlyargcount or code.co_flags & 0x0C:  # *args / **kwargs
        return None
    ops = [(i.opname, i.argval) for i in dis.get_instructions(fun)
           if i.opname not in ("COPY_FREE_VARS", "RESUME", "CACHE", "PUSH_NULL", "NOP")]
    if (len(ops) < 5 or ops[0][0] != "LOAD_GLOBAL" or ops[1][0] != "LOAD_ATTR"
            or ops[2] != ("LOAD_FAST", code.co_varnames[0]) or ops[-1][0] != "RETURN_VALUE"):
        return None
    middle = ops[3:-1]
    while middle and middle[-1][0] in ("CALL", "PRECALL"):
        middle = middle[:-1]
    if len(ops) - 4 - len(middle) not in (1, 2) or ops[-2][0] != "CALL" or any(op not in _LOADS for op, _ in middle):
        return None
    target = getattr(fun.__globals__.get(ops[0][1]), ops[1][1], None)
    return target if callable(target) and getattr(target, "__name__", "<lambda>") != "<lambda>" else None


def _read_guard(fun: Any) -> tuple[type, ...] | None:
    import ast
    import inspect
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fun)))
    except (OSError, TypeError, SyntaxError):
        return None
    definition = tree.body[0] if len(tree.body) == 1 else None
    if not isinstance(definition, ast.FunctionDef) or not definition.args.args or definition.decorator_list:
        return None
    param, scope = definition.args.args[0].arg, fun.__globals__
    body = definition.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    first = body[0] if body else None
    if isinstance(first, ast.If) and not first.orelse and _returns(first.body, param):
        # `if not isinstance(…) [or …]` / `if not (isinstance(…) and …)`: return expression
        test = first.test
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
            test = test.values[0]
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            test = test.operand
            if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
                test = test.values[0]
            found = _isinstance_of(test, param, scope)
            return tuple(found) if found else None
    if not (len(body) > 1 and _returns(body[-1:], param)):
        return None
    classes: list[type] = []
    for statement in body[:-1]:
        found = _if_chain(statement, param, scope)
        if found is None:
            return None
        classes += found
    return tuple(classes) or None


def _returns(body: list[Any], param: str) -> bool:
    import ast

    return (len(body) == 1 and isinstance(body[0], ast.Return) and isinstance(body[0].value, ast.Name)
            and body[0].value.id == param)


def _if_chain(statement: Any, param: str, scope: dict[str, Any]) -> list[type] | None:
    """The classes of `if isinstance(param, X) [and …]: … [elif isinstance(param, Y) …: …]`
    (no `else`), or None for any other statement."""
    import ast

    if not isinstance(statement, ast.If):
        return None
    test = statement.test
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        test = test.values[0]
    found = _isinstance_of(test, param, scope)
    if found is None or not statement.orelse:
        return found
    more = _if_chain(statement.orelse[0], param, scope) if len(statement.orelse) == 1 else None
    return None if more is None else found + more


def _isinstance_of(test: Any, param: str, scope: dict[str, Any]) -> list[type] | None:
    """The classes of `isinstance(param, exp.X | (exp.X, exp.Y))`, or None for any other test."""
    import ast

    if not (isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance"
            and len(test.args) == 2 and not test.keywords and scope.get("isinstance", isinstance) is isinstance
            and isinstance(test.args[0], ast.Name) and test.args[0].id == param):
        return None
    names = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
    classes: list[type] = []
    for name in names:
        if isinstance(name, ast.Attribute) and isinstance(name.value, ast.Name):
            value = getattr(scope.get(name.value.id), name.attr, None)  # exp.X
        elif isinstance(name, ast.Name):
            value = scope.get(name.id)  # a module-level class or tuple of classes
        else:
            return None
        found = value if isinstance(value, tuple) else (value,)
        if not found or not all(isinstance(cls, type) for cls in found):
            return None
        classes += found
    return classes

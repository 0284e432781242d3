"""Stages on the local account: directories, and COPY INTO <stage>, GET and LIST over them.

Enough of Snowflake's unloading for `sharekit export` and a user's own look at the files:

    CREATE [OR REPLACE] STAGE [IF NOT EXISTS] [DB.SCHEMA.]NAME [URL = '…' STORAGE_INTEGRATION = X] [COMMENT = '…']
    COPY INTO '@STAGE/path/' FROM (SELECT …) FILE_FORMAT = (TYPE = CSV|JSON|PARQUET …)
        [MAX_FILE_SIZE = n] [HEADER = TRUE] [DETAILED_OUTPUT = TRUE]
    GET '@STAGE/path/' 'file:///dir/'
    LIST '@STAGE/path/'   (or LIST @STAGE/path/)
    REMOVE '@STAGE/path/' (or RM; what a failed export's unrecorded folder needs)

A stage is `stages/<db>/<schema>/<name>/` under the account directory (names percent-encoded),
its files under `files/`. A stage with a URL is a local directory too: nothing reaches a cloud.
CSV and JSON are written gzipped (CSV through DuckDB's COPY; JSON as one object per line from
the SELECT's one column), Parquet through DuckDB with Snappy. A result larger than MAX_FILE_SIZE
is split into parts of about that size (by rows), each CSV part with its header. File names
follow Snowflake's `data_0_0_<n>.<ext>`.
"""

from __future__ import annotations

import gzip
import json
import math
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlparse

from sharekit.local import resolve, sferrors
from sharekit.local.engine import Engine, fakesnow_transform, quiet
from sharekit.local.sqltext import NUMBER, QIDENT, STRING, WORD, Reader, Statement, Token
from sharekit.sql import identifiers

STAGES = "stages"
DEFAULT_MAX_FILE_SIZE = 16 * 1024 * 1024  # Snowflake's default MAX_FILE_SIZE
_TEMP = "memory.main._sk1_copy"
_EXTENSIONS = {"CSV": "csv.gz", "JSON": "json.gz", "PARQUET": "snappy.parquet"}


def _duck_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Stages:
    """The account's stages. Not thread-safe: the account calls it under its lock."""

    def __init__(self, directory: Path, engine: Engine) -> None:
        self.root = directory / STAGES
        self.engine = engine

    @staticmethod
    def handles(stmt: Statement) -> bool:
        words, tokens = stmt.words, stmt.tokens
        if words[:1] in (["LIST"], ["LS"], ["GET"], ["REMOVE"], ["RM"]):
            return True
        if words[:2] == ["COPY", "INTO"] and len(tokens) > 2:
            third = tokens[2]
            return third.is_op("@") or (third.kind == STRING and third.value.startswith("@"))
        return words[:1] == ["CREATE"] and "STAGE" in words[1:6]

    def run(self, stmt: Statement) -> list[dict[str, Any]]:
        first = stmt.words[0]
        if first == "CREATE":
            return self._create(stmt)
        if first == "COPY":
            return self._copy(stmt)
        if first == "GET":
            return self._get(stmt)
        if first in ("REMOVE", "RM"):
            return self._remove(stmt)
        return self._list(stmt)

    # -- names --------------------------------------------------------------------------------
    def _stage_key(self, written: str) -> tuple[str, str, str]:
        return self._qualify([identifiers.normalize(p) for p in identifiers.split(written)], written)

    def _qualify(self, parts: list[str], written: str) -> tuple[str, str, str]:
        db, schema = self.engine.current_database, self.engine.current_schema
        if len(parts) == 1:
            if db is None or schema is None:
                raise sferrors.no_current("database" if db is None else "schema", "stage")
            parts = [db, schema, *parts]
        elif len(parts) == 2:
            if db is None:
                raise sferrors.no_current("database", "stage")
            parts = [db, *parts]
        if len(parts) != 3:
            raise sferrors.syntax_error(written, 0, f"unexpected stage name '{written}'")
        return parts[0], parts[1], parts[2]

    def _dir(self, key: tuple[str, str, str]) -> Path:
        return self.root.joinpath(*(quote(part, safe="") for part in key))

    def _location(self, text: str) -> tuple[tuple[str, str, str], Path, str, str]:
        """'@DB.S.STAGE/path/prefix' → (stage key, stage files dir, path inside the stage, file prefix)."""
        if not text.startswith("@"):
            raise sferrors.syntax_error(text, 0, "a stage location starts with '@'")
        name, path, in_quotes = text[1:], "", False
        for i, ch in enumerate(text[1:]):
            if ch == '"':
                in_quotes = not in_quotes
            elif ch == "/" and not in_quotes:
                name, path = text[1 : i + 1], text[i + 2 :]
                break
        key = self._stage_key(name)
        directory = self._dir(key)
        if not directory.is_dir():
            raise sferrors.does_not_exist("Stage", *key)
        if any(part == ".." for part in path.split("/")):
            raise sferrors.local_limitation("'..' in a stage path")
        folder, _, prefix = path.rpartition("/")
        return key, directory / "files", folder, prefix

    @staticmethod
    def _location_text(r: Reader, stmt: Statement) -> str:
        """A location written as a string literal, or bare (`@A.B.C/path/` up to the next space)."""
        tok = r.next()
        if tok.kind == STRING:
            return tok.value
        if not tok.is_op("@"):
            raise r.error("expected a stage location such as '@STAGE/path/'", tok)
        end = tok.end
        while r.peek() is not None and r.peek().start == end:  # type: ignore[union-attr]
            end = r.next().end
        return stmt.text[tok.start : end]

    # -- CREATE STAGE -------------------------------------------------------------------------
    def _create(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("CREATE")
        replace = r.accept_words("OR", "REPLACE")
        r.accept_word("TEMPORARY", "TEMP")
        r.expect_word("STAGE")
        if_not_exists = r.accept_words("IF", "NOT", "EXISTS")
        names = [self._part(t) for t in self._name_tokens(r)]
        key = self._qualify(names, ".".join(identifiers.quote(n) for n in names))
        options = self._options(r)
        self.engine.require_schema(key[0], key[1])
        directory = self._dir(key)
        name = key[2]
        if directory.is_dir():
            if if_not_exists:
                return [{"status": f"{name} already exists, statement succeeded."}]
            if not replace:
                raise sferrors.already_exists(name)
            shutil.rmtree(directory)
        (directory / "files").mkdir(parents=True)
        meta = {"url": options.get("URL"), "storage_integration": options.get("STORAGE_INTEGRATION"),
                "comment": options.get("COMMENT"), "created_on": datetime.now(UTC).isoformat()}
        (directory / "stage.json").write_text(json.dumps(meta), encoding="utf-8")
        return [{"status": f"Stage area {name} successfully created."}]

    @staticmethod
    def _name_tokens(r: Reader) -> list[Token]:
        tokens = [r.next()]
        while r.accept_op("."):
            tokens.append(r.next())
        return tokens

    @staticmethod
    def _part(tok: Token) -> str:
        if tok.kind in (WORD, QIDENT):
            return tok.value
        raise sferrors.syntax_error(tok.text, 0, f"unexpected '{tok.text}'")

    def _options(self, r: Reader) -> dict[str, Any]:
        """`KEY = value` pairs up to the end; a value is a word, string, number or `( … )`."""
        options: dict[str, Any] = {}
        while not r.at_end():
            tok = r.next()
            if tok.kind != WORD:
                raise r.error(f"unexpected '{tok.text}'", tok)
            r.expect_op("=")
            if r.accept_op("("):
                inner: dict[str, Any] = {}
                while not r.accept_op(")"):
                    word = r.next()
                    r.expect_op("=")
                    inner[word.value] = self._value(r)
                options[tok.value] = inner
            else:
                options[tok.value] = self._value(r)
        return options

    @staticmethod
    def _value(r: Reader) -> Any:
        if r.accept_op("("):  # a list: NULL_IF = ('', 'NULL')
            items = []
            while not r.accept_op(")"):
                if not r.accept_op(","):
                    items.append(r.next().value)
            return items
        tok = r.next()
        if tok.kind == NUMBER:
            return int(float(tok.value))
        if tok.kind == WORD and tok.value in ("TRUE", "FALSE"):
            return tok.value == "TRUE"
        return tok.value

    # -- COPY INTO <stage> --------------------------------------------------------------------
    def _copy(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("COPY")
        r.expect_word("INTO")
        _, files, folder, prefix = self._location(self._location_text(r, stmt))
        r.expect_word("FROM")
        if not r.at_op("("):
            raise sferrors.local_limitation("COPY INTO a stage from a table name: write FROM (SELECT …)")
        opening = r.next()
        depth, closing = 1, opening
        while depth:
            closing = r.next()
            depth += 1 if closing.is_op("(") else -1 if closing.is_op(")") else 0
        select = stmt.text[opening.end : closing.start]
        options = self._options(r)
        file_format = options.get("FILE_FORMAT") or {}
        kind = str(file_format.get("TYPE", "CSV")).upper()
        if kind not in _EXTENSIONS:
            raise sferrors.local_limitation(f"unloading FILE_FORMAT TYPE = {kind}")
        max_size = int(options.get("MAX_FILE_SIZE", DEFAULT_MAX_FILE_SIZE))
        header = bool(options.get("HEADER", False))
        count, columns = self._materialize(stmt.text, select, opening.end)
        try:
            if kind == "JSON" and len(columns) != 1:
                raise sferrors.local_limitation(
                    "JSON unloading needs exactly one column (an OBJECT, e.g. OBJECT_CONSTRUCT_KEEP_NULL(…))")
            written = self._write(kind, count, files / folder, prefix or "data", max_size, header, file_format)
        finally:
            self.engine.conn._duck_conn.execute(f"DROP TABLE IF EXISTS {_TEMP}")
        base = files
        if options.get("DETAILED_OUTPUT"):
            return [{"FILE_NAME": path.relative_to(base).as_posix(), "FILE_SIZE": path.stat().st_size,
                     "ROW_COUNT": rows} for path, rows in written]
        size = sum(path.stat().st_size for path, _ in written)
        return [{"rows_unloaded": count, "input_bytes": size, "output_bytes": size}]

    def _materialize(self, text: str, select: str, offset: int) -> tuple[int, list[str]]:
        tree = resolve.parse(select, offset, text)
        resolve.analyze(tree, text, offset, self.engine, self.engine.current_database, self.engine.current_schema)
        with quiet():
            sql = fakesnow_transform(self.engine.conn.cursor(), tree).sql(dialect="duckdb")
        duck = self.engine.conn._duck_conn
        duck.execute(f"CREATE OR REPLACE TABLE {_TEMP} AS {sql}")
        (count,) = duck.execute(f"SELECT COUNT(*) FROM {_TEMP}").fetchone() or (0,)
        columns = [row[0] for row in duck.execute(f"DESCRIBE {_TEMP}").fetchall()]
        return int(count), columns

    def _write(self, kind: str, count: int, folder: Path, prefix: str, max_size: int, header: bool,
               file_format: dict[str, Any]) -> list[tuple[Path, int]]:
        """The rows of the materialized SELECT as files of at most about `max_size` bytes."""
        if count == 0:
            return []
        folder.mkdir(parents=True, exist_ok=True)
        parts = 1
        while True:
            per_part = math.ceil(count / parts)
            written = []
            for n in range(parts):
                path = folder / f"{prefix}_0_0_{n}.{_EXTENSIONS[kind]}"
                rows = min(per_part, count - n * per_part)
                if rows <= 0:
                    break
                self._write_part(kind, path, n * per_part, rows, header)
                written.append((path, rows))
            largest = max(path.stat().st_size for path, _ in written)
            if largest <= max_size or per_part == 1:
                return written
            for path, _ in written:
                path.unlink()
            parts = max(parts + 1, math.ceil(parts * largest / max_size * 1.1))

    def _write_part(self, kind: str, path: Path, offset: int, rows: int, header: bool) -> None:
        duck = self.engine.conn._duck_conn
        part = f"SELECT * FROM {_TEMP} LIMIT {int(rows)} OFFSET {int(offset)}"
        target = _duck_literal(str(path))
        if kind == "CSV":
            duck.execute(f"COPY ({part}) TO {target} (FORMAT csv, HEADER {str(header).lower()}, COMPRESSION gzip, "
                         "FORCE_QUOTE *, DATEFORMAT '%Y-%m-%d', TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S')")
        elif kind == "PARQUET":
            duck.execute(f"COPY ({part}) TO {target} (FORMAT parquet, COMPRESSION snappy)")
        else:
            values = duck.execute(f"SELECT CAST(COLUMNS(*) AS VARCHAR) FROM ({part})").fetchall()
            with gzip.open(path, "wt", encoding="utf-8", newline="\n") as out:
                for (value,) in values:
                    out.write(("null" if value is None else value) + "\n")

    # -- GET, LIST ----------------------------------------------------------------------------
    def _matching(self, location: str) -> tuple[Path, list[Path]]:
        _, files, folder, prefix = self._location(location)
        start = files / folder
        if not start.is_dir():
            return files, []
        found = [p for p in start.rglob("*") if p.is_file() and p.relative_to(start).as_posix().startswith(prefix)]
        return files, sorted(found)

    def _get(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("GET")
        location = self._location_text(r, stmt)
        target_tok = r.next()
        target = target_tok.value if target_tok.kind == STRING else stmt.text[target_tok.start :].split()[0]
        url = urlparse(target)
        if url.scheme != "file":
            raise sferrors.syntax_error(stmt.text, target_tok.start, "GET needs a file:// target directory")
        directory = Path(unquote(url.path))
        directory.mkdir(parents=True, exist_ok=True)
        _, found = self._matching(location)
        rows = []
        for path in found:
            shutil.copyfile(path, directory / path.name)
            rows.append({"file": path.name, "size": path.stat().st_size, "status": "DOWNLOADED", "message": ""})
        return rows

    def _list(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.next()
        location = self._location_text(r, stmt)
        key, _ = self._location(location)[:2]
        files, found = self._matching(location)
        return [{"name": f"{key[2].lower()}/{p.relative_to(files).as_posix()}", "size": p.stat().st_size,
                 "md5": None, "last_modified": datetime.fromtimestamp(p.stat().st_mtime, UTC).isoformat()}
                for p in found]

    def _remove(self, stmt: Statement) -> list[dict[str, Any]]:
        """REMOVE: the matching files go; one row per file (name, result), as Snowflake answers."""
        r = Reader(stmt)
        r.next()
        location = self._location_text(r, stmt)
        key = self._location(location)[0]
        files, found = self._matching(location)
        rows = []
        for path in found:
            path.unlink()
            rows.append({"name": f"{key[2].lower()}/{path.relative_to(files).as_posix()}", "result": "removed"})
        return rows

"""DDL that needs more than fakesnow: views (SECURE, comments, COPY GRANTS, submitted text),
tables (column comments, TIMESTAMP_LTZ), and drops that must take grants off shares.

fakesnow creates the DuckDB objects; sharekit keeps what fakesnow drops in the store:
`view` records {secure, comment, text, created_on, altered_on, column_comments, column_types}
and `table` records {column_comments, column_types}, keyed by exact (db, schema, name).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from sharekit.local import resolve, sferrors
from sharekit.local.engine import Engine
from sharekit.local.shares import OK, Shares
from sharekit.local.sqltext import Reader, Statement, replace_calls, tokenize
from sharekit.local.store import Store, now_iso
from sharekit.sql import identifiers

Key = tuple[str, str, str]


@dataclass
class ViewDef:
    or_replace: bool
    secure: bool
    if_not_exists: bool
    parts: list[str]
    columns: list[tuple[str, str | None]] = field(default_factory=list)  # (stored name, comment)
    copy_grants: bool = False
    comment: str | None = None
    body: str = ""
    body_start: int = 0


def parse_create_view(stmt: Statement) -> ViewDef:
    r = Reader(stmt)
    r.expect_word("CREATE")
    or_replace = r.accept_words("OR", "REPLACE")
    secure = r.accept_word("SECURE") is not None
    if r.at_word("LOCAL", "GLOBAL", "TEMP", "TEMPORARY", "VOLATILE", "RECURSIVE", "MATERIALIZED"):
        kind = r.expect_word("LOCAL", "GLOBAL", "TEMP", "TEMPORARY", "VOLATILE", "RECURSIVE", "MATERIALIZED")
        raise sferrors.local_limitation(f"{kind} views are not modelled")
    r.expect_word("VIEW")
    if_not_exists = r.accept_words("IF", "NOT", "EXISTS")
    if or_replace and if_not_exists:
        raise r.error("OR REPLACE and IF NOT EXISTS are incompatible")
    view = ViewDef(or_replace, secure, if_not_exists, r.name(3))
    if r.accept_op("("):
        while True:
            name = r.name_part()
            comment = r.string() if r.accept_word("COMMENT") else None
            if r.at_word("WITH", "MASKING", "PROJECTION", "TAG"):
                raise sferrors.local_limitation("column policies and tags on views are not modelled")
            view.columns.append((name, comment))
            if r.accept_op(")"):
                break
            r.expect_op(",")
    while not r.at_word("AS"):
        if r.accept_words("COPY", "GRANTS"):
            view.copy_grants = True
        elif r.accept_word("COMMENT"):
            r.expect_op("=")
            view.comment = r.string()
        elif r.accept_word("CHANGE_TRACKING"):
            r.expect_op("=")
            r.boolean()
        elif r.at_word("WITH", "ROW", "TAG", "COPY", "IGNORE"):
            raise sferrors.local_limitation("view policies, tags and COPY (…) options are not modelled")
        else:
            raise r.error("expected AS")
    r.next()
    first = r.peek()
    if first is None:
        raise r.error("expected a query after AS")
    view.body_start = first.start
    view.body = stmt.text[first.start :]
    return view


class Ddl:
    def __init__(self, store: Store, engine: Engine, shares: Shares, context: Mapping[str, str | None]) -> None:
        self.store = store
        self.engine = engine
        self.shares = shares
        self.context = context  # CURRENT_ACCOUNT() etc. → value

    # -- helpers ------------------------------------------------------------------------------
    def qualify(self, parts: list[str], kind: str = "object") -> Key:
        db, sch = self.engine.current_database, self.engine.current_schema
        if len(parts) == 3:
            return parts[0], parts[1], parts[2]
        if len(parts) == 2 and db:
            return db, parts[0], parts[1]
        if len(parts) == 1 and db and sch:
            return db, sch, parts[0]
        raise sferrors.no_current("database" if not db or len(parts) == 2 else "schema", kind)

    def declared_types(self, key: Key) -> dict[str, str]:
        meta = self.store.get("view", key) or self.store.get("table", key) or {}
        return meta.get("column_types", {})

    def _no_case_clash(self, db: str, sch: str, name: str) -> None:
        clash = self.engine.case_clash(db, sch, name)
        if clash is not None:
            raise sferrors.local_limitation(
                f"{identifiers.fqn(db, sch, name)} differs from existing {identifiers.fqn(db, sch, clash)} "
                "only in letter case; Snowflake keeps both, the local account (DuckDB) cannot"
            )

    # -- views --------------------------------------------------------------------------------
    def create_view(self, stmt: Statement) -> list[dict[str, Any]]:
        view = parse_create_view(stmt)
        key = self.qualify(view.parts, "view")
        db, sch, name = key
        self.engine.require_schema(db, sch)
        self._no_case_clash(db, sch, name)
        existing = self.engine.object_kind(db, sch, name)
        if existing is not None:
            if view.if_not_exists:
                return [{"status": f"{identifiers.quote(name)} already exists, statement succeeded."}]
            if not view.or_replace or existing != "VIEW":
                raise sferrors.already_exists(name)
        tree = resolve.parse(view.body, view.body_start, stmt.text)
        analysis = resolve.analyze(
            tree, stmt.text, view.body_start, self.engine, self.engine.current_database, self.engine.current_schema
        )
        names = [c for c, _ in view.columns]
        selects = resolve.projections(tree)
        if names and selects is not None and len(selects) != len(names):
            raise sferrors.view_column_count(name, len(names), len(selects))
        if not names and selects is not None:
            names = [_output_name(e) for e in selects]
        types = resolve.column_types(tree, analysis, [n for n in names if n], self.declared_types)
        body = replace_calls(view.body, self.context)
        if body != view.body:
            tree = resolve.parse(body)
        self.engine.create_view(key, names if view.columns else [], tree, replace=existing is not None)
        if existing and not view.copy_grants:
            self.shares.drop_grants_on(("VIEW",), key)  # Snowflake drops them: reference §3.4
        stamp = now_iso()
        self.store.put(
            "view",
            key,
            {
                "secure": view.secure,
                "comment": view.comment,
                "text": stmt.text,
                "created_on": stamp,
                "altered_on": stamp,
                "column_comments": {c: t for c, t in view.columns if t is not None},
                "column_types": types,
            },
        )
        self.engine.note_object(db, sch, name, "VIEW")
        return [{"status": f"View {name} successfully created."}]

    def _existing(self, parts: list[str], kind: str, if_exists: bool) -> Key | None:
        key = self.qualify(parts, kind.lower())
        actual = self.engine.object_kind(*key)
        if actual is None or (kind in ("VIEW", "TABLE") and actual != kind):
            if if_exists:
                return None
            raise sferrors.does_not_exist(kind.capitalize(), *key)
        return key

    def alter_view(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("ALTER")
        r.expect_word("VIEW")
        if_exists = r.accept_words("IF", "EXISTS")
        parts = r.name(3)
        key = self._existing(parts, "VIEW", if_exists)
        if key is None:
            return OK
        meta = dict(self.store.get("view", key) or _bare_meta(self.engine, key))
        meta["column_comments"] = dict(meta.get("column_comments", {}))
        action = r.expect_word("SET", "UNSET", "RENAME", "ALTER", "MODIFY")
        if action == "RENAME":
            r.expect_word("TO")
            target = r.name(3)
            new = (*key[: 3 - len(target)], *target)  # an unqualified new name stays in the view's schema
            r.expect_end()
            if new[:2] != key[:2]:
                raise sferrors.local_limitation("moving a view to another schema is not modelled")
            self._no_case_clash(*new)
            if self.engine.object_kind(*new) is not None:
                raise sferrors.already_exists(new[2])
            self.engine.run(f"ALTER VIEW {identifiers.fqn(*key)} RENAME TO {identifiers.quote(new[2])}")
            self.store.delete("view", key)
            self.store.put("view", new, dict(meta, altered_on=now_iso()))
            self.shares.rename_object(key, new)
            self.engine.note_object(key[0], key[1], key[2], None)
            self.engine.note_object(new[0], new[1], new[2], "VIEW")
            return OK
        if action in ("ALTER", "MODIFY"):
            r.accept_word("COLUMN")
            column = r.name_part()
            if column not in self.engine.columns(*key):
                raise sferrors.invalid_identifier(stmt.text, r.tokens[r.pos - 1].start, identifiers.quote(column))
            if r.accept_word("COMMENT"):
                meta["column_comments"][column] = r.string()
            else:
                r.expect_word("UNSET")
                r.expect_word("COMMENT")
                meta["column_comments"].pop(column, None)
        elif action == "SET":
            option = r.expect_word("SECURE", "COMMENT", "CHANGE_TRACKING", "TAG")
            if option == "TAG":
                raise sferrors.local_limitation("tags on views are not modelled")
            if option == "SECURE":
                meta["secure"] = True
            else:
                r.expect_op("=")
                value: Any = r.string() if option == "COMMENT" else r.boolean()
                if option == "COMMENT":
                    meta["comment"] = value
        else:
            option = r.expect_word("SECURE", "COMMENT", "CHANGE_TRACKING", "TAG")
            if option == "TAG":
                raise sferrors.local_limitation("tags on views are not modelled")
            if option == "SECURE":
                meta["secure"] = False
            elif option == "COMMENT":
                meta["comment"] = None
        r.expect_end()
        meta["altered_on"] = now_iso()
        self.store.put("view", key, meta)
        return OK

    def comment_on(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("COMMENT")
        r.expect_word("ON")
        kind = r.expect_word("VIEW", "COLUMN", "TABLE")
        if_exists = r.accept_words("IF", "EXISTS")
        if kind == "TABLE":
            return self.engine.run(stmt.text)
        parts = r.name(4)
        r.expect_word("IS")
        text = r.string()
        r.expect_end()
        if kind == "VIEW":
            key = self._existing(parts, "VIEW", if_exists)
            if key is not None:
                meta = dict(self.store.get("view", key) or _bare_meta(self.engine, key))
                self.store.put("view", key, dict(meta, comment=text, altered_on=now_iso()))
            return OK
        if len(parts) < 2:
            raise r.error("expected <object>.<column>")
        column = parts[-1]
        key = self.qualify(parts[:-1])
        actual = self.engine.object_kind(*key)
        if actual is None:
            if if_exists:
                return OK
            raise sferrors.object_missing(*key)
        if column not in self.engine.columns(*key):
            raise sferrors.invalid_identifier(stmt.text, 0, identifiers.quote(column))
        record_kind = "view" if actual == "VIEW" else "table"
        if actual == "TABLE":
            self.engine.run(f"COMMENT ON COLUMN {identifiers.fqn(*key, column)} IS {identifiers.string_literal(text)}")
        meta = dict(self.store.get(record_kind, key) or ({} if actual == "TABLE" else _bare_meta(self.engine, key)))
        meta["column_comments"] = dict(meta.get("column_comments", {}), **{column: text})
        self.store.put(record_kind, key, meta)
        return OK

    # -- tables -------------------------------------------------------------------------------
    def create_table(self, stmt: Statement) -> list[dict[str, Any]]:
        tree = resolve.parse(stmt.text)
        table = tree.find(exp.Table) if isinstance(tree, exp.Create) else None
        if table is None or not isinstance(table.this, exp.Identifier):
            return self.engine.run(stmt.text)
        parts = [
            resolve.stored(p) for p in (table.args.get("catalog"), table.args.get("db"), table.this) if p is not None
        ]
        key = self.qualify(parts, "table")
        self.engine.require_schema(*key[:2])
        self._no_case_clash(*key)
        existing = self.engine.object_kind(*key)
        if existing is not None and tree.args.get("exists"):
            return [{"status": f"{identifiers.quote(key[2])} already exists, statement succeeded."}]
        rows = self.engine.run(replace_calls(stmt.text, self.context))
        copy_grants = any(isinstance(p, exp.CopyGrantsProperty) for p in tree.find_all(exp.CopyGrantsProperty))
        if existing is not None and not copy_grants:
            self.shares.drop_grants_on(("TABLE", "VIEW"), key)
        comments, types = {}, {}
        schema = tree.this if isinstance(tree.this, exp.Schema) else None
        for coldef in schema.expressions if schema is not None else []:
            if not isinstance(coldef, exp.ColumnDef) or not isinstance(coldef.this, exp.Identifier):
                continue
            col = resolve.stored(coldef.this)
            kind = coldef.args.get("kind")
            if isinstance(kind, exp.DataType) and kind.this == exp.DataType.Type.TIMESTAMPLTZ:
                types[col] = "TIMESTAMP_LTZ"
            for constraint in coldef.constraints:
                if isinstance(constraint.kind, exp.CommentColumnConstraint):
                    comments[col] = constraint.kind.this.name
        self.store.delete("view", key)
        self.store.put("table", key, {"column_comments": comments, "column_types": types})
        self.engine.note_object(*key, "TABLE")
        return rows

    # -- drops --------------------------------------------------------------------------------
    def drop(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("DROP")
        kind = r.expect_word("VIEW", "TABLE", "SCHEMA", "DATABASE")
        if_exists = r.accept_words("IF", "EXISTS")
        parts = r.name({"DATABASE": 1, "SCHEMA": 2}.get(kind, 3))
        r.accept_word("CASCADE", "RESTRICT")
        r.expect_end()
        if kind in ("VIEW", "TABLE"):
            key = self._existing(parts, kind, if_exists)
            if key is None:
                return [{"status": "Drop statement executed successfully (object does not exist)."}]
            rows = self.engine.run(f"DROP {kind} {identifiers.fqn(*key)}")
            self.store.delete(kind.lower(), key)
            self.shares.drop_grants_on((kind,), key)
            self.engine.note_object(*key, None)
            return rows
        if kind == "SCHEMA":
            db = parts[0] if len(parts) == 2 else self.engine.current_database
            if db is None:
                self.qualify(parts[-1:], "schema")
            target: tuple[str, ...] = (str(db), parts[-1])  # db is set: qualify() raised otherwise
            if db not in self.engine.databases() or target[1] not in self.engine.schemas(db):
                if if_exists:
                    return OK
                raise sferrors.does_not_exist("Schema", *target)
            rows = self.engine.run(f"DROP SCHEMA {identifiers.fqn(*target)} CASCADE")
        else:
            target = (parts[0],)
            if parts[0] not in self.engine.databases():
                if if_exists:
                    return OK
                raise sferrors.does_not_exist("Database", *target)
            self.engine.drop_database(parts[0])
            rows = [{"status": f"{identifiers.quote(parts[0])} successfully dropped."}]
        for record_kind in ("view", "table", "database"):
            for key in [k for k in self.store.data[record_kind] if k[: len(target)] == target]:
                self.store.delete(record_kind, key)
        self.shares.drop_grants_under(target)
        self.engine.invalidate()
        return rows

    def create_database(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("CREATE")
        or_replace = r.accept_words("OR", "REPLACE")
        r.accept_word("TRANSIENT")
        r.expect_word("DATABASE")
        if_not_exists = r.accept_words("IF", "NOT", "EXISTS")
        name = r.name_part()
        origin = None
        if r.accept_words("FROM", "SHARE"):  # an imported database: its objects cannot be shared again
            origin = ".".join(identifiers.quote(part) for part in r.name(3))
            r.expect_end()
        elif not r.at_end():  # CLONE, options: leave to fakesnow
            return self.engine.run(stmt.text)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            # fakesnow names the database's DuckDB file and catalog after it, unquoted.
            raise sferrors.local_limitation(
                f"database name {identifiers.quote(name)}: only letters, digits and _ are supported locally"
            )
        exists = name in self.engine.databases()
        if not exists and any(d.casefold() == name.casefold() for d in self.engine.databases()):
            raise sferrors.local_limitation(
                f"database {identifiers.quote(name)} differs from an existing one only in letter case"
            )
        if exists and if_not_exists:
            return [{"status": f"{identifiers.quote(name)} already exists, statement succeeded."}]
        if exists and or_replace:
            drop = f"DROP DATABASE {identifiers.quote(name)}"
            self.drop(Statement(drop, tokenize(drop)))
        rows = self.engine.run(f"CREATE DATABASE {identifiers.quote(name)}")
        if origin is not None:
            # locally the database starts empty and writable (a seed may fill it); Snowflake's is the
            # provider's data, read-only: only what sharing rules need is modelled
            self.store.put("database", (name,), {"origin": origin})
        self.engine.install_overrides(name)
        self.engine.invalidate()
        return rows


def _output_name(projection: exp.Expr) -> str:
    if isinstance(projection, exp.Alias) and isinstance(projection.args.get("alias"), exp.Identifier):
        return resolve.stored(projection.args["alias"])
    if isinstance(projection, exp.Column) and isinstance(projection.this, exp.Identifier):
        return resolve.stored(projection.this)
    return ""


def _bare_meta(engine: Engine, key: Key) -> dict[str, Any]:
    """Metadata for a view sharekit did not see created (e.g. lost journal): non-secure."""
    stamp = now_iso()
    return {
        "secure": False,
        "comment": None,
        "text": None,
        "created_on": stamp,
        "altered_on": stamp,
        "column_comments": {},
        "column_types": {},
    }

"""Tasks, alerts, procedures, PUT and SHOW STAGES on the local account: the monitor's objects.

Far enough for a user to see the monitor work without Snowflake:
- CREATE [OR REPLACE] TASK / ALERT / PROCEDURE store their definition (the store's `task`,
  `alert` and `procedure` kinds); tasks and alerts start suspended, as Snowflake creates them;
- ALTER TASK / ALERT … SUSPEND | RESUME | SET WAREHOUSE = … SCHEDULE = '…'; SET on a started
  task is refused, as Snowflake did before bundle 2026_06 (which lets a singleton task change
  while started); the error's text is UNCONFIRMED;
- DROP TASK / ALERT / PROCEDURE / STAGE [IF EXISTS];
- SHOW TASKS / ALERTS / PROCEDURES / STAGES [LIKE …] [IN ACCOUNT | DATABASE d | SCHEMA d.s],
  with Snowflake's columns the monitor reads;
- PUT 'file://…' @stage copies the file into the stage (`local/stages.py` keeps its files);
- CALL is refused with a hint: `sharekit local run-task NAME` runs a task's body once, outside
  the statement lock (`run_task`), since the check code it runs reads the account concurrently.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote

from sharekit.local import sferrors
from sharekit.local.show import Filters
from sharekit.local.sqltext import STRING, Reader, Statement, one_statement
from sharekit.local.stages import Stages
from sharekit.local.store import Store, now_iso
from sharekit.sql import identifiers

KINDS = {"TASK": "task", "ALERT": "alert", "PROCEDURE": "procedure"}
SHOWN = {"TASKS": "task", "ALERTS": "alert", "PROCEDURES": "procedure"}


class Tasks:
    """The account's tasks, alerts and procedures. Called under the account's lock."""

    def __init__(self, store: Store, stages: Stages) -> None:
        self.store = store
        self.stages = stages

    @staticmethod
    def handles(stmt: Statement) -> bool:
        words = stmt.words
        kinds = [w for w in words[1:4] if w not in ("OR", "REPLACE", "IF", "EXISTS", "NOT", "SECURE")]
        if words[:1] in (["PUT"], ["CALL"]):
            return True
        if words[:1] in (["CREATE"], ["ALTER"]) and kinds[:1] and kinds[0] in KINDS:
            return True
        if words[:1] == ["DROP"] and kinds[:1] and (kinds[0] in KINDS or kinds[0] == "STAGE"):
            return True
        return words[:1] == ["SHOW"] and len(words) > 1 and (words[1] in SHOWN or words[1] == "STAGES")

    def run(self, stmt: Statement) -> list[dict[str, Any]]:
        first = stmt.words[0]
        if first == "PUT":
            return self._put(stmt)
        if first == "CALL":
            raise sferrors.local_limitation("CALL of a procedure; run its task with `sharekit local run-task NAME`")
        if first == "SHOW":
            return self._show(stmt)
        if first == "CREATE":
            return self._create(stmt)
        if first == "ALTER":
            return self._alter(stmt)
        return self._drop(stmt)

    # -- names --------------------------------------------------------------------------------
    def _key(self, r: Reader) -> tuple[str, str, str]:
        parts = r.name(3)
        return self.stages._qualify(parts, ".".join(identifiers.quote(p) for p in parts))

    # -- CREATE -------------------------------------------------------------------------------
    def _create(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("CREATE")
        replace = r.accept_words("OR", "REPLACE")
        kind_word = r.expect_word(*KINDS)
        if_not_exists = r.accept_words("IF", "NOT", "EXISTS")
        key = self._key(r)
        self.stages.engine.require_schema(key[0], key[1])
        kind = KINDS[kind_word]
        if self.store.get(kind, key) is not None and not replace:
            if if_not_exists:
                return [{"status": f"{key[2]} already exists, statement succeeded."}]
            raise sferrors.already_exists(key[2])
        if kind == "procedure":
            r.expect_op("(")
            r.expect_op(")")
        options, body = _options(r, stmt)
        record: dict[str, Any] = {"created_on": now_iso(), "comment": options.get("COMMENT"), "text": stmt.text}
        if kind == "procedure":
            record.update(handler=options.get("HANDLER"), imports=options.get("IMPORTS", []),
                          language=options.get("LANGUAGE"))
        else:
            record.update(warehouse=options.get("WAREHOUSE"), schedule=options.get("SCHEDULE"), state="suspended",
                          definition=body)
        self.store.put(kind, key, record)
        label = {"task": "Task", "alert": "Alert", "procedure": "Function"}[kind]
        return [{"status": f"{label} {key[2]} successfully created."}]

    # -- ALTER --------------------------------------------------------------------------------
    def _alter(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("ALTER")
        kind_word = r.expect_word("TASK", "ALERT")
        if_exists = r.accept_words("IF", "EXISTS")
        key = self._key(r)
        kind = KINDS[kind_word]
        record = self.store.get(kind, key)
        if record is None:
            if if_exists:
                return [{"status": "Statement executed successfully."}]
            raise sferrors.does_not_exist(kind_word.capitalize(), *key)
        record = dict(record)
        action = r.expect_word("SUSPEND", "RESUME", "SET")
        if action == "SET":
            if kind == "task" and record.get("state") == "started":
                raise sferrors.syntax_error(stmt.text, 0, f"Unable to update task {identifiers.fqn(*key)}: "
                                            "suspend it first (ALTER TASK … SUSPEND)")
            options, _ = _options(r, stmt)
            for name in ("WAREHOUSE", "SCHEDULE", "COMMENT"):
                if name in options:
                    record[name.lower()] = options[name]
        else:
            record["state"] = "started" if action == "RESUME" else "suspended"
        self.store.put(kind, key, record)
        return [{"status": "Statement executed successfully."}]

    # -- DROP ---------------------------------------------------------------------------------
    def _drop(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("DROP")
        kind_word = r.expect_word("TASK", "ALERT", "PROCEDURE", "STAGE")
        if_exists = r.accept_words("IF", "EXISTS")
        key = self._key(r)
        if kind_word == "STAGE":
            directory = self.stages._dir(key)
            if directory.is_dir():
                shutil.rmtree(directory)
                return [{"status": f"{key[2]} successfully dropped."}]
        elif self.store.get(KINDS[kind_word], key) is not None:
            self.store.delete(KINDS[kind_word], key)
            return [{"status": f"{key[2]} successfully dropped."}]
        if if_exists:
            return [{"status": f"Drop statement executed successfully ({key[2]} already dropped)."}]
        raise sferrors.does_not_exist(kind_word.capitalize(), *key)

    # -- SHOW ---------------------------------------------------------------------------------
    def _show(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("SHOW")
        what = r.expect_word(*SHOWN, "STAGES")
        filters, scope = Filters(), cast(tuple[str, ...], ())
        while not r.at_end():
            if filters.read(r):
                continue
            r.expect_word("IN")
            if r.accept_word("ACCOUNT"):
                scope = ()
            elif r.accept_word("DATABASE"):
                scope = (r.name_part(),)
            else:
                r.accept_word("SCHEMA")
                scope = tuple(self.stages._qualify(r.name(2) + ["X"], "schema")[:2])
        if what == "STAGES":
            keys = self._stage_keys()
            rows = [_stage_row(key, self.stages._dir(key)) for key in keys if key[: len(scope)] == scope]
        else:
            kind = SHOWN[what]
            rows = [_ROWS[kind](key, record) for key, record in sorted(self.store.data.get(kind, {}).items())
                    if key[: len(scope)] == scope]
        return filters.apply(rows)

    def _stage_keys(self) -> list[tuple[str, str, str]]:
        root = self.stages.root
        if not root.is_dir():
            return []
        return sorted((unquote(d.name), unquote(s.name), unquote(n.name))
                      for d in root.iterdir() for s in d.iterdir() for n in s.iterdir() if (n / "stage.json").is_file())

    # -- PUT ----------------------------------------------------------------------------------
    def _put(self, stmt: Statement) -> list[dict[str, Any]]:
        r = Reader(stmt)
        r.expect_word("PUT")
        tok = r.next()
        if tok.kind != STRING or not tok.value.startswith("file://"):
            raise r.error("expected 'file://PATH'", tok)
        source = Path(unquote(tok.value[len("file://"):]))
        _, files, folder, prefix = self.stages._location(Stages._location_text(r, stmt))
        if not source.is_file():
            raise sferrors.local_limitation(f"PUT of {source}, which is not a file")
        target = files / folder / (prefix or source.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        size = source.stat().st_size
        return [{"source": source.name, "target": target.name, "source_size": size, "target_size": size,
                 "source_compression": "NONE", "target_compression": "NONE", "status": "UPLOADED", "message": ""}]

    def stage_file(self, location: str) -> Path:
        """The file an IMPORTS entry ('@DB.S.STAGE/name.zip') names."""
        _, files, folder, prefix = self.stages._location(location)
        path = files / folder / prefix
        if not path.is_file():
            raise sferrors.does_not_exist("File", location)
        return path


def _options(r: Reader, stmt: Statement) -> tuple[dict[str, Any], str]:
    """`KEY = value` options (a value: a word, a string, or a list of strings) up to the end or a
    top-level AS / IF (a task's or alert's body, returned as text); other words are skipped."""
    options: dict[str, Any] = {}
    while not r.at_end():
        tok = r.peek()
        assert tok is not None
        if tok.is_word("AS", "IF"):
            if tok.is_word("AS"):
                r.next()
            body_start = r.peek()
            return options, stmt.text[body_start.start:].strip() if body_start else ""
        r.next()
        if not r.accept_op("="):
            continue
        if r.accept_op("("):
            items = []
            while not r.accept_op(")"):
                if not r.accept_op(","):
                    items.append(r.next().value)
            options[tok.value] = items
        else:
            options[tok.value] = r.next().value
    return options, ""


def _common(key: tuple[str, str, str], record: dict[str, Any]) -> dict[str, Any]:
    return {"created_on": record.get("created_on"), "name": key[2], "database_name": key[0], "schema_name": key[1],
            "owner": "SYSADMIN", "comment": record.get("comment") or ""}


def _task_row(key: tuple[str, str, str], record: dict[str, Any]) -> dict[str, Any]:
    return {**_common(key, record), "id": "-".join(key), "warehouse": record.get("warehouse"),
            "schedule": record.get("schedule"), "predecessors": "[]", "state": record.get("state"),
            "definition": record.get("definition"), "condition": None}


def _alert_row(key: tuple[str, str, str], record: dict[str, Any]) -> dict[str, Any]:
    condition, _, action = re.sub(r"\s+THEN\s+", " THEN ", record.get("definition") or "", count=1).partition(" THEN ")
    return {**_common(key, record), "warehouse": record.get("warehouse"), "schedule": record.get("schedule"),
            "state": record.get("state"), "condition": condition.strip(), "action": action.strip()}


def _procedure_row(key: tuple[str, str, str], record: dict[str, Any]) -> dict[str, Any]:
    return {"created_on": record.get("created_on"), "name": key[2], "schema_name": key[1], "is_builtin": "N",
            "is_aggregate": "N", "is_ansi": "N", "min_num_arguments": 0, "max_num_arguments": 0,
            "arguments": f"{key[2]}() RETURN VARIANT", "description": record.get("comment") or "user-defined procedure",
            "catalog_name": key[0], "is_table_function": "N", "valid_for_clustering": "N", "is_secure": "N"}


def _stage_row(key: tuple[str, str, str], directory: Path) -> dict[str, Any]:
    import json

    meta = json.loads((directory / "stage.json").read_text(encoding="utf-8"))
    return {"created_on": meta.get("created_on"), "name": key[2], "database_name": key[0], "schema_name": key[1],
            "url": meta.get("url") or "", "owner": "SYSADMIN", "comment": meta.get("comment") or "",
            "type": "EXTERNAL" if meta.get("url") else "INTERNAL",
            "storage_integration": meta.get("storage_integration")}


_ROWS = {"task": _task_row, "alert": _alert_row, "procedure": _procedure_row}


def run_task(account: Any, name: str) -> dict[str, Any]:
    """Run a task's body once, as Snowflake would on schedule: its `CALL <procedure>()`, where the
    procedure's handler is sharekit's, runs the check code (`sharekit.monitor.run`) or one export
    (`sharekit.export_task`) in-process against `account` with the config packaged in the
    procedure's IMPORTS. Returns the procedure's summary."""
    from sharekit import export_objects, export_task
    from sharekit.errors import SharekitError
    from sharekit.monitor import objects as monitor_objects
    from sharekit.monitor.run import run_packaged

    runners = {monitor_objects.HANDLER: run_packaged, export_objects.HANDLER: export_task.run_packaged}

    tasks: Tasks = account.tasks
    parts = [identifiers.normalize(p) for p in identifiers.split(name)]
    key = tasks.stages._qualify(parts, name) if len(parts) == 3 else None
    if key is None:
        found = [k for k in account.store.data.get("task", {}) if k[-len(parts):] == tuple(parts)]
        if len(found) != 1:
            known = ", ".join(identifiers.fqn(*k) for k in sorted(account.store.data.get("task", {}))) or "none"
            raise SharekitError(f"task {name!r} is {'ambiguous' if found else 'not found'} in the local account "
                                f"(tasks: {known}); name it as DATABASE.SCHEMA.TASK")
        key = found[0]
    task = account.store.get("task", key)
    if task is None:
        raise SharekitError(f"task {identifiers.fqn(*key)} does not exist in the local account; run `sharekit apply`")
    body = one_statement(task.get("definition") or "")
    r = Reader(body)
    if not r.accept_word("CALL"):
        raise SharekitError(f"task {identifiers.fqn(*key)} runs `{body.text}`; the local account runs only a task "
                            "that CALLs a procedure")
    procedure_key = tuple(r.name(3))
    procedure = account.store.get("procedure", procedure_key) if len(procedure_key) == 3 else None
    if procedure is None or procedure.get("handler") not in runners:
        raise SharekitError(f"task {identifiers.fqn(*key)} calls {identifiers.fqn(*procedure_key)}, which is not "
                            "sharekit's monitor or export procedure (or does not exist): the local account runs "
                            "only those")
    archive = tasks.stage_file(str(procedure["imports"][0]))
    return runners[procedure["handler"]](account, archive)

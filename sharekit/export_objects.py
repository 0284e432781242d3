"""The export's objects in plan and apply: what `export:` asks for, what the account has, the stages.

In `<share database>.SHAREKIT_EXPORT`: the tables WATERMARKS and EXPORT_LOCK, and (with
`export.schedule`) the code stage SHAREKIT_CODE, the procedure SHAREKIT_RUN_EXPORT() and the
task SHAREKIT_EXPORT that calls it; the delivery stage `export.stage` (internal, or external from
`url` + `storage_integration`) wherever it is named. The schema, tables and stage are created
right after the share's schemas, so a first `sharekit export` (or its task) finds them; the
procedure and task come last, once the views they read exist. A WATERMARKS made before it had
LOCATION gains the column (ALTER TABLE … ADD COLUMN). Each is created from the template
`sharekit export` sends itself (IF NOT EXISTS), so an export still runs on an account where
nobody applied; the stage is used as found (its URL is not compared: UNCONFIRMED in what form
SHOW STAGES gives it). The procedure and task follow `sharekit.plan.scheduled`, as the monitor's:
a schedule change is ALTER TASK … SUSPEND / SET / RESUME.

Introspection reads, once SHOW DATABASES says the database exists: the tables' columns (one
INFORMATION_SCHEMA query), SHOW STAGES, TASKS and PROCEDURES in the database (SHOW SCHEMAS and
STAGES too in a stage's other database), and only with `export:` or, to remove one, prune.
Removing `export.schedule` drops the task, procedure and code stage; removing `export:` with
`share.prune` drops those, both tables and the stages in SHAREKIT_EXPORT that carry sharekit's
export comment (an internal stage's files go with it): destructive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sharekit import export_lock
from sharekit.config.model import EXPORT_SCHEMA, Config
from sharekit.connect.reads import Reads
from sharekit.errors import PlanError
from sharekit.plan.definition import Change, Stage
from sharekit.plan.scheduled import cell, digest, procedure_stages, scheduled_row, scheduled_stages
from sharekit.sql import identifiers, statements
from sharekit.sql.templates import Templates

WATERMARKS, LOCK, CODE, PROCEDURE, TASK = "WATERMARKS", export_lock.LOCK_TABLE, "SHAREKIT_CODE", \
    "SHAREKIT_RUN_EXPORT", "SHAREKIT_EXPORT"
HANDLER = "sharekit.export_task.run"
STAGE_COMMENT = "sharekit export: files for Optimove"  # export_create_stage's: how removal knows its stages


@dataclass(frozen=True)
class ExportState:
    """What the account has for the export: tables → their columns; stages (schema, name) → their
    SHOW row; schemas found in the stage's database; the procedure's COMMENT and the task's row."""

    database: str
    schema: str
    schemas: frozenset[tuple[str, str]] = frozenset()
    tables: dict[str, frozenset[str]] = field(default_factory=dict)
    stages: dict[tuple[str, str, str], dict[str, str]] = field(default_factory=dict)
    procedure_comment: str | None = None
    task: dict[str, str] | None = None
    missing_database: str | None = None  # the stage's database, when SHOW DATABASES does not list it


def place(config: Config) -> tuple[str, str] | None:
    """Where the export's own objects are read: with `export:`, or with prune to remove them."""
    if config.export is not None or config.share.prune:
        return config.share.database, EXPORT_SCHEMA
    return None


def databases_read(config: Config) -> set[str]:
    """The databases introspection must look for (the export's, and the stage's)."""
    where = place(config)
    if where is None:
        return set()
    return {where[0]} | ({config.export.stage[0]} if config.export is not None else set())


def send_reads(reads: Reads, config: Config, t: Templates, databases: frozenset[str]) -> None:
    """The export's reads, once SHOW DATABASES answered (introspection calls this)."""
    where = place(config)
    if where is None:
        return
    if where[0] in databases:
        reads.send("export:columns", t.render("export_watermarks_exist", schema=where, names=[WATERMARKS, LOCK]))
        for kind, pattern in (("TASKS", TASK), ("PROCEDURES", PROCEDURE)):
            reads.send(f"export:{kind}", t.render("monitor_show", kind=kind, pattern=pattern, database=where[0]))
    stage_database = config.export.stage[0] if config.export is not None else where[0]
    for database in sorted({where[0], stage_database} & databases):
        reads.send(f"export:STAGES:{database}", t.render("monitor_show", kind="STAGES", pattern="%", database=database))
        if database != config.share.database:  # the share database's schemas are read anyway
            reads.send("export:SCHEMAS", t.render("monitor_show", kind="SCHEMAS", pattern="%", database=database))


def read_state(config: Config, reads: Reads, databases: frozenset[str],
               schemas: frozenset[tuple[str, str]]) -> ExportState | None:
    """ExportState from the rows `send_reads` asked for (names re-checked exactly); `databases`
    and `schemas` (the share database's) are what introspection read."""
    where = place(config)
    if where is None:
        return None
    missing = None
    if config.export is not None and where[0] in databases and config.export.stage[0] not in databases:
        missing = config.export.stage[0]
    found = set(schemas)
    if "export:SCHEMAS" in reads and config.export is not None:
        found |= {(config.export.stage[0], cell(r.get("name"))) for r in reads.result("export:SCHEMAS")}
    tables: dict[str, set[str]] = {}
    for row in reads.result("export:columns") if "export:columns" in reads else []:
        tables.setdefault(cell(row.get("TABLE_NAME")), set()).add(cell(row.get("COLUMN_NAME")))
    stages: dict[tuple[str, str, str], dict[str, str]] = {}
    for database in sorted({where[0], config.export.stage[0] if config.export else where[0]}):
        name = f"export:STAGES:{database}"
        if name in reads:
            stages |= {(database, cell(r.get("schema_name")), cell(r.get("name"))):
                       {"comment": cell(r.get("comment")), "url": cell(r.get("url"))}
                       for r in reads.result(name)}

    def named(kind: str, name: str) -> dict[str, Any] | None:
        rows = reads.result(f"export:{kind}") if f"export:{kind}" in reads else []
        return next((r for r in rows if cell(r.get("name")) == name and cell(r.get("schema_name")) == where[1]), None)

    procedure = named("PROCEDURES", PROCEDURE)
    return ExportState(
        *where, schemas=frozenset(found), tables={k: frozenset(v) for k, v in tables.items()}, stages=stages,
        procedure_comment=cell(procedure.get("description")) if procedure is not None else None,
        task=scheduled_row(named("TASKS", TASK)), missing_database=missing)


def _fqn(key: tuple[str, ...]) -> str:
    return identifiers.fqn(*key)


def object_stages(config: Config, live: ExportState | None, t: Templates) -> list[Stage]:
    """Schema, tables and stage (and the code stage with a schedule): early in the plan."""
    export = config.export
    if export is None:
        return []
    where = (config.share.database, EXPORT_SCHEMA)
    live = live if live is not None else ExportState(*where)
    if live.missing_database is not None:
        raise PlanError(f"export.stage {_fqn(export.stage)}: database {identifiers.quote(live.missing_database)} "
                        f"does not exist; create it, or name a stage in share.database ({config.path})")
    view_schemas = {(config.share.database, s) for s in config.schemas}  # the plan's "create schemas" makes them
    schemas = [Change("create", "schema", _fqn(s), statements.create_schema(t, *s))
               for s in dict.fromkeys((where, export.stage[:2])) if s not in live.schemas and s not in view_schemas]
    table, lock = (*where, WATERMARKS), (*where, LOCK)
    objects = []
    if WATERMARKS not in live.tables:
        objects.append(Change("create", "table", _fqn(table), t.render("export_create_watermarks", table=table)))
    elif "LOCATION" not in live.tables[WATERMARKS]:
        objects.append(Change("alter", "table", _fqn(table), t.render("export_add_location", table=table),
                              reason="WATERMARKS has no LOCATION column yet (made by an older sharekit)"))
    if LOCK not in live.tables:
        objects.append(Change("create", "table", _fqn(lock), t.render("export_create_lock", table=lock)))
    if export.stage not in live.stages:
        objects.append(Change("create", "stage", _fqn(export.stage), t.render(
            "export_create_stage", stage=export.stage, url=export.url, storage_integration=export.storage_integration)))
    code = (*where, CODE)
    if export.schedule is not None and code not in live.stages:
        objects.append(Change("create", "stage", _fqn(code), t.render("export_create_code_stage", stage=code)))
    return [Stage("export schema", tuple(schemas), parallel=True),
            Stage("export tables and stages", tuple(objects), parallel=True)]


def task_stages(config: Config, live: ExportState | None, t: Templates) -> list[Stage]:
    """The procedure and task of `export.schedule` (last in the plan), or their removal."""
    where = (config.share.database, EXPORT_SCHEMA)
    live = live if live is not None else ExportState(*where)
    export = config.export
    if export is None:
        return _removal(live, t, every=True)
    if export.schedule is None or export.warehouse is None:
        return _removal(live, t, every=False)
    code, procedure, task = ((*where, n) for n in (CODE, PROCEDURE, TASK))
    stages = procedure_stages(t, "export", config, code, procedure, HANDLER, live.procedure_comment)
    comment = digest("export", "task", _fqn(procedure))
    warehouse, schedule = export.warehouse, export.schedule
    stages += scheduled_stages(t, "export", "TASK", "task", task, live.task, warehouse, schedule, comment,
                               lambda: t.render("monitor_create_task", task=task, warehouse=warehouse,
                                                schedule=schedule, procedure=procedure, comment=comment))
    return stages


def _removal(live: ExportState, t: Templates, every: bool) -> list[Stage]:
    """Drop the task, procedure and code stage (`every`: the tables and sharekit's stages too)."""
    where = (live.database, live.schema)
    why = ("`export:` was removed from the config (share.prune is true)" if every
           else "`export.schedule` was removed from the config")
    present = [("TASK", "task", (*where, TASK), live.task is not None),
               ("PROCEDURE", "procedure", (*where, PROCEDURE), live.procedure_comment is not None),
               ("STAGE", "stage", (*where, CODE), (*where, CODE) in live.stages)]
    if every:
        present += [("STAGE", "stage", key, True) for key, row in sorted(live.stages.items())
                    if key[:2] == where and key[2] != CODE and row.get("comment") == STAGE_COMMENT]
        present += [("TABLE", "table", (*where, name), name in live.tables) for name in (LOCK, WATERMARKS)]
    changes = tuple(Change("drop", object_type, _fqn(key), t.render("monitor_drop", kind=kind, target=key),
                           destructive=True, reason=why)
                    for kind, object_type, key, exists in present if exists)
    return [Stage("remove export" if every else "remove export task", changes)]


def fingerprint_part(live: ExportState | None) -> Any:
    """The export's share of the plan's state fingerprint."""
    if live is None:
        return None
    return [live.database, live.schema, sorted(map(list, live.schemas)),
            sorted((k, sorted(v)) for k, v in live.tables.items()),
            sorted([*k, sorted(v.items())] for k, v in live.stages.items()), live.procedure_comment,
            sorted((live.task or {}).items())]

"""The monitor's objects: what the config asks for, what the account has, the plan's stages.

In the monitor schema (`monitor.schema`, default `<share database>.SHAREKIT_MONITOR`):
the results table SHAREKIT_RESULTS, the stage SHAREKIT_CODE with the code archive, the
procedure SHAREKIT_RUN_CHECKS(), the task SHAREKIT_CHECKS that calls it on the schedule, and
(with `monitor.alert`) the alert SHAREKIT_ALERT.

Introspection reads them in six SHOW … LIKE … IN DATABASE queries, sent with introspection's
other reads once SHOW DATABASES says the database exists, and only when the config has a
`monitor:` (or, to remove one, `share.prune: true`: then the default place is read).

A change of schedule or warehouse is ALTER TASK … SUSPEND, ALTER TASK … SET, ALTER TASK … RESUME
(Snowflake changes a task only while it is suspended), never a re-create; a task or alert found
suspended is resumed. The procedure is replaced when its archive's hash (its COMMENT) differs;
the task and alert when their body's hash (their COMMENT) differs. Removing `monitor.alert`, or
the whole `monitor:` with prune, drops objects: destructive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sharekit.checks.findings import Finding
from sharekit.config.model import MONITOR_SCHEMA, Config
from sharekit.connect.reads import Reads
from sharekit.plan.definition import Change, Stage
from sharekit.plan.scheduled import digest, procedure_stages, scheduled_row, scheduled_stages
from sharekit.sql import identifiers
from sharekit.sql.templates import Templates

RESULTS, STAGE, PROCEDURE, TASK, ALERT = "SHAREKIT_RESULTS", "SHAREKIT_CODE", "SHAREKIT_RUN_CHECKS", \
    "SHAREKIT_CHECKS", "SHAREKIT_ALERT"
HANDLER = "sharekit.monitor.procedure.run"
# The alert looks hourly for error rows newer than its last look, so an e-mail follows a failing
# run within the hour whatever the task's schedule (the condition is one small query).
ALERT_SCHEDULE = "60 MINUTE"
# SHOW kind → the object name it looks for (SCHEMAS: the monitor schema itself)
_SHOWS = (("SCHEMAS", None), ("TABLES", RESULTS), ("STAGES", STAGE), ("PROCEDURES", PROCEDURE),
          ("TASKS", TASK), ("ALERTS", ALERT))


@dataclass(frozen=True)
class MonitorState:
    """What the account has in the monitor schema; a missing object is None (False for the
    schema, table and stage). Task and alert: their SHOW row's schedule, warehouse, state, comment."""

    database: str
    schema: str
    schema_exists: bool = False
    table: bool = False
    stage: bool = False
    procedure_comment: str | None = None
    task: dict[str, str] | None = None
    alert: dict[str, str] | None = None

    @property
    def empty(self) -> bool:
        return not (self.table or self.stage or self.procedure_comment is not None or self.task or self.alert)


def place(config: Config) -> tuple[str, str] | None:
    """Where introspection looks: the monitor's schema, or with prune and no monitor the default
    schema (to remove a monitor the config no longer declares); None: nothing is read."""
    if config.monitor is not None:
        return config.monitor.database, config.monitor.schema
    return (config.share.database, MONITOR_SCHEMA) if config.share.prune else None


def send_reads(reads: Reads, config: Config, t: Templates, databases: frozenset[str]) -> None:
    """The six monitor SHOWs, once the database is known to exist (introspection calls this)."""
    where = place(config)
    if where is None or where[0] not in databases:
        return
    for kind, name in _SHOWS:
        reads.send(f"monitor:{kind}", t.render("monitor_show", kind=kind, pattern=name or where[1], database=where[0]))


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def read_state(config: Config, reads: Reads) -> MonitorState | None:
    """MonitorState from the SHOW rows `send_reads` asked for (names re-checked exactly)."""
    where = place(config)
    if where is None:
        return None
    database, schema = where
    if "monitor:SCHEMAS" not in reads:
        return MonitorState(database, schema)

    def found(kind: str, name: str) -> dict[str, Any] | None:
        rows = reads.result(f"monitor:{kind}")
        in_schema = "name" if kind == "SCHEMAS" else "schema_name"
        return next((row for row in rows if _cell(row.get("name")) == name
                     and (kind == "SCHEMAS" or _cell(row.get(in_schema)) == schema)), None)

    procedure = found("PROCEDURES", PROCEDURE)
    return MonitorState(
        database, schema,
        schema_exists=found("SCHEMAS", schema) is not None,
        table=found("TABLES", RESULTS) is not None,
        stage=found("STAGES", STAGE) is not None,
        # SHOW PROCEDURES `description` is the COMMENT ("user-defined procedure" without one):
        # UNCONFIRMED for Snowflake; were it not, every plan would replace the procedure
        procedure_comment=_cell(procedure.get("description")) if procedure is not None else None,
        task=scheduled_row(found("TASKS", TASK)),
        alert=scheduled_row(found("ALERTS", ALERT)),
    )


def _name(state_or_config: tuple[str, str], name: str) -> tuple[str, str, str]:
    return (*state_or_config, name)


def _display(key: tuple[str, ...]) -> str:
    return identifiers.fqn(*key)


def monitor_stages(config: Config, live: MonitorState | None, t: Templates) -> list[Stage]:
    """The plan's monitor stages (empty when nothing is to change)."""
    if config.monitor is None:
        return _removal(live, t)
    monitor = config.monitor
    where = (monitor.database, monitor.schema)
    live = live if live is not None else MonitorState(*where)
    table, stage, procedure, task = (_name(where, n) for n in (RESULTS, STAGE, PROCEDURE, TASK))
    stages: list[Stage] = []
    if not live.schema_exists:
        stages.append(Stage("monitor schema", (Change("create", "schema", _display(where),
                                                      t.render("monitor_create_schema", schema=where)),)))
    objects = []
    if not live.table:
        objects.append(Change("create", "table", _display(table), t.render("monitor_create_results", table=table)))
    if not live.stage:
        objects.append(Change("create", "stage", _display(stage), t.render("monitor_create_stage", stage=stage)))
    if objects:
        stages.append(Stage("monitor table and stage", tuple(objects), parallel=True))

    stages += procedure_stages(t, "monitor", config, stage, procedure, HANDLER, live.procedure_comment)
    task_comment = digest("monitor", "task", _display(procedure))
    stages += scheduled_stages(t, "monitor", "TASK", "task", task, live.task, monitor.warehouse, monitor.schedule,
                               task_comment, lambda: t.render(
                                   "monitor_create_task", task=task, warehouse=monitor.warehouse,
                                   schedule=monitor.schedule, procedure=procedure, comment=task_comment))
    alert = _name(where, ALERT)
    if monitor.alert is None:
        if live.alert is not None:
            stages.append(Stage("monitor alert", (Change("drop", "alert", _display(alert),
                                t.render("monitor_drop", kind="ALERT", target=alert), destructive=True),)))
        return stages
    subject = f"sharekit: the checks of share {config.share.name} found errors"
    body = (f"The last scheduled check of share {config.share.name} found errors. Run `sharekit monitor status` "
            f"for the findings, or SELECT * FROM {_display(table)} ORDER BY RUN_AT DESC.")
    recipients, integration = monitor.alert.recipients, monitor.alert.integration
    alert_comment = digest("monitor", "alert", _display(table), integration, *recipients)
    stages += scheduled_stages(t, "monitor", "ALERT", "alert", alert, live.alert, monitor.warehouse, ALERT_SCHEDULE,
                               alert_comment, lambda: t.render(
                                   "monitor_create_alert", alert=alert, warehouse=monitor.warehouse,
                                   schedule=ALERT_SCHEDULE, table=table, comment=alert_comment,
                                   integration=integration, recipients=recipients,
                                   subject=subject, body=body))
    return stages


def _removal(live: MonitorState | None, t: Templates) -> list[Stage]:
    """With prune and no `monitor:`: drop what a monitor left in the default place."""
    if live is None or live.empty:
        return []
    where = (live.database, live.schema)
    present = (("ALERT", "alert", ALERT, live.alert is not None), ("TASK", "task", TASK, live.task is not None),
               ("PROCEDURE", "procedure", PROCEDURE, live.procedure_comment is not None),
               ("STAGE", "stage", STAGE, live.stage), ("TABLE", "table", RESULTS, live.table))
    changes = tuple(Change("drop", object_type, _display(_name(where, name)),
                           t.render("monitor_drop", kind=kind, target=_name(where, name)), destructive=True,
                           reason="`monitor:` was removed from the config (share.prune is true)")
                    for kind, object_type, name, exists in present if exists)
    return [Stage("remove monitor", changes)]


def audit_findings(config: Config, live: MonitorState | None) -> list[Finding]:
    """`audit -f`: the monitor the config declares is missing, stopped or out of step."""
    monitor = config.monitor
    if monitor is None or live is None:
        return []
    task = _display((monitor.database, monitor.schema, TASK))
    fix = f"run `sharekit plan -f {config.path}` to see it and `sharekit apply` to fix it"
    if live.task is None or live.procedure_comment is None or not live.table:
        return [Finding("drift.monitor_missing", "error", task,
                        f"{config.path} declares a monitor, but its task, procedure or results table does not "
                        f"exist in {_display((monitor.database, monitor.schema))}: the checks do not run; {fix}")]
    out = []
    if live.task.get("state", "").lower() != "started":
        out.append(Finding("drift.monitor_suspended", "error", task,
                           f"task {task} is {live.task.get('state') or 'not started'}: the scheduled checks do not "
                           f"run; {fix}"))
    if live.task.get("schedule") != monitor.schedule or live.task.get("warehouse") != monitor.warehouse:
        out.append(Finding("drift.monitor_changed", "warning", task,
                           f"task {task} runs on {live.task.get('schedule')} with warehouse "
                           f"{live.task.get('warehouse')}, not as {config.path} says; {fix}"))
    return out


def fingerprint_part(live: MonitorState | None) -> Any:
    """The monitor's share of the plan's state fingerprint."""
    if live is None:
        return None
    return [live.database, live.schema, live.schema_exists, live.table, live.stage, live.procedure_comment,
            sorted((live.task or {}).items()), sorted((live.alert or {}).items())]

"""Plan stages shared by sharekit's in-account runs (the monitor's checks, the scheduled export):
a Python procedure whose code is sharekit's code archive, and a task or alert on a schedule.

A procedure is (re)created, after a PUT of the archive, when its COMMENT (the archive's hash)
differs. A task or alert is created and resumed; replaced when its body's hash (its COMMENT)
differs; ALTERed between SUSPEND and RESUME when only its schedule or warehouse changed
(Snowflake changes a task only while it is suspended); resumed when found suspended.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from sharekit.config.model import Config
from sharekit.plan.definition import Change, Stage
from sharekit.sql import identifiers
from sharekit.sql.templates import Templates

RUNTIME = "3.11"
# Anaconda-channel packages sharekit's code imports (UNCONFIRMED which versions Snowflake offers;
# none is pinned, so Snowflake picks its latest)
PACKAGES = ("snowflake-snowpark-python", "pyyaml", "jinja2", "sqlglot")


def digest(label: str, *parts: str) -> str:
    """A task's or alert's COMMENT: `sharekit <label> <hash of its body's parts>`."""
    return f"sharekit {label} " + hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def cell(value: Any) -> str:
    return "" if value is None else str(value)


def scheduled_row(row: dict[str, Any] | None) -> dict[str, str] | None:
    """What a plan compares of a SHOW TASKS / ALERTS row."""
    if row is None:
        return None
    return {key: cell(row.get(key)) for key in ("schedule", "warehouse", "state", "comment")}


def procedure_stages(t: Templates, label: str, config: Config, stage: tuple[str, str, str],
                     procedure: tuple[str, str, str], handler: str, live_comment: str | None) -> list[Stage]:
    """PUT the code archive and create the procedure, when its COMMENT (the archive's hash) differs."""
    from sharekit.monitor.package import archive_path, build_archive

    archive = build_archive(config)
    comment = f"sharekit {label} {archive.digest}"
    if live_comment == comment:
        return []
    path = archive_path(config, archive)  # written by apply alone (api.write_local_files)
    shown = identifiers.fqn(*stage)
    return [Stage(f"{label} procedure", (
        Change("create", "stage", f"@{shown}/{archive.name}", t.render("monitor_put_code", path=str(path), stage=stage),
               reason="the procedure's code"),
        Change("replace" if live_comment is not None else "create", "procedure", identifiers.fqn(*procedure) + "()",
               t.render("monitor_create_procedure", procedure=procedure, runtime=RUNTIME, packages=PACKAGES,
                        stage=stage, archive=archive.name, handler=handler, comment=comment),
               reason="new sharekit code or config" if live_comment is not None else ""),
    ))]


def scheduled_stages(t: Templates, label: str, kind: str, object_type: str, key: tuple[str, str, str],
                     live: dict[str, str] | None, warehouse: str, schedule: str, comment: str,
                     create: Callable[[], str]) -> list[Stage]:
    """A task or alert (`kind` TASK | ALERT): see the module docstring."""
    shown = identifiers.fqn(*key)

    def state(word: str, reason: str = "") -> Change:
        return Change("alter", object_type, shown, t.render("monitor_task_state", kind=kind, target=key, state=word),
                      reason=reason)

    changes: tuple[Change, ...]
    if live is None or live.get("comment") != comment:
        action = "create" if live is None else "replace"
        changes = (Change(action, object_type, shown, create(), reason="" if live is None else "its body changed"),
                   state("RESUME", "Snowflake creates it suspended"))
    else:
        new_schedule = schedule if live.get("schedule") != schedule else None
        new_warehouse = warehouse if live.get("warehouse") != warehouse else None
        started = live.get("state", "").lower() == "started"
        if new_schedule is None and new_warehouse is None:
            changes = () if started else (state("RESUME", "it was suspended"),)
        else:
            what = " and ".join(w for w, v in (("schedule", new_schedule), ("warehouse", new_warehouse)) if v)
            changes = ((state("SUSPEND", f"Snowflake changes its {what} only while it is suspended"),) if started
                       else ()) + (
                Change("alter", object_type, shown, t.render("monitor_set_schedule", kind=kind, target=key,
                                                             warehouse=new_warehouse, schedule=new_schedule),
                       reason=f"{what} changed"),
                state("RESUME"))
    return [Stage(f"{label} {object_type}", changes)] if changes else []

"""The Plan: a frozen value of ordered stages, each change with its exact SQL, and its JSON form.

The JSON form is the contract of `plan --format json` and the saved plan of `plan --out`; it is
lossless (`plan_from_json(plan_to_json(p)) == p`) and only ever grows new keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sharekit.checks.findings import Finding, of_severity
from sharekit.errors import PlanError

FORMAT_VERSION = 1
ACTIONS = ("create", "replace", "alter", "grant", "revoke", "add_accounts", "remove_accounts", "drop")


@dataclass(frozen=True)
class Change:
    action: str  # one of ACTIONS
    object_type: str  # database | schema | view | share | grant | accounts
    object: str  # display name, quoted as SQL would need
    sql: str
    destructive: bool = False
    breaking: bool = False
    reason: str = ""  # why a replace / alter is needed
    diff: str = ""  # unified diff of a replaced view's definition
    target: tuple[str, ...] = ()  # stored name parts of the object (views: database, schema, name)


@dataclass(frozen=True)
class Stage:
    name: str
    changes: tuple[Change, ...]
    parallel: bool = False  # statements of this stage do not depend on each other


@dataclass(frozen=True)
class Plan:
    share: str
    stages: tuple[Stage, ...]
    state_fingerprint: str
    unmanaged: tuple[str, ...] = ()
    checks: tuple[Finding, ...] = ()  # already without the skipped ids
    skipped_checks: tuple[str, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict)
    config_fingerprint: str = ""  # of the desired state the config asks for
    sharekit_version: str = ""  # that made the plan

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(change for stage in self.stages for change in stage.changes)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return of_severity(self.checks, "error")

    @property
    def destructive(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if change.destructive)

    @property
    def summary(self) -> dict[str, int]:
        counts = {action: 0 for action in ACTIONS}
        for change in self.changes:
            counts[change.action] += 1
        counts["total"] = len(self.changes)
        counts["breaking"] = sum(change.breaking for change in self.changes)
        return counts


def plan_to_json(plan: Plan) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "share": plan.share,
        "state_fingerprint": plan.state_fingerprint,
        "summary": plan.summary,
        "changes": [
            {
                "action": change.action,
                "object_type": change.object_type,
                "object": change.object,
                "sql": change.sql,
                "destructive": change.destructive,
                "breaking": change.breaking,
                "reason": change.reason,
                "diff": change.diff,
                "stage": stage.name,
                "parallel": stage.parallel,
                "target": list(change.target),
            }
            for stage in plan.stages
            for change in stage.changes
        ],
        "unmanaged": list(plan.unmanaged),
        "checks": [check.to_json() for check in plan.checks],
        "skipped_checks": list(plan.skipped_checks),
        "stats": plan.stats,
        "config_fingerprint": plan.config_fingerprint,
        "sharekit_version": plan.sharekit_version,
    }


def plan_from_json(data: Any, source: str) -> Plan:
    """A saved plan → Plan; refuses files that are not sharekit plans of this format."""
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        raise PlanError(f"{source} is not a sharekit plan (format_version {FORMAT_VERSION}): "
                        "save one with `sharekit plan --out PLAN.json`")
    try:
        stages: list[Stage] = []
        for item in data["changes"]:
            if item["action"] not in ACTIONS:
                raise ValueError(f"unknown action {item['action']!r}")
            change = Change(
                action=item["action"], object_type=item["object_type"], object=item["object"],
                sql=item["sql"], destructive=bool(item["destructive"]),
                breaking=bool(item.get("breaking")), reason=item.get("reason", ""), diff=item.get("diff", ""),
                target=tuple(item.get("target", ())),
            )
            if stages and stages[-1].name == item["stage"]:
                stages[-1] = Stage(stages[-1].name, stages[-1].changes + (change,), stages[-1].parallel)
            else:
                stages.append(Stage(item["stage"], (change,), bool(item.get("parallel"))))
        checks = tuple(Finding.from_json(c) for c in data.get("checks", ()))
        return Plan(share=data["share"], stages=tuple(stages), state_fingerprint=data["state_fingerprint"],
                    unmanaged=tuple(data.get("unmanaged", ())), checks=checks,
                    skipped_checks=tuple(data.get("skipped_checks", ())), stats=data.get("stats", {}),
                    config_fingerprint=data.get("config_fingerprint", ""),
                    sharekit_version=data.get("sharekit_version", ""))
    except (KeyError, TypeError, ValueError) as error:
        raise PlanError(f"{source} is not a valid sharekit plan: {error}") from None


def first_difference(saved: Plan, fresh: Plan) -> str | None:
    """Where a saved plan's changes depart from a fresh plan's: their SQL, order, stage, or
    destructive and breaking flags; None when the two would run exactly the same statements."""
    def rows(plan: Plan) -> list[tuple[str, Change]]:
        return [(stage.name, change) for stage in plan.stages for change in stage.changes]

    for number, (old, new) in enumerate(zip(rows(saved), rows(fresh), strict=False), 1):
        (old_stage, a), (new_stage, b) = old, new
        for what, left, right in (("stage", old_stage, new_stage), ("action", a.action, b.action),
                                  ("object", a.object, b.object), ("SQL", a.sql, b.sql),
                                  ("destructive flag", a.destructive, b.destructive),
                                  ("breaking flag", a.breaking, b.breaking)):
            if left != right:
                return f"change {number} ({b.action} {b.object}): its {what} is {left!r} in the file, {right!r} now"
    saved_count, fresh_count = len(saved.changes), len(fresh.changes)
    if saved_count > fresh_count:
        extra = saved.changes[fresh_count]
        return f"the file has {saved_count - fresh_count} change(s) more, from {extra.action} {extra.object}"
    if fresh_count > saved_count:
        missing = fresh.changes[saved_count]
        return f"the file lacks {fresh_count - saved_count} change(s), from {missing.action} {missing.object}"
    return None

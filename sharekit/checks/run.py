"""`sharekit check`: structural checks, Optimove's rules and (with `--data`) the shared data itself.

One introspection reads the account; `checks.structural_checks` and the Optimove column rules
(`checks.optimove`) need nothing more. With `--data`, `checks.data` reads the live views in one
query per 50 views, sent concurrently (its docstring lists the data checks). Findings are grouped
by view through a label index, linear in the number of findings.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sharekit.checks.data import DEFAULT_TOLERANCE, Progress, data_probes, run_data_checks
from sharekit.checks.findings import Finding, apply_skips, of_severity, rank
from sharekit.checks.optimove import optimove_checks
from sharekit.checks.spec import OptimoveSpec, load_spec
from sharekit.checks.structural import structural_checks, view_label
from sharekit.config.model import Config
from sharekit.connect.session import Session
from sharekit.plan.diff import diff
from sharekit.plan.listing import cross_region_findings
from sharekit.sql import identifiers
from sharekit.sql.templates import Templates
from sharekit.state.desired import desired_state
from sharekit.state.introspect import introspect
from sharekit.state.model import AccountState


@dataclass(frozen=True)
class CheckReport:
    """What `sharekit check` found, ordered by view (config order), errors first."""

    share: str
    views: tuple[str, ...]  # labels, config order
    findings: tuple[Finding, ...]
    database: str = ""  # the share's database as SQL names it (where the views live)
    skipped_checks: tuple[str, ...] = ()
    data: bool = False
    stats: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # with `data`: rows per view label it could read

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return of_severity(self.findings, "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return of_severity(self.findings, "warning")

    def by_view(self) -> list[tuple[str, tuple[Finding, ...]]]:
        """(view label, its findings) for every view, then ("", findings about no one view)."""
        index = label_index(self.views)
        groups: list[list[Finding]] = [[] for _ in self.views]
        rest = []
        for finding in self.findings:
            about = views_about(finding, index)
            for i in about:
                groups[i].append(finding)
            if not about:
                rest.append(finding)
        out = [(label, tuple(group)) for label, group in zip(self.views, groups, strict=True)]
        return out + ([("", tuple(rest))] if rest else [])

    def to_json(self) -> dict[str, Any]:
        return {
            "checks": [f.to_json() for f in self.findings],
            "skipped_checks": list(self.skipped_checks),
            "stats": self.stats,
        }


def label_index(labels: Iterable[str]) -> dict[str, list[int]]:
    """label → its positions (config order)."""
    index: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        index.setdefault(label, []).append(i)
    return index


def views_about(finding: Finding, index: dict[str, list[int]]) -> list[int]:
    """The positions of the labels `finding` is about, ascending: a finding is about a view when
    its object is the view's label or starts with the label and a `.` (a column); its object
    and each prefix of it that ends before a `.` are looked up (cost: the object's length, not
    the number of views)."""
    text = finding.object
    found = list(index.get(text, ()))
    dot = text.find(".")
    while dot != -1:
        found += index.get(text[:dot], ())
        dot = text.find(".", dot + 1)
    return sorted(set(found))


# --- the whole check ------------------------------------------------------------------------


def run_checks(
    config: Config,
    session: Session,
    t: Templates,
    *,
    data: bool = False,
    spec: OptimoveSpec | None = None,
    skip_checks: Iterable[str] = (),
    tolerance: timedelta = DEFAULT_TOLERANCE,
    progress: Progress | None = None,
    actual: AccountState | None = None,
) -> CheckReport:
    """Structural checks and Optimove's column rules; with `data`, the data checks too.
    Reads the account once (unless the caller read it: `actual`), then (with `data`) the data."""
    before, started = session.round_trips, time.perf_counter()
    spec = spec if spec is not None else load_spec()
    actual = actual if actual is not None else introspect(session, config, t)
    status = view_status(config, actual, t)
    changed = [key for key, state in status.items() if state != "current"]
    findings = structural_checks(config, actual, changed)
    findings += cross_region_findings(config, actual.region)  # as `plan` blocks on it (sharekit.plan.listing)
    findings += optimove_checks(config, actual, spec, status)
    rows: dict[str, int] = {}
    if data:
        probes, notes = data_probes(config, actual, spec, status)
        findings += notes
        data_findings, rows = run_data_checks(session, t, probes, tolerance, progress)
        findings += data_findings
    skipped = tuple(sorted(set(skip_checks)))
    labels = tuple(view_label(config, view) for view in config.views)
    stats = {"queries": session.round_trips - before, "seconds": round(time.perf_counter() - started, 3)}
    return CheckReport(
        share=config.share.name,
        views=labels,
        database=identifiers.quote(config.share.database),
        findings=order(apply_skips(findings, skipped), labels),
        skipped_checks=skipped,
        data=data,
        stats=stats,
        rows=rows,
    )


def order(findings: Iterable[Finding], labels: tuple[str, ...]) -> tuple[Finding, ...]:
    """By view (config order), errors before warnings; otherwise as found (stable)."""
    index = label_index(labels)

    def key(item: tuple[int, Finding]) -> tuple[int, int, int]:
        position, finding = item
        about = views_about(finding, index)
        return about[0] if about else len(labels), rank(finding.severity), position

    return tuple(finding for _, finding in sorted(enumerate(findings), key=key))


def view_status(config: Config, actual: AccountState, t: Templates) -> dict[tuple[str, str, str], str]:
    """Each configured view → `missing` (not in the account), `outdated` (the config would replace
    it: another definition or other columns) or `current`, as the plan's diff decides it."""
    changes = diff(config, desired_state(config, t, actual.region), actual)
    keys = [(config.share.database, view.schema, view.name) for view in config.views]
    return {key: changes.view_status(key) for key in keys}

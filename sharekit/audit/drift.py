"""Drift of the config's own share: the same typed diff `plan` computes, as findings."""

from __future__ import annotations

import dataclasses

from sharekit.audit.access import reader_findings
from sharekit.audit.report import finding
from sharekit.checks.findings import Finding
from sharekit.checks.structural import structural_checks
from sharekit.config.model import Config
from sharekit.connect.session import Session
from sharekit.monitor import objects as monitor_objects
from sharekit.plan.builder import database_conflict, grant_display
from sharekit.plan.diff import Diff, diff
from sharekit.sql import identifiers, statements
from sharekit.sql.templates import Templates
from sharekit.state.desired import desired_state
from sharekit.state.introspect import (  # read SHOW output exactly as `plan` reads it
    KnownShare,
    introspect,
)
from sharekit.state.model import Grant


def drift_findings(t: Templates, config: Config, delta: Diff) -> list[Finding]:
    """The diff as findings (consumers are judged by `Judge`)."""
    share = config.share.name
    label = identifiers.quote(share)
    apply_hint = f"run `sharekit plan -f {config.path}` to see it and `sharekit apply` to fix it"
    out: list[Finding] = []

    def add(id_: str, severity: str, obj: str, message: str) -> None:
        out.append(finding(id_, severity, share, obj, message))

    if delta.share_missing:  # the missing share says it all
        add("drift.share_missing", "error", label,
            f"{config.path} declares share {label}, which does not exist in this account; {apply_hint}")
        return out
    if delta.comment_changed:
        add("drift.comment", "warning", label, f"the comment of share {label} differs from {config.path}; {apply_hint}")
    for database in delta.databases_missing:
        name = identifiers.quote(database)
        add("drift.database_missing", "error", name,
            f"database {name} of share {label} does not exist; {apply_hint}")
    for schema in delta.schemas_missing:
        name = identifiers.fqn(*schema)
        add("drift.schema_missing", "error", name, f"schema {name} of share {label} does not exist; {apply_hint}")
    for view in delta.views:
        name = identifiers.fqn(*view.key)
        if view.actual is None:
            add("drift.view_missing", "error", name,
                f"view {name} is declared in {config.path} but does not exist; {apply_hint}")
        else:
            add("drift.view_changed", "error" if view.serious else "warning", name,
                f"view {name} differs from {config.path} ({view.reason}); someone changed it by hand: {apply_hint}")
    for key in delta.views_extra:
        out += _view_extra(share, identifiers.fqn(*key), config)
    for g in delta.grants_missing:
        add("drift.grant_missing", "error", identifiers.fqn(*g.name),
            f"{grant_display(g)} is declared in {config.path} but not granted to share {label}, so consumers "
            f"cannot use it (a view replaced without COPY GRANTS loses its grant); {apply_hint}")
    out += [_grant_extra(t, share, g, config) for g in delta.grants_extra]
    for account in delta.accounts_missing:
        add("drift.consumer_missing", "error", account,
            f"{config.path} declares consumer {account}, which cannot read share {label}; {apply_hint}")
    return out


def _grant_extra(t: Templates, share: str, g: Grant, config: Config) -> Finding:
    label = identifiers.quote(share)
    return finding("drift.grant_extra", "error", share, identifiers.fqn(*g.name),
                   f"{grant_display(g)} is granted to share {label} but not declared in {config.path}: "
                   "consumers can read what nobody reviewed; "
                   f"revoke it ({statements.inline(statements.revoke(t, share, g))}), or declare it")


def _view_extra(share: str, name: str, config: Config) -> list[Finding]:
    return [finding("drift.view_extra", "warning", share, name,
                    f"view {name} sits in a schema {config.path} manages but is not declared there; declare it, "
                    "or drop it (`share.prune: true` and `sharekit apply --allow-destroy`)")]




def managed_findings(session: Session, t: Templates, config: Config,
                     known: KnownShare | None = None) -> list[Finding]:
    """Drift (the diff `plan` computes) and the structural checks of the config's own share;
    `known`: what audit already read of it, not read again."""
    actual = introspect(session, config, t, known)
    share = config.share.name
    findings = [dataclasses.replace(f, share=share) for f in structural_checks(config, actual)]
    delta = diff(config, desired_state(config, t, actual.region), actual)
    if delta.other_database and not config.share.prune:  # no plan can be made: one finding
        return findings + [finding("drift.database", "error", share, identifiers.quote(share),
                                   database_conflict(share, delta.other_database))]
    reader = [dataclasses.replace(f, share=share) for f in reader_findings(config, actual.reader)]  # audit/access.py
    reader += [dataclasses.replace(f, share=share) for f in monitor_objects.audit_findings(config, actual.monitor)]
    return findings + drift_findings(t, config, delta) + reader

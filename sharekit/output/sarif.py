"""Findings as SARIF 2.1.0 (`check --format sarif`, `audit --format sarif`), for code scanning.

One result per finding: `ruleId` is the finding's id (what `--skip-check` waives), `level` its
severity, `message` what to do. Each rule appears once in `tool.driver.rules`, in the order its
first finding comes.

A result is anchored where a person would fix it: in the config, at the line of the view, the
column or the consumer the finding names, else at the `share:` block (a finding about the share
as a whole, or something of the account the config does not declare). GitHub code scanning
rejects a whole file when one result has no file location, so with a config every result has
one; the object itself is also named as a logical location. Without a config (`audit` with no
`-f`) results carry only the logical location: pass `-f sharekit.yml` to upload them.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sharekit.checks.findings import Finding, rank

if TYPE_CHECKING:
    from sharekit.config.model import Config

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning"}
_SHARE_KEY = re.compile(r"share\s*:")


def sarif_log(findings: Iterable[Finding], command: str, config: Config | None = None) -> dict[str, Any]:
    """The SARIF log of one `sharekit check` or `sharekit audit` run."""
    from sharekit.version import __version__

    findings = list(findings)
    places = _Places(config) if config is not None else None
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for finding in findings:
        level = LEVELS.get(finding.severity, "note")
        rule = rules.setdefault(finding.id, _rule(finding.id, command, level, len(rules)))
        if rank(finding.severity) < rank(rule["defaultConfiguration"]["level"]):
            rule["defaultConfiguration"]["level"] = level
        results.append(_result(finding, level, rule["index"], places))
    driver = {"name": "sharekit", "version": __version__, "semanticVersion": __version__,
              "rules": [{k: v for k, v in rule.items() if k != "index"} for rule in rules.values()]}
    run: dict[str, Any] = {"tool": {"driver": driver}, "results": results,
                           "automationDetails": {"id": f"sharekit/{command}/"}}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _rule(id_: str, command: str, level: str, index: int) -> dict[str, Any]:
    return {
        "id": id_,
        "index": index,
        "shortDescription": {"text": f"sharekit {command}: {id_}"},
        "help": {"text": f"Each `{id_}` result says what to do. `sharekit {command} --format text` lists "
                         f"them all; the README's tables describe every id (waive one with --skip-check)."},
        "defaultConfiguration": {"level": level},
    }


def _result(finding: Finding, level: str, index: int, places: _Places | None) -> dict[str, Any]:
    logical = {"fullyQualifiedName": finding.object or finding.share, "kind": "object"}
    location: dict[str, Any] = {"logicalLocations": [logical]}
    if places is not None:
        location = {"physicalLocation": {"artifactLocation": places.artifact,
                                         "region": {"startLine": places.line(finding)}}, **location}
    result: dict[str, Any] = {
        "ruleId": finding.id,
        "ruleIndex": index,
        "level": level,
        "message": {"text": finding.message},
        "locations": [location],
        # the same finding on the same object keeps its alert across runs, wherever its line moves
        "partialFingerprints": {"sharekitFinding/v1": hashlib.sha256(
            "\x00".join((finding.id, finding.share, finding.object)).encode()).hexdigest()[:32]},
    }
    properties = {key: value for key, value in (("share", finding.share), ("object", finding.object)) if value}
    if properties:
        result["properties"] = properties
    return result


class _Places:
    """Config lines by the names findings use: views and columns as `DB.SCHEMA.VIEW[.COLUMN]`,
    consumers by account (or locator)."""

    def __init__(self, config: Config):
        from sharekit.sql import identifiers

        self.share = config.share.name
        self.lines: dict[str, int] = {}
        for view in config.views:
            label = identifiers.fqn(config.share.database, view.schema, view.name)
            if view.line:
                self.lines[label] = view.line
            for column in view.columns:
                if column.line:
                    self.lines[f"{label}.{identifiers.quote(column.name)}"] = column.line
        for consumer in config.share.consumers:
            for name in (consumer.account, consumer.locator):
                if name and consumer.line:
                    self.lines.setdefault(name, consumer.line)
        self.share_line = _share_line(Path(config.path))
        uri, relative = _uri(Path(config.path))
        # %SRCROOT%: the checkout, which code scanning resolves relative URIs against
        self.artifact: dict[str, Any] = {"uri": uri, **({"uriBaseId": "%SRCROOT%"} if relative else {})}

    def line(self, finding: Finding) -> int:
        if finding.share in ("", self.share):
            name = finding.object
            while name:
                if name in self.lines:
                    return self.lines[name]
                name = name.rpartition(".")[0]  # a column's finding on a computed column: its view
        return self.share_line


def _share_line(path: Path) -> int:
    """The line of the top-level `share:` key (the model keeps no line for it), else 1."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return 1
    return next((number for number, line in enumerate(text.splitlines(), 1) if _SHARE_KEY.match(line)), 1)


def _uri(path: Path) -> tuple[str, bool]:
    """(artifact URI, relative to the working directory?): code scanning resolves relative URIs
    against the checkout, so a config inside it is named by its relative path."""
    if not path.is_absolute():
        return Path(os.path.normpath(path)).as_posix(), True
    try:
        return path.relative_to(Path.cwd()).as_posix(), True
    except ValueError:
        return path.as_uri(), False

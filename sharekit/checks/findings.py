"""The one Finding type every check, plan and audit reports, and the rules for ordering them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning")
SEVERITY_RANK = {"error": 0, "warning": 1}


@dataclass(frozen=True)
class Finding:
    """An id `--skip-check ID` can waive, a severity, the object, and a message saying what to do.
    `share` is set by audit, which reports on several shares at once."""

    id: str
    severity: str  # error | warning
    object: str
    message: str
    share: str = ""
    # the numbers behind the message (volume.drop: yesterday's rows, the average), for the monitor's
    # results table; not part of the finding's identity nor of its JSON
    figures: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> dict[str, str]:
        data = {"id": self.id, "severity": self.severity}
        if self.share:
            data["share"] = self.share
        return {**data, "object": self.object, "message": self.message}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> Finding:
        return cls(data["id"], data["severity"], data["object"], data["message"], data.get("share", ""))


def rank(severity: str) -> int:
    """Errors before warnings before anything else."""
    return SEVERITY_RANK.get(severity, len(SEVERITY_RANK))


def of_severity(findings: Iterable[Finding], severity: str) -> tuple[Finding, ...]:
    """The findings of one severity, in order (a report's `blocking` and `warnings`)."""
    return tuple(f for f in findings if f.severity == severity)


def blocking(findings: Iterable[Finding], skipped: Iterable[str] = ()) -> list[Finding]:
    skip = set(skipped)
    return [f for f in findings if f.severity == "error" and f.id not in skip]


def apply_skips(findings: Iterable[Finding], skipped: Iterable[str]) -> tuple[Finding, ...]:
    skip = set(skipped)
    return tuple(f for f in findings if f.id not in skip)

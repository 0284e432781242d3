"""The handler of the export's procedure (`export.schedule`): one `sharekit export` inside Snowflake.

The task SHAREKIT_EXPORT calls the procedure SHAREKIT_RUN_EXPORT(), whose code is the code
archive the monitor's procedure uses (`sharekit.monitor.package`: sharekit and the config), and
whose handler is `run` here, in the monitor handler's style (`sharekit.monitor.procedure`):
sharekit imported from the extracted archive, Snowpark's session behind sharekit's Session, then
`sharekit.export.run_export` as the CLI runs it (the export lock, the watermarks, one COPY per
view). `sharekit local run-task SHAREKIT_EXPORT` runs the same on the local account.

UNCONFIRMED against a live account: that COPY INTO <location> runs inside an owner's-rights
Python procedure (Snowflake documents no restriction on it, unlike GET and PUT, which the run
does not send).
"""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sharekit.config.model import Config
from sharekit.connect.session import Session


def run(session: Any) -> dict[str, Any]:
    """The procedure's handler: one export; returns its summary (the procedure's VARIANT)."""
    from sharekit.monitor import procedure

    archive = procedure._archive_of(__file__)
    if archive is not None:
        return procedure._from_extracted(archive, __name__).run_here(session, archive.name)
    return run_here(session, "")


def run_here(session: Any, archive_name: str) -> dict[str, Any]:
    """A run with the config packaged beside sharekit (`sharekit/monitor/bundle/`)."""
    from sharekit.errors import SharekitError
    from sharekit.monitor.package import BUNDLE
    from sharekit.monitor.procedure import SnowparkSession
    from sharekit.monitor.run import packaged_config

    root = Path(__file__).resolve().parents[1]
    if not (root / BUNDLE).is_dir():
        raise SharekitError(f"no packaged config at {root / BUNDLE}: this sharekit was not imported from a code "
                            "archive")
    config = packaged_config(lambda entry: (root / entry).read_bytes(), archive_name or "the code archive")
    return run_once(SnowparkSession(session), config)


def run_once(session: Session, config: Config) -> dict[str, Any]:
    """One export on `session`; its summary, shaped as the monitor's run (run_id, run_at, views,
    errors, warnings, queries) plus files and rows."""
    from sharekit.export import run_export
    from sharekit.sql.templates import get_templates

    now = datetime.now(UTC)
    report = run_export(config, session, get_templates(), now=now)
    warnings = [*report.warnings, *(w for v in report.views for w in v.warnings)]
    return {"run_id": report.run_id, "run_at": f"{now:%Y-%m-%d %H:%M:%S}", "views": len(report.views), "errors": 0,
            "warnings": len(warnings), "files": sum(len(v.files) for v in report.views),
            "rows": sum(v.rows for v in report.views), **report.stats}


def run_packaged(session: Session, archive_path: Path) -> dict[str, Any]:
    """A run with the config a code archive carries (the local account's run-task)."""
    from sharekit.monitor.run import packaged_config

    with zipfile.ZipFile(archive_path) as archive:
        config = packaged_config(archive.read, archive_path.name)
    return run_once(session, config)

"""The monitor procedure's handler, and the bridge from Snowpark to sharekit's Session interface.

Snowflake calls `run(session)` with a `snowflake.snowpark.Session`. The code archive it imports
(`monitor.package`) is on sys.path as a zip, where sharekit's modules import but its files (SQL
templates, Optimove spec files) cannot be opened as paths: `run` therefore extracts the archive
to a temporary directory once, imports sharekit from there, and runs `monitor.run.run_monitor`
through `SnowparkSession` with the config the archive carries.

Snowpark is imported by nothing else in sharekit; this module names it only in the functions
that need it, so importing the module costs nothing.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import Any

from sharekit.connect.session import RoundTripCounter
from sharekit.errors import SharekitError, StatementRefused

INSTALL_HINT = "pip install 'sharekit[snowpark]'"


def require_snowpark() -> Any:
    """The snowflake.snowpark module, or a SharekitError saying how to install it."""
    try:
        import snowflake.snowpark as snowpark
    except ImportError:
        raise SharekitError(f"this needs Snowpark (snowflake-snowpark-python): {INSTALL_HINT}") from None
    return snowpark


class SnowparkSession:
    """A `snowflake.snowpark.Session` behind sharekit's Session interface: `query` returns rows
    as dicts keyed by Snowflake's column names, `execute` runs a statement; both count one
    round-trip. A statement Snowflake refuses (SnowparkSQLException) is a StatementRefused, as
    the connector's ProgrammingError is for the other sessions, so the data checks retry a
    refused chunk view by view. Statements run one at a time (sharekit's reads come from several
    threads): whether a procedure's session takes concurrent statements is UNCONFIRMED, and
    fakesnow's server refuses them."""

    def __init__(self, session: Any) -> None:
        require_snowpark()
        self._session = session
        self._counter = RoundTripCounter()
        self._lock = threading.Lock()

    @property
    def round_trips(self) -> int:
        return self._counter.round_trips

    def query(self, sql: str) -> list[dict[str, Any]]:
        with self._counter.counting():
            return [row.as_dict() for row in self._collect(sql)]

    def execute(self, sql: str) -> None:
        with self._counter.counting():
            self._collect(sql)

    def _collect(self, sql: str) -> list[Any]:
        from snowflake.snowpark.exceptions import SnowparkSQLException

        try:
            with self._lock:
                return list(self._session.sql(sql).collect())
        except SnowparkSQLException as error:
            message = str(getattr(error, "message", None) or error)
            raise StatementRefused(message, getattr(error, "error_code", None), getattr(error, "sql_state", None)) \
                from error

    def close(self) -> None:
        """The procedure's session belongs to Snowflake: nothing to close."""


def _archive_of(module_file: str) -> Path | None:
    """The zip this module was imported from, if it was (`…/sharekit-<hash>.zip/sharekit/…`)."""
    path = Path(module_file)
    for parent in path.parents:
        if parent.suffix == ".zip" and parent.is_file():
            return parent
    return None


def _from_extracted(archive: Path, module: str = "sharekit.monitor.procedure") -> Any:
    """sharekit imported afresh from the archive extracted to a temporary directory; returns
    `module` (the handler's own, so the export's handler shares this too)."""
    target = Path(tempfile.gettempdir()) / archive.stem
    if not (target / "sharekit").is_dir():
        partial = Path(tempfile.mkdtemp(prefix=archive.stem + "."))
        with zipfile.ZipFile(archive) as opened:
            opened.extractall(partial)
        with contextlib.suppress(OSError):  # another run extracted it meanwhile
            partial.rename(target)
    for name in [n for n in sys.modules if n == "sharekit" or n.startswith("sharekit.")]:
        del sys.modules[name]
    sys.path.insert(0, str(target))
    return importlib.import_module(module)


def run(session: Any) -> dict[str, Any]:
    """The procedure's handler: one monitor run; returns its summary (the procedure's VARIANT)."""
    archive = _archive_of(__file__)
    if archive is not None:
        return _from_extracted(archive).run_here(session, archive.name)
    return run_here(session, "")


def run_here(session: Any, archive_name: str) -> dict[str, Any]:
    """A run with the config packaged beside this module (`sharekit/monitor/bundle/`)."""
    from sharekit.monitor.package import BUNDLE
    from sharekit.monitor.run import packaged_config, run_monitor

    root = Path(__file__).resolve().parents[2]
    bundle = root / BUNDLE
    if not bundle.is_dir():
        raise SharekitError(f"no packaged config at {bundle}: this sharekit was not imported from a code archive")
    config = packaged_config(lambda entry: (root / entry).read_bytes(), archive_name or "the code archive")
    return run_monitor(SnowparkSession(session), config)

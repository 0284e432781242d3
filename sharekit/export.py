"""`sharekit export`: file delivery from the shared views, unloaded by Snowflake itself.

For each exported view, one `COPY INTO @stage/<path>/<VIEW>/<run>/ FROM (SELECT … FROM view
WHERE LastUpdated > watermark AND LastUpdated <= high)`, where `high` is the view's newest
LastUpdated read just before (so a row changed while the export runs goes out next time, and
none is lost or sent twice). The watermark is kept in `<share db>.SHAREKIT_EXPORT.WATERMARKS`
(made by `sharekit apply`, `sharekit.export_objects`, or by the run if missing) and advances only
after that view's COPY succeeded: a failed or interrupted run re-exports from the old watermark.
Views without their LastUpdated column (dimensions) go whole each run. SQL: `export_*.sql.j2`.

One export at a time per watermark table: the run claims the lock row of EXPORT_LOCK next to
WATERMARKS before reading the watermarks and frees it at the end, also on failure
(`sharekit.export_lock`); a second run is refused, naming the holder.

Which files are the export: a view's run folder `<path>/<VIEW>/<RUN_ID>/` counts when
a WATERMARKS row written right after the COPY names it in LOCATION (so a later `path:` keeps
it counted). A folder without one is a failed run's (killed between COPY and record); its rows
go out again in the next run's folder, so delivering it too would send them twice. A dimension
view's latest recorded folder is the view; an incremental view's recorded folders together are,
a later one's row superseding an earlier one's by primary key. `--download` fetches only this
run's folders, after they are recorded.

Queries: 8 once (schema, watermark table, lock table, stage, the watermark table's columns,
claim, read watermarks, release; one more to add LOCATION to an old table), then per view 3
(high mark, COPY, record) — 1 for a view without new rows, which writes no file — and one GET
per view with `--download`. `--dry-run` changes nothing in the account (nothing is created,
claimed or written): it sends only reads (which export tables exist, the lock's holder and the
watermarks if they do, the high marks) and returns the statements a run would send, unrun.

Snowflake behaviour this relies on and that is UNCONFIRMED against a live account (the local
account implements it as written here):
- COPY INTO <location> with DETAILED_OUTPUT = TRUE returns one row per file with FILE_NAME,
  FILE_SIZE and ROW_COUNT, and writes no file when the SELECT returns no row;
- comparing LastUpdated (DATE / TIMESTAMP_*) with the watermark as text casts the text to the
  column's type; for TIMESTAMP_LTZ/TZ the text carries its UTC offset (`+00:00`);
- CSV: NULL_IF = ('') with FIELD_OPTIONALLY_ENCLOSED_BY = '"' writes NULL as an empty, unquoted
  field and quotes every other value; TIMESTAMP_FORMAT applies to every timestamp type;
- JSON: one object per line, no enclosing brackets; how a timestamp inside
  OBJECT_CONSTRUCT_KEEP_NULL is written (its VARIANT text form);
- MAX_FILE_SIZE is an upper bound per file (Snowflake documents it as approximate);
- GET of a stage path writes the files under the target directory by their file names.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sharekit import export_lock
from sharekit.config.model import EXPORT_SCHEMA, Config, Export, View
from sharekit.connect.session import Session, wrap_connector_error
from sharekit.errors import SharekitError
from sharekit.sql import identifiers, statements
from sharekit.sql.templates import Templates

WATERMARK_TABLE = "WATERMARKS"
MAX_FILE_BYTES = 1024 * 1024 * 1024  # Optimove reads files of at most 1 GB
_SEGMENT = re.compile(r"[^A-Za-z0-9_.=-]")
DELIVERED_FILES = (
    "the files of the run folders <path>/<VIEW>/<RUN_ID>/ that WATERMARKS names in a row's LOCATION; "
    "a folder without one is a failed run's, its rows are exported again by the next run: do not deliver it")


@dataclass(frozen=True)
class ExportedFile:
    name: str
    size: int
    rows: int


@dataclass
class ViewExport:
    """One view's part of a run."""

    view: str  # DB.SCHEMA.VIEW as SQL
    location: str  # @stage/path/VIEW/run/
    incremental: bool
    previous: str | None = None  # the watermark before this run (None: none, or --full)
    watermark: str | None = None  # after it
    files: tuple[ExportedFile, ...] = ()
    downloaded: tuple[str, ...] = ()
    statements: list[str] = field(default_factory=list)  # what changes something (COPY, record, GET)
    note: str | None = None  # e.g. "no new rows"
    warnings: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.files)

    def to_json(self) -> dict[str, Any]:
        return {"view": self.view, "location": self.location, "incremental": self.incremental,
                "previous_watermark": self.previous, "watermark": self.watermark,
                "rows": self.rows, "bytes": self.bytes,
                "files": [{"name": f.name, "size": f.size, "rows": f.rows} for f in self.files],
                "downloaded": list(self.downloaded), "note": self.note, "warnings": list(self.warnings),
                "statements": list(self.statements)}


@dataclass
class ExportReport:
    stage: str
    format: str
    run_id: str
    dry_run: bool
    full: bool
    setup: list[str] = field(default_factory=list)  # CREATE SCHEMA / TABLE / STAGE, the lock's claim
    views: list[ViewExport] = field(default_factory=list)
    finish: list[str] = field(default_factory=list)  # the lock's release
    warnings: list[str] = field(default_factory=list)  # the lock: taken over, held (dry run), not released
    stats: dict[str, Any] = field(default_factory=dict)
    target: str = ""  # where it ran, as the text report names it

    @property
    def statements(self) -> list[str]:
        return [*self.setup, *(s for v in self.views for s in v.statements), *self.finish]

    def to_json(self) -> dict[str, Any]:
        return {"format_version": 1, "stage": self.stage, "target": self.target, "format": self.format,
                "run_id": self.run_id, "dry_run": self.dry_run, "full": self.full,
                "summary": {"views": len(self.views), "files": sum(len(v.files) for v in self.views),
                            "rows": sum(v.rows for v in self.views), "bytes": sum(v.bytes for v in self.views)},
                "delivered_files": DELIVERED_FILES, "warnings": list(self.warnings), "setup": list(self.setup),
                "views": [v.to_json() for v in self.views], "finish": list(self.finish), "stats": self.stats}


def watermark_table(config: Config) -> tuple[str, str, str]:
    return (config.share.database, EXPORT_SCHEMA, WATERMARK_TABLE)


def selected_views(config: Config, names: Iterable[str] = ()) -> list[View]:
    """The views to export: all with `export:` not false, or those named (NAME or SCHEMA.NAME)."""
    export = _section(config)
    exported = [v for v in config.views if export.exports(v)]
    wanted = list(names)
    if not wanted:
        if not exported:
            raise SharekitError("every view says `export: false`: nothing to export")
        return exported
    chosen: list[View] = []
    for name in wanted:
        try:
            parts = identifiers.parse_qualified(name, 2) if len(identifiers.split(name)) == 2 else \
                (None, identifiers.normalize(name))
        except SharekitError as error:
            raise SharekitError(f"--view {name}: {error}") from None
        matches = [v for v in config.views if v.name == parts[1] and parts[0] in (None, v.schema)]
        if not matches:
            known = ", ".join(v.name for v in exported)
            raise SharekitError(f"--view {name}: no such view in {config.path} (exported views: {known})")
        for view in matches:
            if not export.exports(view):
                raise SharekitError(f"--view {name}: the view says `export: false` in {config.path}")
            if view not in chosen:
                chosen.append(view)
    return chosen


def _section(config: Config) -> Export:
    if config.export is None:
        raise SharekitError(f"{config.path} has no `export:` section: add one with at least "
                            "`stage: NAME` (see README, sharekit export)")
    return config.export


def run_export(config: Config, session: Session, t: Templates, *, views: Iterable[str] = (), full: bool = False,
               dry_run: bool = False, download: Path | None = None, now: datetime | None = None,
               break_lock: bool = False, progress: Callable[[int, int, str], None] | None = None) -> ExportReport:
    """Export the views' new rows (all rows with `full`) under the export lock; see the module docstring."""
    export = _section(config)
    chosen = selected_views(config, views)
    if download is not None and export.url is not None:
        raise SharekitError("--download fetches files from an internal stage (GET); this stage is external "
                            f"({export.url}): read the files from there with your cloud's tools")
    now = now or datetime.now(UTC)
    run_id = now.strftime("%Y%m%dT%H%M%S%fZ")
    table = watermark_table(config)
    lock = export_lock.lock_table(table)
    report = ExportReport(stage=identifiers.fqn(*export.stage), format=export.format, run_id=run_id,
                          dry_run=dry_run, full=full)
    before, started = session.round_trips, time.perf_counter()
    report.setup = [  # what `sharekit apply` makes too (sharekit.export_objects)
        statements.create_schema(t, table[0], table[1]),
        t.render("export_create_watermarks", table=table),
        t.render("export_create_lock", table=lock),
        t.render("export_create_stage", stage=export.stage, url=export.url,
                 storage_integration=export.storage_integration),
    ]
    if dry_run:
        marks = _dry_run_reads(session, t, table, full, now, report)
        report.setup.append(export_lock.claim_statement(t, lock, run_id, now))
        report.finish = [t.render("export_release_lock", table=lock, run_id=run_id)]
        for view in chosen:
            report.views.append(_export_view(config, export, session, t, view, marks, run_id, True, download))
    else:
        for statement in report.setup:
            session.execute(statement)
        report.setup += _add_location(session, t, table)
        taken_over = export_lock.claim(session, t, lock, run_id, now, break_lock)
        if taken_over:
            report.warnings.append(taken_over)
        try:
            marks = {} if full else _read_watermarks(session, t, table)
            for done, view in enumerate(chosen):
                if progress:
                    progress(done, len(chosen), view.name)
                try:
                    report.views.append(_export_view(config, export, session, t, view, marks, run_id, False, None))
                    if download is not None and report.views[-1].files:
                        _download(session, t, report.views[-1], view, download)
                except Exception as error:
                    raise _stopped(error, export, report, view, chosen, done) from error
            if progress:
                progress(len(chosen), len(chosen), "")
        except BaseException as error:  # Ctrl-C too: free the lock, keep the error
            problem = _release(session, t, lock, run_id, report)
            if problem and isinstance(error, SharekitError):
                raise SharekitError(f"{error} Also, {problem}") from error
            raise
        problem = _release(session, t, lock, run_id, report)
        if problem:
            raise SharekitError(f"every view was exported and recorded, but {problem}")
    report.stats = {"queries": session.round_trips - before, "seconds": round(time.perf_counter() - started, 3)}
    return report


def _add_location(session: Session, t: Templates, table: tuple[str, str, str]) -> list[str]:
    """An old WATERMARKS gains LOCATION, as a plan would (not ADD COLUMN IF NOT EXISTS each run:
    some accounts are said to refuse it)."""
    rows = session.query(t.render("export_watermarks_exist", schema=table[:2], names=[table[2]]))
    if any(str(_get(r, "COLUMN_NAME")) == "LOCATION" for r in rows):
        return []
    alter = t.render("export_add_location", table=table)
    session.execute(alter)
    return [alter]


def _read_watermarks(session: Session, t: Templates, table: tuple[str, str, str]) -> dict[str, str]:
    rows = session.query(t.render("export_read_watermarks", table=table))
    return {str(_get(r, "VIEW_NAME")): str(_get(r, "WATERMARK")) for r in rows if _get(r, "WATERMARK") is not None}


def _dry_run_reads(session: Session, t: Templates, table: tuple[str, str, str], full: bool, now: datetime,
                   report: ExportReport) -> dict[str, str]:
    """A dry run's reads: the watermarks and the lock, if their tables exist (a dry run creates
    nothing); a WATERMARKS without LOCATION adds the ALTER to the statements shown."""
    lock = export_lock.lock_table(table)
    rows = session.query(t.render("export_watermarks_exist", schema=table[:2], names=[table[2], lock[2]]))
    found = {str(_get(r, "TABLE_NAME")) for r in rows}
    if table[2] in found and (table[2], "LOCATION") not in {(str(_get(r, "TABLE_NAME")), str(_get(r, "COLUMN_NAME")))
                                                            for r in rows}:
        report.setup.append(t.render("export_add_location", table=table))
    if lock[2] in found:
        held = export_lock.read_holder(session, t, lock)
        if held is not None:
            report.warnings.append(f"the export lock is held by {held.describe(export_lock.utc_naive(now))}: "
                                   "a run now would be refused (or take it over, if stale)")
    return _read_watermarks(session, t, table) if table[2] in found and not full else {}


def _release(session: Session, t: Templates, lock: tuple[str, str, str], run_id: str,
             report: ExportReport) -> str | None:
    """Free the lock at the end of the run, also after a failure; what went wrong, if it could not."""
    try:
        if not export_lock.release(session, t, lock, run_id):
            report.warnings.append("another run took the export lock over while this one ran (it was presumed "
                                   "dead): check the stage for files both runs wrote")
    except Exception as error:
        if not isinstance(error, SharekitError) and wrap_connector_error(error) is None:
            raise
        return (f"the export lock of run {run_id} could not be released ({wrap_connector_error(error) or error}): "
                "once no export runs, `sharekit export --break-lock` takes it over (or the next export does after "
                f"{export_lock.STALE_AFTER.total_seconds() / 3600:g} hours)")
    return None


def _stopped(error: Exception, export: Export, report: ExportReport, view: View, chosen: list[View],
             done: int) -> Exception:
    """A failure part-way, said with what was kept: views before it are exported and recorded,
    this one and the rest keep their watermarks, so the next run exports their rows again."""
    known: BaseException | None = error if isinstance(error, SharekitError) else wrap_connector_error(error)
    if known is None:
        return error
    kept = ", ".join(v.view for v in report.views) or "none"
    if len(report.views) > done:  # recorded; its GET failed
        return SharekitError(
            f"export stopped at {view.name} (view {done + 1} of {len(chosen)}): its files were written and recorded "
            f"(so they count), but --download could not fetch them: {known}. Exported and recorded: {kept}; the "
            "views after it keep their watermarks: run `sharekit export --download DIR` again for them, and GET "
            f"'{report.views[-1].location}' for this one.")
    return SharekitError(
        f"export stopped at {view.name} (view {done + 1} of {len(chosen)}): {known}. Exported and recorded: {kept}; "
        f"{view.name} and the views after it keep their watermarks, so running `sharekit export` again exports "
        f"their rows (none is lost or sent twice). Files of this run in {_location(export, view, report.run_id)} "
        "are not recorded in WATERMARKS and are not part of the export: do not deliver them (or REMOVE them).")


def _location(export: Export, view: View, run_id: str) -> str:
    """A view's folder of one run: @stage/<path>/<VIEW>/<RUN_ID>/."""
    segment = _SEGMENT.sub("_", view.name)
    return "@" + "/".join(p for p in (identifiers.fqn(*export.stage), export.path, segment, run_id) if p) + "/"


def _export_view(config: Config, export: Export, session: Session, t: Templates, view: View,
                 marks: dict[str, str], run_id: str, dry_run: bool, download: Path | None) -> ViewExport:
    name = (config.share.database, view.schema, view.name)
    key = identifiers.fqn(*name)
    segment = _SEGMENT.sub("_", view.name)
    location = _location(export, view, run_id)
    incremental = view.last_updated in view.column_names
    result = ViewExport(view=key, location=location, incremental=incremental)
    low = high = None
    if incremental:
        low = result.previous = marks.get(key)
        rows = session.query(t.render("export_high_mark", view=name, last_updated=view.last_updated, watermark=low))
        high_value = _get(rows[0], "HIGH") if rows else None
        if high_value is None:
            result.watermark = low
            result.note = "no new rows" if low is not None else "no rows with a LastUpdated"
            return result
        high = result.watermark = watermark_text(high_value)
    copy = t.render("export_copy", location=location, view=name, columns=list(view.column_names),
                    format=export.format, last_updated=view.last_updated, low=low, high=high,
                    max_file_size=export.max_file_mb * 1024 * 1024)
    result.statements.append(copy)
    if dry_run:
        result.statements.append(_record(t, config, key, run_id, result))
        if download is not None:
            result.statements.append(_get_statement(t, location, download, segment))
        return result
    result.files = tuple(_files(session.query(copy)))
    record = _record(t, config, key, run_id, result)
    result.statements.append(record)
    session.execute(record)  # only now: a failed COPY leaves the old watermark
    result.warnings = _size_warnings(result.files, export.max_file_mb)
    return result


def _download(session: Session, t: Templates, result: ViewExport, view: View, download: Path) -> None:
    """`--download`: GET a view's folder of this run, once it is recorded (so what it fetches counts)."""
    get = _get_statement(t, result.location, download, _SEGMENT.sub("_", view.name))
    result.statements.append(get)
    result.downloaded = tuple(str(_get(r, "FILE") or "") for r in session.query(get))


def _record(t: Templates, config: Config, key: str, run_id: str, result: ViewExport) -> str:
    return t.render("export_record_watermark", table=watermark_table(config), view_name=key, run_id=run_id,
                    watermark=result.watermark, rows=result.rows, files=len(result.files), bytes=result.bytes,
                    location=result.location)


def _get_statement(t: Templates, location: str, download: Path, segment: str) -> str:
    target = (download.resolve() / segment).as_uri() + "/"
    return t.render("export_get", location=location, target=target)


def _files(rows: list[dict[str, Any]]) -> list[ExportedFile]:
    files = []
    for row in rows:
        name = _get(row, "FILE_NAME")
        if name is None:  # a summary row (rows_unloaded …): no file was written
            continue
        files.append(ExportedFile(str(name), int(_get(row, "FILE_SIZE") or 0), int(_get(row, "ROW_COUNT") or 0)))
    return files


def _size_warnings(files: tuple[ExportedFile, ...], max_file_mb: int) -> list[str]:
    out = []
    for f in files:
        if f.size > MAX_FILE_BYTES:
            out.append(f"{f.name} is {f.size:,} bytes, over the 1 GB Optimove reads")
        elif f.size > max_file_mb * 1024 * 1024:
            out.append(f"{f.name} is {f.size:,} bytes, over max_file_mb ({max_file_mb} MB)")
    return out


def watermark_text(value: Any) -> str:
    """A LastUpdated value as the text the next run compares with (full precision, UTC offset
    kept for zoned timestamps)."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _get(row: dict[str, Any], name: str) -> Any:
    """A column of a result row: Snowflake's DictCursor keys are upper-case, some SHOW/GET
    output is lower-case."""
    if name in row:
        return row[name]
    return row.get(name.lower())

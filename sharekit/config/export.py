"""The `export:` section of `sharekit.yml` and `views[].export: false`, read into model.Export.

Called from `sharekit.config.load` with the located top-level mapping; every problem is a
located `file:line: key: message`, collected with the rest of the config's.

    export:
      stage: EXPORTS              # STAGE, SCHEMA.STAGE or DB.SCHEMA.STAGE; one part: <share db>.SHAREKIT_EXPORT
      url: s3://bucket/optimove/  # optional: an external stage sharekit creates (with storage_integration)
      storage_integration: OPTIMOVE_S3
      format: csv                 # csv | json | parquet (csv and json are GZIP-compressed)
      max_file_mb: 250            # at most 1024 (Optimove: ≤ 1 GB a file, 100–250 MB parts)
      path: optimove/daily        # prefix inside the stage
      schedule: USING CRON 0 5 * * * UTC   # optional: a task runs the export (CRON as in `monitor:`)
      warehouse: EXPORT_WH        # the task's warehouse (required with schedule)
"""

from __future__ import annotations

import re
from typing import Any

from sharekit.config.model import DEFAULT_MAX_FILE_MB, EXPORT_FORMATS, EXPORT_SCHEMA, MAX_FILE_MB, Export, Share
from sharekit.config.monitor import cron_schedule
from sharekit.config.reader import Reader, _bool, _name, _text
from sharekit.config.source import Located, LocatedList
from sharekit.sql import identifiers

EXPORT_KEYS = ("stage", "url", "storage_integration", "format", "max_file_mb", "path", "schedule", "warehouse")
_URL = re.compile(r"(s3|s3gov|gcs|azure)://[^\s'\"\\]+\Z")
_PATH_PART = re.compile(r"[A-Za-z0-9_.=-]+\Z")


def _format(value: Any) -> str:
    text = _text(value).strip().lower()
    if text not in EXPORT_FORMATS:
        raise ValueError(f"{value!r} is not an export format: use one of {', '.join(EXPORT_FORMATS)}")
    return text


def _max_file_mb(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"must be a whole number of MB, not {value!r}")
    if not 1 <= value <= MAX_FILE_MB:
        raise ValueError(f"{value} MB is out of range: Optimove reads files of at most 1 GB, so use 1–{MAX_FILE_MB} "
                         "(100–250 is what Optimove recommends)")
    return value


def _path(value: Any) -> str:
    text = _text(value).strip().strip("/")
    for part in text.split("/") if text else ():
        if not _PATH_PART.match(part) or part in (".", ".."):
            raise ValueError(f"{value!r} is not a stage path: use parts of letters, digits, _ . = - "
                             "separated by '/', e.g. optimove/daily")
    return text


def _url(value: Any) -> str:
    text = _text(value).strip()
    if not _URL.match(text):
        raise ValueError(f"{value!r} is not a stage URL: write s3://bucket/path/, gcs://bucket/path/ "
                         "or azure://account.blob.core.windows.net/container/path/")
    return text


def _stage(database: str | None):  # type: ignore[no-untyped-def]
    def convert(value: Any) -> tuple[str, str, str]:
        written = identifiers.split(identifiers.require_printable(_text(value)))
        if not 1 <= len(written) <= 3:
            raise ValueError(f"{value!r} must be STAGE, SCHEMA.STAGE or DATABASE.SCHEMA.STAGE")
        parts = [identifiers.normalize(part) for part in written]
        if len(parts) < 3 and database is None:
            raise ValueError("needs share.database to place the stage: write DATABASE.SCHEMA.STAGE")
        if len(parts) == 1:
            return (str(database), EXPORT_SCHEMA, parts[0])
        if len(parts) == 2:
            return (str(database), parts[0], parts[1])
        return (parts[0], parts[1], parts[2])

    return convert


def read_export(r: Reader, top: Located, share: Share | None, schema: str) -> Export | None:
    """`export:` (None when absent) and the views that say `export: false`."""
    skipped = _skipped_views(r, top, schema)
    if "export" not in top:
        return None
    node = r.mapping(top["export"], "export", EXPORT_KEYS, top.key_lines["export"])
    if node is None:
        return None
    stage = r.get(node, "export", "stage", _stage(share.database if share else None), required=True)
    url = r.get(node, "export", "url", _url)
    integration = r.get(node, "export", "storage_integration", _name)
    if url is not None and integration is None:
        r.problem(node.key_lines.get("url", node.line), "export.storage_integration",
                  "is required with `url:`: name the storage integration that lets Snowflake write there "
                  "(CREATE STORAGE INTEGRATION, done once by an ACCOUNTADMIN)")
    if integration is not None and url is None:
        r.problem(node.key_lines["storage_integration"], "export.storage_integration",
                  "only goes with `url:` (an external stage); without `url:` the stage is internal")
    fmt = r.get(node, "export", "format", _format, default="csv")
    max_file_mb = r.get(node, "export", "max_file_mb", _max_file_mb, default=DEFAULT_MAX_FILE_MB)
    if "max_file_mb" in node and isinstance(max_file_mb, int) and not 100 <= max_file_mb <= 250:
        r.warn(node.key_lines["max_file_mb"], "export.max_file_mb",
               f"{max_file_mb} MB is outside the 100–250 MB parts Optimove recommends")
    path = r.get(node, "export", "path", _path, default="")
    schedule = r.get(node, "export", "schedule", cron_schedule)
    warehouse = r.get(node, "export", "warehouse", _name)
    if schedule is not None and warehouse is None:
        r.problem(node.key_lines["schedule"], "export.warehouse",
                  "is required with `schedule:`: name the warehouse the export's task runs on")
    if warehouse is not None and "schedule" not in node:
        r.problem(node.key_lines["warehouse"], "export.warehouse",
                  "only goes with `schedule:` (the warehouse of the export's task)")
    if stage is None:
        return None
    return Export(stage=stage, format=fmt, max_file_mb=max_file_mb, path=path, url=url,
                  storage_integration=integration, schedule=schedule, warehouse=warehouse,
                  skipped=frozenset(skipped), line=node.line, variables=tuple(sorted(r.variables.items())))


def _skipped_views(r: Reader, top: Located, schema: str) -> set[tuple[str, str]]:
    """(schema, name) of every view with `export: false`; `export:` must be true or false."""
    skipped: set[tuple[str, str]] = set()
    views = top.get("views")
    if not isinstance(views, LocatedList):
        return skipped
    for index, item in enumerate(views):
        if not isinstance(item, Located) or "export" not in item:
            continue
        exported = r.get(item, f"views[{index}]", "export", _bool, default=True)
        if exported:
            continue
        try:
            name = _name(item.get("name"))
            view_schema = _name(item["schema"]) if isinstance(item.get("schema"), str) else schema
        except (ValueError, TypeError):
            continue  # load.py reports the bad name
        skipped.add((view_schema, name))
    return skipped

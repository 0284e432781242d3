"""The code archive of sharekit's procedures (the monitor's checks, the scheduled export):
sharekit itself, the config and the Optimove spec files.

The archive is what the procedure IMPORTS: the `sharekit` package as installed (its modules,
the built-in Optimove spec files `sharekit/optimove/*.yml`, and the SQL templates placed at
`sharekit/sql_templates/`, where an installed wheel keeps them), plus `sharekit/monitor/bundle/`
with the config and the `${NAME}` variables it uses. The config is packaged canonical: its YAML
data dumped with sorted keys, the monitor's `schedule`, `warehouse` and `alert` (which the
procedure does not use) set to fixed values and the export's `schedule` and `warehouse` left out,
so that comments, layout and a new schedule leave the archive, and so the procedure, as they
are: a schedule change is an ALTER TASK alone. Entries are sorted and dated 1980-01-01, so the
same code and config give the same bytes: the archive is named by its content hash, which the
procedure's COMMENT carries and the next plan compares.

`--optimove-spec` files and `--templates` overrides are not packaged: the procedure runs the
built-in ones.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sharekit.config.model import Config
from sharekit.errors import PlanError
from sharekit.sql.templates import builtin_dir

BUNDLE = "sharekit/monitor/bundle"
CONFIG_ENTRY, VARIABLES_ENTRY = f"{BUNDLE}/sharekit.yml", f"{BUNDLE}/variables.json"
_SUFFIXES = (".py", ".yml", ".sql", ".j2", ".json", ".typed")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Archive:
    name: str  # sharekit-<hash>.zip
    digest: str  # the first 16 hex digits of its SHA-256
    data: bytes


@lru_cache(maxsize=1)
def _sharekit_files() -> tuple[tuple[str, bytes], ...]:
    """(archive name, bytes) of the installed sharekit package and its templates, read once per
    process: one plan and the apply that verifies it see the same code."""
    package = Path(__file__).resolve().parent.parent
    files = []
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package)
        skip = "__pycache__" in relative.parts or relative.parts[:1] == ("sql_templates",) \
            or relative.parts[:2] == ("monitor", "bundle")
        if path.is_file() and path.suffix in _SUFFIXES and not skip:
            files.append((f"sharekit/{relative.as_posix()}", path.read_bytes()))
    for path in sorted(builtin_dir().glob("*.sql.j2")):
        files.append((f"sharekit/sql_templates/{path.name}", path.read_bytes()))
    return tuple(files)


def config_text(config: Config) -> str:
    try:
        return Path(config.path).read_text(encoding="utf-8")
    except OSError as error:
        raise PlanError(f"monitor: the procedure packages the config file, and {config.path} cannot be read "
                        f"({error.strerror or error}); pass the config with -f FILE") from None


PACKAGED_SCHEDULE, PACKAGED_WAREHOUSE = "USING CRON 0 0 * * * UTC", "SET_BY_THE_TASK"


def canonical_config(config: Config) -> str:
    """The config as the procedure reads it (see the module's docstring)."""
    import yaml

    data = yaml.safe_load(config_text(config))
    if config.monitor is not None:
        monitor = dict(data.get("monitor") or {})
        monitor.pop("alert", None)
        monitor.update(schedule=PACKAGED_SCHEDULE, warehouse=PACKAGED_WAREHOUSE)
        data["monitor"] = monitor
    if isinstance(data.get("export"), dict):
        data["export"] = {k: v for k, v in data["export"].items() if k not in ("schedule", "warehouse")}
    data.pop("local", None)  # the seed is for --local only, and names a file the archive lacks
    return yaml.safe_dump(data, sort_keys=True, allow_unicode=True, width=10_000)


def build_archive(config: Config) -> Archive:
    """The archive for `config` (its monitor or export section must be set)."""
    section = config.monitor or config.export
    assert section is not None
    text = canonical_config(config)
    used = set(_VAR.findall(text))
    variables = {name: value for name, value in section.variables if name in used}
    entries = [*_sharekit_files(), (CONFIG_ENTRY, text.encode("utf-8")),
               (VARIABLES_ENTRY, json.dumps(variables, sort_keys=True).encode("utf-8"))]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(entries):
            info = zipfile.ZipInfo(name, _EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()[:16]
    return Archive(f"sharekit-{digest}.zip", digest, data)


def archive_path(config: Config, archive: Archive) -> Path:
    """Where the archive is written for PUT: `.sharekit/monitor/` beside the config (absolute)."""
    return (Path(config.path).resolve().parent / ".sharekit" / "monitor" / archive.name)


def write_archive(config: Config, archive: Archive) -> Path:
    """The archive on disk (written once; its name is its content)."""
    path = archive_path(config, archive)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        partial.write_bytes(archive.data)
        partial.replace(path)
    return path

"""`sharekit.yml`: the config model (`model`), its located reader (`reader`) and loading (`load`).

The model is imported here; `load_config` and `parse_config` are imported on first use, so that
importing the config model loads neither YAML nor sqlglot (`sharekit --help` stays fast).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sharekit.config.model import Column, Config, Consumer, View, parse_duration

if TYPE_CHECKING:
    from sharekit.config.load import load_config, parse_config

__all__ = ["Config", "View", "Column", "Consumer", "load_config", "parse_config", "parse_duration"]


def __getattr__(name: str) -> Any:
    if name in ("load_config", "parse_config"):
        from sharekit.config import load

        return getattr(load, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

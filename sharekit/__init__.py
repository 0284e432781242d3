"""sharekit: Snowflake Secure Data Sharing to Optimove, declared in YAML, planned and applied safely.

The public API lives in `sharekit.api` (open_session, make_plan, run_plan) and
`sharekit.config` (load_config); they are imported lazily so the CLI starts fast.
"""

from sharekit.version import __version__

__all__ = ["__version__", "load_config", "open_session", "make_plan", "run_plan"]


def __getattr__(name: str):
    if name == "load_config":
        from sharekit.config import load_config

        return load_config
    if name in ("open_session", "make_plan", "run_plan"):
        from sharekit import api

        return getattr(api, name)
    raise AttributeError(name)

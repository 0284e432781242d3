"""`sharekit check`: LastUpdated and Optimove data readiness (issue #5 builds it out)."""

from __future__ import annotations

from .cli import app, handle_errors
from .errors import SharekitError


@app.command()
@handle_errors
def check() -> None:
    """Prove every incremental view has a usable LastUpdated and the data fits Optimove."""
    raise SharekitError(
        "`sharekit check` is not available yet in this version (tracked in issue #5); "
        "`sharekit plan` already runs the structural checks"
    )

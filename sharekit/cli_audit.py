"""`sharekit audit`: what the account shares, with whom, and what is wrong (issue #6 builds it out)."""

from __future__ import annotations

from .cli import app, handle_errors
from .errors import SharekitError


@app.command()
@handle_errors
def audit() -> None:
    """Report what the account shares, with whom, and what is wrong with it."""
    raise SharekitError(
        "`sharekit audit` is not available yet in this version (tracked in issue #6); "
        "use `sharekit local sql \"SHOW SHARES\"` or Snowflake's SHOW SHARES meanwhile"
    )

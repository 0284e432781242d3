"""One root exception, one subclass per stage; the CLI turns any of them into `Error: …`, exit 1."""

from __future__ import annotations

from dataclasses import dataclass


class SharekitError(Exception):
    """Something the user can fix; the message says what, where and how."""


@dataclass(frozen=True)
class Problem:
    """One located problem in a file: `file:line: key: message`."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ConfigError(SharekitError):
    """All problems of one config file, collected and reported at once."""

    MAX_SHOWN = 20

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = [str(p) for p in problems[: self.MAX_SHOWN]]
        if len(problems) > self.MAX_SHOWN:
            shown.append(f"… and {len(problems) - self.MAX_SHOWN} more")
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{len(problems)} {noun} in config:\n  " + "\n  ".join(shown))


class IdentifierError(SharekitError, ValueError):
    """A name or account that Snowflake would not accept as written."""


class TemplateError(SharekitError):
    """A SQL template is missing or fails to render."""


class ConnectionError_(SharekitError):
    """No session could be opened (bad connection name, missing credentials, local account in use)."""


class SnowflakeError(SharekitError):
    """Snowflake (or the local account) refused a statement."""


class ConnectorError(SnowflakeError):
    """A `snowflake.connector` error, wrapped where it leaves the session (`connect.session`).

    `msg`, `errno` and `sqlstate` are the connector's; the message users see is `Snowflake: msg`."""

    def __init__(self, msg: str, errno: int | None = None, sqlstate: str | None = None) -> None:
        self.msg, self.errno, self.sqlstate = msg, errno, sqlstate
        super().__init__(f"Snowflake: {msg}")


class StatementRefused(ConnectorError):
    """The account refused one statement (a ProgrammingError): the session is still usable."""


class ConnectionLost(ConnectorError):
    """Any other connector error: the connection dropped, closed or failed (OperationalError…)."""


class PlanError(SharekitError):
    """The plan cannot be made or is not safe to apply (stale, destructive without consent)."""


class CheckError(SharekitError):
    """A blocking check failed."""

"""A located reader of loaded YAML: converts values and collects every problem with its file,
line and key, so a user fixes a file in one pass. Unknown keys are errors with a "did you mean"
hint. Shared by the config (`sharekit.config.load`) and the Optimove spec files
(`sharekit.checks.spec`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from typing import Any

from sharekit.config.source import Located
from sharekit.errors import Problem
from sharekit.sql import identifiers

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def unknown_key(name: str, allowed: tuple[str, ...]) -> str:
    """`unknown key; did you mean 'comment'?` (or the allowed keys when nothing is close)."""
    hint = difflib.get_close_matches(name, allowed, n=1)
    return f"unknown key; did you mean {hint[0]!r}?" if hint else f"unknown key; allowed: {', '.join(allowed)}"


class Reader:
    """Walks the loaded YAML, converting values and collecting located problems."""

    def __init__(self, path: str, variables: Mapping[str, str]):
        self.path = path
        self.variables = variables
        self.problems: list[Problem] = []
        self.warnings: list[str] = []

    def problem(self, line: int | None, key: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, key, message))

    def warn(self, line: int | None, key: str, message: str) -> None:
        """A located warning, `file:line: key: message`, kept once however often it is found
        (e.g. through a YAML anchor read twice): Config.warnings is what commands print."""
        text = str(Problem(self.path, line, key, message))
        if text not in self.warnings:
            self.warnings.append(text)

    def substitute(self, value: Any, line: int | None, key: str) -> Any:
        if not isinstance(value, str) or "${" not in value:
            return value

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name in self.variables:
                return self.variables[name]
            self.problem(
                line,
                key,
                f"variable ${{{name}}} is not set: pass --var {name}=VALUE "
                f"or set SHAREKIT_VAR_{name}",
            )
            return match.group(0)

        return _VAR.sub(replace, value)

    def mapping(
        self, node: Any, key: str, allowed: tuple[str, ...], line: int | None
    ) -> Located | None:
        if not isinstance(node, Located):
            self.problem(line, key, f"must be a mapping of {', '.join(allowed)}")
            return None
        for name in node:
            if name not in allowed:
                self.problem(node.key_lines[name], _join(key, name), unknown_key(name, allowed))
        return node

    def get(
        self,
        node: Located,
        key: str,
        name: str,
        convert: Callable[[Any], Any],
        *,
        required: bool = False,
        default: Any = None,
    ) -> Any:
        where = _join(key, name)
        if name not in node or node[name] is None:
            if required and name in node:  # `query:` with nothing after it: never dropped silently
                self.problem(node.key_lines.get(name, node.line), where, "is empty: give it a value")
            elif required:
                self.problem(node.line, where, "is required")
            return default
        line = node.key_lines.get(name, node.line)
        known = len(self.problems)
        value = self.substitute(node[name], line, where)
        if len(self.problems) > known:  # an unset ${VAR}: one error is enough
            return default
        try:
            return convert(value)
        # IdentifierError and sql.fragments.FragmentError are ValueErrors: caught here without
        # importing sqlglot, which this module leaves to the converters that need it.
        except (ValueError, TypeError) as error:
            self.problem(line, where, str(error))
            return default


def _join(key: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{key}[{name}]"
    return f"{key}.{name}" if key else name


def _yaml_type(value: Any) -> str:
    """What a YAML value is, in the words of the YAML file (not Python's type names)."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "a date" if hasattr(value, "isoformat") else type(value).__name__


def _text(value: Any) -> str:
    if not isinstance(value, str):
        if isinstance(value, (dict, list)):
            raise TypeError(f"must be text, not {_yaml_type(value)}")
        raise TypeError(f"must be text, not {_yaml_type(value)} ({value!r}); quote it if it is meant as text")
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"must be true or false, not {value!r}")
    return value


def _name(value: Any) -> str:
    return identifiers.normalize(identifiers.require_printable(_text(value)))


def _qualified3(value: Any) -> tuple[str, str, str]:
    return identifiers.parse_qualified(identifiers.require_printable(_text(value)), 3)  # type: ignore[return-value]


def _shown(text: str) -> str:
    """Text for a one-line message: control characters and line breaks written as escapes."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)

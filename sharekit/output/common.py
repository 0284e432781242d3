"""What every report shares: counted nouns, severity colours, the round-trip line, and the two
escapers (terminal and Markdown) that keep names from a config or an account inert.

Names and messages can hold anything a quoted identifier or a comment can: escape sequences,
`|`, backticks, HTML. On a terminal they are shown (`\\x1b`), never obeyed; in Markdown they are
text, never table structure or markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.segment import Segment

SEVERITY_STYLE = {"error": "red", "warning": "yellow"}

_IRREGULAR = {"query": "queries", "was": "were", "exists": "exist", "is": "are"}

# C0 and C1 controls but tab and newline, DEL, and the bidirectional overrides ("Trojan source")
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plural(count: int, word: str) -> str:
    """`1 change`, `2 changes`, `0 queries`: the number with its noun in the right form."""
    return f"{count} {word if count == 1 else _IRREGULAR.get(word, word + 's')}"


def stats_line(stats: dict[str, Any]) -> str:
    """`Read the account in 3 queries, 0.12 s.`: what a command cost, in round-trips."""
    return f"Read the account in {plural(int(stats.get('queries', 0)), 'query')}, {stats.get('seconds', 0):.2f} s."


def shown(text: str) -> str:
    """Text with every control character written out (`\\x1b`, `\\u202e`), so a terminal shows it."""
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                       else f"\\u{ord(m.group()):04x}", text)


def md_text(text: str) -> str:
    """Text for Markdown, table cells included: one line, no HTML, no `|` column breaks, no code
    spans or links, controls written out."""
    text = html.escape(" ".join(shown(text).split()), quote=False)
    return re.sub(r"([\\`\[\]|])", lambda m: "&#124;" if m.group() == "|" else "\\" + m.group(), text)


def md_code(text: str) -> str:
    """A name as code in Markdown, whatever it holds (backticks and `|` included)."""
    text = html.escape(" ".join(shown(text).split()), quote=False).replace("|", "&#124;")
    return f"<code>{text}</code>"


def md_block(text: str, language: str) -> list[str]:
    """A fenced code block whose fence is longer than any run of backticks in `text`."""
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall("`+", text)), default=0))
    return [fence + language, shown(text), fence]


class SafeConsole(Console):
    """A rich Console that writes control characters in printed text out instead of emitting
    them: the one place every terminal line passes, whatever built it. rich's own styling and
    cursor control (progress bars) pass untouched, as they are separate segments."""

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return super()._render_buffer(
            segment if segment.control else Segment(shown(segment.text), segment.style)
            for segment in buffer
        )

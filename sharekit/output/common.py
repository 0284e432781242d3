"""What every report shares: counted nouns, severity colours, the round-trip line, and the two
escapers (terminal and Markdown) that keep names from a config or an account inert.

Names and messages can hold anything a quoted identifier or a comment can: escape sequences,
`|`, backticks, HTML. On a terminal they are shown (`\\x1b`), never obeyed; in Markdown they are
text, never table structure or markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

SEVERITY_STYLE = {"error": "red", "warning": "yellow"}

_IRREGULAR = {"query": "queries", "was": "were", "exists": "exist", "is": "are"}

_STYLE = re.compile(r"\x1b\[[0-9;]*m")
# the narrowest a wrapped column (messages, column lists) may get before a table becomes a list
MIN_WRAPPED = 24

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
        text = super()._render_buffer(
            segment if segment.control else Segment(shown(segment.text), segment.style)
            for segment in buffer
        )
        if "\x1b" not in text and " \n" not in text and not text.endswith(" "):
            return text
        return "\n".join(_rstrip(line) for line in text.split("\n"))


def _rstrip(line: str) -> str:
    """The line without the spaces that end it (what padded table cells leave), style codes kept."""
    codes: list[str] = []
    while True:
        line = line.rstrip(" ")
        cut = line.rfind("\x1b[")
        if cut < 0 or not _STYLE.fullmatch(line, cut):
            return line + "".join(reversed(codes))
        codes.append(line[cut:])
        line = line[:cut]


def wrapped(console: Console, text: Text, indent: int = 0, prefix: str = "") -> Text:
    """`text` wrapped at spaces to the console's width, each line after the first indented by
    `indent` (or led by `prefix`); only a word wider than a whole line is folded."""
    lead = prefix or " " * indent
    lines = text.wrap(console, console.width)
    if len(lines) < 2:
        return text
    head = lines[0]
    start = len(head.plain)
    while start < len(text.plain) and text.plain[start] == " ":
        start += 1
    head.rstrip()
    rest = text[start:].wrap(console, max(console.width - len(lead), 1))
    for line in rest:
        line.rstrip()
    return Text("\n").join([head, *(Text(lead) + line for line in rest)])


def indented(console: Console, text: Text, indent: int) -> Text:
    """`text` wrapped to the console's width less `indent`, every line indented."""
    lines = text.wrap(console, max(console.width - indent, 1))
    for line in lines:
        line.rstrip()
    return Text("\n").join(Text(" " * indent) + line for line in lines)


Row = Sequence[Text]


def _width(text: Text) -> int:
    return max((cell_len(line) for line in text.plain.splitlines()), default=0)


def print_rows(console: Console, table: Table, groups: Sequence[tuple[Text | None, Sequence[Row]]],
               wrap: int) -> None:
    """Rows as `table` (its columns declared, no rows yet) when it fits the console, else as a list.

    Every column but `wrap` (messages, column lists) keeps its cells whole: ids and names never
    break. The table fits when those columns and at least MIN_WRAPPED columns of `wrap` do.
    A group's heading (a view) fills the first column of its first row, a section between
    groups; in the list it is a line of its own. In the list each row is one line of its other
    cells, then its `wrap` cell below, indented."""
    headed = any(heading is not None for heading, _ in groups)
    columns = ([[h for h, _ in groups if h is not None]] if headed else []) + \
        [list(cells) for cells in zip(*(row for _, rows in groups for row in rows), strict=True)]
    needed = table._extra_width  # borders and edges, as rich counts them (as its padding below)
    for index, (column, cells) in enumerate(zip(table.columns, columns, strict=False)):
        width = max((_width(cell) for cell in cells), default=0)
        width = max(width, _width(Text(str(column.header))) if table.show_header else 0)
        if index == wrap + headed:
            column.overflow, column.min_width = "fold", min(MIN_WRAPPED, width)
        else:
            column.no_wrap, column.min_width = True, width
        needed += column.min_width + table._get_padding_width(index)
    for number, (heading, rows) in enumerate(groups):
        if number and headed:
            table.add_section()
        for index, row in enumerate(rows):
            table.add_row(*([heading if index == 0 and heading is not None else Text("")] if headed else []), *row)
    if needed <= console.width:
        console.print(table)
        return
    title = table.title if isinstance(table.title, Text) else Text(str(table.title or ""))
    lines = [wrapped(console, title, 2)] if title.plain else []
    for heading, rows in groups:
        if heading is not None:
            lines.append(wrapped(console, heading, 2))
        for row in rows:
            keys = [cell for index, cell in enumerate(row) if index != wrap and cell.plain]
            lines.append(wrapped(console, Text("  ") + Text("  ").join(keys), 4))
            if row[wrap].plain:
                lines.append(indented(console, row[wrap], 6))
    console.print(Text("\n").join(lines), soft_wrap=True)


def print_records(console: Console, rows: Sequence[dict[str, str]]) -> None:
    """Query rows as a table when each column keeps its longest word whole, else one block per
    row (`row 1`, then a `COLUMN  value` line per column, values wrapped)."""
    table = Table()
    for name in rows[0]:
        table.add_column(name, overflow="fold")  # wrap, never truncate values
    for row in rows:
        table.add_row(*row.values())
    widths = [max(len(word) for value in (name, *(row[name] for row in rows)) for word in [*value.split(), ""])
              for name in rows[0]]
    if sum(widths) + sum(map(table._get_padding_width, range(len(widths)))) + table._extra_width <= console.width:
        console.print(table)
        return
    for number, row in enumerate(rows, 1):
        console.print(Text(f"row {number}", style="bold"))
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim")
        grid.add_column()
        print_rows(console, grid, [(None, [(Text(name), Text(value)) for name, value in row.items()])], wrap=1)

"""A small Snowflake SQL tokenizer: statement splitting and the share/view statement parsers.

fakesnow's parser (sqlglot) does not know CREATE SHARE, GRANT … TO SHARE or view options such
as COPY GRANTS, and logs warnings when it falls back. The local account reads those statements
with this tokenizer instead: it honours quoted identifiers, string literals (with Snowflake's
backslash escapes), `$$` strings and comments, and keeps each token's offset so error positions
and the submitted text can be reported exactly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from sharekit.errors import IdentifierError
from sharekit.local import sferrors
from sharekit.sql import identifiers

WORD, QIDENT, STRING, NUMBER, OP = "word", "qident", "string", "number", "op"

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\x00", "b": "\b", "f": "\f"}


class Token(NamedTuple):  # a tuple, not a frozen dataclass: a big seed makes millions of them
    kind: str
    text: str  # as written
    value: str  # WORD: upper-case; QIDENT/STRING: unescaped content; else text
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        return self.kind == WORD and self.value in words

    def is_op(self, op: str) -> bool:
        return self.kind == OP and self.text == op


_OCTAL = re.compile(r"[0-7]{1,3}")
_HEX = {"x": re.compile(r"[0-9A-Fa-f]{2}"), "u": re.compile(r"[0-9A-Fa-f]{4}")}


def _unescape_string(body: str) -> str:
    """Snowflake's escapes: `''`, `\\n \\t \\r \\b \\f`, octal `\\ooo`, `\\xhh`, `\\uhhhh`."""
    if "\\" not in body and "'" not in body:
        return body  # nothing to unescape: skip the per-character loop (large seed literals)
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if m := _OCTAL.match(body, i + 1):
                out.append(chr(int(m.group(), 8)))
                i = m.end()
            elif nxt in _HEX and (m := _HEX[nxt].match(body, i + 2)):
                out.append(chr(int(m.group(), 16)))
                i = m.end()
            else:
                out.append(_ESCAPES.get(nxt, nxt))
                i += 2
        elif ch == "'" and body[i + 1 : i + 2] == "'":
            out.append("'")
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


# Skipped whitespace and comments, then one alternative per token kind, in the order the loop
# this replaced tried them; possessive quantifiers, so a literal never backtracks into a shorter
# match. The last alternative takes any one character, so no character is ever passed over; a
# quote, `/*` or `$$` that reaches it opens a literal that never ends.
_TOKEN = re.compile(
    r"""(?:\s++|(?:--|//)[^\n]*+\n?|/\*[\s\S]*?\*/)*+  # whitespace and comments before the token
    (?:(?P<string>'(?:[^'\\]++|\\[\s\S]|'')*+')
    |(?P<qident>"(?:[^"]++|"")*+")
    |(?P<dollar>\$\$[\s\S]*?\$\$)
    |(?P<word>[A-Za-z_][A-Za-z0-9_$]*+)
    |(?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
    |(?P<op><=|>=|<>|!=|::|\|\||->|=>|[\s\S])
    |(?P<end>\Z))  # only whitespace and comments left: without this the match would fail and
                    # finditer would resume one character on, inside the comment""",
    re.VERBOSE,
)
_UNTERMINATED = {"'": "unterminated string literal", '"': "unterminated quoted identifier",
                 "/*": "unterminated comment", "$$": "unterminated $$ string"}  # fmt: skip


def tokenize(text: str) -> list[Token]:
    """Tokens of `text`, comments and whitespace dropped; raises a Snowflake syntax error on an
    unterminated string, quoted name or comment. One regular expression does the scanning: a
    tens-of-MB seed script is tokenized in seconds, not minutes."""
    tokens: list[Token] = []
    append = tokens.append
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "end"
        if kind == "end":
            break
        i, j = m.span(kind)
        raw = m.group(kind)
        if kind == "word":
            append(Token(WORD, raw, raw.upper(), i, j))
        elif kind == "op":
            opener = raw if raw in "'\"" else text[i : i + 2]
            if opener in _UNTERMINATED:
                raise sferrors.syntax_error(text, i, _UNTERMINATED[opener])
            append(Token(OP, raw, raw, i, j))
        elif kind == "number":
            append(Token(NUMBER, raw, raw, i, j))
        elif kind == "string":
            append(Token(STRING, raw, _unescape_string(raw[1:-1]), i, j))
        elif kind == "qident":
            append(Token(QIDENT, raw, raw[1:-1].replace('""', '"'), i, j))
        else:  # dollar
            append(Token(STRING, raw, raw[2:-2], i, j))
    return tokens


@dataclass(frozen=True)
class Statement:
    """One statement: its text from the first token to the last (comments around it and the
    trailing `;` dropped), its tokens (offsets relative to `text`) and its 1-based start line."""

    text: str
    tokens: list[Token]
    line: int = 1

    @property
    def words(self) -> list[str]:
        """Leading keywords, upper-case, up to the first non-word token (for dispatch)."""
        out = []
        for tok in self.tokens:
            if tok.kind != WORD:
                break
            out.append(tok.value)
        return out


def _statement(source: str, toks: list[Token], line: int) -> Statement:
    start, end = toks[0].start, toks[-1].end
    text = source[start:end]
    if start:
        toks = [Token(t.kind, t.text, t.value, t.start - start, t.end - start) for t in toks]
    return Statement(text, toks, line)


def _split(source: str, with_tokens: bool) -> list[Statement]:
    out: list[Statement] = []
    current: list[Token] = []
    line, counted = 1, 0  # lines are counted incrementally: counting from 0 each time is O(n²)

    def flush() -> None:
        nonlocal line, counted
        start = current[0].start
        line += source.count("\n", counted, start)
        counted = start
        if with_tokens:
            out.append(_statement(source, current, line))
        else:
            out.append(Statement(source[start : current[-1].end], [], line))

    for tok in tokenize(source):
        if tok.kind == OP and tok.text == ";":
            if current:
                flush()
            current = []
        else:
            current.append(tok)
    if current:
        flush()
    return out


def split_statements(source: str) -> list[Statement]:
    """`;`-separated statements of a script; empty ones (only comments) are skipped."""
    return _split(source, with_tokens=True)


def script_statements(source: str) -> list[Statement]:
    """`split_statements` for running a script: text and line of each statement, no tokens (each
    statement is tokenized again when it runs, so copying every token here would be wasted)."""
    return _split(source, with_tokens=False)


def one_statement(sql: str) -> Statement:
    """The single statement of `sql` (a trailing `;` allowed); several raise Snowflake's error."""
    statements = split_statements(sql)
    if not statements:
        raise sferrors.empty_statement()
    if len(statements) > 1:
        raise sferrors.multiple_statements(len(statements))
    return statements[0]


def like_regex(pattern: str) -> re.Pattern[str]:
    """SHOW … LIKE pattern → case-insensitive regex: `%` any run, `_` any one char (so `A_B` also
    matches `AXB`, as in Snowflake), `\\` escapes the next character."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z", re.IGNORECASE | re.DOTALL)


class Reader:
    """Recursive-descent helper over one statement's tokens; errors are Snowflake syntax errors."""

    def __init__(self, statement: Statement, pos: int = 0) -> None:
        self.statement = statement
        self.tokens = statement.tokens
        self.pos = pos

    # -- looking ------------------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> Token | None:
        i = self.pos + ahead
        return self.tokens[i] if i < len(self.tokens) else None

    def at_end(self) -> bool:
        return self.pos >= len(self.tokens)

    def at_word(self, *words: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.is_word(*words)

    def at_op(self, op: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.is_op(op)

    # -- consuming ----------------------------------------------------------------------------
    def next(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise self.error("unexpected end of statement")
        self.pos += 1
        return tok

    def accept_word(self, *words: str) -> str | None:
        if self.at_word(*words):
            return self.next().value
        return None

    def accept_words(self, *words: str) -> bool:
        """Consume a keyword sequence (e.g. OR REPLACE) only if all of it is there."""
        for k, word in enumerate(words):
            tok = self.peek(k)
            if tok is None or not tok.is_word(word):
                return False
        self.pos += len(words)
        return True

    def expect_word(self, *words: str) -> str:
        if not self.at_word(*words):
            raise self.error(f"expected {' or '.join(words)}")
        return self.next().value

    def accept_op(self, op: str) -> bool:
        if self.at_op(op):
            self.pos += 1
            return True
        return False

    def expect_op(self, op: str) -> None:
        if not self.accept_op(op):
            raise self.error(f"expected '{op}'")

    def expect_end(self) -> None:
        if not self.at_end():
            raise self.error("unexpected text")

    def string(self) -> str:
        tok = self.next()
        if tok.kind != STRING:
            raise self.error("expected a string literal", tok)
        return tok.value

    def boolean(self) -> bool:
        word = self.expect_word("TRUE", "FALSE")
        return word == "TRUE"

    def name_part(self) -> str:
        """One identifier → its stored form (unquoted upper-cased, quoted kept)."""
        tok = self.next()
        if tok.kind == QIDENT:
            if not tok.value:
                raise self.error("empty quoted identifier", tok)
            return tok.value
        if tok.kind == WORD:
            try:
                return identifiers.normalize(tok.text)
            except IdentifierError as exc:  # pragma: no cover - _WORD already matches the rule
                raise self.error(str(exc), tok) from None
        raise self.error("expected a name", tok)

    def name(self, max_parts: int = 3) -> list[str]:
        """A dotted name → stored parts."""
        parts = [self.name_part()]
        while self.at_op(".") and len(parts) < max_parts:
            self.next()
            parts.append(self.name_part())
        return parts

    def raw_until(self, *stop_words: str) -> tuple[str, int]:
        """Text from here up to (not including) a top-level stop word or the end."""
        start_tok = self.peek()
        depth, begin = 0, self.pos
        while not self.at_end():
            tok = self.peek()
            assert tok is not None
            if tok.is_op("("):
                depth += 1
            elif tok.is_op(")"):
                depth -= 1
            elif depth == 0 and tok.kind == WORD and tok.value in stop_words:
                break
            self.pos += 1
        if start_tok is None or self.pos == begin:
            return "", start_tok.start if start_tok else len(self.statement.text)
        last = self.tokens[self.pos - 1]
        return self.statement.text[start_tok.start : last.end], start_tok.start

    def error(self, why: str, tok: Token | None = None) -> Exception:
        tok = tok if tok is not None else self.peek()
        offset = tok.start if tok is not None else len(self.statement.text)
        found = tok.text if tok is not None else "<EOF>"
        return sferrors.syntax_error(self.statement.text, offset, f"unexpected '{found}' ({why})")


def replace_calls(text: str, values: Mapping[str, str | None]) -> str:
    """Replace zero-argument calls such as `CURRENT_ACCOUNT()` by string literals, or NULL for a
    None value (fakesnow has no such functions). A bare projection keeps Snowflake's column name,
    e.g. "CURRENT_ACCOUNT()"."""
    if not any(name in text.upper() for name in values):
        return text
    toks = tokenize(text)
    out, last = [], 0
    for i, tok in enumerate(toks):
        if (
            tok.kind == WORD
            and tok.value in values
            and i + 2 < len(toks)
            and toks[i + 1].is_op("(")
            and toks[i + 2].is_op(")")
            and not (i > 0 and toks[i - 1].is_op("."))
        ):
            value = values[tok.value]
            literal = "NULL" if value is None else "'" + value.replace("'", "''") + "'"
            before = toks[i - 1] if i > 0 else None
            after = toks[i + 3] if i + 3 < len(toks) else None
            projected = before is not None and (before.is_word("SELECT", "DISTINCT") or before.is_op(","))
            unaliased = after is None or after.is_op(",") or after.is_word("FROM", "UNION", "ORDER", "LIMIT")
            if projected and unaliased:
                literal += f' AS "{tok.value}()"'
            out.append(text[last : tok.start])
            out.append(literal)
            last = toks[i + 2].end
    out.append(text[last:])
    return "".join(out)

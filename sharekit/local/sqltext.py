"""A small Snowflake SQL tokenizer: statement splitting and the share/view statement parsers.

fakesnow's parser (sqlglot) does not know CREATE SHARE, GRANT … TO SHARE or view options such
as COPY GRANTS, and logs warnings when it falls back. The local account reads those statements
with this tokenizer instead: it honours quoted identifiers, string literals (with Snowflake's
backslash escapes), `$$` strings and comments, and keeps each token's offset so error positions
and the submitted text can be reported exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sharekit.errors import IdentifierError
from sharekit.local import sferrors
from sharekit.sql import identifiers

WORD, QIDENT, STRING, NUMBER, OP = "word", "qident", "string", "number", "op"

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_NUMBER = re.compile(r"\d+(\.\d*)?([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\x00", "b": "\b", "f": "\f"}


@dataclass(frozen=True)
class Token:
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


def tokenize(text: str) -> list[Token]:
    """Tokens of `text`, comments and whitespace dropped; raises a Snowflake syntax error on an
    unterminated string, quoted name or comment."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text.startswith("--", i) or text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise sferrors.syntax_error(text, i, "unterminated comment")
            i = j + 2
        elif ch == "'":
            j = i + 1
            while j < n:
                if text[j] == "\\":
                    j += 2
                elif text[j] == "'":
                    if text[j + 1 : j + 2] == "'":
                        j += 2
                    else:
                        break
                else:
                    j += 1
            if j >= n:
                raise sferrors.syntax_error(text, i, "unterminated string literal")
            tokens.append(Token(STRING, text[i : j + 1], _unescape_string(text[i + 1 : j]), i, j + 1))
            i = j + 1
        elif ch == '"':
            j = i + 1
            while j < n:
                if text[j] == '"':
                    if text[j + 1 : j + 2] == '"':
                        j += 2
                        continue
                    break
                j += 1
            if j >= n:
                raise sferrors.syntax_error(text, i, "unterminated quoted identifier")
            inner = text[i + 1 : j].replace('""', '"')
            tokens.append(Token(QIDENT, text[i : j + 1], inner, i, j + 1))
            i = j + 1
        elif text.startswith("$$", i):
            j = text.find("$$", i + 2)
            if j < 0:
                raise sferrors.syntax_error(text, i, "unterminated $$ string")
            tokens.append(Token(STRING, text[i : j + 2], text[i + 2 : j], i, j + 2))
            i = j + 2
        elif m := _WORD.match(text, i):
            word = m.group()
            tokens.append(Token(WORD, word, word.upper(), i, m.end()))
            i = m.end()
        elif m := _NUMBER.match(text, i):
            tokens.append(Token(NUMBER, m.group(), m.group(), i, m.end()))
            i = m.end()
        else:
            two = text[i : i + 2]
            op = two if two in ("<=", ">=", "<>", "!=", "::", "||", "->", "=>") else ch
            tokens.append(Token(OP, op, op, i, i + len(op)))
            i += len(op)
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


def _statement(source: str, toks: list[Token]) -> Statement:
    start, end = toks[0].start, toks[-1].end
    text = source[start:end]
    shifted = [Token(t.kind, t.text, t.value, t.start - start, t.end - start) for t in toks]
    return Statement(text, shifted, source.count("\n", 0, start) + 1)


def split_statements(source: str) -> list[Statement]:
    """`;`-separated statements of a script; empty ones (only comments) are skipped."""
    out: list[Statement] = []
    current: list[Token] = []
    for tok in tokenize(source):
        if tok.is_op(";"):
            if current:
                out.append(_statement(source, current))
            current = []
        else:
            current.append(tok)
    if current:
        out.append(_statement(source, current))
    return out


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


def replace_calls(text: str, values: dict[str, str]) -> str:
    """Replace zero-argument calls such as `CURRENT_ACCOUNT()` by string literals (fakesnow has
    no such functions). A bare projection keeps Snowflake's column name, e.g. "CURRENT_ACCOUNT()"."""
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
            literal = "'" + values[tok.value].replace("'", "''") + "'"
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

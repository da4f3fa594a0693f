"""SOQL text into tokens: identifiers (dotted paths), literals, operators and punctuation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sfsync.sandbox.soql.errors import MALFORMED_QUERY, fail


@dataclass(frozen=True)
class Token:
    kind: str  # ident, string, number, date, datetime, op, punct, eof
    text: str
    pos: int
    value: object = None
    like: str = ""


_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\w:]))
  | (?P<number>[+-]?\d+(?:\.\d+)?(?![\w.]))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<punct>[(),:])
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def describe_token(tok: Token) -> str:
    return "<EOF>" if tok.kind == "eof" else f"'{tok.text}'"


def tokenize(soql: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(soql):
        if soql[pos] == "'":
            tok = read_string(soql, pos)
            tokens.append(tok)
            pos += len(tok.text)
            continue
        match = _TOKEN_RE.match(soql, pos)
        if match is None:
            raise fail(MALFORMED_QUERY, soql, pos, f"unexpected token: '{soql[pos]}'")
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(Token("eof", "", len(soql)))
    return tokens


def read_string(soql: str, start: int) -> Token:
    """Read a quoted literal, decoding SOQL escapes; keep \\% and \\_ distinct for LIKE."""
    text: list[str] = []
    like: list[str] = []
    pos = start + 1
    while pos < len(soql):
        char = soql[pos]
        if char == "'":
            raw = soql[start : pos + 1]
            return Token("string", raw, start, value="".join(text), like="".join(like))
        if char == "\\":
            nxt = soql[pos + 1 : pos + 2]
            if nxt in ("%", "_"):
                text.append(nxt)
                like.append("\\" + nxt)
            elif nxt in _ESCAPES:
                text.append(_ESCAPES[nxt])
                like.append("\\\\" if nxt == "\\" else _ESCAPES[nxt])
            else:
                raise fail(
                    MALFORMED_QUERY,
                    soql,
                    pos,
                    f"Invalid string literal '\\{nxt}'. "
                    "Illegal character sequence '\\" + nxt + "' in string literal.",
                )
            pos += 2
            continue
        text.append(char)
        like.append(char)
        pos += 1
    raise fail(MALFORMED_QUERY, soql, start, "unexpected token: <EOF> (unterminated string)")

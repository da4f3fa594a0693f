"""
Salesforce record Ids: 15-character case-sensitive keys plus the 3-character checksum suffix
that makes the 18-character case-insensitive form the API returns.
"""

from __future__ import annotations

import re
import secrets
import string

_SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")


def checksum(id15: str) -> str:
    """The 3-character suffix Salesforce appends to a 15-character Id."""
    out = []
    for start in (0, 5, 10):
        flags = sum(1 << i for i, ch in enumerate(id15[start : start + 5]) if "A" <= ch <= "Z")
        out.append(_SUFFIX_CHARS[flags])
    return "".join(out)


def with_checksum(id15: str) -> str:
    """The 18-character form of a 15-character Id."""
    return id15 + checksum(id15)


def new_id(key_prefix: str) -> str:
    """A fresh, random 18-character Id for an object with this key prefix."""
    body = "".join(secrets.choice(_BASE62) for _ in range(8))
    return with_checksum(f"{key_prefix}5g00{body}")


def normalize_id(text: str) -> str | None:
    """
    The 18-character form of a 15- or 18-character Id, or None when *text* is not a valid Id
    (wrong length, bad characters, or an 18-character Id whose suffix does not match).
    """
    if not isinstance(text, str) or not _ID_RE.match(text):
        return None
    id15 = text[:15]
    if len(text) == 18 and text[15:].upper() != checksum(id15):
        return None
    return with_checksum(id15)


def make_id(prefix: str, n: int) -> str:
    """
    Return the *n*-th 18-character Id with the 3-character key *prefix* (seeded data).

    The 15-character body is the prefix, ``000`` and *n* in base 62 (9 digits), with
    Salesforce's case-safe checksum, so it passes the same checks as an Id the API returns.
    """
    if len(prefix) != 3 or not 0 <= n < 62**9:
        raise ValueError(f"cannot make an Id from prefix {prefix!r} and number {n}")
    digits = []
    for _ in range(9):
        n, d = divmod(n, 62)
        digits.append(_BASE62[d])
    return with_checksum(prefix + "000" + "".join(reversed(digits)))

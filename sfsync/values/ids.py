"""
Salesforce record Ids: 15 case-sensitive characters, and the 18-character case-safe form
the API returns (the 15 plus a 3-character checksum of the letters' case).

https://help.salesforce.com/s/articleView?id=000385008&type=1 (15- and 18-character Ids)
"""

from __future__ import annotations

import re

_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_SHAPE = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")


def looks_like_id(text: str) -> bool:
    """True when *text* has the shape of a 15- or 18-character Id (letters and digits)."""
    return _ID_SHAPE.fullmatch(text) is not None


def checksum(id15: str) -> str:
    """The 3-character case-safe suffix of a 15-character Id: one character per 5-character
    chunk, from the positions of its upper-case letters."""
    return "".join(
        _SUFFIX[sum(1 << i for i, ch in enumerate(id15[s : s + 5]) if "A" <= ch <= "Z")]
        for s in (0, 5, 10)
    )


def case_safe_id(text: str) -> str:
    """
    Return the 18-character form of a 15- or 18-character Salesforce Id, as the API returns
    it: a 15-character Id (copied from a URL or a report) gets its checksum suffix, and an
    18-character one in lower case (case-insensitive tools) gets its body's case back from
    the suffix. Anything else comes back unchanged.
    """
    if len(text) == 18 and text.isascii() and text.isalnum() and text[:15].islower():
        body = list(text[:15])
        for chunk, flag in enumerate(text[15:].upper()):
            bits = _SUFFIX.find(flag)
            if bits < 0:
                return text
            for i in range(5):
                ch = body[chunk * 5 + i]
                body[chunk * 5 + i] = ch.upper() if bits >> i & 1 else ch.lower()
        text = "".join(body)[:15]
    if len(text) != 15 or not (text.isascii() and text.isalnum()):
        return text
    return text + checksum(text)

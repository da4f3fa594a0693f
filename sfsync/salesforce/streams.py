"""
Reading a Bulk API 2.0 CSV body while it streams in: a page of results is parsed as it
arrives, never held in memory whole, and the errors that mean "the body broke off".
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import requests

STREAM_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    requests.exceptions.Timeout,
)
"""Errors while reading a body: the page is asked for again, its rows already read skipped."""


class _ChunkReader(io.RawIOBase):
    """A readable stream over an iterator of byte chunks (a response's iter_content)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def stream_text(response: requests.Response) -> io.TextIOWrapper:
    """The response body as text lines for csv, decoded while it streams in."""
    # Bulk CSV is UTF-8 (requests would guess ISO-8859-1 for text/csv without a charset);
    # newline="" keeps line breaks inside quoted cells for csv to handle.
    raw = io.BufferedReader(_ChunkReader(response.iter_content(1 << 16)), 1 << 16)
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")

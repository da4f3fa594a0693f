"""
Rows of a Bulk query job's CSV results on disk: `NAME.csv` holds the rendered rows, one after
the other; `NAME.idx` the byte offset where each row starts (8 bytes a row). Any page of
rows is then one slice of the CSV file, found with two 8-byte reads, so a page of a
million-row result is served without reading or holding the rows before it.
"""

from __future__ import annotations

import struct
import sys
from array import array
from pathlib import Path
from typing import BinaryIO

_OFFSET = struct.Struct("<Q")
_FLUSH_ROWS = 8192


class RowFile:
    """One job's result rows: append them while the query runs, read slices afterwards."""

    def __init__(self, base: Path) -> None:
        self.data_path = base.with_suffix(".csv")
        self.index_path = base.with_suffix(".idx")
        self._data: BinaryIO | None = None
        self._index: BinaryIO | None = None
        self._pending = array("Q")
        self._size = 0
        self.rows = 0

    # --- writing --------------------------------------------------------------------------

    def open_for_writing(self) -> None:
        """Start (or restart) the file empty."""
        self.close()
        self.data_path.parent.mkdir(parents=True, exist_ok=True)
        self._data = self.data_path.open("wb")
        self._index = self.index_path.open("wb")
        self._pending = array("Q")
        self._size = self.rows = 0

    def append(self, row: bytes) -> None:
        """Add one rendered row (its line ending included)."""
        assert self._data is not None
        self._pending.append(self._size)
        self._data.write(row)
        self._size += len(row)
        self.rows += 1
        if len(self._pending) >= _FLUSH_ROWS:
            self._flush_index()

    def _flush_index(self) -> None:
        assert self._index is not None
        if sys.byteorder == "big":  # the index is little-endian everywhere
            self._pending.byteswap()
        self._index.write(self._pending.tobytes())
        self._pending = array("Q")

    def finish(self) -> None:
        """Flush and close the writer; the rows can be read from now on."""
        if self._data is None:
            return
        self._flush_index()
        self.close()

    def close(self) -> None:
        """Close the writer (if any) without flushing what is pending."""
        for fh in (self._data, self._index):
            if fh is not None:
                fh.close()
        self._data = self._index = None

    def delete(self) -> None:
        """Remove both files."""
        self.close()
        self.data_path.unlink(missing_ok=True)
        self.index_path.unlink(missing_ok=True)

    # --- reading --------------------------------------------------------------------------

    def count(self) -> int:
        """Rows in a finished file."""
        try:
            return self.index_path.stat().st_size // _OFFSET.size
        except FileNotFoundError:
            return 0

    def slice(self, start: int, limit: int) -> tuple[int, int, int]:
        """`(offset, length, rows)` of up to *limit* rows from row *start* of a finished file."""
        total = self.count()
        start = max(0, min(start, total))
        end = min(total, start + max(0, limit))
        if start == end:
            return 0, 0, 0
        with self.index_path.open("rb") as index:
            first = self._offset_at(index, start)
            last = self._offset_at(index, end) if end < total else self.data_path.stat().st_size
        return first, last - first, end - start

    @staticmethod
    def _offset_at(index: BinaryIO, row: int) -> int:
        index.seek(row * _OFFSET.size)
        (value,) = _OFFSET.unpack(index.read(_OFFSET.size))
        return int(value)

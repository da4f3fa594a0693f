"""
Spool: an append-only sequence of picklable items kept in a file.

A pass may change every lead of a large org. Its changes go to a spool instead of a list, so
the pass's memory does not grow with the org: the write step streams them into one Bulk API
upload and reads them back once more to record the results.

A spool is an anonymous temporary file, or a named one (owner-only, 0600) that a later run
can `reopen`: the changes behind a Bulk job an interrupted run left to the org.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
from array import array
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Generic, TypeVar, overload

T = TypeVar("T")
U = TypeVar("U")

_READ_AHEAD = 512  # items an iterator reads per seek, so interleaved iterators stay cheap


class Spool(Sequence[T]):
    """
    Items appended to a file, read back in order or by index. Appending while iterating is
    not supported.

    Without *path* the file is anonymous (deleted when closed or collected). With *path* it
    is created there, readable by its owner only, and deleted by `close()` unless asked to
    keep it; a process that dies leaves it for `reopen`.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._file: IO[bytes]
        if path is None:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        else:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
            with contextlib.suppress(PermissionError):
                os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
            self._file = os.fdopen(fd, "w+b")
        self._offsets = array("q")
        self._end = 0

    @classmethod
    def reopen(cls, path: Path) -> Spool[T]:
        """
        Open the spool a run left at *path* (its items are this program's own pickles).

        Raises:
            OSError: the file cannot be opened.
            pickle.UnpicklingError, EOFError: it is not a spool (or was cut short).
        """
        spool: Spool[T] = cls.__new__(cls)
        spool.path = path
        spool._file = path.open("r+b")
        spool._offsets = array("q")
        size = os.fstat(spool._file.fileno()).st_size
        position = 0
        while position < size:
            spool._offsets.append(position)
            pickle.load(spool._file)  # noqa: S301 - sfsync's own file, owner-only
            position = spool._file.tell()
        spool._end = position
        return spool

    def append(self, item: T) -> None:
        """Add *item* at the end."""
        self._file.seek(self._end)
        self._offsets.append(self._end)
        pickle.dump(item, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._end = self._file.tell()

    def __len__(self) -> int:
        return len(self._offsets)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        self._file.seek(self._offsets[index])
        item: T = pickle.load(self._file)  # noqa: S301 - our own file
        return item

    def __iter__(self) -> Iterator[T]:
        position, count, done = 0, len(self._offsets), 0
        while done < count:
            self._file.seek(position)
            batch = [
                pickle.load(self._file)  # noqa: S301 - our own file
                for _ in range(min(_READ_AHEAD, count - done))
            ]
            position = self._file.tell()
            done += len(batch)
            yield from batch

    def map(self, function: Callable[[T], U]) -> MappedSequence[T, U]:
        """A read-only view of the items passed through *function*, computed on access."""
        return MappedSequence(self, function)

    def close(self, *, keep: bool = False) -> None:
        """Close the file and delete it (a named one stays with *keep*); the spool is
        unusable afterwards."""
        self._file.close()
        if self.path is not None and not keep:
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> Spool[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class MappedSequence(Sequence[U], Generic[T, U]):
    """*items* seen through *function*, item by item, without a copy."""

    def __init__(self, items: Sequence[T], function: Callable[[T], U]) -> None:
        self._items = items
        self._function = function

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> U: ...

    @overload
    def __getitem__(self, index: slice) -> list[U]: ...

    def __getitem__(self, index: int | slice) -> U | list[U]:
        if isinstance(index, slice):
            return [self._function(item) for item in self._items[index]]
        return self._function(self._items[index])

    def __iter__(self) -> Iterator[U]:
        return map(self._function, self._items)

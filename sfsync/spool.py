"""
Spool: an append-only sequence of picklable items kept in a temporary file.

A pass may change every lead of a large org. Its changes go to a spool instead of a list, so
the pass's memory does not grow with the org: the write step streams them into one Bulk API
upload and reads them back once more to record the results.
"""

from __future__ import annotations

import pickle
import tempfile
from array import array
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Generic, TypeVar, overload

T = TypeVar("T")
U = TypeVar("U")

_READ_AHEAD = 512  # items an iterator reads per seek, so interleaved iterators stay cheap


class Spool(Sequence[T]):
    """
    Items appended to an anonymous temporary file (deleted when closed or collected), read
    back in order or by index. Appending while iterating is not supported.
    """

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._offsets = array("q")
        self._end = 0

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
        item: T = pickle.load(self._file)  # noqa: S301 - our own temporary file
        return item

    def __iter__(self) -> Iterator[T]:
        position, count, done = 0, len(self._offsets), 0
        while done < count:
            self._file.seek(position)
            batch = [
                pickle.load(self._file)  # noqa: S301 - our own temporary file
                for _ in range(min(_READ_AHEAD, count - done))
            ]
            position = self._file.tell()
            done += len(batch)
            yield from batch

    def map(self, function: Callable[[T], U]) -> MappedSequence[T, U]:
        """A read-only view of the items passed through *function*, computed on access."""
        return MappedSequence(self, function)

    def close(self) -> None:
        """Delete the file; the spool is unusable afterwards."""
        self._file.close()

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

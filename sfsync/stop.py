"""
Stop: one command's stop request, shared by every layer that waits or works in steps.

The CLI's signal handler sets it (SIGINT, SIGTERM). Every wait in sfsync goes through it —
retry backoff, Bulk job polls, row-lock retries, the daemon's interval — so no wait outlives
a stop request; the pass checks it between steps and ends as "interrupted" (resumable).

It also knows what is in flight (`doing`), so the first signal can say at once what sfsync
is finishing and what a second signal would leave for the next run:

    with stop.doing(
        "Bulk job 750… is being applied by the org; sfsync will record its results",
        abandoned="the next run finds Bulk job 750… and records its results",
    ):
        wait_for_the_job()
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sfsync.errors import StopRequestedError

NOTHING_HALF_DONE = "nothing is half-applied: the next run starts the pass again"


@dataclass(frozen=True)
class InFlight:
    """What sfsync is doing now, and what becomes of it if the process exits at once."""

    now: str
    abandoned: str = NOTHING_HALF_DONE


class Stop:
    """A stop request: set once (by a signal handler), waited on by everything that sleeps."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._doing: list[InFlight] = []
        self.reason: str | None = None

    def set(self, reason: str = "stop requested") -> None:
        """Ask every wait to end and the run to stop as soon as its state is safe."""
        if self.reason is None:
            self.reason = reason
        self._event.set()

    def is_set(self) -> bool:
        """True once a stop was requested."""
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Wait up to *seconds*; True (at once) when a stop is requested meanwhile."""
        return self._event.wait(max(0.0, seconds))

    def sleep(self, seconds: float) -> None:
        """
        Sleep *seconds* unless a stop is requested first (a backoff, a poll interval).

        Raises:
            StopRequestedError: a stop was requested before or during the sleep.
        """
        if self.wait(seconds):
            raise StopRequestedError(self.reason or "stop requested")

    def check(self) -> None:
        """
        Raises:
            StopRequestedError: a stop was requested.
        """
        if self.is_set():
            raise StopRequestedError(self.reason or "stop requested")

    @contextmanager
    def doing(self, now: str, *, abandoned: str = NOTHING_HALF_DONE) -> Iterator[None]:
        """Declare what is in flight for the duration of the block (innermost wins)."""
        entry = InFlight(now, abandoned)
        with self._lock:
            self._doing.append(entry)
        try:
            yield
        finally:
            with self._lock:
                self._doing.remove(entry)

    def in_flight(self) -> InFlight | None:
        """The innermost work in flight, or None between steps."""
        with self._lock:
            return self._doing[-1] if self._doing else None

    def pause(self, seconds: float, *, when_stopping: float = 1.0) -> None:
        """
        Wait *seconds* for something that must finish even after a stop request (a Bulk
        job the org is applying): a stop request wakes it early, and once a stop was
        requested each pause lasts at most *when_stopping* seconds, so the job is polled
        often and sfsync ends soon after it does.
        """
        if self.is_set():
            time.sleep(max(0.0, min(seconds, when_stopping)))
        else:
            self.wait(seconds)

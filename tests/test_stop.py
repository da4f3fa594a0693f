"""The stop request every wait in sfsync goes through."""

from __future__ import annotations

import threading
import time

import pytest

from sfsync.errors import StopRequestedError
from sfsync.stop import NOTHING_HALF_DONE, InFlight, Stop


def test_a_stop_request_ends_a_sleep_at_once() -> None:
    """A sleep of a minute ends within moments of the request, with StopRequestedError."""
    stop = Stop()
    threading.Timer(0.05, stop.set, args=("SIGTERM received",)).start()
    started = time.monotonic()
    with pytest.raises(StopRequestedError, match="SIGTERM received"):
        stop.sleep(60)
    assert time.monotonic() - started < 5


def test_a_sleep_after_the_request_raises_without_waiting() -> None:
    """Once stopped, a backoff never starts; `wait` says so instead of raising."""
    stop = Stop()
    stop.set("SIGINT received")
    stop.set("SIGTERM received")  # the first reason stays
    with pytest.raises(StopRequestedError, match="SIGINT received"):
        stop.sleep(60)
    assert stop.wait(60) is True
    with pytest.raises(StopRequestedError):
        stop.check()


def test_a_pause_keeps_waiting_after_the_request_but_briefly() -> None:
    """What must finish (a Bulk job the org applies) still waits, at most a second a time."""
    stop = Stop()
    stop.set()
    started = time.monotonic()
    stop.pause(30, when_stopping=0.05)
    assert 0.04 < time.monotonic() - started < 5


def test_in_flight_is_the_innermost_declared_work() -> None:
    """`doing` nests; between steps nothing is in flight."""
    stop = Stop()
    assert stop.in_flight() is None
    with stop.doing("reading"):
        with stop.doing("Bulk job 750 is being applied", abandoned="the next run records it"):
            assert InFlight("Bulk job 750 is being applied", "the next run records it") == (
                stop.in_flight()
            )
        assert InFlight("reading", NOTHING_HALF_DONE) == stop.in_flight()
    assert stop.in_flight() is None

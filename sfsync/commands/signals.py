"""
SIGINT and SIGTERM for the commands that write (sync, backfill, daemon, demo).

The first signal asks the run to stop as soon as its state is safe, and says at once what is
in flight and what sfsync will finish first (`Stop.in_flight`). A second one exits
immediately (130 after Ctrl-C, 143 after SIGTERM), saying what the next run will pick up:
the state store and the Bulk write journal are consistent at every instant (the reliability
matrix SIGKILLs every phase), so an immediate exit loses nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING

import structlog

from sfsync.logs import logs_for_people
from sfsync.stop import NOTHING_HALF_DONE, Stop

if TYPE_CHECKING:
    from rich.console import Console

log = structlog.get_logger(__name__)

SIGNALS = (signal.SIGINT, signal.SIGTERM)


_live: list[Console] = []
"""The console of the progress bars on screen, if any (`showing_progress`)."""


@contextmanager
def showing_progress(console: Console) -> Iterator[None]:
    """While progress bars are drawn on *console*, say things above them, not under them:
    a bar's next redraw would erase a line written straight to the terminal."""
    _live.append(console)
    try:
        yield
    finally:
        _live.remove(console)


def _tell(message: str) -> None:
    """One plain line for a person on stderr (this runs in a signal handler)."""
    line = f"sfsync: {message}"
    with contextlib.suppress(OSError, ValueError):  # no usable stderr: nothing to tell
        if _live:
            _live[-1].print(line, markup=False, highlight=False, soft_wrap=True)
        else:
            os.write(sys.stderr.fileno(), f"{line}\n".encode())


@contextmanager
def stop_on_signals(stop: Stop, *, command: str) -> Iterator[Stop]:
    """
    Route SIGINT/SIGTERM to *stop* for the duration of the block (see the module
    docstring); logs `sfsync.<command>.stop_requested`, and `sfsync.<command>.stop_forced`
    before an immediate exit.
    """
    received = 0

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal received
        received += 1
        name = signal.Signals(signum).name
        doing = stop.in_flight()
        if received == 1:
            stop.set(f"{name} received")
            now = doing.now if doing is not None else "nothing is in flight"
            now = now[:1].upper() + now[1:]
            again = "Ctrl-C again" if signum == signal.SIGINT else f"{name} again"
            if logs_for_people():
                _tell(
                    f"{name}: stopping as soon as the state is safe. {now}. "
                    f"({again} exits at once: "
                    f"{doing.abandoned if doing is not None else NOTHING_HALF_DONE}.)"
                )
            else:
                log.warning(f"sfsync.{command}.stop_requested", signal=name, in_flight=now)
            return
        abandoned = doing.abandoned if doing is not None else NOTHING_HALF_DONE
        if logs_for_people():
            _tell(f"{name} again: exiting now; {abandoned}.")
        else:
            log.error(f"sfsync.{command}.stop_forced", signal=name, next_run=abandoned)
        os._exit(128 + signum)

    previous = {s: signal.signal(s, on_signal) for s in SIGNALS}
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

"""SIGINT/SIGTERM for the writing commands: the first asks to stop and says what is in
flight, a second exits at once, saying what the next run will pick up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from structlog.testing import capture_logs

from sfsync.commands.signals import stop_on_signals
from sfsync.logs import configure_logging
from sfsync.stop import Stop


def test_the_first_signal_sets_the_stop_and_says_what_is_in_flight(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A person sees one line at once: the signal, what sfsync finishes, what Ctrl-C does."""
    configure_logging("console")
    stop = Stop()
    with (
        stop_on_signals(stop, command="sync"),
        stop.doing(
            "Bulk job 750X is being applied by the org", abandoned="the next run records it"
        ),
    ):
        os.kill(os.getpid(), signal.SIGINT)
    assert stop.is_set()
    assert "SIGINT received" == stop.reason
    err = capfd.readouterr().err
    assert (
        "sfsync: SIGINT: stopping as soon as the state is safe. Bulk job 750X is being "
        "applied by the org. (Ctrl-C again exits at once: the next run records it.)\n"
    ) == err


def test_for_machines_the_first_signal_is_a_log_event() -> None:
    """JSON logs get `sfsync.<command>.stop_requested` with the work in flight."""
    configure_logging("json")
    stop = Stop()
    with capture_logs() as logs, stop_on_signals(stop, command="daemon"):
        os.kill(os.getpid(), signal.SIGTERM)
    assert [
        {
            "event": "sfsync.daemon.stop_requested",
            "signal": "SIGTERM",
            "in_flight": "Nothing is in flight",
            "log_level": "warning",
        }
    ] == logs
    assert signal.getsignal(signal.SIGTERM) is not None  # the previous handler is back


def test_a_second_signal_exits_at_once_saying_what_the_next_run_does() -> None:
    """Ctrl-C twice: exit 130 before the work in flight ends, with the next run's part."""
    script = textwrap.dedent(
        """
        import os, signal, time
        from sfsync.commands.signals import stop_on_signals
        from sfsync.logs import configure_logging
        from sfsync.stop import Stop
        configure_logging("console")
        stop = Stop()
        with stop_on_signals(stop, command="sync"), stop.doing(
            "waiting", abandoned="the next run finds Bulk job 750X and records its results"
        ):
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(30)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=20, check=False
    )
    assert 130 == proc.returncode, proc.stderr
    assert (
        "sfsync: SIGINT again: exiting now; the next run finds Bulk job 750X and records its "
        "results.\n"
    ) == proc.stderr.splitlines(keepends=True)[-1]

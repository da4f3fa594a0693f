"""
Every request has a connect timeout and a total deadline across its retries, and no retry
backoff outlives a stop request: against a real socket that accepts and never answers.
"""

from __future__ import annotations

import re
import threading
import time

import pytest
from simple_salesforce.api import Salesforce

from sfsync.errors import RetriableSalesforceError, StopRequestedError
from sfsync.salesforce.retry import Deadlines, build_retrying
from sfsync.salesforce.session import build_session
from sfsync.salesforce.transport import Transport
from sfsync.stop import Stop
from tests.salesforce.conftest import TOKEN, VERSION


def _transport(port: int, deadlines: Deadlines, stop: Stop | None = None) -> Transport:
    sf = Salesforce(
        session_id=TOKEN,
        instance_url=f"https://127.0.0.1:{port}",
        version=VERSION,
        session=build_session(timeout=deadlines.read, connect_timeout=deadlines.connect),
    )
    sleep = stop.sleep if stop is not None else time.sleep
    return Transport(sf, retrying=build_retrying(deadlines, sleep=sleep), deadlines=deadlines)


def test_a_silent_org_costs_one_request_its_deadline_not_attempts_times_the_timeout(
    silent_port: int,
) -> None:
    """Five attempts and their backoff would take 15 s and more; the 4 s deadline ends it
    after two."""
    deadlines = Deadlines(connect=0.5, read=0.5, total=4.0, attempts=5)
    transport = _transport(silent_port, deadlines)
    started = time.monotonic()
    with pytest.raises(RetriableSalesforceError) as failed:
        transport.limits()
    took = time.monotonic() - started
    assert took < deadlines.total + deadlines.read + 1.5, took
    message = str(failed.value)
    assert re.fullmatch(
        rf"GET limits: 127\.0\.0\.1:{silent_port} did not answer in 0\.\d s; "
        r"gave up after 2 attempts in [23]\.\d s \(deadline 4 s\)",
        message,
    ), message


def test_an_attempt_never_waits_past_the_deadline() -> None:
    """The last attempt's timeouts shrink to what is left of the deadline (at least 1 s)."""
    deadlines = Deadlines(connect=10, read=60, total=180)
    assert (10, 60) == deadlines.timeout(0)
    assert (10, 30) == deadlines.timeout(150)
    assert (1, 1) == deadlines.timeout(200)


def test_check_gets_short_deadlines_and_two_attempts() -> None:
    """`sfsync check` must give a verdict on a hung org within ~30 s."""
    short = Deadlines(connect=10, read=60, total=180, attempts=5).for_check()
    assert (5, 10, 20, 2) == (short.connect, short.read, short.total, short.attempts)
    assert short.total + short.connect + short.read <= 40


def test_a_stop_request_ends_the_retry_backoff(silent_port: int) -> None:
    """The backoff between attempts is the stop request's sleep: SIGTERM ends it at once."""
    stop = Stop()
    deadlines = Deadlines(connect=0.5, read=0.3, total=120, attempts=10)
    transport = _transport(silent_port, deadlines, stop)
    threading.Timer(1.0, stop.set, args=("SIGTERM received",)).start()
    started = time.monotonic()
    with pytest.raises(StopRequestedError):
        transport.limits()
    assert time.monotonic() - started < 3.0

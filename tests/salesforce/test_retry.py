from __future__ import annotations

import pytest
import tenacity
from structlog.testing import capture_logs

from sfsync.errors import RetriableSalesforceError, SalesforceError
from sfsync.salesforce.retry import build_retrying


def _no_wait(retrying: tenacity.Retrying) -> tenacity.Retrying:
    return retrying.copy(sleep=lambda _: None)


def test_retries_retriable_then_succeeds() -> None:
    """Retriable errors are retried, logging retry_scheduled with its fields."""
    outcomes: list[Exception | str] = [RetriableSalesforceError("503"), "ok"]

    def flaky() -> str:
        item = outcomes.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    with capture_logs() as logs:
        assert _no_wait(build_retrying())(flaky) == "ok"
    assert len(logs) == 1
    event = logs[0]
    assert event["event"] == "sfsync.salesforce.retry_scheduled"
    assert event["retry_num"] == 1
    assert 0 <= event["wait_for"] <= 30
    assert event["caused_by"] == "503"  # the error's words, not its repr


def test_other_errors_are_not_retried() -> None:
    """A plain SalesforceError is raised at once."""
    calls: list[int] = []

    def fail() -> None:
        calls.append(1)
        raise SalesforceError("400", status=400)

    with pytest.raises(SalesforceError):
        _no_wait(build_retrying())(fail)
    assert len(calls) == 1


def test_stops_after_attempts_and_reraises() -> None:
    """After the last attempt the original exception comes back, not RetryError."""
    calls: list[int] = []

    def fail() -> None:
        calls.append(1)
        raise RetriableSalesforceError("down")

    with pytest.raises(RetriableSalesforceError, match="down"):
        _no_wait(build_retrying(attempts=3))(fail)
    assert len(calls) == 3


def test_waits_are_capped() -> None:
    """The wait strategy never exceeds 30 seconds."""
    wait = build_retrying().wait
    state = tenacity.RetryCallState(None, None, (), {})
    state.attempt_number = 20
    assert wait(state) <= 30

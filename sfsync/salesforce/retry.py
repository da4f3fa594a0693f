"""
The one retry policy for Salesforce calls: only RetriableSalesforceError is retried, within
a deadline for the whole request, and every backoff wait wakes up for a stop request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
import tenacity

from sfsync.config import Settings
from sfsync.errors import RetriableSalesforceError

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Deadlines:
    """
    How long one request to the org may take: *connect* seconds to open a connection,
    *read* seconds of silence while waiting for its answer, and *total* seconds for all of
    its *attempts* and the backoff between them. A hung or unreachable org therefore costs
    one request at most *total* seconds (plus the last attempt's connect), never more.
    """

    connect: float = 10.0
    read: float = 60.0
    total: float = 180.0
    attempts: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> Deadlines:
        """The deadlines a sync, backfill or daemon uses (`SFSYNC_HTTP_*`, `..._DEADLINE_...`)."""
        return cls(
            connect=settings.http_connect_timeout_seconds,
            read=settings.http_timeout_seconds,
            total=settings.request_deadline_seconds,
        )

    def for_check(self) -> Deadlines:
        """
        Short deadlines and no long retries, for `sfsync check`: a verdict on a hung or
        unreachable org within ~30 s (two attempts of at most 10 s each, one short backoff).
        """
        return Deadlines(
            connect=min(self.connect, 5.0),
            read=min(self.read, 10.0),
            total=min(self.total, 20.0),
            attempts=2,
        )

    def timeout(self, elapsed: float) -> tuple[float, float]:
        """
        The `(connect, read)` timeout of an attempt made *elapsed* seconds into the
        request: never past the total deadline (at least one second, so an attempt is real).
        """
        left = max(1.0, self.total - elapsed)
        return min(self.connect, left), min(self.read, left)


def _log_retry(state: tenacity.RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome is not None else None
    log.warning(
        "sfsync.salesforce.retry_scheduled",
        retry_num=state.attempt_number,
        wait_for=round(state.upcoming_sleep, 3),
        caused_by=str(exc),
    )


def build_retrying(
    deadlines: Deadlines | None = None,
    *,
    attempts: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tenacity.Retrying:
    """
    Build the policy: exponential backoff with jitter (capped at 30 s per wait), at most
    `deadlines.attempts` (or *attempts*) tries, no attempt started or backoff begun that
    would end past `deadlines.total`, and the last error re-raised unchanged. *sleep* is
    the backoff's wait: a stop request's `Stop.sleep` ends it at once (StopRequestedError).

    The client copies it for every call, so one object can be shared.
    """
    limits = deadlines or Deadlines()
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(RetriableSalesforceError),
        wait=tenacity.wait_exponential_jitter(max=30),
        stop=(
            tenacity.stop_after_attempt(attempts or limits.attempts)
            | tenacity.stop_before_delay(limits.total)
        ),
        reraise=True,
        sleep=sleep,
        before_sleep=_log_retry,
    )

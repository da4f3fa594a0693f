"""
The one retry policy for Salesforce calls: only RetriableSalesforceError is retried.
"""

from __future__ import annotations

import structlog
import tenacity

from sfsync.errors import RetriableSalesforceError

log = structlog.get_logger(__name__)


def _log_retry(state: tenacity.RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome is not None else None
    log.warning(
        "sfsync.salesforce.retry_scheduled",
        retry_num=state.attempt_number,
        wait_for=round(state.upcoming_sleep, 3),
        caused_by=repr(exc),
    )


def build_retrying(*, attempts: int = 5, max_delay: float = 120) -> tenacity.Retrying:
    """
    Build the policy: exponential backoff with jitter (capped at 30 s per wait), at most
    *attempts* tries or *max_delay* seconds, and the last error re-raised unchanged.

    The client copies it for every call, so one object can be shared.
    """
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(RetriableSalesforceError),
        wait=tenacity.wait_exponential_jitter(max=30),
        stop=tenacity.stop_after_attempt(attempts) | tenacity.stop_after_delay(max_delay),
        reraise=True,
        before_sleep=_log_retry,
    )

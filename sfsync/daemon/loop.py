"""
The daemon's loop: call a tick every interval until told to stop. Outages and a spent
budget wait for the next tick; only what a person must fix ends the daemon.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import structlog

from sfsync.errors import NEEDS_A_PERSON, QuotaExceededError, SalesforceError, StopRequestedError

log = structlog.get_logger(__name__)


class StopRequest(Protocol):
    """What the loop needs of a stop request (`sfsync.stop.Stop`, or a threading.Event)."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float) -> bool: ...


def run_forever(tick: Callable[[], None], *, interval: float, stop: StopRequest) -> None:
    """
    Call `tick` every `interval` seconds until `stop` is set; the wait between ticks ends
    at once on a stop request.

    Per-tick policy: a spent budget, and any Salesforce failure that is not the
    credentials', the integration user's access or the definition's (an outage that
    outlasted the retries, a failed Bulk job, an odd answer), logs a warning and waits for
    the next tick: the daemon never ends for something that may pass. What a person must
    fix (`errors.NEEDS_A_PERSON`: exit 2) and state store failures (exit 1) propagate, so
    the supervisor alerts or restarts.
    """
    while not stop.is_set():
        try:
            tick()
        except NEEDS_A_PERSON:
            raise
        except StopRequestedError:  # a stop during a login's backoff: a clean stop
            return
        except QuotaExceededError as exc:
            log.warning("sfsync.daemon.budget_spent", error=str(exc))
        except SalesforceError as exc:
            log.warning(
                "sfsync.daemon.salesforce_unavailable",
                error=str(exc),
                error_type=type(exc).__name__,
                retry_in_seconds=interval,
            )
        stop.wait(interval)

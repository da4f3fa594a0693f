"""
The daemon's loop: call a tick every interval until told to stop; a spent budget or an
outage waits for the next tick.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog

from sfsync.errors import QuotaExceededError, RetriableSalesforceError

log = structlog.get_logger(__name__)


def run_forever(tick: Callable[[], None], *, interval: float, stop: threading.Event) -> None:
    """
    Call `tick` every `interval` seconds until `stop` is set.

    Per-tick policy (STYLE §8): a spent budget or a Salesforce outage that outlasted the
    retries logs a warning and waits for the next tick; anything else (authentication,
    configuration, state store) propagates so the supervisor restarts or alerts.
    """
    while not stop.is_set():
        try:
            tick()
        except QuotaExceededError as exc:
            log.warning("sfsync.daemon.budget_spent", error=str(exc))
        except RetriableSalesforceError as exc:
            log.warning("sfsync.daemon.salesforce_unavailable", error=str(exc))
        stop.wait(interval)

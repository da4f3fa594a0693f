"""
The daemon: an incremental pass every few minutes, a full rescore nightly at a local time,
one instance per org (`state.lock.InstanceLock`), a clean stop on SIGTERM, and /healthz +
/metrics on a loopback port.

- `schedule`: when the nightly rescore is due (pure);
- `service`: `Daemon`, whose tick runs the due pass and records it;
- `loop`: `run_forever`, the loop and its per-tick error policy;
- `health`: the counters, `/healthz` and `/metrics`.

The CLI's `daemon` command only builds a `Daemon` from the settings and runs it.
"""

from __future__ import annotations

from sfsync.daemon.health import Health, serve_health
from sfsync.daemon.loop import run_forever
from sfsync.daemon.schedule import TickKind, nightly_due, parse_local_time, plan_tick
from sfsync.daemon.service import Daemon, Schedule

__all__ = [
    "Daemon",
    "Health",
    "Schedule",
    "TickKind",
    "nightly_due",
    "parse_local_time",
    "plan_tick",
    "run_forever",
    "serve_health",
]

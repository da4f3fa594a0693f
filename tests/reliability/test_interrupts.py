"""
Interrupts, end to end (issue 14): SIGINT and SIGTERM delivered to the real CLI at every
phase of a sync — REST read, Bulk read, Collections write, Bulk write, checkpoint — once
(sfsync stops as soon as its state is safe) and twice (it exits at once). Every cell then
runs the sync again and checks, from the org's per-record write log, that no lead was
written twice and that the org ends equal to an uninterrupted run.

The timing bounds are behaviour limits with wide margins (5 s after the state is safe,
1 s after a second signal), not benchmarks: without the fix, a Bulk job the org was still
applying held sfsync for the whole job, and a second Ctrl-C did nothing.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from sfsync.sandbox.protocol import Request
from tests.reliability.conftest import Cell
from tests.reliability.matrix import PHASES
from tests.reliability.orgkit import (
    BulkResults,
    CliResult,
    Tap,
    collections_patch,
    ingest_close,
    install_faults,
    soql_read,
)

pytestmark = pytest.mark.e2e

INGEST_SECONDS = 3.0
"""How long the org takes to apply a Bulk ingest job in these cells (real seconds)."""
QUERY_SECONDS = 60.0
"""How long a Bulk query job runs: far longer than any bound below, so a wait for it shows."""
SAFE_WITHIN = 5.0
FORCED_WITHIN = 1.0
CHECKPOINT_TARGET = "sfsync.state.store:StateStore.save_written"
EXIT_AFTER_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 143}


def bulk_query_created(object_name: str) -> Callable[[Request], bool]:
    """The POST that creates the Bulk query job reading *object_name*."""
    pattern = re.compile(r"^/services/data/v[\d.]+/jobs/query/?$")

    def match(request: Request) -> bool:
        if request.method != "POST" or not pattern.match(request.path):
            return False
        return f" FROM {object_name}" in str(json.loads(request.body).get("query", ""))

    return match


@dataclass(frozen=True)
class Trigger:
    """Where a phase's signal lands: a request, and whether before or after the org answers."""

    matcher: Callable[[], Callable[[Request], bool]]
    after: bool = False
    latency: dict[str, Any] | None = None
    safe_after: float = 0.0  # seconds from the signal until the state is safe at the latest


TRIGGERS = {
    "rest_read": Trigger(lambda: soql_read("Task")),
    # The Task query job runs for a minute: sfsync is waiting for it when the signal comes.
    "bulk_read": Trigger(
        lambda: bulk_query_created("Task"),
        after=True,
        latency={"query": {"base_seconds": QUERY_SECONDS}},
    ),
    "collections_write": Trigger(lambda: collections_patch),
    # The org has just closed the ingest job and applies it for INGEST_SECONDS.
    "bulk_write": Trigger(
        lambda: ingest_close,
        after=True,
        latency={"ingest": {"base_seconds": INGEST_SECONDS}},
        safe_after=INGEST_SECONDS,
    ),
}
IN_FLIGHT = {
    "rest_read": "reading from the org; nothing is written yet",
    "bulk_read": "nothing is written",
    "collections_write": "writing",
    "bulk_write": "is being applied by the org",
    "checkpoint": "recording what was written",
}


@dataclass
class Interrupted:
    """One signalled run: the result, when each signal was sent, when the CLI had ended."""

    result: CliResult
    sent: list[float] = field(default_factory=list)
    ended: float = 0.0


def interrupt(cell: Cell, phase: str, signals: list[signal.Signals]) -> Interrupted:
    """Run a sync with *signals* (0.2 s apart) delivered at *phase*."""
    if phase == "checkpoint":
        names = ",".join(s.name for s in signals)
        result = cell.sync(phase, signal_at=f"{CHECKPOINT_TARGET}={names}")
        ended = time.time()
        found = re.search(r"harness: signalled at ([\d.]+)", result.stderr)
        assert found, "the checkpoint was never reached\n" + result.describe()
        return Interrupted(result, [float(found[1])] * len(signals), ended)
    trigger = TRIGGERS[phase]
    if trigger.latency:
        install_faults(cell.sandbox, {"bulk_latency": trigger.latency})
    pid: dict[str, int] = {}
    started = threading.Event()
    run = Interrupted(CliResult([], 0, "", ""))

    def send() -> None:
        started.wait(10)
        for n, signum in enumerate(signals):
            if n:
                time.sleep(0.2)
            run.sent.append(time.time())
            os.kill(pid["pid"], signum)

    def on_start(process_id: int) -> None:
        pid["pid"] = process_id
        started.set()

    tap = Tap(cell.sandbox)
    factory = trigger.matcher()
    if isinstance(factory, BulkResults):
        tap.observers.append(factory.observe)
    tap.arm(factory, **({"after": send} if trigger.after else {"before": send}))
    run.result = cell.sync(phase, on_start=on_start)
    run.ended = time.time()
    tap.disarm()
    assert tap.fired.is_set(), f"the signal never reached {phase}\n" + run.result.describe()
    return run


def lead_writes(cell: Cell) -> Counter[str]:
    """How often the org wrote each Lead (15-character Ids), from its per-record log."""
    return Counter(w["id"][:15] for w in cell.sandbox.org.calls.writes() if w["object"] == "Lead")


def carry_on(cell: Cell, phase: str, run: Interrupted) -> dict[str, Any]:
    """The next run completes; no lead was written twice; the org equals a clean run's."""
    install_faults(cell.sandbox, {"bulk_latency": "off"})
    again = cell.sync(phase)
    assert again.returncode == 0, run.result.describe() + "\n" + again.describe()
    writes = lead_writes(cell)
    twice = sorted(lead for lead, n in writes.items() if n > 1)
    assert not twice, f"leads written twice: {twice[:5]}\n" + again.describe()
    assert {i[:15] for i in cell.reference.changed} == set(writes)
    cell.assert_converged(again)
    report = again.report
    assert report is not None
    return report


PHASE_NAMES = [*TRIGGERS, "checkpoint"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("phase", PHASE_NAMES)
def test_one_signal_stops_once_the_state_is_safe(
    cell: Cell, phase: str, signum: signal.Signals, record_property: Callable[[str, Any], None]
) -> None:
    """One signal: sfsync says what is in flight, stops within 5 s of a safe state, and the
    next run finishes the work without writing any lead twice."""
    cell.sandbox.org.calls.reset()
    run = interrupt(cell, phase, [signum])

    safe_at = run.sent[0] + TRIGGERS.get(phase, Trigger(lambda: collections_patch)).safe_after
    record_property("exit_after_safe_seconds", round(run.ended - max(run.sent[0], safe_at), 3))
    record_property("exit_after_signal_seconds", round(run.ended - run.sent[0], 3))
    assert run.ended - max(run.sent[0], safe_at) < SAFE_WITHIN, run.result.describe()
    assert run.result.returncode in (0, 3), run.result.describe()  # done, or interrupted
    asked = run.result.named("sfsync.sync.stop_requested")
    assert [signum.name] == [e["signal"] for e in asked], run.result.describe()
    assert IN_FLIGHT[phase].lower() in asked[0]["in_flight"].lower(), asked
    assert "Traceback" not in run.result.stderr
    carry_on(cell, phase, run)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("phase", PHASE_NAMES)
def test_a_second_signal_exits_at_once_and_the_next_run_carries_on(
    cell: Cell, phase: str, signum: signal.Signals, record_property: Callable[[str, Any], None]
) -> None:
    """Ctrl-C (or a supervisor's SIGTERM) twice: exit 130 (143) within 1 s of the second;
    the next run records a Bulk job the org was applying (never submitting it again) and
    converges."""
    cell.sandbox.org.calls.reset()
    run = interrupt(cell, phase, [signum, signum])
    record_property("exit_after_second_signal_seconds", round(run.ended - run.sent[-1], 3))

    assert run.ended - run.sent[-1] < FORCED_WITHIN, run.result.describe()
    assert EXIT_AFTER_SIGNAL[signum] == run.result.returncode, run.result.describe()
    forced = run.result.named("sfsync.sync.stop_forced")
    assert len(forced) == 1, run.result.describe()
    report = carry_on(cell, phase, run)
    if phase == "bulk_write":
        assert "records its results without submitting it again" in forced[0]["next_run"]
        assert len(cell.reference.changed) == report["recovered"]
        assert 0 == report["written"]
        ingests = [
            c for c in cell.sandbox.org.calls.recent(10_000) if c["path"].endswith("/jobs/ingest")
        ]
        assert 1 == len(ingests), "the next run submitted the job again"


def test_a_signal_during_retry_backoff_ends_the_wait(
    cell: Cell, record_property: Callable[[str, Any], None]
) -> None:
    """SIGTERM while sfsync waits out 503s (real backoff, no time compression) ends the
    wait at once instead of after the remaining retries."""
    spec = {"http_errors": [{"status": 503, "count": 6, "body": "html"}]}
    sent: list[float] = []
    pid: dict[str, int] = {}

    def later() -> None:
        time.sleep(0.5)  # the first backoff (about 1 s) has begun
        sent.append(time.time())
        os.kill(pid["pid"], signal.SIGTERM)

    tap = Tap(cell.sandbox)
    tap.arm(
        soql_read("Task"),
        before=lambda: install_faults(cell.sandbox, spec),
        after=lambda: threading.Thread(target=later, daemon=True).start(),
    )
    result = cell.sync("rest_read", on_start=lambda p: pid.__setitem__("pid", p), time_scale="1")
    ended = time.time()
    assert tap.fired.is_set()
    record_property("exit_after_signal_seconds", round(ended - sent[0], 3))
    assert ended - sent[0] < FORCED_WITHIN, result.describe()
    assert 3 == result.returncode, result.describe()  # interrupted: resumable
    report = result.report
    assert report is not None
    assert "interrupted" == report["outcome"]
    install_faults(cell.sandbox, None)
    tap.disarm()
    again = cell.sync("rest_read")
    assert 0 == again.returncode, again.describe()
    cell.assert_converged(again)


def test_every_phase_has_a_trigger() -> None:
    """The interrupt cells cover every phase of the matrix, each with its in-flight words."""
    assert set(PHASES) == set(PHASE_NAMES) == set(IN_FLIGHT)

"""
The reliability matrix (fault x phase), end to end: the real CLI in a subprocess against a
sandbox org, the fault injected at a chosen request of the phase, then the fault cleared and
the sync run again. Every cell ends with the org's SFS_* fields (and OwnerId, Status) equal
to a fault-free run's at the same `--now`; touch counts are compared first, so a
double-counted touch is named as such.

Which request each phase's fault lands on, and the table for the README, are in `matrix.py`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from sfsync.sandbox.faults import LockRowFault
from tests.reliability.conftest import Cell
from tests.reliability.matrix import (
    CHECKPOINT_KILLS,
    FAULTS,
    PHASES,
    cells,
    phase_params,
)
from tests.reliability.orgkit import (
    KILLED,
    BulkResults,
    CliResult,
    Tap,
    collections_patch,
    hold_write_lock,
    install_faults,
    killer,
)

pytestmark = pytest.mark.e2e

LOCK_SHARE, LOCK_SEED = 0.05, 7
CLIENT_CREDENTIALS = {"SFSYNC_SF_AUTH": "client_credentials"}


def arm(cell: Cell, phase: str, **actions: Any) -> Tap:
    """A tap on the cell's org that fires *actions* at *phase*'s chosen request."""
    factory = PHASES[phase].matcher
    assert factory is not None, f"{phase} has no API request to fault"
    matcher = factory()
    tap = Tap(cell.sandbox)
    if isinstance(matcher, BulkResults):
        tap.observers.append(matcher.observe)
    tap.arm(matcher, **actions)
    return tap


def faults_at(cell: Cell, spec: dict[str, Any]) -> Callable[[], None]:
    """An action that installs *spec* on the cell's org."""
    return lambda: install_faults(cell.sandbox, spec)


def report_of(result: CliResult) -> dict[str, Any]:
    report = result.report
    assert report is not None, "no --json summary on stdout\n" + result.describe()
    return report


def recover(cell: Cell, phase: str, faulted: CliResult, tap: Tap | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
    """Clear the faults, run again: exit 0 and the org equals the fault-free run's."""
    if tap is not None:
        tap.disarm()
    install_faults(cell.sandbox, None)
    again = cell.sync(phase, **kwargs)
    assert again.returncode == 0, (
        "the run after the fault cleared failed\n" + faulted.describe() + "\n" + again.describe()
    )
    cell.assert_converged(again)
    return report_of(again)


def rejected_ids(result: CliResult, code: str) -> set[str]:
    events = result.named("sfsync.record.rejected")
    assert all(e.get("error_code") == code for e in events), events[:3]
    return {str(e["record_id"]) for e in events}


def test_matrix_covers_every_fault_and_phase() -> None:
    """Every fault names each phase: runs there, or says why it cannot happen there."""
    for fault in FAULTS.values():
        for phase in PHASES:
            assert (phase in fault.phases) != (phase in fault.not_applicable), (fault.key, phase)
    assert len(cells()) >= 30


def test_reference_is_a_fixed_point(cell: Cell) -> None:
    """Fault-free: the first sync writes exactly the changed leads, the second writes none."""
    first = cell.sync("rest_read")
    assert first.returncode == 0, first.describe()
    assert report_of(first)["written"] == len(cell.reference.changed)
    cell.assert_converged(first)
    second = cell.sync("rest_read")
    assert second.returncode == 0, second.describe()
    assert report_of(second)["written"] == 0
    cell.assert_converged(second)


@pytest.mark.parametrize("phase", ["bulk_read", "bulk_write"])
def test_bulk_paths_agree_with_rest(cell: Cell, phase: str) -> None:
    """Bulk API 2.0 reads and writes produce the same org as REST query + Collections."""
    result = cell.sync(phase)
    assert result.returncode == 0, result.describe()
    calls = [c["path"] for c in cell.sandbox.org.calls.recent(500)]
    kind = "/jobs/query" if phase == "bulk_read" else "/jobs/ingest"
    assert any(kind in path for path in calls), f"{phase} never used {kind}"
    cell.assert_converged(result)


_BURSTS = {
    "rest_read": (503, "html"),
    "bulk_read": (500, "json"),
    "collections_write": (502, "html"),
    "bulk_write": (503, "json"),
}


@pytest.mark.parametrize("phase", phase_params("http_5xx"))
def test_http_5xx_burst(cell: Cell, phase: str) -> None:
    """Two 5xx answers in a row are retried with backoff; the pass succeeds."""
    status, body = _BURSTS[phase]
    spec = {"http_errors": [{"status": status, "count": 2, "body": body}]}
    tap = arm(cell, phase, before=faults_at(cell, spec))
    faulted = cell.sync(phase)
    assert tap.fired.is_set(), f"the fault never reached {phase}"
    assert faulted.returncode == 0, faulted.describe()
    assert len(faulted.named("sfsync.salesforce.retry_scheduled")) >= 2
    cell.assert_converged(faulted)
    assert recover(cell, phase, faulted, tap)["written"] == 0


@pytest.mark.parametrize("phase", phase_params("reset"))
def test_connection_reset(cell: Cell, phase: str) -> None:
    """Two connection resets (the org never saw the request) are retried."""
    tap = arm(cell, phase, before=faults_at(cell, {"connection_resets": {"count": 2}}))
    faulted = cell.sync(phase)
    assert tap.fired.is_set(), f"the fault never reached {phase}"
    assert faulted.returncode == 0, faulted.describe()
    assert faulted.named("sfsync.salesforce.retry_scheduled")
    cell.assert_converged(faulted)
    assert recover(cell, phase, faulted, tap)["written"] == 0


@pytest.mark.parametrize("phase", phase_params("lost_response"))
def test_lost_response(cell: Cell, phase: str) -> None:
    """The org committed the request but the answer was lost: the retry is harmless."""
    tap = arm(cell, phase, lose_response=True)
    faulted = cell.sync(phase)
    assert tap.fired.is_set(), f"the fault never reached {phase}"
    assert faulted.returncode == 0, faulted.describe()
    assert faulted.named("sfsync.salesforce.retry_scheduled")
    cell.assert_converged(faulted)
    assert recover(cell, phase, faulted, tap)["written"] == 0


def test_lost_ingest_close_is_recognised_as_done(cell: Cell) -> None:
    """A retried UploadComplete that finds the job already closed carries on, exit 0."""
    tap = arm(cell, "bulk_write", lose_response=True)
    faulted = cell.sync("bulk_write")
    assert tap.fired.is_set()
    assert faulted.returncode == 0, faulted.describe()
    assert faulted.named("sfsync.salesforce.bulk_close_already_done")
    cell.assert_converged(faulted)
    assert recover(cell, "bulk_write", faulted, tap)["written"] == 0


@pytest.mark.parametrize("phase", phase_params("session_relogin"))
def test_session_expiry_relogin(cell: Cell, phase: str) -> None:
    """client_credentials: an expired session logs in again once and the request is retried."""
    tap = arm(cell, phase, before=faults_at(cell, {"session_expires_after": 0}))
    faulted = cell.sync(phase, env=CLIENT_CREDENTIALS)
    assert tap.fired.is_set(), f"the fault never reached {phase}"
    assert faulted.returncode == 0, faulted.describe()
    assert faulted.named("sfsync.salesforce.session_renewed")
    cell.assert_converged(faulted)
    assert recover(cell, phase, faulted, tap, env=CLIENT_CREDENTIALS)["written"] == 0


@pytest.mark.parametrize("phase", phase_params("session_fixed"))
def test_session_expiry_without_relogin(cell: Cell, phase: str) -> None:
    """Session auth cannot log in again: exit 2 (a person must act) naming the fix; a new
    token resumes."""
    tap = arm(cell, phase, before=faults_at(cell, {"session_expires_after": 0}))
    faulted = cell.sync(phase)
    assert tap.fired.is_set(), f"the fault never reached {phase}"
    assert faulted.returncode == 2, faulted.describe()
    assert "cannot log in again" in faulted.stderr
    assert "Traceback" not in faulted.stderr
    cell.sandbox.org.issue_token()  # rewrites connection.env, as an admin would
    recover(cell, phase, faulted, tap)


@pytest.mark.parametrize("phase", phase_params("limit"))
def test_daily_limit_runs_out(cell: Cell, phase: str) -> None:
    """REQUEST_LIMIT_EXCEEDED mid-phase ends the pass as partial (exit 3), resumable."""
    tap = arm(cell, phase, before=faults_at(cell, {"request_limit_after": 0}))
    faulted = cell.sync(phase)
    assert tap.fired.is_set(), f"the fault never reached {phase}"
    assert faulted.returncode == 3, faulted.describe()
    report = report_of(faulted)
    assert report["outcome"] == "partial"
    assert "REQUEST_LIMIT_EXCEEDED" in (report["error"] or "")
    assert report["watermarks"] == {}
    recover(cell, phase, faulted, tap)


def _lock_hits(cell: Cell) -> set[str]:
    fault = LockRowFault(share=LOCK_SHARE, seed=LOCK_SEED)
    hits = {i for i in cell.reference.changed if fault.hits(i)}
    assert hits, "no changed lead falls in the locked share; pick another seed"
    return hits


@pytest.mark.parametrize("phase", phase_params("lock_transient"))
def test_row_locks_that_clear(cell: Cell, phase: str) -> None:
    """UNABLE_TO_LOCK_ROW once per record: retried within the pass, nothing rejected."""
    _lock_hits(cell)
    lock = {"share": LOCK_SHARE, "seed": LOCK_SEED, "attempts": 1}
    install_faults(cell.sandbox, {"lock_row": lock})
    faulted = cell.sync(phase)
    assert faulted.returncode == 0, faulted.describe()
    report = report_of(faulted)
    assert (report["written"], report["rejected"]) == (len(cell.reference.changed), 0)
    cell.assert_converged(faulted)
    assert recover(cell, phase, faulted)["written"] == 0


@pytest.mark.parametrize("phase", phase_params("lock_persistent"))
def test_row_locks_that_persist(cell: Cell, phase: str) -> None:
    """Locked for the whole pass: rejected (exit 3), the rest written, retried next run."""
    hits = _lock_hits(cell)
    install_faults(cell.sandbox, {"lock_row": {"share": LOCK_SHARE, "seed": LOCK_SEED}})
    faulted = cell.sync(phase)
    assert faulted.returncode == 3, faulted.describe()
    report = report_of(faulted)
    assert report["rejected"] == len(hits)
    assert report["written"] == len(cell.reference.changed) - len(hits)
    assert rejected_ids(faulted, "UNABLE_TO_LOCK_ROW") == hits
    assert recover(cell, phase, faulted)["written"] == len(hits)


@pytest.mark.parametrize("phase", phase_params("validation"))
def test_validation_rule_rejects(cell: Cell, phase: str) -> None:
    """A validation rule rejects 5%: exit 3 with its message, others written, retried later."""
    ids = cell.reference.changed[::20]
    message = "Leads under legal review cannot be edited"
    install_faults(cell.sandbox, {"validation_rules": [{"message": message, "ids": ids}]})
    faulted = cell.sync(phase)
    assert faulted.returncode == 3, faulted.describe()
    report = report_of(faulted)
    assert (report["rejected"], report["partial"]) == (len(ids), True)
    assert report["written"] == len(cell.reference.changed) - len(ids)
    assert rejected_ids(faulted, "FIELD_CUSTOM_VALIDATION_EXCEPTION") == set(ids)
    assert all(message in e["error"] for e in faulted.named("sfsync.record.rejected"))
    # Still active: the rejects are retried, rejected again, and block nobody.
    again = cell.sync(phase)
    assert again.returncode == 3, again.describe()
    assert (report_of(again)["rejected"], report_of(again)["written"]) == (len(ids), 0)
    assert recover(cell, phase, again)["written"] == len(ids)


@pytest.mark.parametrize("phase", [p for p in phase_params("sigkill") if p != "checkpoint"])
def test_sigkill_mid_phase(cell: Cell, phase: str) -> None:
    """SIGKILL while the org answers the phase's request; the next run converges."""
    pid: dict[str, int] = {}
    started = threading.Event()
    tap = arm(cell, phase, after=killer(pid, started))

    def on_start(process_id: int) -> None:
        pid["pid"] = process_id
        started.set()

    faulted = cell.sync(phase, on_start=on_start)
    assert tap.fired.is_set(), f"the kill never reached {phase}"
    assert faulted.returncode == KILLED, faulted.describe()
    written = recover(cell, phase, faulted, tap)["written"]
    if phase in ("rest_read", "bulk_read"):
        assert written == len(cell.reference.changed)


@pytest.mark.parametrize(("point", "target"), [(k[0], k[1]) for k in CHECKPOINT_KILLS])
def test_sigkill_during_checkpoint(cell: Cell, point: str, target: str) -> None:
    """SIGKILL inside the state store's bookkeeping after the org accepted the writes."""
    faulted = cell.sync("checkpoint", kill_at=target)
    assert faulted.returncode == KILLED, f"{point}: " + faulted.describe()
    # The org already holds every value: the next run finds nothing to write.
    assert recover(cell, "checkpoint", faulted)["written"] == 0


def test_state_store_locked_during_checkpoint(cell: Cell) -> None:
    """Another process holds the state store's write lock for 1 s: the pass waits."""
    tap = Tap(cell.sandbox)
    tap.arm(collections_patch, before=hold_write_lock(cell.state_path, 1.0))
    faulted = cell.sync("checkpoint")
    assert tap.fired.is_set()
    assert faulted.returncode == 0, faulted.describe()
    cell.assert_converged(faulted)
    assert recover(cell, "checkpoint", faulted, tap)["written"] == 0

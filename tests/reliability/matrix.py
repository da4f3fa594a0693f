"""
The reliability matrix as data: the phases of a pass, the faults, and which fault applies to
which phase. `test_matrix.py` runs one cell per (fault, phase); `render_table()` prints the
Markdown table for the README (`python -m tests.reliability.matrix`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.reliability.orgkit import (
    BulkResults,
    Matcher,
    collections_patch,
    ingest_close,
    leads_from_env,
    soql_read,
)

NEVER = str(10**9)  # a threshold no test org reaches
# Above it a pass writes by Bulk ingest; below it the rows a Bulk job could not lock are
# retried through Collections, as with the default threshold on a large org.
BULK_WRITE = str(max(10, leads_from_env() // 10))


@dataclass(frozen=True)
class Phase:
    """One phase of a pass, how to force it (thresholds) and where a fault lands in it."""

    key: str
    title: str
    env: dict[str, str]
    where: str
    matcher: Callable[[], Matcher] | None = None  # None: not an API phase


PHASES: dict[str, Phase] = {
    p.key: p
    for p in (
        Phase(
            "rest_read",
            "REST read",
            {"SFSYNC_BULK_READ_THRESHOLD": NEVER, "SFSYNC_BULK_WRITE_THRESHOLD": NEVER},
            "the Task query, after four objects were mirrored",
            lambda: soql_read("Task"),
        ),
        Phase(
            "bulk_read",
            "Bulk read",
            {"SFSYNC_BULK_READ_THRESHOLD": "1", "SFSYNC_BULK_WRITE_THRESHOLD": NEVER},
            "the results page of the Task query job",
            lambda: BulkResults("Task"),
        ),
        Phase(
            "collections_write",
            "Collections write",
            {"SFSYNC_BULK_READ_THRESHOLD": NEVER, "SFSYNC_BULK_WRITE_THRESHOLD": NEVER},
            "the first sObject Collections PATCH",
            lambda: collections_patch,
        ),
        Phase(
            "bulk_write",
            "Bulk write",
            {"SFSYNC_BULK_READ_THRESHOLD": NEVER, "SFSYNC_BULK_WRITE_THRESHOLD": BULK_WRITE},
            "the ingest job's UploadComplete (the org processes the job)",
            lambda: ingest_close,
        ),
        Phase(
            "checkpoint",
            "Checkpoint / state write",
            {"SFSYNC_BULK_READ_THRESHOLD": NEVER, "SFSYNC_BULK_WRITE_THRESHOLD": NEVER},
            "the local bookkeeping after the org accepted the writes",
        ),
    )
}
API_PHASES = ("rest_read", "bulk_read", "collections_write", "bulk_write")
WRITE_PHASES = ("collections_write", "bulk_write")


@dataclass(frozen=True)
class Fault:
    """One kind of fault, the phases it applies to and what a cell proves (for the table)."""

    key: str
    title: str
    phases: tuple[str, ...]
    result: str
    not_applicable: dict[str, str] = field(default_factory=dict)
    known_bugs: dict[str, str] = field(default_factory=dict)  # phase -> what goes wrong


_NO_API = "no API call in this phase"
_WRITES_ONLY = "only writes fail this way"

FAULTS: dict[str, Fault] = {
    f.key: f
    for f in (
        Fault(
            "http_5xx",
            "5xx burst (2 consecutive 503/500/502, HTML or JSON body)",
            API_PHASES,
            "retried with backoff, exit 0",
            {"checkpoint": _NO_API},
        ),
        Fault(
            "reset",
            "connection reset x2 before the org saw the request",
            API_PHASES,
            "retried, exit 0",
            {"checkpoint": _NO_API},
        ),
        Fault(
            "lost_response",
            "response lost: the org committed, then the connection reset",
            API_PHASES,
            "retried (idempotent), exit 0",
            {"checkpoint": _NO_API},
        ),
        Fault(
            "session_relogin",
            "session expired (client_credentials: re-login)",
            API_PHASES,
            "re-login once, retried, exit 0",
            {"checkpoint": _NO_API},
        ),
        Fault(
            "session_fixed",
            "session expired (session auth: cannot re-login)",
            API_PHASES,
            "exit 2 naming the fix; converges once a new token is set",
            {"checkpoint": _NO_API},
        ),
        Fault(
            "limit",
            "daily API limit runs out (403 REQUEST_LIMIT_EXCEEDED)",
            API_PHASES,
            "partial, exit 3, watermarks kept; next run converges",
            {"checkpoint": _NO_API},
        ),
        Fault(
            "lock_transient",
            "UNABLE_TO_LOCK_ROW on 5% of leads, clears on retry",
            WRITE_PHASES,
            "retried in smaller batches, exit 0",
            {"rest_read": _WRITES_ONLY, "bulk_read": _WRITES_ONLY, "checkpoint": _NO_API},
        ),
        Fault(
            "lock_persistent",
            "UNABLE_TO_LOCK_ROW on 5% of leads, for the whole run",
            WRITE_PHASES,
            "rejects recorded, exit 3; retried and written next run",
            {"rest_read": _WRITES_ONLY, "bulk_read": _WRITES_ONLY, "checkpoint": _NO_API},
        ),
        Fault(
            "validation",
            "validation rule rejects 5% of leads",
            WRITE_PHASES,
            "rejects with the rule's message, exit 3, others written; retried next run",
            {"rest_read": _WRITES_ONLY, "bulk_read": _WRITES_ONLY, "checkpoint": _NO_API},
        ),
        Fault(
            "sigkill",
            "SIGKILL of the CLI process",
            (*API_PHASES, "checkpoint"),
            "next run converges (org-side writes already done are not redone)",
        ),
        Fault(
            "signal_once",
            "SIGINT or SIGTERM (once), in test_interrupts.py",
            (*API_PHASES, "checkpoint"),
            "says what is in flight; stops within 5 s of a safe state (a Bulk job the org is"
            " applying is recorded first); next run converges, no lead written twice",
        ),
        Fault(
            "signal_twice",
            "SIGINT twice (Ctrl-C, Ctrl-C), in test_interrupts.py",
            (*API_PHASES, "checkpoint"),
            "exit 130 within 1 s; next run records the Bulk job in flight without sending it"
            " again, converges, no lead written twice",
        ),
        Fault(
            "state_locked",
            "state store write-locked by another process for 1 s",
            ("checkpoint",),
            "waits for the lock, exit 0",
            dict.fromkeys(API_PHASES, "the state store is only written between API phases"),
        ),
    )
}

# Where a SIGKILL lands in the checkpoint phase: (test id, harness --kill-at target, what).
CHECKPOINT_KILLS = (
    ("save_written", "sfsync.state.store:StateStore.save_written", "recording what was written"),
    ("set_watermark", "sfsync.state.store:StateStore.set_watermark", "advancing the watermarks"),
)


def cells() -> list[tuple[str, str]]:
    """Every (fault, phase) pair the matrix runs."""
    return [(f.key, p) for f in FAULTS.values() for p in f.phases]


def phase_params(fault: str) -> list[Any]:
    """pytest params for a fault's phases; a known bug's cell is a strict xfail."""
    import pytest

    known = FAULTS[fault].known_bugs
    return [
        pytest.param(p, marks=pytest.mark.xfail(reason=known[p], strict=True)) if p in known else p
        for p in FAULTS[fault].phases
    ]


def render_table() -> str:
    """The matrix as a Markdown table: one row per fault, one column per phase."""
    titles = [p.title for p in PHASES.values()]
    lines = [
        "| fault | " + " | ".join(titles) + " | after the fault clears |",
        "|---|" + ":-:|" * len(titles) + "---|",
    ]
    notes: list[str] = []
    for fault in FAULTS.values():
        row = [fault.title]
        for phase, where in PHASES.items():
            if phase in fault.known_bugs:
                notes.append(f"{fault.title}, {where.title}: {fault.known_bugs[phase]}")
                row.append(f"✗ [{len(notes)}]")
            elif phase in fault.phases:
                row.append("✓")
            else:
                row.append("n/a")
        row.append(fault.result)
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines += [f"[{i}] {note}" for i, note in enumerate(notes, start=1)]
    lines.append(
        "\n✓ passes, ✗ fails (known bug, xfail in the suite), n/a cannot happen in that phase."
        " Each cell: seed the org, run `sfsync sync` with the fault at "
        + "; ".join(f"{p.title}: {p.where}" for p in PHASES.values())
        + "; clear the fault, run again, and compare every Lead's SFS_* fields, OwnerId and"
        " Status with a fault-free run at the same `--now` (touch counts first)."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(render_table())

"""
What a pass is asked to do (`PassContext`) and what it did (`PassReport`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sfsync.errors import StopRequestedError
from sfsync.stop import Stop

Mode = Literal["incremental", "full", "rescore"]
Progress = Callable[[str, int, int | None], None]
"""`(phase, done, total)`: how far a phase (read X, qualify, write) has come."""


@dataclass
class PassContext:
    """Everything a pass needs that is not the client, the store or the definition."""

    now: datetime
    mode: Mode = "incremental"
    dry_run: bool = False
    overlap: timedelta = timedelta(minutes=5)
    batch_size: int = 2000
    lead_ids: frozenset[str] | None = None
    # The command's stop request (SIGINT/SIGTERM): checked between steps, told what is in
    # flight, and shared with the client so no wait outlives it.
    stop: Stop = field(default_factory=Stop)
    on_progress: Progress | None = None
    keep_changes: bool = False
    # A SOQL condition ANDed into the Lead read (the backfill's scope and CreatedDate
    # slice): the pass then qualifies only the leads that read returned, keeps the mirror's
    # other leads and leaves the Lead watermark alone (a slice says nothing about the rest).
    lead_where: str | None = None
    # Read only these objects (None: every object the definition needs).
    objects: frozenset[str] | None = None
    # Write every difference, exact, ignoring the definition's write policy (the backfill:
    # "fill every lead once" leaves no lead a few points off).
    exact_writes: bool = False

    @property
    def whole_org(self) -> bool:
        """True when the pass qualifies every lead it should (no Id list, no slice)."""
        return self.lead_ids is None and self.lead_where is None

    def should_stop(self) -> bool:
        """True once a stop was requested."""
        return self.stop.is_set()

    def progress(self, phase: str, done: int, total: int | None) -> None:
        """Tell `on_progress`, when there is one."""
        if self.on_progress is not None:
            self.on_progress(phase, done, total)


class PassInterruptedError(StopRequestedError):
    """Raised inside a pass between steps once a stop was requested; the pass ends
    "interrupted" without advancing its watermarks."""

    def __init__(self, message: str = "stop requested") -> None:
        super().__init__(message)


@dataclass
class PassReport:
    """What one pass did: the canonical summary line and the CLI's --json output."""

    run_id: str
    mode: str
    dry_run: bool
    outcome: str = "success"
    read: dict[str, int] = field(default_factory=dict)
    qualified: int = 0
    changed: int = 0
    written: int = 0
    rejected: int = 0
    # Leads an interrupted run's Bulk job wrote, whose results this pass recorded.
    recovered: int = 0
    skipped_converted: int = 0
    skipped_invalid: int = 0
    status_mapping_blocked: int = 0
    held_back: int = 0
    """Leads whose org values differ from the exact ones only within the write policy
    (score, fit, engagement moved less than its points; reasons' numbers decayed)."""
    api_calls: int = 0
    duration_seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)
    watermarks: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    changes: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def partial(self) -> bool:
        """True when the pass ended early or left rejected records behind (exit code 3)."""
        return self.outcome in ("partial", "interrupted") or self.rejected > 0

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data, without the per-lead change list."""
        data = asdict(self)
        data.pop("changes")
        data["partial"] = self.partial
        return data

    def counts(self) -> dict[str, int]:
        """The counts the store's runs table keeps."""
        return {
            "read": sum(self.read.values()),
            "qualified": self.qualified,
            "changed": self.changed,
            "written": self.written,
            "rejected": self.rejected,
            "skipped_converted": self.skipped_converted,
        }

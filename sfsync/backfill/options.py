"""What a backfill is asked to do (`BackfillOptions`) and what it did (`BackfillResult`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sfsync.backfill.estimate import Estimate

DEFAULT_SLICE_THRESHOLD = 50_000


@dataclass
class BackfillOptions:
    """What to backfill and how."""

    now: datetime
    """The moment every lead is qualified at (kept by a resumed apply)."""
    wall_clock: datetime
    """The real time, to judge a stored plan's age."""
    apply: bool = False
    where: str | None = None
    slice_threshold: int = DEFAULT_SLICE_THRESHOLD
    restart: bool = False
    bulk_read_threshold: int = 10_000
    bulk_write_threshold: int = 2_000


@dataclass
class BackfillResult:
    """What a backfill run did."""

    dry_run: bool
    now: str
    outcome: str = "success"
    resumed: bool = False
    plan_reused: bool = False
    slices_total: int = 0
    slices_done: int = 0
    written: int = 0
    rejected: int = 0
    recovered: int = 0  # written by an interrupted run's Bulk job, recorded by this one
    api_calls: int = 0
    error: str | None = None
    estimate: Estimate | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        """True when the run stopped early or left rejected records (exit code 3)."""
        return self.outcome in ("partial", "interrupted") or self.rejected > 0

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON data."""
        data = asdict(self)
        data["estimate"] = self.estimate.as_dict() if self.estimate else None
        data["partial"] = self.partial
        return data

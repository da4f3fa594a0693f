"""
The value objects the state store takes and returns: runs, history entries and rejects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Outcome = Literal["success", "partial", "failed", "interrupted"]
OUTCOMES: frozenset[str] = frozenset({"success", "partial", "failed", "interrupted"})


@dataclass(frozen=True)
class RunRecord:
    """
    One sync, backfill or rescore pass; ``outcome`` and ``finished_at`` are None while it runs.
    """

    run_id: str
    kind: str
    dry_run: bool
    definition_version: str
    started_at: str
    finished_at: str | None = None
    outcome: str | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    api_calls: int = 0
    error: str | None = None


@dataclass(frozen=True)
class HistoryEntry:
    """
    One change of one output field on one lead: *old* and *new* are JSON values.

    ``at`` is an ISO 8601 UTC timestamp; text order is time order.
    """

    lead_id: str
    at: str
    field: str
    old: Any
    new: Any
    reasons: tuple[str, ...]
    definition_version: str


@dataclass(frozen=True)
class Reject:
    """
    A write Salesforce refused for one lead; retried on the next run.

    ``attempts`` is filled in by the store (how many runs were refused so far); it is ignored
    when recording.
    """

    lead_id: str
    error_code: str
    message: str
    fields: tuple[str, ...] = ()
    attempts: int = 0

"""
Compare two definitions over the local mirror before adopting the new one (issue 5 item 4).

Both definitions qualify every mirrored lead at the same `now`, with the same inputs (the
lead, its activity and the outputs the org holds now, which feed the status state
machine), exactly as a sync pass would. The result says what adopting the new definition
would do: the status transitions, the score shifts, the grade changes, and how many leads
a sync would rewrite (every one whose values differ from the org's, which is every lead
when the version stamp changes).

Converted leads are counted apart: a sync never writes them, so they never transition.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sfsync.definition import CompiledDefinition
from sfsync.definition.terms import STATUSES
from sfsync.errors import RecordError
from sfsync.scoring import (
    Qualification,
    qualify,
)
from sfsync.scoring.outputs import diff_outputs
from sfsync.state import StateStore
from sfsync.values.booleans import is_true
from sfsync.values.datetimes import format_sf_datetime

STATUS_ORDER = STATUSES
SHIFT_BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("≤ -20", -1000, -20),
    ("-19 … -10", -19, -10),
    ("-9 … -1", -9, -1),
    ("0", 0, 0),
    ("+1 … +9", 1, 9),
    ("+10 … +19", 10, 19),
    ("≥ +20", 20, 1000),
)


@dataclass(frozen=True)
class LeadChange:
    """One lead whose outputs (other than the version stamp) differ between definitions."""

    id: str
    old_status: str
    new_status: str
    old_score: int
    new_score: int
    old_grade: str
    new_grade: str
    fields: tuple[str, ...]
    """Output API names whose values differ (the version stamp left out)."""


@dataclass
class DefinitionDiff:
    """What adopting *new* instead of *old* changes, lead by lead and in total."""

    now: str
    old_version: str
    new_version: str
    leads: int = 0
    converted: int = 0
    invalid: int = 0
    rewrites: int = 0
    """Leads a sync with the new definition would write (their org values differ)."""
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)
    grade_changes: Counter[tuple[str, str]] = field(default_factory=Counter)
    shifts: Counter[str] = field(default_factory=Counter)
    field_changes: Counter[str] = field(default_factory=Counter)
    old_score_total: int = 0
    new_score_total: int = 0
    changes: list[LeadChange] = field(default_factory=list)

    @property
    def affected(self) -> int:
        """Leads whose outputs differ between the definitions (version stamp aside)."""
        return len(self.changes)

    @property
    def status_changes(self) -> int:
        """Leads whose status differs."""
        return sum(n for (old, new), n in self.transitions.items() if old != new)

    def mean(self, which: str) -> float:
        """Mean `old` or `new` score, or the mean `shift`, over the compared leads."""
        if not self.leads:
            return 0.0
        total = {
            "old": self.old_score_total,
            "new": self.new_score_total,
            "shift": self.new_score_total - self.old_score_total,
        }[which]
        return round(total / self.leads, 2)

    def statuses(self) -> list[str]:
        """The statuses that occur, in the definition's order."""
        seen = {s for pair in self.transitions for s in pair}
        return [s for s in STATUS_ORDER if s in seen] + sorted(seen - set(STATUS_ORDER))

    def matrix(self) -> dict[str, dict[str, int]]:
        """`{old status: {new status: leads}}` over every status that occurs."""
        names = self.statuses()
        return {o: {n: self.transitions.get((o, n), 0) for n in names} for o in names}

    def as_dict(self) -> dict[str, Any]:
        """The comparison as JSON data (leads affected listed one by one)."""
        return {
            "now": self.now,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "leads": self.leads,
            "converted_skipped": self.converted,
            "invalid_skipped": self.invalid,
            "leads_affected": self.affected,
            "status_changes": self.status_changes,
            "rewrites": self.rewrites,
            "transitions": self.matrix(),
            "score": {
                "mean_old": self.mean("old"),
                "mean_new": self.mean("new"),
                "mean_shift": self.mean("shift"),
                "shifts": {label: self.shifts.get(label, 0) for label, _, _ in SHIFT_BUCKETS},
            },
            "grade_changes": [
                {"old": o, "new": n, "leads": c} for (o, n), c in self.grade_changes.most_common()
            ],
            "field_changes": dict(sorted(self.field_changes.items())),
            "changes": [
                {
                    "Id": c.id,
                    "status": [c.old_status, c.new_status],
                    "score": [c.old_score, c.new_score],
                    "grade": [c.old_grade, c.new_grade],
                    "fields": list(c.fields),
                }
                for c in self.changes
            ],
        }


def shift_bucket(shift: int) -> str:
    """The SHIFT_BUCKETS label for a score difference."""
    for label, low, high in SHIFT_BUCKETS:
        if low <= shift <= high:
            return label
    return SHIFT_BUCKETS[0][0] if shift < 0 else SHIFT_BUCKETS[-1][0]


def diff_definitions(
    store: StateStore,
    old: CompiledDefinition,
    new: CompiledDefinition,
    *,
    now: datetime,
    batch_size: int = 2000,
) -> DefinitionDiff:
    """
    Qualify every mirrored lead with *old* and *new* at *now* and compare the results.

    Raises:
        StateStoreError: SQLite failed.
    """
    result = DefinitionDiff(
        now=format_sf_datetime(now), old_version=old.version, new_version=new.version
    )
    for lead, pair in _pairs(store, old, new, now=now, batch_size=batch_size):
        if pair is None:
            result.invalid += 1
        elif is_true(lead.get("IsConverted")):
            result.converted += 1
        else:
            _add(result, lead, *pair, new)
    return result


def _pairs(
    store: StateStore,
    old: CompiledDefinition,
    new: CompiledDefinition,
    *,
    now: datetime,
    batch_size: int,
) -> Iterator[tuple[dict[str, Any], tuple[Qualification, Qualification] | None]]:
    who = store.user_context()
    for batch in store.iter_leads_with_activities(batch_size=batch_size):
        for lead, activities in batch:
            try:
                before, after = (
                    qualify(
                        lead,
                        activities,
                        definition,
                        now=now,
                        users=who.users,
                        integration_user_id=who.integration_user_id,
                    )
                    for definition in (old, new)
                )
            except RecordError:
                yield lead, None
                continue
            yield lead, (before, after)


def _add(
    result: DefinitionDiff,
    lead: dict[str, Any],
    before: Qualification,
    after: Qualification,
    new: CompiledDefinition,
) -> None:
    result.leads += 1
    result.transitions[(before.status, after.status)] += 1
    result.old_score_total += before.score
    result.new_score_total += after.score
    result.shifts[shift_bucket(after.score - before.score)] += 1
    if before.grade != after.grade:
        result.grade_changes[(before.grade, after.grade)] += 1
    new_fields = after.to_fields()
    if diff_outputs(lead, new_fields):
        result.rewrites += 1
    stamp = new.definition.outputs.definition_version
    old_fields = before.to_fields()
    differing = tuple(
        name
        for name, value in new_fields.items()
        if name != stamp and diff_outputs({name: old_fields.get(name)}, {name: value})
    )
    if differing:
        result.field_changes.update(differing)
        result.changes.append(
            LeadChange(
                id=str(lead["Id"]),
                old_status=before.status,
                new_status=after.status,
                old_score=before.score,
                new_score=after.score,
                old_grade=before.grade,
                new_grade=after.grade,
                fields=differing,
            )
        )

"""
What `qualify` returns: the values sfsync writes to a Lead, and the full explanation behind them.

Both are frozen dataclasses of plain values, so they are cheap to compare and hash, and
`explain`/reports can render them without re-running the engine. The explanation `qualify`
attaches is built on first access (see `lazy_explanation`): the sync never reads it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sfsync.values.datetimes import format_sf_datetime

MAX_REASONS_CHARS = 32_768
"""SFS_Reasons__c is a Long Text Area(32768)."""

_MAX_TOUCHES = 9_999  # Number(4,0)
_MAX_HOURS = 9_999_999.9  # Number(8,1)


def round_half_up(value: float) -> int:
    """
    Round to the nearest integer, halves away from zero (57.5 -> 58), unlike Python's
    round(), which rounds halves to even (58.5 -> 58). People expect the former.
    """
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


@dataclass(frozen=True, slots=True)
class FitItem:
    """One fit criterion, adjustment or disqualifier, as applied to this lead."""

    kind: str
    """`account`, `person`, `adjustment` or `disqualifier`."""
    name: str
    label: str
    input: str
    value: Any
    """The input value as read (None when unknown)."""
    points: int
    outcome: str
    """`matched`, `no match` or `unknown`."""
    says: str
    """The matching band's reason, or why nothing matched."""


@dataclass(frozen=True, slots=True)
class SignalItem:
    """One activity record counted as an engagement signal."""

    signal: str
    label: str
    object: str
    record_id: str | None
    at: datetime
    points: float
    decayed: float
    hand_raise: bool


@dataclass(frozen=True, slots=True)
class SignalTotal:
    """A signal's occurrences summed after decay, and the capped total that counts."""

    signal: str
    label: str
    occurrences: int
    raw: float
    decayed: float
    capped: float
    cap: float
    latest: datetime
    """The latest occurrence."""
    rank: int
    """The signal's position in the definition."""


@dataclass(frozen=True, slots=True)
class BantItem:
    """One BANT criterion: `met`, `not met` or `unknown`."""

    name: str
    input: str
    value: Any
    outcome: str
    says: str


@dataclass(frozen=True, slots=True)
class TouchItem:
    """One activity record that matched a touch source, counted or not (with why)."""

    label: str
    object: str
    record_id: str | None
    at: datetime
    created_by: str | None
    counted: bool
    why: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """Everything behind a Qualification, for `sfsync explain` and reports."""

    fit: tuple[FitItem, ...]
    signals: tuple[SignalItem, ...]
    signal_totals: tuple[SignalTotal, ...]
    bant: tuple[BantItem, ...]
    status: str
    """The status decision in words (also the first reason)."""
    touches: tuple[TouchItem, ...]
    ignored: tuple[str, ...]
    """Records that could not be used, and why (e.g. no valid date)."""


_EXPLANATION_FIELDS = tuple(f.name for f in fields(Explanation))


class _LazyExplanation(Explanation):
    """
    An Explanation whose fields are built by *build* on first access (the sync never reads
    them; `sfsync explain` does). Its slots start empty: reading one raises AttributeError,
    which Python hands to __getattr__, which fills them all. It equals, hashes, copies and
    pickles as the Explanation it stands for.
    """

    __slots__ = ("_build",)

    def __getattr__(self, name: str) -> Any:
        if name not in _EXPLANATION_FIELDS:
            raise AttributeError(name)
        try:
            build: Callable[[], Explanation] = object.__getattribute__(self, "_build")
        except AttributeError:  # another thread built it meanwhile
            return object.__getattribute__(self, name)
        built = build()
        for key in _EXPLANATION_FIELDS:
            object.__setattr__(self, key, getattr(built, key))
        object.__delattr__(self, "_build")  # let go of the engine's working values
        return getattr(built, name)

    def _plain(self) -> Explanation:
        return Explanation(*(getattr(self, k) for k in _EXPLANATION_FIELDS))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Explanation):
            return NotImplemented
        return all(getattr(self, k) == getattr(other, k) for k in _EXPLANATION_FIELDS)

    __hash__ = Explanation.__hash__

    def __repr__(self) -> str:
        return repr(self._plain())

    def __reduce__(self) -> tuple[type[Explanation], tuple[Any, ...]]:
        return Explanation, tuple(getattr(self, k) for k in _EXPLANATION_FIELDS)


def lazy_explanation(build: Callable[[], Explanation]) -> Explanation:
    """An Explanation computed by *build* when one of its fields is first read."""
    lazy = object.__new__(_LazyExplanation)
    object.__setattr__(lazy, "_build", build)
    return lazy


@dataclass(frozen=True, slots=True)
class Qualification:
    """The qualification of one lead against one definition at one moment."""

    lead_id: str
    fit: int
    engagement: int
    bant: int | None
    grade: str
    score: int
    status: str
    reasons: tuple[str, ...]
    sales_ready_since: datetime | None
    """The current episode's start; None unless Sales Ready now."""
    touches: int | None
    """Touches in the episode the status refers to (Sales Ready: the current one; Recycled:
    the one worked and recycled); None for the other statuses. The same for the next three."""
    touches_remaining: int | None
    last_touch: datetime | None
    first_touch_hours: float | None
    needs_follow_up: bool
    definition_version: str
    standard_status: str | None
    """The standard Status to write (mapping enabled and it moves forward), else None."""
    episode_start: datetime | None
    """The latest Sales Ready episode's start, whatever the status now (None: never ready).
    Not written; the report measures speed-to-lead with it."""
    episode_first_touch_hours: float | None
    """Hours from `episode_start` to its first counted touch (None: no such touch)."""
    explanation: Explanation = field(compare=False, repr=False)
    outputs: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)
    """(output key, API name) pairs from the definition, used by `to_fields`."""

    def reasons_text(self) -> str:
        """The reasons as SFS_Reasons__c holds them: one per line, within 32,768 characters."""
        return join_reasons(self.reasons)

    def to_fields(self) -> dict[str, Any]:
        """Output API name -> Salesforce JSON value, in the definition's output order."""
        values: dict[str, Any] = {
            "score": self.score,
            "fit_score": self.fit,
            "engagement_score": self.engagement,
            "grade": self.grade,
            "bant": self.bant,
            "status": self.status,
            "reasons": self.reasons_text(),
            "sales_ready_since": (
                format_sf_datetime(self.sales_ready_since) if self.sales_ready_since else None
            ),
            "touches": None if self.touches is None else min(self.touches, _MAX_TOUCHES),
            "touches_remaining": (
                None
                if self.touches_remaining is None
                else min(self.touches_remaining, _MAX_TOUCHES)
            ),
            "last_touch": format_sf_datetime(self.last_touch) if self.last_touch else None,
            "first_touch_hours": (
                None
                if self.first_touch_hours is None
                else min(round_half_up(self.first_touch_hours * 10) / 10, _MAX_HOURS)
            ),
            "needs_follow_up": self.needs_follow_up,
            "definition_version": self.definition_version,
        }
        return {api: values[key] for key, api in self.outputs}


def join_reasons(reasons: tuple[str, ...], limit: int = MAX_REASONS_CHARS) -> str:
    """Join *reasons* with newlines; past *limit* characters keep whole lines, then `… N more`."""
    text = "\n".join(reasons)
    if len(text) <= limit:
        return text
    kept: list[str] = []
    size = 0
    for i, line in enumerate(reasons):
        tail = f"… {len(reasons) - i} more"
        if size + len(line) + 1 + len(tail) > limit:
            return "\n".join([*kept, tail])
        kept.append(line)
        size += len(line) + 1
    return text  # pragma: no cover - the loop always returns once past the limit

"""
The training set: which leads, each scored at which moment, and the split by time.

A lead is judged at a **reference moment**, with only what was known then:

- a converted lead: `horizon` before the start of its conversion day (its creation, when it
  converted sooner), so that the activity of the buying itself, and anything logged after
  it, never teaches the model (ConvertedDate is a date: the whole day is left out);
- an open lead: at a comparable age, drawn from the converted leads' ages at their
  reference moments (by a hash of its Id, so the draw is the same every run), and only when
  the lead then stayed open for at least `horizon` up to `now`; a lead too young for that
  is left out (we cannot tell yet), not scored at a younger age.

A lead converted after `now` is open as of `now`; a lead created after `now` does not exist
yet, and one converted on a day before its creation is left out as unreadable. The holdout
is the newest share of reference moments (train on older leads, test on newer ones), never
a random draw. The judged leads are kept as numbers (`TrainingSet`). Pure apart from numpy:
the caller passes the leads and the clock.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from sfsync.definition.compile import CompiledDefinition
from sfsync.scoring import Qualification, qualify
from sfsync.scoring.contributions import Contributions
from sfsync.tune.features import Layout, fill, signal_count
from sfsync.values.booleans import to_bool
from sfsync.values.datetimes import to_datetime

Matrix = npt.NDArray[np.float64]
Vector = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

DEFAULT_HORIZON = timedelta(days=14)
_DAY = timedelta(days=1)
DEFAULT_HOLDOUT = 0.3


@dataclass(frozen=True, slots=True)
class LeadDates:
    """When a lead was created and, if it converted, the start of its conversion day (UTC)."""

    lead_id: str
    created: datetime
    converted: datetime | None


@dataclass(frozen=True, slots=True)
class Reference:
    """The moment a lead is judged at, and whether it converted (by `now`)."""

    lead_id: str
    at: datetime
    converted: bool


@dataclass(frozen=True)
class Plan:
    """Every lead's reference moment, and the leads left out with why."""

    now: datetime
    horizon: timedelta
    references: dict[str, Reference]
    too_recent: int
    """Open leads not open for `horizon` at their comparable age by `now`."""
    undated: int
    """Leads without a readable CreatedDate, or created after `now`."""

    @property
    def converted(self) -> int:
        """Converted leads with a reference moment."""
        return sum(1 for r in self.references.values() if r.converted)


@dataclass
class TrainingSet:
    """
    The judged leads as numbers, one row each in reference-moment order: memory holds a few
    hundred bytes a lead, never the leads' records.
    """

    references: list[Reference]
    x: Matrix
    """The features (see `features`)."""
    occurrences: Matrix
    """Each signal column's decayed occurrences, uncapped."""
    eligible: Mask
    """Neither Disqualified nor Insufficient Data: the Sales Ready rule may call it."""
    hand_raise: Mask
    """A hand-raise within the definition's window at the reference moment."""
    candidates: list[dict[str, float]]
    """Criteria the definition does not score (see `candidates`)."""
    read: Mask
    """Whether the lead was read (False: gone from the mirror, or unreadable)."""

    @classmethod
    def empty(cls, references: list[Reference], lay: Layout) -> TrainingSet:
        """Room for *references*, nothing read yet."""
        n = len(references)
        return cls(
            references=references,
            x=np.zeros((n, len(lay)), dtype=np.float64),
            occurrences=np.zeros((n, signal_count(lay)), dtype=np.float64),
            eligible=np.zeros(n, dtype=np.bool_),
            hand_raise=np.zeros(n, dtype=np.bool_),
            candidates=[{} for _ in range(n)],
            read=np.zeros(n, dtype=np.bool_),
        )

    def record(self, i: int, lay: Layout, k: Contributions, definition: CompiledDefinition) -> None:
        """Keep what lead *i*'s contributions say, as numbers."""
        fill(lay, k, self.x[i], self.occurrences[i])
        self.eligible[i] = not k.disqualified and k.known_groups >= definition.min_known
        last = k.last_hand_raise
        at = self.references[i].at
        self.hand_raise[i] = last is not None and at - last <= definition.hand_raise_window
        self.read[i] = True

    def kept(self) -> TrainingSet:
        """Only the leads that were read."""
        keep = self.read
        return TrainingSet(
            references=[r for r, ok in zip(self.references, keep, strict=True) if ok],
            x=self.x[keep],
            occurrences=self.occurrences[keep],
            eligible=self.eligible[keep],
            hand_raise=self.hand_raise[keep],
            candidates=[c for c, ok in zip(self.candidates, keep, strict=True) if ok],
            read=self.read[keep],
        )

    @property
    def y(self) -> Vector:
        """1 for a converted lead, else 0."""
        return np.array([r.converted for r in self.references], dtype=np.float64)


def lead_dates(lead: Mapping[str, Any]) -> LeadDates | None:
    """
    A lead's creation and conversion day; None without an Id or a readable CreatedDate, or
    when it converted on no readable date (it can be neither judged before it nor counted
    as open).
    """
    lead_id = lead.get("Id")
    created = to_datetime(lead.get("CreatedDate"))
    if not isinstance(lead_id, str) or not lead_id.strip() or created is None:
        return None
    converted = None
    if to_bool(lead.get("IsConverted")) is True:
        day = to_datetime(lead.get("ConvertedDate"))
        if day is None:
            return None
        converted = datetime.combine(day.date(), datetime.min.time(), UTC)
    return LeadDates(lead_id.strip(), created, converted)


def latest_moment(dates: Iterable[LeadDates]) -> datetime | None:
    """The newest creation or conversion day: the default `now`, so a rerun gives the same."""
    latest: datetime | None = None
    for d in dates:
        for moment in (d.created, d.converted):
            if moment is not None and (latest is None or moment > latest):
                latest = moment
    return latest


def _unit(lead_id: str) -> float:
    """A number in [0, 1) fixed by the lead Id: the same draw on every run and machine."""
    digest = hashlib.sha256(lead_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:7], "big") / float(1 << 56)


def plan_references(
    dates: Sequence[LeadDates], *, now: datetime, horizon: timedelta = DEFAULT_HORIZON
) -> Plan:
    """Give each lead its reference moment (see the module docstring)."""
    references: dict[str, Reference] = {}
    ages: list[timedelta] = []
    undated = too_recent = 0
    open_leads: list[LeadDates] = []
    for d in dates:
        # created after `now`, or converted the day before it was created (bad data)
        if d.created > now or (d.converted is not None and d.converted + _DAY <= d.created):
            undated += 1
        elif d.converted is not None and d.converted <= now:
            at = max(d.created, d.converted - horizon)
            references[d.lead_id] = Reference(d.lead_id, at, True)
            ages.append(at - d.created)
        else:
            open_leads.append(d)
    ages.sort()
    latest_open = now - horizon
    for d in open_leads:
        if not ages:
            too_recent += 1
            continue
        at = d.created + ages[min(int(_unit(d.lead_id) * len(ages)), len(ages) - 1)]
        if at > latest_open:
            too_recent += 1
            continue
        references[d.lead_id] = Reference(d.lead_id, at, False)
    return Plan(now, horizon, references, too_recent, undated)


def judge(
    lead: Mapping[str, Any],
    activities: Mapping[str, Sequence[Mapping[str, Any]]],
    definition: CompiledDefinition,
    at: datetime,
    *,
    users: Mapping[str, str] | None = None,
    integration_user_id: str | None = None,
) -> Qualification:
    """
    Qualify *lead* with *definition* at *at*, from activity up to then only.

    The lead starts from no previous outputs and as not converted (as the report's replay
    does): the status is what the definition said then, rebuilt from the dated activity.

    Raises:
        RecordError: the lead has no usable Id.
    """
    return qualify(
        as_of(lead, definition),
        activities,
        definition,
        now=at,
        users=users,
        integration_user_id=integration_user_id,
    )


def as_of(lead: Mapping[str, Any], definition: CompiledDefinition) -> dict[str, Any]:
    """The lead without sfsync's outputs and not converted: what a replay starts from."""
    outputs = definition.output_fields
    return {k: v for k, v in lead.items() if k not in outputs} | {"IsConverted": False}


class Dated(Protocol):
    """Anything judged at a moment (a Reference)."""

    @property
    def at(self) -> datetime: ...

    @property
    def lead_id(self) -> str: ...


@dataclass(frozen=True)
class Split:
    """Indices into the examples (sorted by reference moment, then Id) for train and holdout."""

    train: list[int]
    holdout: list[int]
    cutoff: datetime | None
    """The first holdout reference moment (None without a holdout)."""


def split_by_time(examples: Sequence[Dated], holdout: float = DEFAULT_HOLDOUT) -> Split:
    """
    Train on the older examples, hold out the newest *holdout* share by reference moment.

    *examples* must be sorted by (at, lead_id). Every example at the cutoff moment goes to the
    holdout, so one moment is never split between the two.
    """
    if not 0 < holdout < 1:
        msg = f"holdout must be between 0 and 1, got {holdout}"
        raise ValueError(msg)
    n = len(examples)
    first = min(n, max(0, round(n * (1 - holdout))))
    if first >= n:
        return Split(list(range(n)), [], None)
    cutoff = examples[first].at
    moments = [e.at for e in examples]
    start = bisect.bisect_left(moments, cutoff)
    return Split(list(range(start)), list(range(start, n)), cutoff)

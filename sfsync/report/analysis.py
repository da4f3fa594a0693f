"""
The numbers behind the lead-quality report, computed from the local mirror with the engine.

Every lead is qualified at the moment that matters for the question asked:

- **decision**: a converted lead at the start of its conversion day (what its score said
  just before it was bought, from activity before that day only); an open lead as of the
  report's *now*. Conversion by score band and grade, and the signals that preceded
  conversion, use this moment. An open lead that will still convert counts against its band:
  the lift can only be understated by it.
- **arrival**: one day after the lead was created (what sales would have seen when it came
  in). "Disqualified/Nurture leads that later converted" compares this with the outcome:
  the articles' invisible pipeline.
- **now**: open leads' current status, grade, Sales Ready aging, follow-up and touches.

Lead fields are as the mirror holds them today (their values at an earlier moment are not
kept): fit can differ from what it was then; engagement and touches come from dated activity.

Pure apart from the engine: the caller passes the leads, history and clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from statistics import median
from typing import Any

from sfsync.definition import CompiledDefinition
from sfsync.definition.terms import STATUSES
from sfsync.errors import RecordError
from sfsync.report.rates import Rate
from sfsync.scoring import (
    DISQUALIFIED,
    NURTURE,
    RECYCLED,
    SALES_READY,
    Qualification,
    qualify,
)
from sfsync.state import HistoryEntry
from sfsync.values.booleans import to_bool
from sfsync.values.datetimes import to_datetime

CONVERTED = "Converted"
SCORE_BANDS = ((0, 19), (20, 39), (40, 59), (60, 79), (80, 100))
MIN_BAND_LEADS = 10
"""A band needs this many leads to be the top or bottom band of the lift."""
SIGNAL_WINDOW = timedelta(days=30)
ARRIVAL_DELAY = timedelta(days=1)
AGING_BUCKETS = ((0, 1, "< 1 day"), (1, 3, "1-3 days"), (3, 7, "3-7 days"),
                 (7, 14, "1-2 weeks"), (14, 30, "2-4 weeks"), (30, None, "30+ days"))  # fmt: skip
FIRST_TOUCH_BUCKETS = ((0, 1, "< 1 h"), (1, 4, "1-4 h"), (4, 24, "4-24 h"), (24, 72, "1-3 days"),
                       (72, 168, "3-7 days"), (168, None, "> 7 days"))  # fmt: skip
TOP_FOLLOW_UPS = 15

LeadWithActivities = tuple[Mapping[str, Any], Mapping[str, Sequence[Mapping[str, Any]]]]


@dataclass(frozen=True)
class Band:
    """Conversion in one group of leads (a score band or a grade)."""

    label: str
    leads: int
    converted: int

    @property
    def rate(self) -> float:
        """Converted share, 0 when the group is empty."""
        return self.converted / self.leads if self.leads else 0.0

    @property
    def conversion(self) -> Rate:
        """The conversion rate with its sample (and interval, where small)."""
        return Rate(self.converted, self.leads)


@dataclass(frozen=True)
class Lift:
    """How much better the top score band converts than the bottom one."""

    top: Band
    bottom: Band

    @property
    def ratio(self) -> float | None:
        """top rate / bottom rate; None when the bottom band converted nobody."""
        return self.top.rate / self.bottom.rate if self.bottom.rate else None

    @property
    def points(self) -> float:
        """The difference in conversion rate, in percentage points."""
        return 100 * (self.top.rate - self.bottom.rate)


@dataclass(frozen=True)
class SignalShare:
    """How often a signal came in the 30 days before conversion (or before now, for others)."""

    signal: str
    label: str
    converted_with: int
    converted_total: int
    open_with: int
    open_total: int

    @property
    def converted_share(self) -> float:
        """Share of converted leads with the signal before converting."""
        return self.converted_with / self.converted_total if self.converted_total else 0.0

    @property
    def open_share(self) -> float:
        """Share of open leads with the signal in the last 30 days."""
        return self.open_with / self.open_total if self.open_total else 0.0

    @property
    def converted_rate(self) -> Rate:
        """Converted leads with the signal, of all converted leads."""
        return Rate(self.converted_with, self.converted_total)

    @property
    def open_rate(self) -> Rate:
        """Open leads with the signal, of all open leads."""
        return Rate(self.open_with, self.open_total)


@dataclass(frozen=True)
class FollowUp:
    """One open Sales Ready lead for the follow-up table (values straight from the org)."""

    lead_id: str
    name: str
    company: str
    grade: str
    score: int
    sales_ready_since: datetime | None
    touches: int
    last_touch: datetime | None
    needs_follow_up: bool


@dataclass
class Report:
    """Everything the HTML page and the terminal summary show."""

    now: datetime
    since: date | None
    definition_version: str
    touch_target: int
    cadence_days: float
    leads: int = 0
    converted: int = 0
    skipped: int = 0
    status_counts: dict[str, int] = field(default_factory=dict)
    grade_counts: dict[str, int] = field(default_factory=dict)
    score_bands: list[Band] = field(default_factory=list)
    grade_bands: list[Band] = field(default_factory=list)
    lift: Lift | None = None
    arrival: dict[str, Band] = field(default_factory=dict)
    recorded_before_conversion: dict[str, int] = field(default_factory=dict)
    aging: dict[str, int] = field(default_factory=dict)
    first_touch: dict[str, int] = field(default_factory=dict)
    first_touch_median_hours: float | None = None
    untouched_sales_ready: int = 0
    touches: dict[int, int] = field(default_factory=dict)
    sales_ready: int = 0
    overdue: int = 0
    at_target: int = 0
    signals: list[SignalShare] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    """The first TOP_FOLLOW_UPS open Sales Ready leads (overdue first); `sales_ready` says
    how many there are in all."""
    first_touch_leads: int = 0
    """How many leads the time-to-first-touch figures are measured on."""
    min_score_change: int = 0
    """The definition's write policy: the org may hold scores this close to the exact ones."""
    org_score_gaps: dict[int, int] = field(default_factory=dict)
    """Open leads whose score in the org differs from the exact one: points apart -> leads."""
    org_unscored: int = 0
    """Open leads the org holds no score for yet."""

    @property
    def open_leads(self) -> int:
        """Leads not converted."""
        return self.leads - self.converted

    @property
    def compliance(self) -> float | None:
        """Share of open Sales Ready leads not overdue for follow-up; None without any."""
        return (self.sales_ready - self.overdue) / self.sales_ready if self.sales_ready else None

    @property
    def on_time(self) -> Rate:
        """Open Sales Ready leads not overdue, of all open Sales Ready leads."""
        return Rate(self.sales_ready - self.overdue, self.sales_ready)

    @property
    def later_converted(self) -> int:
        """Converted leads that were Disqualified or Nurture when they arrived."""
        return sum(self.arrival[s].converted for s in (NURTURE, DISQUALIFIED) if s in self.arrival)


def band_label(score: int) -> str:
    """The score band a score falls in, e.g. "40-59" (scores are 0-100)."""
    lo, hi = SCORE_BANDS[min(max(score, 0) // 20, len(SCORE_BANDS) - 1)]
    return f"{lo}-{hi}"


def _bucket(value: float, buckets: Sequence[tuple[float, float | None, str]]) -> str:
    for lo, hi, label in buckets:
        if value >= lo and (hi is None or value < hi):
            return label
    return buckets[0][2]


def _day_start(value: Any) -> datetime | None:
    moment = to_datetime(value)
    return None if moment is None else datetime.combine(moment.date(), datetime.min.time(), UTC)


@dataclass
class _Tally:
    bands: Counter[str] = field(default_factory=Counter)
    bands_converted: Counter[str] = field(default_factory=Counter)
    grades: Counter[str] = field(default_factory=Counter)
    grades_converted: Counter[str] = field(default_factory=Counter)
    arrival: Counter[str] = field(default_factory=Counter)
    arrival_converted: Counter[str] = field(default_factory=Counter)
    signals_converted: Counter[str] = field(default_factory=Counter)
    signals_open: Counter[str] = field(default_factory=Counter)
    first_touch_hours: list[float] = field(default_factory=list)
    converted_at: dict[str, datetime] = field(default_factory=dict)
    score_field: str = ""


def build_report(
    leads: Iterable[LeadWithActivities],
    definition: CompiledDefinition,
    *,
    now: datetime,
    since: date | None = None,
    history: Iterable[HistoryEntry] = (),
    users: Mapping[str, str] | None = None,
    integration_user_id: str | None = None,
) -> Report:
    """
    Qualify every lead created on or after *since* (all when None) at the moments above and
    aggregate the report. *history* is sfsync's recorded output changes (status entries of
    converted leads are counted as "recorded before conversion").
    """
    now = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    report = Report(
        now=now,
        since=since,
        definition_version=definition.version,
        touch_target=definition.touch_target,
        cadence_days=definition.cadence_days,
    )
    outputs = {api for _, api in definition.outputs}
    tally = _Tally(score_field=dict(definition.outputs)["score"])
    report.min_score_change = definition.definition.write_policy.min_score_change

    def run(lead: Mapping[str, Any], acts: Any, at: datetime) -> Qualification:
        return qualify(lead, acts, definition, now=at, users=users,
                       integration_user_id=integration_user_id)  # fmt: skip

    for lead, activities in leads:
        created = to_datetime(lead.get("CreatedDate"))
        if since is not None and (created is None or created.date() < since):
            continue
        # Replays start from no previous outputs: the state machine rebuilds them from activity.
        fresh = {k: v for k, v in lead.items() if k not in outputs} | {"IsConverted": False}
        converted_at = _day_start(lead.get("ConvertedDate"))
        is_converted = to_bool(lead.get("IsConverted")) is True and converted_at is not None
        try:
            if is_converted:
                assert converted_at is not None
                decision = run(fresh, activities, converted_at)
            else:
                decision = run(lead, activities, now)
            until = converted_at if is_converted else now
            assert until is not None
            arrival_at = min(until, (created or until) + ARRIVAL_DELAY)
            arrival = run(fresh, activities, arrival_at)
        except RecordError:
            report.skipped += 1
            continue
        report.leads += 1
        _count(report, tally, lead, decision, arrival, converted_at if is_converted else None)
    _finish(report, tally, definition, history)
    return report


def _count(
    report: Report,
    tally: _Tally,
    lead: Mapping[str, Any],
    q: Qualification,
    arrival: Qualification,
    converted_at: datetime | None,
) -> None:
    converted = converted_at is not None
    band = band_label(q.score)
    tally.bands[band] += 1
    tally.grades[q.grade[:1]] += 1
    tally.arrival[arrival.status] += 1
    reference = converted_at or report.now
    recent = {s.signal for s in q.explanation.signals if s.at >= reference - SIGNAL_WINDOW}
    if converted:
        assert converted_at is not None
        report.converted += 1
        tally.converted_at[q.lead_id] = converted_at
        tally.bands_converted[band] += 1
        tally.grades_converted[q.grade[:1]] += 1
        tally.arrival_converted[arrival.status] += 1
        tally.signals_converted.update(recent)
        if q.episode_first_touch_hours is not None:
            tally.first_touch_hours.append(q.episode_first_touch_hours)
        return
    tally.signals_open.update(recent)
    held = lead.get(tally.score_field)
    if held is None or isinstance(held, bool) or not isinstance(held, int | float):
        report.org_unscored += 1
    elif (gap := abs(round(held) - q.score)) > 0:
        report.org_score_gaps[gap] = report.org_score_gaps.get(gap, 0) + 1
    report.status_counts[q.status] = report.status_counts.get(q.status, 0) + 1
    report.grade_counts[q.grade] = report.grade_counts.get(q.grade, 0) + 1
    if q.status in (SALES_READY, RECYCLED) and q.first_touch_hours is not None:
        tally.first_touch_hours.append(q.first_touch_hours)
    if q.status != SALES_READY:
        return
    touches = q.touches or 0  # set for every Sales Ready lead
    report.sales_ready += 1
    report.overdue += q.needs_follow_up
    report.at_target += touches >= report.touch_target
    report.touches[touches] = report.touches.get(touches, 0) + 1
    if touches == 0:
        report.untouched_sales_ready += 1
    if q.sales_ready_since is not None:
        days = (report.now - q.sales_ready_since).total_seconds() / 86_400
        label = _bucket(days, AGING_BUCKETS)
        report.aging[label] = report.aging.get(label, 0) + 1
    report.follow_ups.append(
        FollowUp(
            lead_id=q.lead_id,
            name=str(lead.get("Name") or ""),
            company=str(lead.get("Company") or ""),
            grade=q.grade,
            score=q.score,
            sales_ready_since=q.sales_ready_since,
            touches=touches,
            last_touch=q.last_touch,
            needs_follow_up=q.needs_follow_up,
        )
    )


def _finish(
    report: Report, tally: _Tally, definition: CompiledDefinition, history: Iterable[HistoryEntry]
) -> None:
    report.score_bands = [
        Band(f"{lo}-{hi}", tally.bands[f"{lo}-{hi}"], tally.bands_converted[f"{lo}-{hi}"])
        for lo, hi in SCORE_BANDS
    ]
    report.grade_bands = [
        Band(letter, tally.grades[letter], tally.grades_converted[letter]) for letter in "ABCD"
    ]
    eligible = [b for b in report.score_bands if b.leads >= MIN_BAND_LEADS]
    if len(eligible) >= 2:
        report.lift = Lift(top=eligible[-1], bottom=eligible[0])
    report.arrival = {
        s: Band(s, tally.arrival[s], tally.arrival_converted[s])
        for s in STATUSES
        if tally.arrival[s]
    }
    report.first_touch = dict(
        Counter(_bucket(h, FIRST_TOUCH_BUCKETS) for h in tally.first_touch_hours)
    )
    if tally.first_touch_hours:
        report.first_touch_median_hours = median(tally.first_touch_hours)
    report.first_touch_leads = len(tally.first_touch_hours)
    report.signals = sorted(
        (
            SignalShare(
                s.name,
                s.label,
                tally.signals_converted[s.name],
                report.converted,
                tally.signals_open[s.name],
                report.open_leads,
            )
            for s in definition.signals
        ),
        key=lambda s: (-s.converted_share, s.signal),
    )
    report.follow_ups.sort(
        key=lambda f: (not f.needs_follow_up, f.sales_ready_since or report.now, f.lead_id)
    )
    del report.follow_ups[TOP_FOLLOW_UPS:]
    status_field = dict(definition.outputs)["status"]
    seen: dict[str, str] = {}
    for entry in history:
        converted_at = tally.converted_at.get(entry.lead_id)
        if entry.field != status_field or converted_at is None:
            continue
        at = to_datetime(entry.at)
        if at is not None and at < converted_at and entry.new in (NURTURE, DISQUALIFIED):
            seen.setdefault(entry.lead_id, str(entry.new))
    report.recorded_before_conversion = dict(Counter(seen.values()))

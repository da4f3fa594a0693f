"""
The qualification engine: one lead, its activity, a compiled definition and `now` in; fit,
engagement, BANT, grade, score, status, reasons and touch counters out. Pure: no clock,
no I/O, no logging; identical input gives identical (byte-identical) output.

Choices made here (DESIGN §3 is the source of truth; these fill in its details):

- **Rounding** is half up everywhere (57.5 -> 58), never Python's half-to-even.
- **Fit** = min(account, account.max) + min(person, person.max) + adjustments, clamped to
  0..100. A criterion's first matching band wins; a blank input scores 0 and says `unknown`.
- **Engagement**: each matched activity record (first matching source wins) earns its
  signal's `points * 0.5 ** (age_days / half_life_days)`; each signal's total is capped at
  `cap`; engagement = round(min(100, sum)). Activity dated after `now`, deleted activity
  (IsDeleted) and records without a readable date never count (the last are listed).
- **Sales Ready** uses the rounded engagement, so the status always agrees with the number
  reps see. A hand-raise counts while `now - at <= hand_raise_within_days`.
- **Ready episodes** are reconstructed by replaying the lead's signals and touches in time
  order (ties: signals before touches, then record Id). With the current fit, the lead is
  *ready* at time t when fit >= min_fit and (engagement at t >= min_engagement or a
  hand-raise within the window). Engagement only rises at signal times, so an episode
  starts at a signal: the hand-raise's time, or the signal at which engagement first
  reached min_engagement. The episode lapses when the lead stops being ready; the next
  signal that makes it ready starts a new episode.
- **Touch target reached** (the `target`-th counted touch since the episode began): from
  then on, a new hand-raise, or a signal that lifts engagement from below to at or above
  min_engagement, starts a new episode (new Sales Ready since, touch count from zero).
  Before the target is reached such signals do not restart the episode.
- **Recycled**: the latest episode began at least `min_days_sales_ready` days ago, it got
  at least `target` touches, the lead is not converted, and (by the rule above) nothing
  restarted the episode since the target was reached. This applies whether or not the
  lead would still be ready now: sales worked it fully without converting it.
- **The episode**: the latest ready episode's start (`episode_start`). While a lead stays
  Sales Ready the start it already carries (previous SFS_Status__c = Sales Ready with a
  SFS_Sales_Ready_Since__c) is kept, unless the replay shows an earlier episode that ended
  and a new one that began after that value; touches then count from the kept value.
  The episode's touches are the counted touches at or after its start; its first-touch
  hours the time from the start to the first of them.
- **What each output holds, by status** (DESIGN §3 "Revised"; every value true in the
  words of its label *now*; the table is in README "Output fields"):
  Sales Ready: Sales Ready since = the current episode's start; touches, touches
  remaining, last touch and first-touch hours count that episode only; needs follow-up =
  below target and more than `cadence_days` since max(episode start, last touch in it).
  Recycled: Sales Ready since blank (not ready now); the touch counters describe the
  episode that was worked and recycled (its start is in the status line). Nurture,
  Disqualified, Insufficient Data: Sales Ready since, touches, touches remaining, last
  touch and first-touch hours blank, needs follow-up false; touches logged outside an
  episode are still said in the reasons. Score, fit, engagement, grade, BANT, status,
  reasons and version are set for every status.
- **Reasons**: the status line first; then point reasons ranked by absolute points
  (descending), then definition order, then text; then the BANT line, the touch line and
  notes. Points are signed with ASCII `+`/`-` (`0` for none) so the text is safe in any
  Salesforce export. Dates are ISO dates, never relative words.
- **Speed** (a sync scores every lead): the hot path builds only what the outputs need.
  Activity is kept as plain tuples, and `Qualification.explanation` is built on first
  access, by the same functions run again on the same (private, already read) values, so
  it is identical to an eagerly built one. The only state kept across calls is the bounded
  memo of pure regex results inside compiled `matches` conditions (see conditions.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from math import floor
from typing import Any

from sfsync.definition.compile import CompiledDefinition
from sfsync.definition.conditions import clean, to_text
from sfsync.errors import RecordError
from sfsync.scoring.activity import HUMAN, Occurrence, Touch, collect_activities, touch_why
from sfsync.scoring.engagement import DAY, may_reach, replay, signal_reason, sum_engagement
from sfsync.scoring.fit import any_known, read_inputs, score_bant, score_fit
from sfsync.scoring.result import (
    BantItem,
    Explanation,
    FitItem,
    Qualification,
    SignalItem,
    SignalTotal,
    TouchItem,
    lazy_explanation,
    round_half_up,
)
from sfsync.values.booleans import to_bool
from sfsync.values.datetimes import to_datetime

SALES_READY = "Sales Ready"
NURTURE = "Nurture"
RECYCLED = "Recycled"
DISQUALIFIED = "Disqualified"
INSUFFICIENT_DATA = "Insufficient Data"

_SALES_READY_TEXT = SALES_READY.casefold()
_COUNTED = frozenset({SALES_READY, RECYCLED})
"""Statuses whose touch counters describe a Sales Ready episode (the others leave them blank)."""


def qualify(
    lead: Mapping[str, Any],
    activities: Mapping[str, Sequence[Mapping[str, Any]]],
    definition: CompiledDefinition,
    *,
    now: datetime,
    users: Mapping[str, str] | None = None,
    integration_user_id: str | None = None,
) -> Qualification:
    """
    Qualify one lead at *now*.

    Args:
        lead: the Lead record in Salesforce JSON shape, including sfsync's previous outputs.
        activities: object API name -> that lead's records (Task, Event, CampaignMember, ...).
        definition: the compiled definition.
        now: the moment to score at (aware; naive is taken as UTC).
        users: user Id -> Name, for activity records without a nested `CreatedBy.Name`.
        integration_user_id: the user sfsync runs as; its activity is never a sales touch.

    Raises:
        RecordError: the lead has no usable Id. Anything else unreadable is scored as
            unknown and said in the reasons.
    """
    c = definition
    lead_id = lead.get("Id") if type(lead) is dict or isinstance(lead, Mapping) else None
    if not isinstance(lead_id, str) or not lead_id.strip():
        raise RecordError("lead has no usable Id")
    lead_id = lead_id.strip()
    now = now.astimezone(UTC) if now.tzinfo is not None else now.replace(tzinfo=UTC)

    values, unreadable = read_inputs(lead, c)
    # Point reasons as (-abs(points), definition order, text): sorted, they are ranked.
    ranked: list[tuple[int, int, str]] = []
    fit, disqualified = score_fit(values, unreadable, c, now, ranked, None)
    bant, bant_line = score_bant(values, c, now, None)
    known = [name for name, members in c.known_groups if any_known(values, members)]

    ignored: list[str] = []
    occurrences, touch_rows = collect_activities(
        activities, c, now, users or {}, integration_user_id, ignored, lead
    )
    counted = [t for t in touch_rows if t[5] == HUMAN]

    raw, decayed, counts, latest, last_hand_raise = sum_engagement(occurrences, c, now, None)
    signals = c.signals
    caps = c.signal_caps
    capped_totals: list[float] = []
    for rank, latest_at in enumerate(latest):
        if latest_at is not None:
            capped = min(decayed[rank], caps[rank])
            capped_totals.append(capped)
            reason = signal_reason(
                signals[rank].label,
                counts[rank],
                raw[rank],
                decayed[rank],
                capped,
                caps[rank],
                latest_at,
            )
            ranked.append((-floor(capped + 0.5), 100 + rank, reason))
    engagement = round_half_up(min(100.0, sum(capped_totals)))

    recent_hand_raise = last_hand_raise is not None and now - last_hand_raise <= c.hand_raise_window
    fit_ok = fit >= c.min_fit
    ready_now = fit_ok and (engagement >= c.min_engagement or recent_hand_raise)

    since: datetime | None = None
    episodes = 0
    if fit_ok and occurrences and (last_hand_raise is not None or may_reach(raw, c)):
        since, episodes = replay(occurrences, counted, c)
    if ready_now:
        previous = _previous_since(lead, c, now)
        if previous is not None and (since is None or since <= previous or episodes == 1):
            since = previous
    in_episode = counted if since is None else [t for t in counted if t[0] >= since]
    touches = len(in_episode)
    target_at = in_episode[c.touch_target - 1][0] if touches >= c.touch_target else None
    converted = to_bool(lead.get("IsConverted")) is True

    if disqualified:
        status = DISQUALIFIED
        decision = "Disqualified: " + "; ".join(disqualified)
    elif len(known) < c.min_known:
        status = INSUFFICIENT_DATA
        missing = [name for name, _ in c.known_groups if name not in known]
        decision = (
            f"Insufficient Data: {len(known)} of {len(c.known_groups)} known, "
            f"{c.min_known} needed ({', '.join(m + ' unknown' for m in missing)})"
        )
    elif (
        since is not None
        and target_at is not None
        and not converted
        and (now - since).total_seconds() >= c.min_days_sales_ready * DAY
    ):
        status = RECYCLED
        decision = (
            f"Recycled: Sales Ready from {since.date().isoformat()}, {touches} touches "
            f">= {c.touch_target} by {target_at.date().isoformat()}, not converted, "
            "no new hand-raise or engagement since"
        )
    elif ready_now:
        status = SALES_READY
        if recent_hand_raise and last_hand_raise is not None:
            why = f"hand-raise {last_hand_raise.date().isoformat()}"
        else:
            why = f"engagement {engagement} >= {c.min_engagement}"
        decision = f"Sales Ready: fit {fit} >= {c.min_fit} and {why}"
    else:
        status = NURTURE
        decision = _nurture_decision(fit, engagement, c)

    first_touch_hours = (
        (in_episode[0][0] - since).total_seconds() / 3600
        if since is not None and in_episode
        else None
    )
    needs_follow_up = False
    if status == SALES_READY and since is not None and touches < c.touch_target:
        reference = max(since, in_episode[-1][0]) if in_episode else since
        needs_follow_up = (now - reference).total_seconds() > c.cadence_days * DAY

    ranked.sort()
    reasons = [decision, *[text for _, _, text in ranked]]
    if bant_line:  # no BANT line when the definition judges no BANT criterion
        reasons.append(bant_line)
    touch_line = _touch_line(status, since, in_episode, counted, c.touch_target)
    if touch_line:
        reasons.append(touch_line)
    reasons.extend(f"Note: {note}" for note in ignored)
    counted_now = status in _COUNTED  # the touch counters belong to an episode

    return Qualification(
        lead_id=lead_id,
        fit=fit,
        engagement=engagement,
        bant=bant,
        grade=_grade(fit, engagement, c),
        score=round_half_up(fit * c.fit_weight + engagement * c.engagement_weight),
        status=status,
        reasons=tuple(reasons),
        sales_ready_since=since if status == SALES_READY else None,
        touches=touches if counted_now else None,
        touches_remaining=max(0, c.touch_target - touches) if counted_now else None,
        last_touch=in_episode[-1][0] if counted_now and in_episode else None,
        first_touch_hours=first_touch_hours if counted_now else None,
        needs_follow_up=needs_follow_up,
        episode_start=since,
        episode_first_touch_hours=first_touch_hours,
        definition_version=c.version,
        standard_status=(_standard_status(lead, status, c) if c.standard_status_enabled else None),
        explanation=lazy_explanation(
            partial(
                _explain, c, now, values, unreadable, occurrences, touch_rows, decision, ignored
            )
        ),
        outputs=c.outputs,
    )


def _explain(
    c: CompiledDefinition,
    now: datetime,
    values: Mapping[str, Any],
    unreadable: Mapping[str, str],
    occurrences: list[Occurrence],
    touch_rows: list[Touch],
    decision: str,
    ignored: list[str],
) -> Explanation:
    """The full explanation, from the values `qualify` read (run on first access)."""
    fit_items: list[FitItem] = []
    score_fit(values, unreadable, c, now, [], fit_items)
    bant_items: list[BantItem] = []
    score_bant(values, c, now, bant_items)
    signal_items: list[SignalItem] = []
    raw, decayed, counts, latest, _ = sum_engagement(occurrences, c, now, signal_items)
    totals = tuple(
        SignalTotal(
            sig.name,
            sig.label,
            counts[i],
            raw[i],
            decayed[i],
            min(decayed[i], sig.cap),
            sig.cap,
            latest_at,
            sig.rank,
        )
        for i, (sig, latest_at) in enumerate(zip(c.signals, latest, strict=True))
        if latest_at is not None
    )
    touches = tuple(
        TouchItem(label, obj, rid or None, at, name, why == HUMAN, touch_why(why, name))
        for at, rid, obj, label, name, why in touch_rows
    )
    return Explanation(
        fit=tuple(fit_items),
        signals=tuple(signal_items),
        signal_totals=totals,
        bant=tuple(bant_items),
        status=decision,
        touches=touches,
        ignored=tuple(ignored),
    )


def _previous_since(
    lead: Mapping[str, Any], c: CompiledDefinition, now: datetime
) -> datetime | None:
    if to_text(lead.get(c.output_api["status"])) != _SALES_READY_TEXT:
        return None
    previous = to_datetime(lead.get(c.output_api["sales_ready_since"]))
    return previous if previous is not None and previous <= now else None


def _touch_line(
    status: str,
    since: datetime | None,
    in_episode: list[Touch],
    counted: list[Touch],
    target: int,
) -> str | None:
    """
    The reasons' touch line, saying which episode the counters count (and the touches
    outside it, which no counter shows).
    """
    touches = len(in_episode)
    if status == SALES_READY:
        if since is None:
            return f"Touches: {touches} of {target} since creation"
        line = f"Touches: {touches} of {target} since Sales Ready {since.date().isoformat()}"
        before = len(counted) - touches
        if before:
            last = counted[before - 1][0].date().isoformat()
            line += f" ({before} before it, last {last})"
        return line
    if status == RECYCLED and since is not None:
        return (
            f"Touches: {touches} of {target} in the Sales Ready episode from "
            f"{since.date().isoformat()} (recycled)"
        )
    if counted:
        last = counted[-1][0].date().isoformat()
        return f"Touches logged: {len(counted)}, last {last} (counted only while Sales Ready)"
    return None


def _nurture_decision(fit: int, engagement: int, c: CompiledDefinition) -> str:
    days = f"{c.hand_raise_within_days:g}"
    low_engagement = (
        f"engagement {engagement} < {c.min_engagement} and no hand-raise within {days} days"
    )
    if fit < c.min_fit:
        return f"Nurture: fit {fit} < {c.min_fit}" + (
            f", {low_engagement}" if engagement < c.min_engagement else ""
        )
    return f"Nurture: fit {fit} >= {c.min_fit} but {low_engagement}"


def _grade(fit: int, engagement: int, c: CompiledDefinition) -> str:
    """Fit letter + engagement digit (both 0..100, so the tables cover them)."""
    return c.grades[0][fit] + c.grades[1][engagement]


def _standard_status(lead: Mapping[str, Any], status: str, c: CompiledDefinition) -> str | None:
    """The mapped standard Status when enabled and it moves the lead forward in `order`."""
    if not c.standard_status_enabled:
        return None
    target = c.standard_status_map.get(status)
    if target is None:
        return None
    current = clean(lead.get(c.standard_status_field))
    order = c.standard_status_order
    if current is None:
        return target
    if not isinstance(current, str) or current not in order:
        return None  # a value we don't know: leave it to the reps
    return target if order.index(target) > order.index(current) else None

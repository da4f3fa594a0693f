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
- **Sales Ready since** is the latest episode's start (kept after the lead lapses or is
  recycled: "when the lead last became Sales Ready"). While a lead stays Sales Ready the
  value it already carries (previous SFS_Status__c = Sales Ready with a
  SFS_Sales_Ready_Since__c) is kept, unless the replay shows an earlier episode that ended
  and a new one that began after that value; touches then count from the kept value.
- **Touches** are counted since Sales Ready since (since creation when never ready);
  `last_touch` is the latest counted touch overall; `first_touch_hours` is the time from
  Sales Ready since to the first counted touch at or after it (None when the lead was
  never ready or has no such touch, kept for Recycled leads so speed-to-lead stays
  measurable); `needs_follow_up` = Sales Ready, below target, and more than
  `cadence_days` since max(Sales Ready since, last touch since then).
- **Reasons**: the status line first; then point reasons ranked by absolute points
  (descending), then definition order, then text; then the BANT line, the touch line and
  notes. Points are signed with ASCII `+`/`-` (`0` for none) so the text is safe in any
  Salesforce export. Dates are ISO dates, never relative words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sfsync.definition.compile import CompiledDefinition
from sfsync.definition.conditions import clean, to_bool, to_datetime, to_number, to_text
from sfsync.errors import RecordError
from sfsync.scoring.result import (
    BantItem,
    Explanation,
    FitItem,
    Qualification,
    SignalItem,
    SignalTotal,
    TouchItem,
    round_half_up,
)

SALES_READY = "Sales Ready"
NURTURE = "Nurture"
RECYCLED = "Recycled"
DISQUALIFIED = "Disqualified"
INSUFFICIENT_DATA = "Insufficient Data"

_DAY = 86_400.0
_SIGNAL, _TOUCH = 0, 1


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
    lead_id = lead.get("Id") if isinstance(lead, Mapping) else None
    if not isinstance(lead_id, str) or not lead_id.strip():
        raise RecordError("lead has no usable Id")
    lead_id = lead_id.strip()
    now = now.astimezone(UTC) if now.tzinfo is not None else now.replace(tzinfo=UTC)

    values, unreadable = _read_inputs(lead, c)
    ranked: list[tuple[int, int, str]] = []  # (points, definition order, text)
    fit, fit_items, disqualified = _fit(values, unreadable, c, now, ranked)
    bant, bant_items, bant_line = _bant(values, c, now)
    known = [
        name for name, members in c.known_groups if any(values[m] is not None for m in members)
    ]

    ignored: list[str] = []
    occurrences, touch_items = _activities(
        activities, c, now, users or {}, integration_user_id, ignored
    )
    counted = [t for t in touch_items if t.counted]

    engagement_raw, signal_items, totals = _engagement(occurrences, c, now)
    engagement = round_half_up(engagement_raw)
    for total in totals:
        ranked.append(
            (
                round_half_up(total.capped),
                100 + total.rank,
                _signal_reason(total),
            )
        )

    hr_window = timedelta(days=c.hand_raise_within_days)
    last_hand_raise = max((o.at for o in signal_items if o.hand_raise), default=None)
    recent_hand_raise = last_hand_raise is not None and now - last_hand_raise <= hr_window
    fit_ok = fit >= c.min_fit
    ready_now = fit_ok and (engagement >= c.min_engagement or recent_hand_raise)

    replay = _replay(signal_items, counted, c, fit_ok, now)
    since = replay.since
    if ready_now:
        previous = _previous_since(lead, c, now)
        if previous is not None and (since is None or since <= previous or replay.episodes == 1):
            since = previous
    in_episode = [t for t in counted if since is None or t.at >= since]
    touches = len(in_episode)
    target_at = in_episode[c.touch_target - 1].at if touches >= c.touch_target else None
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
        and (now - since).total_seconds() >= c.min_days_sales_ready * _DAY
    ):
        status = RECYCLED
        decision = (
            f"Recycled: Sales Ready since {since.date().isoformat()}, {touches} touches "
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

    last_touch = max((t.at for t in counted), default=None)
    first_touch_hours = (
        (in_episode[0].at - since).total_seconds() / 3600
        if since is not None and in_episode
        else None
    )
    needs_follow_up = False
    if status == SALES_READY and since is not None and touches < c.touch_target:
        reference = max(since, in_episode[-1].at) if in_episode else since
        needs_follow_up = (now - reference).total_seconds() > c.cadence_days * _DAY

    ranked.sort(key=lambda r: (-abs(r[0]), r[1], r[2]))
    reasons = [decision, *(text for _, _, text in ranked), bant_line]
    if since is not None or touches:
        start = f"since Sales Ready {since.date().isoformat()}" if since else "since creation"
        reasons.append(f"Touches: {touches} of {c.touch_target} {start}")
    reasons.extend(f"Note: {note}" for note in ignored)

    return Qualification(
        lead_id=lead_id,
        fit=fit,
        engagement=engagement,
        bant=bant,
        grade=_grade(fit, engagement, c),
        score=round_half_up(fit * c.fit_weight + engagement * c.engagement_weight),
        status=status,
        reasons=tuple(reasons),
        sales_ready_since=since,
        touches=touches,
        touches_remaining=max(0, c.touch_target - touches),
        last_touch=last_touch,
        first_touch_hours=first_touch_hours,
        needs_follow_up=needs_follow_up,
        definition_version=c.version,
        standard_status=_standard_status(lead, status, c),
        explanation=Explanation(
            fit=tuple(fit_items),
            signals=tuple(signal_items),
            signal_totals=tuple(totals),
            bant=tuple(bant_items),
            status=decision,
            touches=tuple(touch_items),
            ignored=tuple(ignored),
        ),
        outputs=c.outputs,
    )


def _read_inputs(
    lead: Mapping[str, Any], c: CompiledDefinition
) -> tuple[dict[str, Any], dict[str, str]]:
    """Each input's value as its conditions expect it (None when unknown), and why unreadable."""
    values: dict[str, Any] = {}
    unreadable: dict[str, str] = {}
    for inp in c.inputs:
        value = clean(lead.get(inp.field))
        if value is not None:
            if inp.kind == "number":
                number = value if type(value) is float else to_number(value)
                if number is None:
                    unreadable[inp.name] = "not a number"
                value = number
            elif inp.kind == "date":
                at = to_datetime(value)
                if at is None:
                    unreadable[inp.name] = "not a date"
                value = at
            elif not isinstance(value, str):
                value = to_text(value)
        values[inp.name] = value
    return values, unreadable


def _fit(
    values: Mapping[str, Any],
    unreadable: Mapping[str, str],
    c: CompiledDefinition,
    now: datetime,
    ranked: list[tuple[int, int, str]],
) -> tuple[int, list[FitItem], list[str]]:
    items: list[FitItem] = []
    sums = {"account": 0, "person": 0}
    for order, crit in enumerate(c.criteria):
        value = values[crit.input]
        if value is None:
            why = "unknown" + (f" ({unreadable[crit.input]})" if crit.input in unreadable else "")
            items.append(
                FitItem(crit.group, crit.name, crit.label, crit.input, None, 0, "unknown", why)
            )
            ranked.append((0, order, f"0 {crit.label}: {why}"))
            continue
        for band in crit.bands:
            if band.test(value, now):
                sums[crit.group] += band.points
                items.append(
                    FitItem(
                        crit.group,
                        crit.name,
                        crit.label,
                        crit.input,
                        value,
                        band.points,
                        "matched",
                        band.says,
                    )
                )
                ranked.append(
                    (band.points, order, f"{_signed(band.points)} {crit.label}: {band.says}")
                )
                break
        else:
            shown = _shown(value)
            items.append(
                FitItem(
                    crit.group,
                    crit.name,
                    crit.label,
                    crit.input,
                    value,
                    0,
                    "no match",
                    f"no band for {shown}",
                )
            )
            ranked.append((0, order, f"0 {crit.label}: {shown} (no points)"))
    total = 0
    for order, (group, cap) in enumerate((("account", c.account_max), ("person", c.person_max))):
        if sums[group] > cap:
            ranked.append(
                (
                    cap - sums[group],
                    50 + order,
                    f"{_signed(cap - sums[group])} {group.title()} fit capped at {cap}",
                )
            )
        total += min(sums[group], cap)
    for order, rule in enumerate(c.adjustments):
        value = values[rule.input]
        matched = value is not None and rule.test(value, now)
        items.append(
            FitItem(
                "adjustment",
                rule.name,
                rule.label,
                rule.input,
                value,
                rule.points if matched else 0,
                "matched" if matched else ("unknown" if value is None else "no match"),
                rule.says,
            )
        )
        if matched:
            total += rule.points
            ranked.append((rule.points, 60 + order, f"{_signed(rule.points)} {rule.says}"))
    fit = min(100, max(0, total))
    if fit != total:
        ranked.append((fit - total, 90, f"{_signed(fit - total)} Fit kept within 0..100"))
    disqualified: list[str] = []
    for rule in c.disqualifiers:
        value = values[rule.input]
        matched = value is not None and rule.test(value, now)
        items.append(
            FitItem(
                "disqualifier",
                rule.name,
                rule.label,
                rule.input,
                value,
                0,
                "matched" if matched else ("unknown" if value is None else "no match"),
                rule.says,
            )
        )
        if matched:
            disqualified.append(rule.says)
    return fit, items, disqualified


def _bant(
    values: Mapping[str, Any], c: CompiledDefinition, now: datetime
) -> tuple[int, list[BantItem], str]:
    items: list[BantItem] = []
    met = 0
    missing: list[str] = []
    for crit in c.bant:
        value = values[crit.input]
        if value is None or (crit.unknown_values and to_text(value) in crit.unknown_values):
            outcome = "unknown"
            missing.append(f"{crit.name} unknown")
        elif crit.test(value, now):
            outcome = "met"
            met += 1
        else:
            outcome = "not met"
            missing.append(f"{crit.name} not met")
        items.append(BantItem(crit.name, crit.input, value, outcome, crit.says))
    line = f"BANT {met}/{len(c.bant)}" + (f" ({', '.join(missing)})" if missing else "")
    return met, items, line


def _activities(
    activities: Mapping[str, Sequence[Mapping[str, Any]]],
    c: CompiledDefinition,
    now: datetime,
    users: Mapping[str, str],
    integration_user_id: str | None,
    ignored: list[str],
) -> tuple[list[tuple[datetime, str, str, int]], list[TouchItem]]:
    """Signal occurrences (at, Id, object, signal rank) and touch candidates, sorted by (at, Id)."""
    occurrences: list[tuple[datetime, str, str, int]] = []
    touches: list[TouchItem] = []
    undated: dict[tuple[str, str], int] = {}
    if not isinstance(activities, Mapping):
        return occurrences, touches
    for obj in c.activity_objects():
        records = activities.get(obj)
        if not isinstance(records, Sequence) or isinstance(records, str):
            continue
        sources = c.sources.get(obj, ())
        touch_sources = c.touch_sources.get(obj, ())
        for record in records:
            # dict first: isinstance against the Mapping ABC is slow in this hot loop.
            if type(record) is not dict and not isinstance(record, Mapping):
                continue
            deleted = record.get("IsDeleted")
            if deleted is True or (deleted not in (None, False) and to_bool(deleted) is True):
                continue
            rid = record.get("Id")
            rid = rid if isinstance(rid, str) else ""
            for src in sources:
                if src.test is None or src.test(record, now):
                    at = to_datetime(record.get(src.at))
                    if at is None:
                        undated[(obj, src.at)] = undated.get((obj, src.at), 0) + 1
                    elif at <= now:
                        occurrences.append((at, rid, obj, src.signal.rank))
                    break
            for tsrc in touch_sources:
                if tsrc.test is None or tsrc.test(record, now):
                    at = to_datetime(record.get(tsrc.at))
                    if at is None:
                        undated[(obj, tsrc.at)] = undated.get((obj, tsrc.at), 0) + 1
                    elif at <= now:
                        touches.append(
                            _touch(record, rid, obj, at, tsrc.label, c, users, integration_user_id)
                        )
                    break
    for (obj, at_field), count in sorted(undated.items()):
        plural = "record" if count == 1 else "records"
        ignored.append(f"{count} {obj} {plural} without a valid {at_field} ignored")
    occurrences.sort(key=lambda o: (o[0], o[1]))
    touches.sort(key=lambda t: (t.at, t.record_id or ""))
    return occurrences, touches


def _touch(
    record: Mapping[str, Any],
    rid: str,
    obj: str,
    at: datetime,
    label: str,
    c: CompiledDefinition,
    users: Mapping[str, str],
    integration_user_id: str | None,
) -> TouchItem:
    creator_id = record.get("CreatedById")
    created_by = record.get("CreatedBy")
    name = created_by.get("Name") if isinstance(created_by, Mapping) else None
    if not isinstance(name, str) and isinstance(creator_id, str):
        name = users.get(creator_id)
    name = name.strip() if isinstance(name, str) else None
    if c.exclude_integration_user and integration_user_id and creator_id == integration_user_id:
        return TouchItem(
            label, obj, rid or None, at, name, False, "created by the integration user"
        )
    if name is not None and name.casefold() in c.excluded_creators:
        return TouchItem(label, obj, rid or None, at, name, False, f"created by {name}")
    return TouchItem(label, obj, rid or None, at, name, True, "human sales touch")


def _engagement(
    occurrences: list[tuple[datetime, str, str, int]], c: CompiledDefinition, now: datetime
) -> tuple[float, list[SignalItem], list[SignalTotal]]:
    half_life = c.half_life_days * _DAY
    items: list[SignalItem] = []
    raw = [0.0] * len(c.signals)
    decayed = [0.0] * len(c.signals)
    counts = [0] * len(c.signals)
    latest: list[datetime | None] = [None] * len(c.signals)
    for at, rid, obj, rank in occurrences:
        sig = c.signals[rank]
        value = sig.points * 0.5 ** ((now - at).total_seconds() / half_life)
        items.append(
            SignalItem(sig.name, sig.label, obj, rid or None, at, sig.points, value, sig.hand_raise)
        )
        raw[rank] += sig.points
        decayed[rank] += value
        counts[rank] += 1
        latest[rank] = at  # occurrences are sorted by time
    totals = [
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
    ]
    return min(100.0, sum(t.capped for t in totals)), items, totals


class _Replay:
    """The outcome of replaying a lead's history (see the module docstring)."""

    __slots__ = ("episodes", "ready", "since")

    def __init__(self, since: datetime | None, ready: bool, episodes: int) -> None:
        self.since = since
        self.ready = ready
        self.episodes = episodes


def _replay(
    signals: list[SignalItem],
    touches: list[TouchItem],
    c: CompiledDefinition,
    fit_ok: bool,
    now: datetime,
) -> _Replay:
    if not fit_ok or not signals:
        return _Replay(None, False, 0)
    events: list[tuple[datetime, int, str, SignalItem | None]] = [
        (s.at, _SIGNAL, s.record_id or "", s) for s in signals
    ]
    events.extend((t.at, _TOUCH, t.record_id or "", None) for t in touches)
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    half_life = c.half_life_days * _DAY
    window = c.hand_raise_within_days * _DAY
    caps = [s.cap for s in c.signals]
    ranks = {s.name: s.rank for s in c.signals}
    sums = [0.0] * len(caps)
    last: datetime | None = None
    last_hr: datetime | None = None
    since: datetime | None = None
    ready = False
    count = 0
    target_reached = False
    episodes = 0

    def engagement() -> int:
        return round_half_up(
            min(100.0, sum(min(s, cap) for s, cap in zip(sums, caps, strict=True)))
        )

    for at, _kind, _, sig in events:
        if last is not None and at > last:
            factor = 0.5 ** ((at - last).total_seconds() / half_life)
            sums = [s * factor for s in sums]
        last = at
        if sig is None:
            if since is not None and at >= since:
                count += 1
                target_reached = target_reached or count >= c.touch_target
            continue
        before = engagement()
        hr_before = last_hr is not None and (at - last_hr).total_seconds() <= window
        ready = ready and (before >= c.min_engagement or hr_before)
        sums[ranks[sig.signal]] += sig.points
        if sig.hand_raise:
            last_hr = at
        after = engagement()
        ready_after = after >= c.min_engagement or sig.hand_raise or hr_before
        crossed = before < c.min_engagement <= after
        if (not ready and ready_after) or (
            ready and target_reached and (sig.hand_raise or crossed)
        ):
            since, ready, count, target_reached = at, True, 0, False
            episodes += 1
    if ready and last is not None:
        factor = 0.5 ** ((now - last).total_seconds() / half_life)
        sums = [s * factor for s in sums]
        hr_now = last_hr is not None and (now - last_hr).total_seconds() <= window
        ready = engagement() >= c.min_engagement or hr_now
    return _Replay(since, ready, episodes)


def _previous_since(
    lead: Mapping[str, Any], c: CompiledDefinition, now: datetime
) -> datetime | None:
    outputs = dict(c.outputs)
    if to_text(lead.get(outputs["status"])) != SALES_READY.casefold():
        return None
    previous = to_datetime(lead.get(outputs["sales_ready_since"]))
    return previous if previous is not None and previous <= now else None


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
    letter = next((k for t, k in c.fit_letters if fit >= t), c.fit_letters[-1][1])
    digit = next((k for t, k in c.engagement_digits if engagement >= t), c.engagement_digits[-1][1])
    return letter + digit


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


def _signal_reason(total: SignalTotal) -> str:
    latest = total.latest.date().isoformat()
    shown = round_half_up(total.capped)
    raw = round_half_up(total.raw)
    notes = []
    if round_half_up(total.decayed) != raw:
        notes.append(f"{raw:d} pts, decayed")
    if total.decayed > total.cap:
        notes.append(f"capped at {total.cap:g}")
    suffix = f" ({', '.join(notes)})" if notes else ""
    if total.occurrences == 1:
        return f"{_signed(shown)} {total.label} {latest}{suffix}"
    return f"{_signed(shown)} {total.label} {total.occurrences}x, latest {latest}{suffix}"


def _signed(points: int) -> str:
    return f"+{points}" if points > 0 else str(points)


def _shown(value: Any) -> str:
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else f"{value:.2f}"
    else:
        text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"

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
from operator import itemgetter
from typing import Any

from sfsync.definition.compile import CompiledDefinition, signed
from sfsync.definition.conditions import clean, to_number, to_text
from sfsync.errors import RecordError
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

_DAY = 86_400.0
_SIGNAL, _TOUCH = 0, 1
_SALES_READY_TEXT = SALES_READY.casefold()

# A signal occurrence: (at, record Id or "", object, signal rank).
_Occurrence = tuple[datetime, str, str, int]
# A touch candidate: (at, record Id or "", object, label, created-by name, why code).
_Touch = tuple[datetime, str, str, str, str | None, int]
_HUMAN, _INTEGRATION_USER, _EXCLUDED_CREATOR = 0, 1, 2
_AT = itemgetter(0)
_BY_TIME_AND_ID = itemgetter(0, 1)
_BY_TIME_KIND_AND_ID = itemgetter(0, 1, 2)


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

    values, unreadable = _read_inputs(lead, c)
    # Point reasons as (-abs(points), definition order, text): sorted, they are ranked.
    ranked: list[tuple[int, int, str]] = []
    fit, disqualified = _fit(values, unreadable, c, now, ranked, None)
    bant, bant_line = _bant(values, c, now, None)
    known = [name for name, members in c.known_groups if _any_known(values, members)]

    ignored: list[str] = []
    occurrences, touch_rows = _activities(
        activities, c, now, users or {}, integration_user_id, ignored
    )
    counted = [t for t in touch_rows if t[5] == _HUMAN]

    raw, decayed, counts, latest, last_hand_raise = _engagement(occurrences, c, now, None)
    signals = c.signals
    caps = c.signal_caps
    capped_totals: list[float] = []
    for rank, latest_at in enumerate(latest):
        if latest_at is not None:
            capped = min(decayed[rank], caps[rank])
            capped_totals.append(capped)
            reason = _signal_reason(
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
    if fit_ok and occurrences and (last_hand_raise is not None or _may_reach(raw, c)):
        since, episodes = _replay(occurrences, counted, c)
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

    last_touch = max(map(_AT, counted), default=None)
    first_touch_hours = (
        (in_episode[0][0] - since).total_seconds() / 3600
        if since is not None and in_episode
        else None
    )
    needs_follow_up = False
    if status == SALES_READY and since is not None and touches < c.touch_target:
        reference = max(since, in_episode[-1][0]) if in_episode else since
        needs_follow_up = (now - reference).total_seconds() > c.cadence_days * _DAY

    ranked.sort()
    reasons = [decision, *[text for _, _, text in ranked], bant_line]
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
        standard_status=(_standard_status(lead, status, c) if c.standard_status_enabled else None),
        explanation=lazy_explanation(
            partial(
                _explain, c, now, values, unreadable, occurrences, touch_rows, decision, ignored
            )
        ),
        outputs=c.outputs,
    )


def _any_known(values: Mapping[str, Any], members: tuple[str, ...]) -> bool:
    for member in members:  # noqa: SIM110 - a plain loop beats any() over a generator here
        if values[member] is not None:
            return True
    return False


def _explain(
    c: CompiledDefinition,
    now: datetime,
    values: Mapping[str, Any],
    unreadable: Mapping[str, str],
    occurrences: list[_Occurrence],
    touch_rows: list[_Touch],
    decision: str,
    ignored: list[str],
) -> Explanation:
    """The full explanation, from the values `qualify` read (run on first access)."""
    fit_items: list[FitItem] = []
    _fit(values, unreadable, c, now, [], fit_items)
    bant_items: list[BantItem] = []
    _bant(values, c, now, bant_items)
    signal_items: list[SignalItem] = []
    raw, decayed, counts, latest, _ = _engagement(occurrences, c, now, signal_items)
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
        TouchItem(label, obj, rid or None, at, name, why == _HUMAN, _touch_why(why, name))
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


def _read_inputs(
    lead: Mapping[str, Any], c: CompiledDefinition
) -> tuple[dict[str, Any], dict[str, str]]:
    """Each input's value as its conditions expect it (None when unknown), and why unreadable."""
    values: dict[str, Any] = {}
    unreadable: dict[str, str] = {}
    get = lead.get
    for name, field, kind in c.input_plan:
        raw = get(field)
        # clean(), with its most common case inline
        value = (raw.strip() or None) if type(raw) is str else clean(raw)
        if value is not None:
            if kind == "number":
                if type(value) is float:
                    number: float | None = value
                elif type(value) is int:
                    number = float(value)  # what to_number does with an int
                else:
                    number = to_number(value)
                if number is None:
                    unreadable[name] = "not a number"
                value = number
            elif kind == "date":
                at = to_datetime(value)
                if at is None:
                    unreadable[name] = "not a date"
                value = at
            elif not isinstance(value, str):
                value = to_text(value)
        values[name] = value
    return values, unreadable


def _fit(
    values: Mapping[str, Any],
    unreadable: Mapping[str, str],
    c: CompiledDefinition,
    now: datetime,
    ranked: list[tuple[int, int, str]],
    items: list[FitItem] | None,
) -> tuple[int, list[str]]:
    """
    Fit and the disqualifiers that matched; adds (-abs(points), order, text) reasons to
    *ranked* and, when given, FitItems to *items*.
    """
    sums = {"account": 0, "person": 0}
    if items is None:  # the hot path: no FitItems, so only the matching bands matter
        for order, (name, group, bands, label) in enumerate(c.criteria_plan):
            value = values[name]
            if value is None:
                why = "unknown" + (f" ({unreadable[name]})" if name in unreadable else "")
                ranked.append((0, order, f"0 {label}: {why}"))
                continue
            for test, points, reason in bands:
                if test(value, now):
                    sums[group] += points
                    ranked.append((-abs(points), order, reason))
                    break
            else:
                ranked.append((0, order, f"0 {label}: {_shown(value)} (no points)"))
    for order, crit in enumerate(() if items is None else c.criteria):
        value = values[crit.input]
        if value is None:
            why = "unknown" + (f" ({unreadable[crit.input]})" if crit.input in unreadable else "")
            if items is not None:
                items.append(
                    FitItem(crit.group, crit.name, crit.label, crit.input, None, 0, "unknown", why)
                )
            ranked.append((0, order, f"0 {crit.label}: {why}"))
            continue
        for band in crit.bands:
            if band.test(value, now):
                sums[crit.group] += band.points
                if items is not None:
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
                ranked.append((-abs(band.points), order, band.reason))
                break
        else:
            shown = _shown(value)
            if items is not None:
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
                    -abs(cap - sums[group]),
                    50 + order,
                    f"{signed(cap - sums[group])} {group.title()} fit capped at {cap}",
                )
            )
        total += min(sums[group], cap)
    for order, rule in enumerate(c.adjustments):
        value = values[rule.input]
        matched = value is not None and rule.test(value, now)
        if items is not None:
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
            ranked.append((-abs(rule.points), 60 + order, rule.reason))
    fit = min(100, max(0, total))
    if fit != total:
        ranked.append((-abs(fit - total), 90, f"{signed(fit - total)} Fit kept within 0..100"))
    disqualified: list[str] = []
    for rule in c.disqualifiers:
        value = values[rule.input]
        matched = value is not None and rule.test(value, now)
        if items is not None:
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
    return fit, disqualified


def _bant(
    values: Mapping[str, Any], c: CompiledDefinition, now: datetime, items: list[BantItem] | None
) -> tuple[int, str]:
    """BANT criteria met and the BANT reason line; BantItems added to *items*."""
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
        if items is not None:
            items.append(BantItem(crit.name, crit.input, value, outcome, crit.says))
    line = f"BANT {met}/{len(c.bant)}" + (f" ({', '.join(missing)})" if missing else "")
    return met, line


def _activities(
    activities: Mapping[str, Sequence[Mapping[str, Any]]],
    c: CompiledDefinition,
    now: datetime,
    users: Mapping[str, str],
    integration_user_id: str | None,
    ignored: list[str],
) -> tuple[list[_Occurrence], list[_Touch]]:
    """Signal occurrences and touch candidates, each sorted by (at, Id)."""
    occurrences: list[_Occurrence] = []
    touches: list[_Touch] = []
    undated: dict[tuple[str, str], int] = {}
    if type(activities) is not dict and not isinstance(activities, Mapping):
        return occurrences, touches
    integration_user = integration_user_id if c.exclude_integration_user else None
    excluded_creators = c.excluded_creators
    fromisoformat = datetime.fromisoformat
    append = occurrences.append
    for plan in c.activity_plan:
        obj = plan.object
        records = activities.get(obj)
        if type(records) is not list and (
            not isinstance(records, Sequence) or isinstance(records, str)
        ):
            continue
        sources = plan.sources
        touch_sources = plan.touch_sources
        for record in records:
            # dict first: isinstance against the Mapping ABC is slow in this hot loop.
            if type(record) is not dict and not isinstance(record, Mapping):
                continue
            deleted = record.get("IsDeleted")
            if deleted is not None and (
                deleted is True or (deleted not in (None, False) and to_bool(deleted) is True)
            ):
                continue
            rid = record.get("Id")
            if type(rid) is not str and not isinstance(rid, str):
                rid = ""
            for test, at_field, rank in sources:
                if test is None or test(record, now):
                    raw = record.get(at_field)
                    at = None
                    if type(raw) is str:  # to_datetime's fast path, inline
                        try:
                            at = fromisoformat(raw)
                        except ValueError:
                            at = to_datetime(raw)
                        else:
                            tz = at.tzinfo
                            if tz is not UTC:
                                at = at.replace(tzinfo=UTC) if tz is None else at.astimezone(UTC)
                    else:
                        at = to_datetime(raw)
                    if at is None:
                        undated[(obj, at_field)] = undated.get((obj, at_field), 0) + 1
                    elif at <= now:
                        append((at, rid, obj, rank))
                    break
            for test, at_field, label in touch_sources:
                if test is None or test(record, now):
                    at = to_datetime(record.get(at_field))
                    if at is None:
                        undated[(obj, at_field)] = undated.get((obj, at_field), 0) + 1
                        break
                    if at > now:
                        break
                    name, why = _creator(record, users, integration_user, excluded_creators)
                    touches.append((at, rid, obj, label, name, why))
                    break
    if undated:
        for (obj, at_field), count in sorted(undated.items()):
            plural = "record" if count == 1 else "records"
            ignored.append(f"{count} {obj} {plural} without a valid {at_field} ignored")
    occurrences.sort(key=_BY_TIME_AND_ID)
    touches.sort(key=_BY_TIME_AND_ID)
    return occurrences, touches


def _creator(
    record: Mapping[str, Any],
    users: Mapping[str, str],
    integration_user: str | None,
    excluded_creators: frozenset[str],
) -> tuple[str | None, int]:
    """Who logged *record*, and why code: integration and marketing users' never count."""
    creator_id = record.get("CreatedById")
    created_by = record.get("CreatedBy")
    name = (
        created_by.get("Name")
        if created_by is not None and isinstance(created_by, Mapping)
        else None
    )
    if not isinstance(name, str) and isinstance(creator_id, str):
        name = users.get(creator_id)
    name = name.strip() if isinstance(name, str) else None
    if integration_user and creator_id == integration_user:
        return name, _INTEGRATION_USER
    if name is not None and name.casefold() in excluded_creators:
        return name, _EXCLUDED_CREATOR
    return name, _HUMAN


def _touch_why(why: int, name: str | None) -> str:
    if why == _INTEGRATION_USER:
        return "created by the integration user"
    if why == _EXCLUDED_CREATOR:
        return f"created by {name}"
    return "human sales touch"


def _engagement(
    occurrences: list[_Occurrence],
    c: CompiledDefinition,
    now: datetime,
    items: list[SignalItem] | None,
) -> tuple[list[float], list[float], list[int], list[datetime | None], datetime | None]:
    """
    Per signal: raw points, decayed points, occurrences and the latest occurrence; and the
    latest hand-raise. SignalItems are added to *items*.
    """
    signals = c.signals
    half_life = c.half_life_days * _DAY
    raw = [0.0] * len(signals)
    decayed = [0.0] * len(signals)
    counts = [0] * len(signals)
    latest: list[datetime | None] = [None] * len(signals)
    last_hand_raise: datetime | None = None
    if items is None:  # the same sums, without the items (the hot path)
        all_points = c.signal_points
        hand_raises = c.signal_hand_raises
        for at, _, _, rank in occurrences:
            points = all_points[rank]
            raw[rank] += points
            decayed[rank] += points * 0.5 ** ((now - at).total_seconds() / half_life)
            counts[rank] += 1
            latest[rank] = at  # occurrences are sorted by time
            if hand_raises[rank] and (last_hand_raise is None or at > last_hand_raise):
                last_hand_raise = at
        return raw, decayed, counts, latest, last_hand_raise
    for at, rid, obj, rank in occurrences:
        sig = signals[rank]
        points = sig.points
        value = points * 0.5 ** ((now - at).total_seconds() / half_life)
        if items is not None:
            items.append(
                SignalItem(sig.name, sig.label, obj, rid or None, at, points, value, sig.hand_raise)
            )
        raw[rank] += points
        decayed[rank] += value
        counts[rank] += 1
        latest[rank] = at  # occurrences are sorted by time
        # the first of equal maxima, as max() would pick
        if sig.hand_raise and (last_hand_raise is None or at > last_hand_raise):
            last_hand_raise = at
    return raw, decayed, counts, latest, last_hand_raise


def _may_reach(raw: list[float], c: CompiledDefinition) -> bool:
    """
    Whether engagement could ever have reached `min_engagement`: decay only lowers the
    points, so engagement never exceeds the undecayed, capped sum (rounding is monotonic).
    """
    return _engagement_of(raw, c.signal_caps) >= c.min_engagement


def _engagement_of(sums: list[float], caps: Sequence[float]) -> int:
    """round_half_up(min(100, sum of capped sums)); the sum is never negative."""
    return floor(min(100.0, sum(map(min, sums, caps))) + 0.5)


def _replay(
    occurrences: list[_Occurrence], counted: list[_Touch], c: CompiledDefinition
) -> tuple[datetime | None, int]:
    """
    The latest ready episode's start and the number of episodes (see the module docstring).

    Engagement here is summed over the signals this lead has (in definition order, as
    everywhere: absent signals add 0.0, which changes no float sum), and computed only when
    the transition being tested needs it.
    """
    signals = c.signals
    present = sorted({o[3] for o in occurrences})
    slot = {rank: i for i, rank in enumerate(present)}
    caps = [c.signal_caps[rank] for rank in present]
    points = [signals[rank].points for rank in present]
    hand_raises = [signals[rank].hand_raise for rank in present]
    events: list[tuple[datetime, int, str, int]] = [
        (at, _SIGNAL, rid, slot[rank]) for at, rid, _, rank in occurrences
    ]
    events.extend((t[0], _TOUCH, t[1], -1) for t in counted)
    events.sort(key=_BY_TIME_KIND_AND_ID)
    half_life = c.half_life_days * _DAY
    window = c.hand_raise_within_days * _DAY
    min_engagement = c.min_engagement
    target = c.touch_target
    sums = [0.0] * len(present)
    last: datetime | None = None
    last_hr: datetime | None = None
    since: datetime | None = None
    ready = False
    count = 0
    target_reached = False
    episodes = 0
    before = 0
    for at, kind, _, i in events:
        if last is not None and at > last:
            factor = 0.5 ** ((at - last).total_seconds() / half_life)
            sums = list(map(factor.__mul__, sums))  # s * factor, each
        last = at
        if kind == _TOUCH:
            if since is not None and at >= since:
                count += 1
                target_reached = target_reached or count >= target
            continue
        hand_raise = hand_raises[i]
        hr_before = last_hr is not None and (at - last_hr).total_seconds() <= window
        if ready:  # still ready when the signal arrives? (_engagement_of, inline)
            before = floor(min(100.0, sum(map(min, sums, caps))) + 0.5)
            ready = before >= min_engagement or hr_before
        sums[i] += points[i]
        if hand_raise:
            last_hr = at
        if ready:
            # after the touch target, a hand-raise or a crossing of min_engagement restarts
            starts = target_reached and (
                hand_raise
                or (before < min_engagement <= floor(min(100.0, sum(map(min, sums, caps))) + 0.5))
            )
        else:
            starts = (
                hand_raise
                or hr_before
                or floor(min(100.0, sum(map(min, sums, caps))) + 0.5) >= min_engagement
            )
        if starts:
            since, ready, count, target_reached = at, True, 0, False
            episodes += 1
    return since, episodes


def _previous_since(
    lead: Mapping[str, Any], c: CompiledDefinition, now: datetime
) -> datetime | None:
    if to_text(lead.get(c.output_api["status"])) != _SALES_READY_TEXT:
        return None
    previous = to_datetime(lead.get(c.output_api["sales_ready_since"]))
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


def _signal_reason(
    label: str,
    occurrences: int,
    raw_points: float,
    decayed: float,
    capped: float,
    cap: float,
    latest: datetime,
) -> str:
    # round_half_up of these never-negative numbers, inline
    shown = floor(capped + 0.5)
    raw = floor(raw_points + 0.5)
    if floor(decayed + 0.5) != raw:
        suffix = (
            f" ({raw} pts, decayed, capped at {cap:g})"
            if decayed > cap
            else f" ({raw} pts, decayed)"
        )
    else:
        suffix = f" (capped at {cap:g})" if decayed > cap else ""
    points = f"+{shown}" if shown > 0 else "0"
    day = latest.date().isoformat()
    if occurrences == 1:
        return f"{points} {label} {day}{suffix}"
    return f"{points} {label} {occurrences}x, latest {day}{suffix}"


def _shown(value: Any) -> str:
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else f"{value:.2f}"
    else:
        text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"

"""
Engagement (pure): decayed, capped signal points, and the replay of a lead's signals and
touches that finds when its latest Sales Ready episode began (see engine.py for the rules).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from math import floor
from operator import itemgetter

from sfsync.definition.compile import CompiledDefinition
from sfsync.scoring.activity import Occurrence, Touch
from sfsync.scoring.result import SignalItem

DAY = 86_400.0
_SIGNAL, _TOUCH = 0, 1
_BY_TIME_KIND_AND_ID = itemgetter(0, 1, 2)


def sum_engagement(
    occurrences: list[Occurrence],
    c: CompiledDefinition,
    now: datetime,
    items: list[SignalItem] | None,
) -> tuple[list[float], list[float], list[int], list[datetime | None], datetime | None]:
    """
    Per signal: raw points, decayed points, occurrences and the latest occurrence; and the
    latest hand-raise. SignalItems are added to *items*.
    """
    signals = c.signals
    half_life = c.half_life_days * DAY
    raw = [0.0] * len(signals)
    decayed = [0.0] * len(signals)
    counts = [0] * len(signals)
    latest: list[datetime | None] = [None] * len(signals)
    last_hand_raise: datetime | None = None
    all_points = c.signal_points
    hand_raises = c.signal_hand_raises
    for at, rid, obj, rank in occurrences:
        points = all_points[rank]
        value = points * 0.5 ** ((now - at).total_seconds() / half_life)
        if items is not None:  # explain's items; `qualify` passes None (the hot path)
            sig = signals[rank]
            items.append(
                SignalItem(sig.name, sig.label, obj, rid or None, at, points, value, sig.hand_raise)
            )
        raw[rank] += points
        decayed[rank] += value
        counts[rank] += 1
        latest[rank] = at  # occurrences are sorted by time
        # the first of equal maxima, as max() would pick
        if hand_raises[rank] and (last_hand_raise is None or at > last_hand_raise):
            last_hand_raise = at
    return raw, decayed, counts, latest, last_hand_raise


def may_reach(raw: list[float], c: CompiledDefinition) -> bool:
    """
    Whether engagement could ever have reached `min_engagement`: decay only lowers the
    points, so engagement never exceeds the undecayed, capped sum (rounding is monotonic).
    """
    return _engagement_of(raw, c.signal_caps) >= c.min_engagement


def _engagement_of(sums: list[float], caps: Sequence[float]) -> int:
    """round_half_up(min(100, sum of capped sums)); the sum is never negative."""
    return floor(min(100.0, sum(map(min, sums, caps))) + 0.5)


def replay(
    occurrences: list[Occurrence], counted: list[Touch], c: CompiledDefinition
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
    half_life = c.half_life_days * DAY
    window = c.hand_raise_within_days * DAY
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


def signal_reason(
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

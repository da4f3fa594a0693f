"""
What each criterion of the definition contributes for one lead at one moment, as numbers.

`qualify` answers "what does the definition say about this lead"; `contributions` answers
"which of the definition's criteria fired, and how strongly", for callers that weigh the
criteria themselves (`sfsync definition tune` learns new points from them). It reads the
lead's inputs and activity exactly as `qualify` does (same input kinds, same first-matching
source per record, same deleted/undated/future rules), so a criterion counted here is the
one `qualify` scores. Pure: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sfsync.definition.compile import CompiledDefinition
from sfsync.definition.conditions import to_text
from sfsync.errors import RecordError
from sfsync.scoring.activity import collect_activities
from sfsync.scoring.fit import any_known, read_inputs

NO_BAND = -1
"""`Contributions.bands` value for a criterion whose input is unknown or matched no band."""

MET, NOT_MET, UNKNOWN = "met", "not met", "unknown"

_DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class Contributions:
    """The definition's criteria for one lead at `now`, in the compiled definition's order."""

    lead_id: str
    bands: tuple[int, ...]
    """Per fit criterion (`CompiledDefinition.criteria`): the index of the band that matched
    (the first match wins, as in `qualify`), or NO_BAND."""
    known: tuple[bool, ...]
    """Per fit criterion: whether its input has a readable value."""
    adjustments: tuple[bool, ...]
    """Per adjustment: whether it matched."""
    disqualified: bool
    """Whether any disqualifier matched."""
    known_groups: int
    """How many `insufficient_data` groups have a known input."""
    bant: tuple[str, ...]
    """Per BANT criterion: MET, NOT_MET or UNKNOWN."""
    occurrences: tuple[float, ...]
    """Per signal: its occurrences up to `now`, each weighted 0.5 ** (age / half-life), so
    `points * occurrences[i]` is the signal's decayed points before its cap."""
    counts: tuple[int, ...]
    """Per signal: its occurrences up to `now`, undecayed."""
    last_hand_raise: datetime | None
    """The latest hand-raise up to `now`."""


def contributions(
    lead: Mapping[str, Any],
    activities: Mapping[str, Sequence[Mapping[str, Any]]],
    definition: CompiledDefinition,
    *,
    now: datetime,
) -> Contributions:
    """
    Which criteria of *definition* fire for *lead* at *now*, and how strongly.

    Raises:
        RecordError: the lead has no usable Id (as `qualify`).
    """
    c = definition
    lead_id = lead.get("Id")
    if not isinstance(lead_id, str) or not lead_id.strip():
        raise RecordError("lead has no usable Id")
    now = now.astimezone(UTC) if now.tzinfo is not None else now.replace(tzinfo=UTC)
    values, _ = read_inputs(lead, c)

    bands: list[int] = []
    known: list[bool] = []
    for crit in c.criteria:
        value = values[crit.input]
        known.append(value is not None)
        matched = NO_BAND
        if value is not None:
            for index, band in enumerate(crit.bands):
                if band.test(value, now):
                    matched = index
                    break
        bands.append(matched)
    adjustments = tuple(
        values[rule.input] is not None and rule.test(values[rule.input], now)
        for rule in c.adjustments
    )
    disqualified = any(
        values[rule.input] is not None and rule.test(values[rule.input], now)
        for rule in c.disqualifiers
    )
    bant: list[str] = []
    for item in c.bant:
        value = values[item.input]
        if value is None or (item.unknown_values and to_text(value) in item.unknown_values):
            bant.append(UNKNOWN)
        else:
            bant.append(MET if item.test(value, now) else NOT_MET)

    occurrences, _ = collect_activities(activities, c, now, {}, None, [], lead=lead)
    weighted = [0.0] * len(c.signals)
    counts = [0] * len(c.signals)
    last_hand_raise: datetime | None = None
    half_life = c.half_life_days * _DAY
    hand_raises = c.signal_hand_raises
    for at, _, _, rank in occurrences:
        weighted[rank] += 0.5 ** ((now - at).total_seconds() / half_life)
        counts[rank] += 1
        if hand_raises[rank] and (last_hand_raise is None or at > last_hand_raise):
            last_hand_raise = at
    return Contributions(
        lead_id=lead_id.strip(),
        bands=tuple(bands),
        known=tuple(known),
        adjustments=adjustments,
        disqualified=disqualified,
        known_groups=sum(1 for _, members in c.known_groups if any_known(values, members)),
        bant=tuple(bant),
        occurrences=tuple(weighted),
        counts=tuple(counts),
        last_hand_raise=last_hand_raise,
    )

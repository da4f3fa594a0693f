"""
Comparing computed outputs with the values the org holds (pure).

`diff_outputs` finds every difference; the definition's `WritePolicy` decides whether they
are worth a write (a quiet org). The pass writes what both agree on; `explain` shows it as
"the next sync will write" (and what the policy holds back), `definition diff` counts the
rewrites a new definition causes, and the backfill checks what was recorded as written.
All of them compare through `normalize_value`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sfsync.definition.compile import CompiledDefinition
from sfsync.values.datetimes import format_sf_datetime, parse_sf_datetime


def normalize_value(value: Any) -> Any:
    """
    Normalise a field value for comparison between what we computed and what the org holds.

    Salesforce returns Number fields as floats (75.0), may return Long Text with `\\r\\n`,
    and serialises datetimes with milliseconds; two values that mean the same must compare
    equal, or every pass would rewrite every lead.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        number = float(value)
        return None if math.isnan(number) else round(number, 4)
    if isinstance(value, str):
        text = value.replace("\r\n", "\n").rstrip()
        if len(text) >= 19 and text[4] == "-" and text[10] == "T":
            try:
                return format_sf_datetime(parse_sf_datetime(text))
            except ValueError:
                return text
        return text
    return value


def diff_outputs(
    current: Mapping[str, Any], desired: Mapping[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """Return {field: (old, new)} for every output field whose value would change."""
    changes: dict[str, tuple[Any, Any]] = {}
    for name, new in desired.items():
        old = current.get(name)
        if normalize_value(old) != normalize_value(new):
            changes[name] = (old, new)
    return changes


@dataclass(frozen=True)
class WritePolicy:
    """
    The definition's write policy, ready to apply (see `definition.policy`): which diffs
    write a lead, and which are held back because nobody would act on them.

    - **Score, fit, engagement** are compared with a tolerance: a change smaller than
      `min_change` points from the org's value holds (0: none holds).
    - **Reasons** are compared by what they say: the set of reason lines with the numbers
      decay moves masked (a signal line's leading points and its "(15 pts, decayed)" note,
      the fit and engagement numbers in the status line). A reason that appears, goes, or
      says a new word, date or count writes the lead; decay lowering a signal's points, or
      reordering lines by those points, does not. Every signal decays at the same rate, so
      the order changes only when a decayed value crosses a cap or another line's points;
      such a rewrite would tell a rep nothing new.
    - **Everything else** (status, grade, BANT, the follow-up flag, the touch counters and
      dates, the version, the mapped standard Status) writes on any change.

    A lead that is written gets every changed field, exact.
    """

    min_change: int
    tolerant: frozenset[str]
    reasons: str | None
    _signal_line: re.Pattern[str] | None = field(repr=False, default=None)

    def requires_write(self, diff: Mapping[str, tuple[Any, Any]]) -> bool:
        """Whether *diff* ({field: (org's value, exact value)}) is worth a write."""
        if self.min_change == 0:
            return bool(diff)
        for name, (old, new) in diff.items():
            if name in self.tolerant:
                if _moved(old, new, self.min_change):
                    return True
            elif name == self.reasons:
                if self.reasons_key(old) != self.reasons_key(new):
                    return True
            else:
                return True
        return False

    def reasons_key(self, text: Any) -> tuple[str, ...]:
        """What a reasons text says, without the numbers decay moves (sorted lines)."""
        value = normalize_value(text)
        if not isinstance(value, str):
            return ()
        lines = []
        for raw in value.split("\n"):
            line = _DECISION_NUMBER.sub(r"\1 #", raw)
            match = self._signal_line.match(line) if self._signal_line else None
            lines.append(f"{match['label']} {match['when']}" if match is not None else line)
        return tuple(sorted(lines))


_DECISION_NUMBER = re.compile(r"\b(fit|engagement) \d+\b")
_WHEN = r"\d{4}-\d{2}-\d{2}|\d+x, latest \d{4}-\d{2}-\d{2}"


def write_policy(definition: CompiledDefinition, *, exact: bool = False) -> WritePolicy:
    """The policy of *definition* (with *exact*: every change writes, as in a backfill)."""
    api = dict(definition.outputs)
    labels = sorted({s.label for s in definition.signals}, key=len, reverse=True)
    signal_line = (
        re.compile(
            r"^(?:[+-]?\d+) (?P<label>" + "|".join(map(re.escape, labels)) + r") "
            r"(?P<when>" + _WHEN + r")(?: \(.*\))?$"
        )
        if labels
        else None
    )
    return WritePolicy(
        min_change=0 if exact else definition.definition.write_policy.min_score_change,
        tolerant=frozenset(api[k] for k in ("score", "fit_score", "engagement_score")),
        reasons=api.get("reasons"),
        _signal_line=signal_line,
    )


def _moved(old: Any, new: Any, points: int) -> bool:
    """True when *new* is at least *points* away from *old*, or either is not a number."""
    before, after = normalize_value(old), normalize_value(new)
    if not isinstance(before, float) or not isinstance(after, float):
        return bool(before != after)
    return abs(after - before) >= points

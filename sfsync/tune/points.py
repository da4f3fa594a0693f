"""
Learned weights (log-odds) -> whole points within the definition's caps, and the Sales Ready
thresholds for a stated goal.

**Points.** The score is `fit_weight * fit + engagement_weight * engagement`, and both are
sums of points, so a score that follows the model's log-odds needs points proportional to
the weights. Fit and engagement each get the largest scale that keeps the definition's own
limits, so neither loses resolution to rounding:

- fit: `points = round(scale_fit * weight)`; the best band of every criterion together stays
  within the group's `max` (account, person), and no band or adjustment passes +-100;
- engagement: `points = round(scale_engagement * weight)` per occurrence, and each signal's
  cap keeps counting as many occurrences as today (cap / points); the caps together stay
  within 100, so engagement never clips and stays proportional too;
- the score weights then make one point of fit worth as much log-odds as one point of
  engagement: `fit_weight = scale_engagement / (scale_fit + scale_engagement)`, to 2 places.

**Numbers the training set cannot judge** (*kept*: a band, adjustment or signal seen on too
few training leads, e.g. a score the Lead keeps dated by its last activity, which is after
nearly every reference moment) are not learnt: they keep their place among their group's
numbers. Each is today's points times the ratio by which the learnt numbers of the same
part (fit, or engagement) moved (`sum(new * old) / sum(old ** 2)`), so it neither vanishes
for want of evidence nor outweighs the others because their scale changed; a signal's cap
still counts as many occurrences, and it takes its share of the caps' 100.

**Thresholds.** With the new points, Sales Ready keeps the definition's rule (fit >= min_fit
and (engagement >= min_engagement or a hand-raise within the window); not Disqualified or
Insufficient Data). Among all whole-number pairs (min_fit, min_engagement), the one that
catches the most converters on the training set while meeting the goal wins: calling at most
a given share of leads, or reaching a given precision (calling at least 1% of leads, and 10,
so that the precision means something). Ties: fewer leads called, then the pair nearest
today's. Pure apart from numpy.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from sfsync.tune.features import Layout

Vector = npt.NDArray[np.float64]
Matrix = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

ENGAGEMENT_MAX = 100
_MAX_POINTS = 100


@dataclass(frozen=True)
class PointsPlan:
    """The proposal's numbers: whole points per feature, signal caps, score weights."""

    points: tuple[float, ...]
    """Per feature of the layout (per occurrence for a signal); whole for a proposal."""
    caps: Mapping[int, float]
    """Feature column of a signal -> its new cap."""
    fit_weight: float
    engagement_weight: float
    fit_scale: float
    """Fit points per unit of log-odds."""
    engagement_scale: float
    """Engagement points per unit of log-odds."""
    kept: frozenset[int] = frozenset()
    """Columns not learnt (too few training leads): today's points, in proportion."""
    ratios: Mapping[str, float] = field(default_factory=dict)
    """`fit` / `engagement` -> how much the learnt points moved (new per old point)."""

    def scale_of(self, group: str) -> float:
        """Points per unit of log-odds for a feature group."""
        return self.engagement_scale if group == "engagement" else self.fit_scale


def current_plan(lay: Layout, *, fit_weight: float, engagement_weight: float) -> PointsPlan:
    """Today's numbers as a plan, to simulate the current definition like a proposal."""
    return PointsPlan(
        points=tuple(f.points for f in lay.features),
        caps={i: f.cap for i, f in enumerate(lay.features) if f.kind == "signal"},
        fit_weight=fit_weight,
        engagement_weight=engagement_weight,
        fit_scale=0.0,
        engagement_scale=0.0,
    )


def ready(
    sim: Simulated, hand_raise: Mask, eligible: Mask, *, min_fit: int, min_engagement: int
) -> Mask:
    """Who the Sales Ready rule calls under *sim*: fit, and engagement or a hand-raise."""
    out: Mask = eligible & (sim.fit >= min_fit) & ((sim.engagement >= min_engagement) | hand_raise)
    return out


def _half_up(value: float) -> int:
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


def to_points(
    lay: Layout,
    coef: Vector,
    *,
    account_max: int,
    person_max: int,
    kept: Collection[int] = (),
) -> PointsPlan:
    """Map weights *coef* (one per feature of *lay*) to whole points within the caps."""
    features = lay.features
    fixed = frozenset(kept)
    fit_cols = [i for i, f in enumerate(features) if f.kind != "signal"]
    learnt_fit = [i for i in fit_cols if i not in fixed]
    signal_cols = lay.columns("signal")
    learnt_signals = [i for i in signal_cols if i not in fixed]
    group_max = {"account": account_max, "person": person_max}

    def best_sum(group: str, pts: Mapping[int, float]) -> float:
        best: dict[int, float] = {}
        for i in fit_cols:
            f = features[i]
            if f.group == group and i in pts:
                best[f.index] = max(best.get(f.index, 0.0), pts[i])
        return sum(best.values())

    def with_kept(pts: dict[int, int], learnt: list[int], cols: list[int]) -> float:
        """Add the kept columns of *cols* in proportion to *learnt*'s move; the ratio."""
        ratio = _ratio([(features[i].points, pts[i]) for i in learnt])
        for i in cols:
            if i in fixed:
                moved = _half_up(features[i].points * ratio)
                pts[i] = max(0, moved) if features[i].kind == "signal" else moved
        return ratio

    limits = []
    weights = {i: float(coef[i]) for i in learnt_fit}
    for group, cap in group_max.items():
        total = best_sum(group, weights)
        if total > 0:
            limits.append(cap / total)
    limits.extend(_MAX_POINTS / abs(w) for w in weights.values() if w)
    fit_scale = min(limits) if limits else 0.0
    while True:
        fit_points = {i: _half_up(fit_scale * weights[i]) for i in learnt_fit}
        fit_ratio = with_kept(fit_points, learnt_fit, fit_cols)
        if fit_scale < 1e-9 or all(
            best_sum(g, {i: float(p) for i, p in fit_points.items()}) <= cap
            for g, cap in group_max.items()
        ):
            break
        fit_scale *= 0.995  # rounding pushed a group past its max: a hair smaller

    reach = sum(float(coef[i]) * features[i].cap_occurrences for i in learnt_signals)
    limits = [ENGAGEMENT_MAX / reach] if reach > 0 else []
    limits.extend(_MAX_POINTS / float(coef[i]) for i in learnt_signals if coef[i] > 0)
    engagement_scale = min(limits) if limits else 0.0
    while True:
        signal_points = {
            i: max(0, _half_up(engagement_scale * float(coef[i]))) for i in learnt_signals
        }
        engagement_ratio = with_kept(signal_points, learnt_signals, signal_cols)
        caps = {
            i: min(_MAX_POINTS, _half_up(p * features[i].cap_occurrences))
            for i, p in signal_points.items()
        }
        if engagement_scale < 1e-9 or sum(caps.values()) <= ENGAGEMENT_MAX:
            break
        engagement_scale *= 0.995

    if fit_scale > 0 and engagement_scale > 0:
        fit_weight = _half_up(100 * engagement_scale / (fit_scale + engagement_scale)) / 100
    else:
        fit_weight = 1.0 if fit_scale > 0 or engagement_scale == 0 else 0.0
    points = tuple(
        signal_points[i] if i in signal_points else fit_points[i] for i in range(len(features))
    )
    return PointsPlan(
        points=points,
        caps=caps,
        fit_weight=fit_weight,
        engagement_weight=round(1 - fit_weight, 2),
        fit_scale=fit_scale,
        engagement_scale=engagement_scale,
        kept=fixed,
        ratios={"fit": fit_ratio, "engagement": engagement_ratio},
    )


def _ratio(pairs: list[tuple[float, int]]) -> float:
    """How far (old, new) points moved together: the least-squares new-per-old factor."""
    moved = sum(old * new for old, new in pairs)
    base = sum(old * old for old, _ in pairs)
    return max(0.0, moved / base) if base > 0 else 1.0


@dataclass(frozen=True)
class Simulated:
    """Fit, engagement and score per lead under a plan, computed as the engine would."""

    fit: npt.NDArray[np.int64]
    engagement: npt.NDArray[np.int64]
    score: npt.NDArray[np.int64]


def simulate(
    lay: Layout,
    plan: PointsPlan,
    x: Matrix,
    occurrences: Matrix,
    *,
    account_max: int,
    person_max: int,
) -> Simulated:
    """
    The engine's fit, engagement and score for each row under *plan*, from the features
    (*x*) and each signal's uncapped decayed occurrences (*occurrences*, signal order).
    """
    pts = np.array(plan.points, dtype=np.float64)
    sums = {}
    for group in ("account", "person", "adjustment"):
        cols = [i for i, f in enumerate(lay.features) if f.kind != "signal" and f.group == group]
        sums[group] = x[:, cols] @ pts[cols] if cols else np.zeros(len(x))
    fit = np.clip(
        np.minimum(sums["account"], account_max)
        + np.minimum(sums["person"], person_max)
        + sums["adjustment"],
        0,
        100,
    )
    signal_cols = lay.columns("signal")
    per_occurrence = pts[signal_cols]
    caps = np.array([plan.caps[i] for i in signal_cols], dtype=np.float64)
    raw = np.minimum(occurrences * per_occurrence, caps).sum(axis=1) if signal_cols else 0.0
    engagement = np.floor(np.minimum(100.0, raw) + 0.5)
    score = np.floor(fit * plan.fit_weight + engagement * plan.engagement_weight + 0.5)
    return Simulated(fit.astype(np.int64), engagement.astype(np.int64), score.astype(np.int64))


Goal = tuple[Literal["share", "precision"], float]


@dataclass(frozen=True)
class Thresholds:
    """The chosen Sales Ready thresholds and what they achieve on the training set."""

    min_fit: int
    min_engagement: int
    called: int
    caught: int
    met: bool
    """Whether the goal was reachable; when not, the pair with the best precision."""


def choose_thresholds(
    fit: npt.NDArray[np.int64],
    engagement: npt.NDArray[np.int64],
    hand_raise: Mask,
    eligible: Mask,
    y: Vector,
    *,
    goal: Goal,
    current: tuple[int, int],
) -> Thresholds:
    """The (min_fit, min_engagement) pair for *goal* (see the module docstring)."""
    n = len(y)
    kind, target = goal
    budget = target * n
    best: tuple[tuple[float, ...], int, int, int, int] | None = None
    fallback: tuple[tuple[float, ...], int, int, int, int] | None = None
    floor_called = max(10, math.ceil(0.01 * n))
    for t_fit in range(101):
        base = eligible & (fit >= t_fit)
        always = base & hand_raise
        always_n, always_hits = int(always.sum()), float(y[always].sum())
        rest = base & ~hand_raise
        counts = np.bincount(engagement[rest], minlength=102)[:101]
        hits = np.bincount(engagement[rest], weights=y[rest], minlength=102)[:101]
        # leads (and converters) with engagement >= t, for every t
        at_least = np.cumsum(counts[::-1])[::-1]
        hits_at_least = np.cumsum(hits[::-1])[::-1]
        for t_eng in range(101):
            called = always_n + int(at_least[t_eng])
            caught = always_hits + float(hits_at_least[t_eng])
            distance = abs(t_fit - current[0]) + abs(t_eng - current[1])
            if kind == "share":
                ok = called <= budget + 1e-9
            else:  # a precision "reached" by calling a handful of leads is noise
                ok = called >= floor_called and caught / called >= target - 1e-12
            key = (-caught, called, distance, -t_fit, -t_eng)
            if ok and (best is None or key < best[0]):
                best = (key, t_fit, t_eng, called, int(caught))
            if called >= floor_called:
                fkey = (-(caught / called), *key)
                if fallback is None or fkey < fallback[0]:
                    fallback = (fkey, t_fit, t_eng, called, int(caught))
    if best is not None:
        return Thresholds(best[1], best[2], best[3], best[4], True)
    if fallback is not None:
        return Thresholds(fallback[1], fallback[2], fallback[3], fallback[4], False)
    return Thresholds(current[0], current[1], 0, 0, False)

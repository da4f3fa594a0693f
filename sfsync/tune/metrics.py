"""
How well a ranking separates converters: AUC, top-decile lift, precision and recall of a
selection, and calibration.

Scores here are integers with many ties (0-100), so the "top 10%" is tie-fair: a tied group
that straddles the cut counts with the share of it that fits, which is what a random order
within the tie would give on average. Pure apart from numpy and scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

Vector = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

CALIBRATION_BINS = 10
AUC_SEED = 7


@dataclass(frozen=True)
class Selection:
    """Who gets called: how many, the share of leads, and how many of them converted."""

    called: float
    share: float
    precision: float | None
    recall: float | None


@dataclass(frozen=True)
class CalibrationBin:
    """One bin of leads by predicted probability: mean prediction vs observed rate."""

    predicted: float
    observed: float
    leads: int


def auc(y: Vector, score: Vector) -> float | None:
    """Area under the ROC curve (ties count half); None when only one outcome occurs."""
    if len(y) == 0 or y.min() == y.max():
        return None
    return float(roc_auc_score(y, score))


def auc_interval(
    y: Vector, score: Vector, *, resamples: int = 200, seed: int = AUC_SEED
) -> tuple[float, float] | None:
    """A 95% percentile-bootstrap interval of the AUC; None when it cannot be computed."""
    if auc(y, score) is None:
        return None
    rng = np.random.default_rng(seed)
    n = len(y)
    _, inverse = np.unique(score, return_inverse=True)  # tied scores share a group
    inverse = inverse.reshape(-1)
    groups = int(inverse.max()) + 1
    values = []
    for _ in range(resamples):
        picked = np.bincount(rng.integers(0, n, size=n), minlength=n).astype(np.float64)
        positives = np.bincount(inverse, weights=picked * y, minlength=groups)
        negatives = np.bincount(inverse, weights=picked * (1 - y), minlength=groups)
        pairs = positives.sum() * negatives.sum()
        if pairs:
            below = np.cumsum(negatives) - negatives  # negatives scored lower, per group
            values.append(float(positives @ (below + 0.5 * negatives)) / float(pairs))
    if not values:
        return None
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def top_share(y: Vector, score: Vector, share: float) -> Selection:
    """Calling the top *share* of leads by *score*, ties shared fairly."""
    n = len(y)
    k = share * n
    positives = float(y.sum())
    if n == 0 or k <= 0:
        return Selection(0.0, 0.0, None, 0.0 if positives else None)
    values, inverse = np.unique(-score, return_inverse=True)  # best score first
    counts = np.bincount(inverse, minlength=len(values)).astype(np.float64)
    hits = np.bincount(inverse, weights=y, minlength=len(values))
    taken = caught = 0.0
    for count, hit in zip(counts, hits, strict=True):
        if taken + count <= k:
            taken, caught = taken + count, caught + hit
            continue
        part = (k - taken) / count
        taken, caught = k, caught + part * hit
        break
    return Selection(
        taken,
        taken / n,
        caught / taken if taken else None,
        caught / positives if positives else None,
    )


def top_decile_lift(y: Vector, score: Vector) -> float | None:
    """The top 10%'s conversion rate over everyone's; None without conversions."""
    rate = float(y.mean()) if len(y) else 0.0
    top = top_share(y, score, 0.1)
    if not rate or top.precision is None:
        return None
    return top.precision / rate


def selected(y: Vector, chosen: Mask) -> Selection:
    """Calling exactly the *chosen* leads."""
    n = len(y)
    called = int(chosen.sum())
    caught = float(y[chosen].sum())
    positives = float(y.sum())
    return Selection(
        float(called),
        called / n if n else 0.0,
        caught / called if called else None,
        caught / positives if positives else None,
    )


def platt(train_y: Vector, train_score: Vector) -> tuple[float, float]:
    """
    (a, b) with P(convert) = 1 / (1 + exp(-(a + b * score))), fitted on the training set, so
    a score (not a probability) can be drawn on a calibration chart.
    """
    if len(train_y) == 0 or train_y.min() == train_y.max():
        rate = float(train_y.mean()) if len(train_y) else 0.5
        rate = min(max(rate, 1e-6), 1 - 1e-6)
        return float(np.log(rate / (1 - rate))), 0.0
    model = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000)
    model.fit(train_score.reshape(-1, 1), train_y)
    return float(model.intercept_[0]), float(model.coef_[0][0])


def calibration(
    y: Vector, probability: Vector, bins: int = CALIBRATION_BINS
) -> list[CalibrationBin]:
    """Leads in *bins* equal-size groups by predicted probability: prediction vs outcome."""
    if len(y) == 0:
        return []
    order = np.lexsort((np.arange(len(y)), probability))
    out = []
    for part in np.array_split(order, min(bins, len(y))):
        if len(part):
            out.append(
                CalibrationBin(float(probability[part].mean()), float(y[part].mean()), len(part))
            )
    return out

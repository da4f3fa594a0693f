"""
The two regularised logistic regressions the study compares, and the bootstrap.

- **points-shaped** (`fit_bounded`): L2-regularised logistic regression whose signal weights
  are bounded at 0 (an engagement signal's points cannot be negative in the definition),
  solved by a projected Newton method. Its weights become the proposal's points.
- **unconstrained** (`fit_free`): scikit-learn's `LogisticRegression` on the same columns,
  weights free in sign and size: the yardstick for what whole points within the caps cost.

Both minimise scikit-learn's objective, `0.5 * |w - w0|^2 + C * sum(log-loss)`, intercept
not penalised, so one `C` means the same in both. The points-shaped fit may start from what
people signed off: `w0` (`prior_weights`) is today's points in log-odds, so a weak or
drifting history moves the numbers only as far as it supports, and a penalty as strong as
the grid allows gives back today's definition, not one without points. The unconstrained
yardstick keeps `w0 = 0`. `C` (and `w0`: today's or 0) is chosen on the training set alone,
by time again: fit on its older three quarters, score the log-loss on its newest quarter.

Leads with the same features and outcome are one weighted row (most leads without activity
share a handful of fit profiles), so a fit costs the distinct rows, not the leads; a
bootstrap resample is a new set of row weights. Everything is deterministic: fixed grids, a
seeded bootstrap, no random starts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression

Vector = npt.NDArray[np.float64]
Matrix = npt.NDArray[np.float64]

PENALTIES: tuple[float, ...] = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
"""The grid of inverse regularisation strengths C tried (larger = weaker penalty)."""
BOOTSTRAP_SEED = 20261120
_VALIDATION_SHARE = 0.25
_MAX_ITERATIONS = 100
_TOLERANCE = 1e-10


@dataclass(frozen=True)
class Fit:
    """A fitted logistic model: log-odds = intercept + x @ coef."""

    intercept: float
    coef: Vector
    penalty: float
    prior: Vector | None = None
    """The weights the penalty pulls towards (None: 0)."""

    def log_odds(self, x: Matrix) -> Vector:
        """The model's log-odds for each row of *x*."""
        out: Vector = self.intercept + x @ self.coef
        return out

    def probability(self, x: Matrix) -> Vector:
        """The model's probability of converting for each row of *x*."""
        return sigmoid(self.log_odds(x))


@dataclass(frozen=True)
class Rows:
    """Distinct (features, outcome) rows and, per lead, which row it is."""

    x: Matrix
    y: Vector
    leads: npt.NDArray[np.int64]
    """Lead index -> row index."""
    counts: Vector
    """Leads per row."""


def distinct_rows(x: Matrix, y: Vector) -> Rows:
    """Group identical (features, outcome) rows, in a deterministic (sorted) order."""
    if len(y) == 0:
        return Rows(x, y, np.zeros(0, dtype=np.int64), np.zeros(0))
    unique, inverse = np.unique(np.column_stack([x, y]), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1).astype(np.int64)
    counts = np.bincount(inverse, minlength=len(unique)).astype(np.float64)
    return Rows(unique[:, :-1].copy(), unique[:, -1].copy(), inverse, counts)


def sigmoid(z: Vector) -> Vector:
    """1 / (1 + e^-z), without overflow."""
    out: Vector = np.exp(-np.logaddexp(0.0, -z))
    return out


def log_loss(y: Vector, p: Vector, weights: Vector | None = None) -> float:
    """Mean negative log-likelihood of outcomes *y* (0/1) under probabilities *p*."""
    p = np.clip(p, 1e-12, 1 - 1e-12)
    losses = -(y * np.log(p) + (1 - y) * np.log1p(-p))
    return float(np.average(losses, weights=weights))


def prior_weights(score: Vector, y: Vector, points: Sequence[float]) -> Vector:
    """
    Today's numbers in log-odds: each feature's *points* in the score (points times its
    part's score weight) times the log-odds one point of today's *score* is worth on the
    training leads (a one-variable logistic fit; 0 when the score does not rank them).
    """
    if len(y) == 0 or y.min() == y.max() or score.min() == score.max():
        return np.zeros(len(points))
    slope = fit_free(score.reshape(-1, 1), y, penalty=1e6).coef[0]
    return max(float(slope), 0.0) * np.asarray(points, dtype=np.float64)


def _objective(
    theta: Vector, x: Matrix, y: Vector, w: Vector, total: float, scale: float, prior: Vector
) -> float:
    z = theta[0] + x @ theta[1:]
    away = theta[1:] - prior
    return float(w @ (np.logaddexp(0.0, z) - y * z)) / total + 0.5 * scale * float(away @ away)


def fit_bounded(
    x: Matrix,
    y: Vector,
    *,
    penalty: float,
    lower: Sequence[float | None],
    weights: Vector | None = None,
    start: Fit | None = None,
    prior: Vector | None = None,
) -> Fit:
    """
    L2-regularised logistic regression with weights bounded below at 0 where *lower* says 0
    (None: unbounded), penalised towards *prior* (None: 0), by projected Newton steps with a
    backtracking line search.

    Raises:
        ValueError: *lower* does not give one bound per column, or a bound other than 0.
    """
    n, p = x.shape
    if len(lower) != p or any(b not in (None, 0.0) for b in lower):
        msg = f"one lower bound (0 or None) per column: {p} columns, bounds {list(lower)}"
        raise ValueError(msg)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    total = float(w.sum()) or 1.0
    scale = 1.0 / (penalty * total)  # the objective divided by C * total: same minimiser
    bounded = np.array([False, *(b is not None for b in lower)])
    design = np.column_stack([np.ones(n), x])
    centre = np.zeros(p) if prior is None else np.asarray(prior, dtype=np.float64)
    if centre.shape != (p,):
        msg = f"one prior weight per column: {p} columns, {centre.shape[0]} weights"
        raise ValueError(msg)
    anchor = np.concatenate([[0.0], centre])
    theta = np.zeros(p + 1)
    if start is not None:
        theta[0] = start.intercept
        theta[1:] = np.where(bounded[1:], np.maximum(start.coef, 0.0), start.coef)
    else:
        rate = min(max(float(w @ y) / total, 1e-6), 1 - 1e-6)
        theta[0] = math.log(rate / (1 - rate))
        theta[1:] = np.where(bounded[1:], np.maximum(centre, 0.0), centre)
    ridge = np.full(p + 1, scale)
    ridge[0] = 0.0
    current = _objective(theta, x, y, w, total, scale, centre)
    for _ in range(_MAX_ITERATIONS):
        z = design @ theta
        prob = sigmoid(z)
        grad = design.T @ (w * (prob - y)) / total + ridge * (theta - anchor)
        at_bound = bounded & (theta <= 1e-12) & (grad > 0)
        free = ~at_bound
        if float(np.max(np.abs(grad[free]), initial=0.0)) < _TOLERANCE:
            break
        curvature = w * prob * (1 - prob) / total
        hessian = (design[:, free].T * curvature) @ design[:, free] + np.diag(ridge[free])
        step = np.zeros(p + 1)
        step[free] = -np.linalg.solve(hessian + 1e-12 * np.eye(int(free.sum())), grad[free])
        size = 1.0
        while True:
            trial = theta + size * step
            trial[bounded] = np.maximum(trial[bounded], 0.0)
            value = _objective(trial, x, y, w, total, scale, centre)
            if value <= current + 1e-4 * float(grad @ (trial - theta)) or size < 1e-10:
                break
            size *= 0.5
        if current - value < 1e-15 * max(1.0, abs(current)):
            theta, current = trial, min(value, current)
            break
        theta, current = trial, value
    return Fit(float(theta[0]), theta[1:].copy(), penalty, None if prior is None else centre)


def fit_free(x: Matrix, y: Vector, *, penalty: float, weights: Vector | None = None) -> Fit:
    """scikit-learn's L2 logistic regression, weights free in sign and size."""
    model = LogisticRegression(C=penalty, solver="newton-cholesky", max_iter=200, tol=1e-10)
    model.fit(x, y, sample_weight=weights)
    return Fit(float(model.intercept_[0]), np.asarray(model.coef_[0], dtype=np.float64), penalty)


def choose_penalty(
    x: Matrix, y: Vector, *, lower: Sequence[float | None], prior: Vector | None = None
) -> float:
    """
    The C of PENALTIES whose bounded fit (towards *prior*) on the training set's older three
    quarters has the lowest log-loss on its newest quarter (rows must be in time order). Ties
    go to the stronger penalty.
    """
    return choose_fit(x, y, lower=lower, priors=[prior])[0]


def choose_fit(
    x: Matrix, y: Vector, *, lower: Sequence[float | None], priors: Sequence[Vector | None]
) -> tuple[float, Vector | None]:
    """
    The (C, prior) pair, of PENALTIES and *priors*, whose bounded fit on the training set's
    older three quarters has the lowest log-loss on its newest quarter (rows in time order).
    Ties go to the earlier prior, then to the stronger penalty.
    """
    n = len(y)
    cut = round(n * (1 - _VALIDATION_SHARE))
    if cut in (0, n) or y[:cut].min() == y[:cut].max():
        return 1.0, priors[0]
    rows = distinct_rows(x[:cut], y[:cut])
    best, best_loss = (PENALTIES[0], priors[0]), math.inf
    for prior in priors:
        fit: Fit | None = None
        for c in PENALTIES:
            fit = fit_bounded(
                rows.x, rows.y, penalty=c, lower=lower, weights=rows.counts, start=fit, prior=prior
            )
            loss = log_loss(y[cut:], fit.probability(x[cut:]))
            if loss < best_loss - 1e-9:
                best, best_loss = (c, prior), loss
    return best


def likelihood_ratio(x: Matrix, y: Vector, fit: Fit) -> float:
    """2 * (log-likelihood of *fit* - that of the base rate alone), over the rows given."""
    n = len(y)
    if n == 0:
        return 0.0
    rate = float(y.mean())
    base = log_loss(y, np.full(n, rate))
    return max(0.0, 2 * n * (base - log_loss(y, fit.probability(x))))


def bootstrap(
    rows: Rows,
    fit: Fit,
    *,
    lower: Sequence[float | None],
    resamples: int,
    seed: int = BOOTSTRAP_SEED,
) -> Matrix:
    """
    The bounded fit's weights on *resamples* resamples of the leads (with replacement), one
    row of weights per resample, from a seeded generator (the same every run).
    """
    rng = np.random.default_rng(seed)
    n = len(rows.leads)
    out = np.empty((resamples, rows.x.shape[1]), dtype=np.float64)
    for b in range(resamples):
        picked = np.bincount(rng.integers(0, n, size=n), minlength=n).astype(np.float64)
        weights = np.bincount(rows.leads, weights=picked, minlength=len(rows.y)).astype(np.float64)
        again = fit_bounded(
            rows.x, rows.y, penalty=fit.penalty, lower=lower, weights=weights, start=fit,
            prior=fit.prior,
        )  # fmt: skip
        out[b] = again.coef
    return out

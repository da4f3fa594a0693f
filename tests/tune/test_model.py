"""The bounded logistic fit, the unconstrained one, the penalty choice and the bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from sfsync.tune.model import (
    bootstrap,
    choose_fit,
    choose_penalty,
    distinct_rows,
    fit_bounded,
    fit_free,
    likelihood_ratio,
    prior_weights,
)


def data(n: int = 3000, seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Two indicator columns and one count column with known effects (+1.5, 0, -0.8)."""
    rng = np.random.default_rng(seed)
    x = np.column_stack(
        [
            rng.random(n) < 0.4,
            rng.random(n) < 0.5,
            rng.integers(0, 4, n),
        ]
    ).astype(np.float64)
    logit = -1.0 + 1.5 * x[:, 0] - 0.8 * x[:, 2]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.float64)
    return x, y


def test_unbounded_fit_matches_scikit_learn() -> None:
    """Same objective, same optimum: the Newton fit equals LogisticRegression's."""
    x, y = data()

    ours = fit_bounded(x, y, penalty=0.5, lower=[None, None, None])
    theirs = fit_free(x, y, penalty=0.5)

    assert ours.coef == pytest.approx(theirs.coef, abs=1e-6)
    assert ours.intercept == pytest.approx(theirs.intercept, abs=1e-6)


def test_bound_holds_and_recovers_the_planted_effects() -> None:
    """A column bounded at 0 whose effect is negative stays at 0; the others are recovered."""
    x, y = data()

    fit = fit_bounded(x, y, penalty=10.0, lower=[None, None, 0.0])

    assert fit.coef[2] == 0.0
    free = fit_bounded(x, y, penalty=10.0, lower=[None, None, None])
    assert free.coef[0] == pytest.approx(1.5, abs=0.2)
    assert free.coef[2] == pytest.approx(-0.8, abs=0.2)
    assert abs(free.coef[1]) < 0.15


def test_distinct_rows_with_weights_fit_as_the_leads_do() -> None:
    """Grouping identical leads into weighted rows changes nothing in the fit."""
    x, y = data()
    rows = distinct_rows(x, y)

    grouped = fit_bounded(rows.x, rows.y, penalty=1.0, lower=[None, None, 0.0], weights=rows.counts)
    plain = fit_bounded(x, y, penalty=1.0, lower=[None, None, 0.0])

    assert len(rows.y) == 32  # 2 x 2 x 4 feature values x 2 outcomes
    assert grouped.coef == pytest.approx(plain.coef, abs=1e-8)
    assert (rows.x[rows.leads] == x).all()


def test_bounds_must_be_zero_or_none() -> None:
    """Only a lower bound of 0 (or none) is supported, one per column."""
    x, y = data(50)
    with pytest.raises(ValueError, match="one lower bound"):
        fit_bounded(x, y, penalty=1.0, lower=[None, 1.0, None])


def test_penalty_choice_and_bootstrap_are_deterministic() -> None:
    """The chosen C and the bootstrap weights repeat exactly; the interval covers the truth."""
    x, y = data()
    rows = distinct_rows(x, y)
    lower = [None, None, None]

    c = choose_penalty(x, y, lower=lower)
    fit = fit_bounded(rows.x, rows.y, penalty=c, lower=lower, weights=rows.counts)
    first = bootstrap(rows, fit, lower=lower, resamples=40)

    assert c == choose_penalty(x, y, lower=lower)
    assert (first == bootstrap(rows, fit, lower=lower, resamples=40)).all()
    low, high = np.percentile(first[:, 0], [2.5, 97.5])
    assert low < 1.5 < high


def test_likelihood_ratio_is_large_with_signal_and_small_without() -> None:
    """The fit beats the base rate by far when there is signal, barely when there is none."""
    x, y = data()
    rng = np.random.default_rng(9)
    noise = (rng.random(len(y)) < y.mean()).astype(np.float64)

    signal = likelihood_ratio(x, y, fit_bounded(x, y, penalty=1.0, lower=[None] * 3))
    chance = likelihood_ratio(x, noise, fit_bounded(x, noise, penalty=1.0, lower=[None] * 3))

    assert signal > 100
    assert chance < 15


def test_a_strong_penalty_gives_back_the_prior_not_zero() -> None:
    """Pulled towards today's weights, the strongest penalty keeps them; data moves them."""
    x, y = data()
    today = np.array([0.5, 0.7, 0.2])
    lower = [None, 0.0, None]

    held = fit_bounded(x, y, penalty=1e-6, lower=lower, prior=today)
    learnt = fit_bounded(x, y, penalty=100.0, lower=lower, prior=today)

    assert held.coef == pytest.approx(today, abs=1e-3)
    assert learnt.coef[0] == pytest.approx(1.5, abs=0.2)
    assert learnt.coef[2] == pytest.approx(-0.8, abs=0.2)
    assert 0 <= learnt.coef[1] < 0.15
    assert (held.prior == today).all()
    with pytest.raises(ValueError, match="one prior weight per column"):
        fit_bounded(x, y, penalty=1.0, lower=[None] * 3, prior=np.zeros(2))


def test_prior_weights_are_today_s_points_in_log_odds() -> None:
    """Proportional to each feature's points; none when today's score does not rank leads."""
    x, y = data()
    points = [30.0, 0.0, 10.0]
    score = x @ np.array(points)
    reversed_score = -x[:, 0]

    prior = prior_weights(score, y, points)

    assert prior[0] > 0
    assert prior[1] == 0
    assert prior[2] == pytest.approx(prior[0] / 3)
    assert (prior_weights(reversed_score, y, points) == 0).all()


def test_the_start_that_predicts_the_newest_training_leads_wins() -> None:
    """Right weights are kept on a short history; wrong ones are overruled by the data."""
    x, y = data(400, seed=5)
    right = np.array([1.5, 0.0, -0.8])
    wrong = np.array([-1.5, 2.0, 0.8])
    lower = [None, None, None]

    kept_c, kept = choose_fit(x, y, lower=lower, priors=[right, None])
    overruled_c, overruled = choose_fit(x, y, lower=lower, priors=[wrong, None])

    assert kept is right
    assert kept_c <= 0.01  # held close to today's weights
    fit = fit_bounded(x, y, penalty=overruled_c, lower=lower, prior=overruled)
    assert overruled_c >= 1.0  # weak enough for the data to speak
    assert fit.coef[0] > 0.5 > -0.5 > fit.coef[2]  # the true signs, not the wrong ones

"""AUC, tie-fair top shares, lift, selections and calibration."""

from __future__ import annotations

import numpy as np
import pytest

from sfsync.tune.metrics import (
    auc,
    auc_interval,
    calibration,
    platt,
    selected,
    top_decile_lift,
    top_share,
)


def test_auc_counts_ties_as_half() -> None:
    """One converter tied with one of two others: (1 + 0.5) / 2."""
    y = np.array([1.0, 0.0, 0.0])
    score = np.array([5.0, 5.0, 1.0])

    assert auc(y, score) == 0.75
    assert auc(np.ones(3), score) is None


def test_auc_interval_brackets_the_auc_and_is_the_same_every_run() -> None:
    """The bootstrap interval contains the AUC and repeats exactly (seeded)."""
    rng = np.random.default_rng(3)
    score = rng.normal(size=500)
    y = (rng.random(500) < 1 / (1 + np.exp(-2 * score))).astype(np.float64)

    first = auc_interval(y, score)
    assert first is not None
    assert first[0] < auc(y, score) < first[1]  # type: ignore[operator]
    assert first == auc_interval(y, score)
    assert auc_interval(np.zeros(5), np.arange(5.0)) is None


def test_auc_interval_of_pure_noise_contains_one_half() -> None:
    """A score unrelated to the outcome is no better than chance, and the interval says so."""
    rng = np.random.default_rng(11)
    interval = auc_interval((rng.random(800) < 0.3).astype(np.float64), rng.normal(size=800))

    assert interval is not None
    assert interval[0] < 0.5 < interval[1]


def test_top_share_shares_a_straddling_tie_fairly() -> None:
    """Calling 2 of 4 leads when the 2nd and 3rd tie takes half of each tied lead."""
    y = np.array([1.0, 1.0, 0.0, 0.0])
    score = np.array([9.0, 5.0, 5.0, 1.0])

    chosen = top_share(y, score, 0.5)

    assert chosen.called == 2
    assert chosen.precision == pytest.approx(0.75)
    assert chosen.recall == pytest.approx(0.75)


def test_top_decile_lift_is_the_top_tenth_rate_over_the_base_rate() -> None:
    """All converters in the top tenth: lift = 1 / base rate."""
    y = np.array([1.0] * 10 + [0.0] * 90)
    score = np.arange(100.0)[::-1]

    assert top_decile_lift(y, score) == pytest.approx(10.0)
    assert top_decile_lift(np.zeros(10), np.arange(10.0)) is None


def test_selected_counts_what_was_called() -> None:
    """Precision, recall and share of an explicit selection; none called has no precision."""
    y = np.array([1.0, 0.0, 1.0, 0.0])

    chosen = selected(y, np.array([True, True, False, False]))

    assert (chosen.called, chosen.share, chosen.precision, chosen.recall) == (2, 0.5, 0.5, 0.5)
    assert selected(y, np.zeros(4, dtype=bool)).precision is None


def test_calibration_bins_follow_the_predictions() -> None:
    """Ten equal bins in order of prediction; a calibrated model's bins sit on the diagonal."""
    rng = np.random.default_rng(5)
    p = rng.random(20_000)
    y = (rng.random(20_000) < p).astype(np.float64)

    bins = calibration(y, p)

    assert len(bins) == 10
    assert [b.leads for b in bins] == [2000] * 10
    assert all(abs(b.predicted - b.observed) < 0.04 for b in bins)
    assert [b.predicted for b in bins] == sorted(b.predicted for b in bins)


def test_platt_turns_a_score_into_a_chance() -> None:
    """Higher scores map to higher chances; one outcome only gives the base rate."""
    score = np.array([10.0, 20.0, 30.0, 80.0, 90.0, 95.0])
    y = np.array([0.0, 0.0, 1.0, 0.0, 1.0, 1.0])

    a, b = platt(y, score)

    assert b > 0
    assert platt(np.zeros(3), np.arange(3.0))[1] == 0.0
    assert a is not None

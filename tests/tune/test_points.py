"""Weights to whole points within the caps, the engine's arithmetic, and the thresholds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sfsync.definition.loader import compile_loaded, parse_definition
from sfsync.scoring import qualify
from sfsync.scoring.contributions import contributions
from sfsync.tune.features import layout, matrix, occurrences
from sfsync.tune.points import choose_thresholds, simulate, to_points
from sfsync.tune.proposal import Change, apply_changes
from tests.scoring.factories import (
    DEFAULT_YAML,
    NOW,
    activities,
    days_ago,
    default_definition,
    make_lead,
    make_member,
    make_web,
)

CAPS = {"account_max": 50, "person_max": 50}


def half_up(value: float) -> int:
    """Round half away from zero, as points are rounded."""
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


def weights(**by_key: float) -> np.ndarray:
    """A weight vector over the default layout, zero except the named features."""
    lay = layout(default_definition())
    keys = [f.key for f in lay.features]
    out = np.zeros(len(keys))
    for key, value in by_key.items():
        out[keys.index(key.replace("__", ":"))] = value
    return out


def test_points_follow_the_weights_and_fill_the_tightest_cap() -> None:
    """Account points are proportional to the weights and the best account lead gets 50."""
    lay = layout(default_definition())
    coef = weights(
        **{
            "band__industry__0": 2.0,
            "band__company_size__0": 1.0,
            "band__company_size__1": 0.5,
            "band__seniority__0": 0.4,
        }
    )

    plan = to_points(lay, coef, **CAPS)
    pts = dict(zip((f.key for f in lay.features), plan.points, strict=True))

    assert pts["band:industry:0"] == 33
    assert pts["band:company_size:0"] == 17
    assert pts["band:company_size:1"] == 8
    assert pts["band:industry:0"] + pts["band:company_size:0"] <= 50
    assert pts["band:seniority:0"] == 7
    assert pts["band:revenue:0"] == 0


def test_rounding_never_pushes_a_group_past_its_max() -> None:
    """Three criteria rounding up together are scaled a hair down to stay within the cap."""
    lay = layout(default_definition())
    coef = weights(
        **{"band__industry__0": 1.0, "band__company_size__0": 1.0, "band__revenue__0": 1.0}
    )

    plan = to_points(lay, coef, **CAPS)
    pts = dict(zip((f.key for f in lay.features), plan.points, strict=True))

    assert pts["band:industry:0"] + pts["band:company_size:0"] + pts["band:revenue:0"] <= 50
    assert pts["band:industry:0"] == 16  # 16.67 each would round to 51


def test_signal_caps_keep_their_occurrences_and_sum_within_100() -> None:
    """Each cap still counts cap/points occurrences; all caps together fit in 100."""
    lay = layout(default_definition())
    coef = weights(signal__pricing_page_view=1.0, signal__site_visit=0.5, signal__ad_click=-0.3)

    plan = to_points(lay, coef, **CAPS)
    keys = [f.key for f in lay.features]
    pricing, visit, ad = (
        keys.index(k) for k in ("signal:pricing_page_view", "signal:site_visit", "signal:ad_click")
    )

    assert abs(plan.points[pricing] - 2 * plan.points[visit]) <= 1
    assert plan.caps[pricing] == 2 * plan.points[pricing]  # today: 30 / 15 = 2 views
    assert plan.caps[visit] == 4 * plan.points[visit]  # today: 20 / 5 = 4 visits
    assert sum(plan.caps.values()) <= 100
    assert plan.points[ad] == 0
    assert plan.caps[ad] == 0


def test_a_number_the_training_set_cannot_judge_keeps_its_place_among_its_group() -> None:
    """Kept (unseen) columns: today's points times the learnt ones' move, within the caps."""
    lay = layout(default_definition())
    keys = [f.key for f in lay.features]
    coef = weights(signal__pricing_page_view=1.0, signal__content_form_fill=2.0,
                   band__industry__0=1.0)  # fmt: skip
    kept = [keys.index("signal:competitor_research"), keys.index("band:company_size:0")]

    plan = to_points(lay, coef, **CAPS, kept=kept)
    unseen = to_points(lay, coef, **CAPS)
    pts = dict(zip(keys, plan.points, strict=True))
    old = {f.key: f.points for f in lay.features}

    assert unseen.points[kept[0]] == 0  # learnt from nothing, it would vanish
    assert plan.kept == frozenset(kept)
    ratio = plan.ratios["engagement"]
    assert 0 < ratio < 1
    assert pts["signal:competitor_research"] == half_up(old["signal:competitor_research"] * ratio)
    assert plan.caps[kept[0]] == 2 * pts["signal:competitor_research"]  # today: 30 / 15
    assert sum(plan.caps.values()) <= 100
    assert pts["band:company_size:0"] == half_up(old["band:company_size:0"] * plan.ratios["fit"])
    assert pts["band:industry:0"] + pts["band:company_size:0"] <= 50


def test_score_weights_make_a_fit_point_worth_an_engagement_point() -> None:
    """fit_weight / engagement_weight = engagement scale / fit scale, to two places."""
    lay = layout(default_definition())
    coef = weights(band__industry__0=1.0, signal__pricing_page_view=1.0)

    plan = to_points(lay, coef, **CAPS)

    assert plan.fit_weight + plan.engagement_weight == pytest.approx(1)
    assert plan.fit_weight == pytest.approx(
        plan.engagement_scale / (plan.fit_scale + plan.engagement_scale), abs=0.005
    )


def test_simulation_is_what_the_engine_computes_with_the_proposal() -> None:
    """Fit, engagement and score simulated from features equal qualify under the new YAML."""
    c = default_definition()
    lay = layout(c)
    coef = weights(
        **{
            "band__industry__0": 1.2,
            "band__seniority__0": 0.9,
            "band__seniority__4": -0.4,
            "adjustment__free_mail": -0.7,
            "signal__pricing_page_view": 0.8,
            "signal__content_form_fill": 1.1,
            "signal__site_visit": 0.2,
        }
    )
    plan = to_points(lay, coef, **CAPS)
    changes = [Change(f.path, plan.points[j], "test") for j, f in enumerate(lay.features)]
    changes += [
        Change((*lay.features[j].path[:-1], "cap"), cap, "test") for j, cap in plan.caps.items()
    ]
    changes += [
        Change(("score", "fit_weight"), plan.fit_weight, "test"),
        Change(("score", "engagement_weight"), plan.engagement_weight, "test"),
    ]
    text = apply_changes(DEFAULT_YAML.read_text(), changes)
    proposed = compile_loaded(parse_definition(text), source="test")
    leads = [
        (make_lead(), activities(make_web(days_ago(3), url="/pricing", Id="a001"))),
        (
            make_lead(Title="CEO", Email="x@gmail.com", Industry="Retail"),
            activities(make_member(days_ago(10)), make_web(days_ago(40), Id="a002")),
        ),
        (
            make_lead(Title="Engineer", NumberOfEmployees=None),
            activities(*[make_web(days_ago(i), url="/pricing", Id=f"a00p{i}") for i in range(6)]),
        ),
    ]
    rows = [contributions(lead, acts, c, now=NOW) for lead, acts in leads]

    sim = simulate(lay, plan, matrix(lay, rows), occurrences(lay, rows), **CAPS)
    engine = [qualify(lead, acts, proposed, now=NOW) for lead, acts in leads]

    assert list(sim.fit) == [q.fit for q in engine]
    assert list(sim.engagement) == [q.engagement for q in engine]
    assert list(sim.score) == [q.score for q in engine]


def test_thresholds_catch_the_most_converters_within_the_share() -> None:
    """With a budget of 3 calls, the pair calling the 3 likeliest converters wins."""
    fit = np.array([90, 80, 70, 60, 20, 90], dtype=np.int64)
    engagement = np.array([50, 60, 5, 55, 90, 0], dtype=np.int64)
    hand_raise = np.array([False, False, True, False, False, False])
    eligible = np.array([True] * 5 + [False])
    y = np.array([1, 1, 1, 0, 1, 1], dtype=np.float64)

    chosen = choose_thresholds(
        fit, engagement, hand_raise, eligible, y, goal=("share", 0.5), current=(50, 40)
    )

    assert (chosen.called, chosen.caught, chosen.met) == (3, 3, True)
    assert chosen.min_fit > 60
    assert chosen.min_engagement > 5 or chosen.min_fit > 70


def test_precision_goal_and_its_fallback() -> None:
    """
    A reachable precision maximises converters caught, calling at least 10 leads (1%); an
    unreachable one gives the best precision and says so.
    """
    rng = np.random.default_rng(1)
    fit = rng.integers(0, 101, 400)
    engagement = rng.integers(0, 101, 400)
    y = (rng.random(400) < (fit + engagement) / 250).astype(np.float64)
    none = np.zeros(400, dtype=np.bool_)
    everyone = np.ones(400, dtype=np.bool_)

    reachable = choose_thresholds(
        fit, engagement, none, everyone, y, goal=("precision", 0.6), current=(50, 40)
    )
    impossible = choose_thresholds(
        fit, engagement, none, everyone, y, goal=("precision", 1.0), current=(50, 40)
    )

    assert reachable.met
    assert reachable.caught / reachable.called >= 0.6
    assert reachable.called >= 10
    assert not impossible.met
    assert impossible.called >= 10

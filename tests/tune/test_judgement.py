"""The verdict, each number's reason and the evidence page, from hand-made findings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from sfsync.tune.changes import explain_changes
from sfsync.tune.charts import calibration_chart, points_chart
from sfsync.tune.features import layout
from sfsync.tune.findings import (
    CURRENT,
    PROPOSED,
    UNCONSTRAINED,
    CriterionRow,
    ModelScore,
    Samples,
    Study,
    ThresholdChoice,
)
from sfsync.tune.judgement import criteria_rows, verdict
from sfsync.tune.metrics import CalibrationBin
from sfsync.tune.model import Fit
from sfsync.tune.page import render_page
from sfsync.tune.points import to_points
from tests.scoring.factories import default_definition

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def model(name: str, auc: float, low: float) -> ModelScore:
    """A model's holdout figures."""
    return ModelScore(name, auc, (low, auc + 0.03), 2.0, 0.4, 0.3, 0.1)


def study(free_low: float = 0.7, new_auc: float = 0.85) -> Study:
    """Findings with the three models scored."""
    s = Study(
        verdict="proposal",
        message="",
        definition_version="default-2026.11.2",
        definition_source="mappings/default.yaml",
        now=NOW,
        horizon=timedelta(days=14),
        holdout_share=0.3,
        samples=Samples(leads=2000, examples=1800, train=1260, train_converted=150),
        proposed_version="default-2026.11.3",
        changes=3,
        proposal="version: x\n",
    )
    s.models = {PROPOSED: model(PROPOSED, new_auc, 0.8), CURRENT: model(CURRENT, 0.8, 0.75),
                UNCONSTRAINED: model(UNCONSTRAINED, 0.86, free_low)}  # fmt: skip
    return s


@pytest.mark.parametrize(
    ("free_low", "fit_p", "new_auc", "expected"),
    [
        (0.7, 1e-9, 0.85, "proposal"),
        (0.49, 1e-9, 0.85, "nothing_to_learn"),
        (0.7, 0.2, 0.85, "nothing_to_learn"),
        (0.7, 1e-9, 0.79, "not_better"),
    ],
)
def test_verdict(free_low: float, fit_p: float, new_auc: float, expected: str) -> None:
    """Chance on the holdout or in the fit means nothing to learn; worse than today, no."""
    decided = verdict(study(free_low, new_auc), fit_p)

    assert decided.verdict == expected
    assert (decided.proposal is not None) == (expected == "proposal")


def test_every_changed_number_says_old_new_and_why() -> None:
    """Bands, a switched-off signal's cap, the thresholds and the score weights explain it."""
    c = default_definition()
    lay = layout(c)
    keys = [f.key for f in lay.features]
    coef = np.zeros(len(keys))
    coef[keys.index("band:industry:0")] = 1.0
    coef[keys.index("signal:pricing_page_view")] = 2.0
    plan = to_points(lay, coef, account_max=50, person_max=50)
    s = study()
    s.criteria = criteria_rows(lay, plan, Fit(0.0, coef, 1.0), Fit(0.0, coef, 1.0),
                               np.tile(coef, (20, 1)), np.ones((10, len(keys))))  # fmt: skip
    s.thresholds = ThresholdChoice("share", 0.1, "the share today's rule calls", 50, 40, 30,
                                   20, 0.1, 0.5, 0.4, True)  # fmt: skip

    changes, header = explain_changes(s, c, lay, plan)
    why = {".".join(map(str, ch.path)): ch.why for ch in changes}

    assert why["version"].startswith("version default-2026.11.2 → default-2026.11.3")
    assert why["fit.account.criteria.0.bands.0.points"].startswith(
        "Industry: target industry: 20 → 50 points: odds x2.72 with it"
    )
    assert why["fit.account.criteria.1.bands.0.points"].startswith(
        "Employees: 1000+ employees: 20 → 0 points: no measurable effect"
    )
    assert why["engagement.signals.ad_click.cap"] == (
        "Ad clicked: cap 12 → 0: the signal earns nothing now"
    )
    assert "call at most 10.0% of leads" in why["status.sales_ready.min_fit"]
    assert why["score.fit_weight"].startswith("score fit_weight 0.5 → 0.33: a fit point")
    assert any("sign it off" in line for line in header)


def test_the_page_escapes_and_says_why_nothing_is_proposed() -> None:
    """Markup in a name is text; a stopped study shows its reason and no points table."""
    s = study()
    s.verdict, s.message, s.models = "too_little_history", "too little history: <b>3</b>", {}
    s.definition_source = "<script>alert(1)</script>.yaml"

    page = render_page(s)

    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.yaml" in page
    assert "too little history: &lt;b&gt;3&lt;/b&gt;" in page
    assert "Points, current and proposed" not in page
    assert "default-src 'none'" in page


def test_charts_are_inline_svg_with_the_same_bytes_for_the_same_numbers() -> None:
    """Both charts are SVG text (labels escaped), byte-identical when drawn twice."""
    bins = [CalibrationBin(p / 10, p / 11, 10) for p in range(10)]
    models = [ModelScore(name, 0.8, None, 2.0, 0.5, 0.4, 0.1, bins)
              for name in (PROPOSED, CURRENT, UNCONSTRAINED)]  # fmt: skip
    rows = [CriterionRow("band:x:0", "band", "account", "<b>Size</b> & more", "p", 10, 12, 8.0,
                         15.0, 0.4, 0.5, 30)]  # fmt: skip

    calibration, points = calibration_chart(models), points_chart(rows)

    assert calibration.startswith('<svg role="img" class="chart"')
    assert points.startswith('<svg role="img" class="chart"')
    assert "&lt;b&gt;Size&lt;/b&gt; &amp; more" in points
    assert "<b>" not in points
    assert calibration == calibration_chart(models)
    assert points == points_chart(rows)

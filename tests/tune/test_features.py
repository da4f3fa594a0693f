"""The definition's criteria as feature columns."""

from __future__ import annotations

import math

from sfsync.scoring.contributions import contributions
from sfsync.tune.features import layout, matrix, occurrences
from tests.scoring.factories import (
    NOW,
    activities,
    days_ago,
    default_definition,
    make_lead,
    make_web,
)


def test_layout_has_one_column_per_number_of_the_definition() -> None:
    """Every band, adjustment and signal of the default definition is a column, with its path."""
    lay = layout(default_definition())

    keys = [f.key for f in lay.features]
    assert keys[:4] == [
        "band:industry:0",
        "band:company_size:0",
        "band:company_size:1",
        "band:company_size:2",
    ]
    assert "adjustment:free_mail" in keys
    assert keys[-7:] == [
        "signal:site_visit",
        "signal:content_form_fill",
        "signal:competitor_research",
        "signal:pricing_page_view",
        "signal:email_engagement",
        "signal:ad_click",
        "signal:third_party_content",
    ]
    size = lay.features[keys.index("band:company_size:1")]
    assert size.path == ("fit", "account", "criteria", 1, "bands", 1, "points")
    assert size.points == 15
    pricing = lay.features[keys.index("signal:pricing_page_view")]
    assert pricing.path == ("engagement", "signals", "pricing_page_view", "points")
    assert pricing.cap_occurrences == 2


def test_matrix_marks_the_matching_band_and_caps_signals_where_the_definition_does() -> None:
    """A VP at a 250-person software firm: those bands are 1; five fresh pricing views count 2."""
    c = default_definition()
    lay = layout(c)
    lead = make_lead(Title="VP Sales", Email="vp@gmail.com")
    pricing = [make_web(days_ago(0), url=f"/pricing?{i}", Id=f"a00{i}") for i in range(5)]
    old_visit = make_web(days_ago(30), url="/blog", Id="a00old")
    k = contributions(lead, activities(*pricing, old_visit), c, now=NOW)

    row = dict(zip((f.key for f in lay.features), matrix(lay, [k])[0], strict=True))

    assert row["band:industry:0"] == 1
    assert row["band:company_size:1"] == 1
    assert row["band:company_size:0"] == row["band:company_size:2"] == 0
    assert row["band:seniority:1"] == 1  # VP/head
    assert row["band:buying_function:0"] == 1
    assert row["adjustment:free_mail"] == 1
    assert row["signal:pricing_page_view"] == 2  # capped at 30 / 15 points
    assert math.isclose(row["signal:site_visit"], 0.5)  # one half-life old
    assert occurrences(lay, [k])[0][3] == 5  # uncapped, in signal order


def test_matrix_of_no_leads_is_empty() -> None:
    """No leads, no rows, still one column per feature."""
    lay = layout(default_definition())

    assert matrix(lay, []).shape == (0, len(lay))
    assert occurrences(lay, []).shape == (0, 7)

"""A definition fits the org: any optional input, BANT item or criterion can be left out."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from sfsync.definition.compile import compile_definition
from sfsync.definition.coverage import gaps, max_engagement, max_fit, not_judged_section
from sfsync.definition.doc import render_markdown
from sfsync.definition.loader import parse_definition
from sfsync.definition.model import Definition
from sfsync.errors import MappingError
from sfsync.scoring import qualify
from tests.scoring.factories import NOW, default_data, make_lead, sf_time


def _without(*paths: str) -> dict[str, Any]:
    data = default_data()
    for path in paths:
        *parents, leaf = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        del node[leaf]
    return data


def test_dropping_an_optional_input_and_its_bant_item_is_valid() -> None:
    """The issue's case: no Pain_Points__c and no bant.need now lints instead of failing."""
    definition = Definition.model_validate(_without("inputs.pain_points", "bant.need"))
    assert definition.bant.need is None
    assert ["budget", "authority", "timeframe"] == [n for n, _ in definition.bant.judged()]
    assert [g.where for g in gaps(definition)] == ["bant.need"]


def test_a_bant_item_left_out_still_needs_its_input_declared_when_present() -> None:
    """Leaving out the input but keeping the criterion is still a clear error."""
    with pytest.raises(MappingError, match="'pain_points' is not a declared input"):
        parse_definition(yaml.safe_dump(_without("inputs.pain_points")), source="x.yaml")


def test_bant_counts_the_judged_criteria_and_says_so() -> None:
    """With need off, BANT is out of 3 on the lead's reason line."""
    compiled = compile_definition(Definition.model_validate(_without("bant.need")))
    q = qualify(make_lead(), {}, compiled, now=NOW)
    assert 3 == q.bant
    assert "BANT 3/3" in q.reasons


def test_no_bant_at_all_leaves_the_field_blank() -> None:
    """With every BANT item off there is no BANT line and SFS_BANT__c is blank, not 0."""
    compiled = compile_definition(Definition.model_validate(_without("bant")))
    q = qualify(make_lead(), {}, compiled, now=NOW)
    assert q.bant is None
    assert not any(r.startswith("BANT") for r in q.reasons)
    assert q.to_fields()["SFS_BANT__c"] is None
    assert "bant.budget" in {g.where for g in gaps(compiled.definition)}


def test_the_sign_off_page_and_lint_name_the_bant_criteria_judged() -> None:
    """The page's "At a glance" counts what is judged (0-3 without need, off without BANT)."""
    three = Definition.model_validate(_without("bant.need"))
    assert "- **BANT** (0\u20133): budget, authority and timeframe we know of." in render_markdown(
        three
    )
    none = Definition.model_validate(_without("bant"))
    assert "- **BANT**: off, no criterion is judged." in render_markdown(none)
    means = {g.where: g.means for g in gaps(none)}
    assert "budget is off: BANT is not judged" == means["bant.budget"]  # no empty "()"


def _drop_criterion(data: dict[str, Any], group: str, name: str) -> dict[str, Any]:
    criteria = data["fit"][group]["criteria"]
    data["fit"][group]["criteria"] = [c for c in criteria if c["name"] != name]
    return data


def test_a_single_fit_criterion_left_out_is_named_by_what_it_judged() -> None:
    """The revenue or buying-function criterion gone: lint and the sign-off page say so."""
    data = _drop_criterion(_without(), "account", "revenue")
    data = _drop_criterion(data, "person", "buying_function")
    definition = Definition.model_validate(data)
    found = [(g.where, g.means) for g in gaps(definition)]
    assert [
        ("fit.account", "no account fit criterion judges revenue"),
        ("fit.person", "no person fit criterion judges buying function"),
    ] == found
    assert "- `fit.account`: no account fit criterion judges revenue." in render_markdown(
        definition
    )
    # a criterion judging the aspect under another name still counts: by the field it reads
    renamed = _without()
    renamed["fit"]["account"]["criteria"][1]["name"] = "headcount"  # company_size, employees
    renamed["fit"]["account"]["criteria"][1]["input"] = "staff"
    renamed["inputs"]["staff"] = renamed["inputs"].pop("employees")
    groups = renamed["status"]["insufficient_data"]["groups"]
    for members in groups.values():
        members[:] = ["staff" if m == "employees" else m for m in members]
    renamed["fit"]["account"]["criteria"][1]["label"] = "Staff"
    assert [] == gaps(Definition.model_validate(renamed))


def test_a_fit_group_left_out_caps_fit_and_lint_says_no_lead_can_be_ready() -> None:
    """Without person fit, fit tops out at 50 + adjustments; min_fit 60 is unreachable."""
    data = _without("fit.person")
    data["status"]["sales_ready"]["min_fit"] = 60
    definition = Definition.model_validate(data)
    assert 50 == max_fit(definition)
    found = {g.where: g.means for g in gaps(definition)}
    assert "person fit is off" in found["fit.person"]
    assert "fit reaches at most 50, below min_fit 60" in found["status.sales_ready.min_fit"]


def test_engagement_left_out_means_engagement_zero_and_no_hand_raise() -> None:
    """No engagement section: every lead's engagement is 0 and lint names what is lost."""
    data = _without("engagement")
    definition = Definition.model_validate(data)
    compiled = compile_definition(definition)
    q = qualify(make_lead(), {}, compiled, now=NOW)
    assert 0 == q.engagement
    assert 0 == max_engagement(definition)
    means = " ".join(g.means for g in gaps(definition))
    assert "engagement is always 0" in means
    assert "no lead can be Sales Ready: engagement reaches at most 0" in means


def test_a_signal_without_a_source_is_never_earned() -> None:
    """A signal nothing feeds is listed, so nobody signs off on points that never come."""
    data = default_data()
    data["engagement"]["sources"] = [
        s for s in data["engagement"]["sources"] if s["signal"] != "ad_click"
    ]
    means = {g.where: g.means for g in gaps(Definition.model_validate(data))}
    assert "'Ad clicked' has no source: never earned" == means["engagement.signals.ad_click"]


def test_the_sign_off_page_shows_which_parts_are_off() -> None:
    """`definition doc` lists the parts that are off; the full default has none."""
    page = render_markdown(Definition.model_validate(_without("bant.need", "bant.budget")))
    assert "Off (not judged): Budget and Need." in page
    assert "`bant.need`: need is off" in page
    assert "Nothing is left out" in not_judged_section(Definition.model_validate(default_data()))


LEAD_SIGNALS = [
    {
        "object": "Lead",
        "lead_field": "Id",
        "at": "pi__last_activity__c",
        "when": {"field": "pi__score__c", "gte": 100},
        "signal": "ma_score",
    },
    {
        "object": "Lead",
        "lead_field": "Id",
        "at": "pi__conversion_date__c",
        "when": {"field": "pi__conversion_object_type__c", "equals": "Form Handler"},
        "signal": "content_form_fill",
    },
]


def _with_lead_signals() -> Definition:
    data = default_data()
    data["engagement"]["signals"]["ma_score"] = {
        "label": "Account Engagement score 100+",
        "points": 25,
        "cap": 25,
    }
    data["engagement"]["sources"] = LEAD_SIGNALS + data["engagement"]["sources"]
    return Definition.model_validate(data)


def test_signals_kept_on_the_lead_count_once_each_dated_by_their_field() -> None:
    """A package's score and conversion on the Lead are signals, both counted, with decay."""
    compiled = compile_definition(_with_lead_signals())
    assert "Lead" not in compiled.activity_objects()
    assert {"pi__score__c", "pi__last_activity__c", "pi__conversion_date__c"} <= set(
        compiled.read_fields()["Lead"]
    )
    lead = make_lead(
        pi__score__c=140,
        pi__last_activity__c=sf_time(NOW.replace(day=10)),
        pi__conversion_date__c=sf_time(NOW.replace(day=18)),
        pi__conversion_object_type__c="Form Handler",
    )
    q = qualify(lead, {}, compiled, now=NOW)
    reasons = "\n".join(q.reasons)
    assert "+20 Account Engagement score 100+ 2026-11-10 (25 pts, decayed)" in reasons
    assert "+29 Content form fill 2026-11-18 (30 pts, decayed)" in reasons
    assert "Sales Ready" == q.status  # the form handler is a hand-raise
    quiet = qualify(make_lead(pi__score__c=20), {}, compiled, now=NOW)
    assert 0 == quiet.engagement


def test_a_signal_on_the_lead_must_point_at_it_through_its_id() -> None:
    """`object: Lead` needs `lead_field: Id`, and a touch can never be the Lead."""
    data = _with_lead_signals().model_dump(mode="json", by_alias=True, exclude_none=True)
    data["engagement"]["sources"][0]["lead_field"] = "WhoId"
    data["touches"]["sources"][0]["object"] = "Lead"
    with pytest.raises(MappingError) as caught:
        parse_definition(yaml.safe_dump(data), source="x.yaml")
    text = "\n".join(caught.value.problems)
    assert "engagement.sources[0].lead_field: a signal on the Lead itself" in text
    assert "touches.sources[0].object: Lead is not an activity object" in text

"""The definition's models: the default file loads, and every cross-field rule names its path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from sfsync.definition.model import Definition

ROOT = Path(__file__).resolve().parents[2]


def data() -> dict[str, Any]:
    """A fresh copy of the default definition's data."""
    return yaml.safe_load((ROOT / "mappings" / "default.yaml").read_text())


def test_default_definition_validates() -> None:
    """mappings/default.yaml is a valid definition with the documented thresholds."""
    d = Definition.model_validate(data())
    assert d.version == "default-2026.11.2"
    assert (
        d.status.sales_ready.min_fit,
        d.status.sales_ready.min_engagement,
        d.status.sales_ready.hand_raise_within_days,
    ) == (50, 40, 30.0)
    assert d.outputs.score == "SFS_Score__c"


def test_package_copy_is_the_mappings_file() -> None:
    """The definition shipped in the package is the file under mappings/ (one source of truth)."""
    assert (ROOT / "mappings" / "default.yaml").resolve() == (
        ROOT / "sfsync" / "definition" / "default.yaml"
    ).resolve()


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = d
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


@pytest.mark.parametrize(
    ("change", "loc", "message"),
    [
        (
            _set("fit.account.criteria.0.input", "industy"),
            ("fit", "account", "criteria", 0, "input"),
            "not a declared input",
        ),
        (
            _set("engagement.sources.0.signal", "nope"),
            ("engagement", "sources", 0, "signal"),
            "is not a signal",
        ),
        (_set("score.fit_weight", 0.6), ("score",), "must be 1"),
        (
            _set("fit.account.criteria.1.bands.1.when", {"between": [999, 200]}),
            ("fit", "account", "criteria", 1, "bands", 1, "when", "between"),
            "lo <= hi",
        ),
        (
            _set("fit.person.criteria.0.bands.0.when", {"matches": "(unclosed"}),
            ("fit", "person", "criteria", 0, "bands", 0, "when", "matches"),
            "regular expression",
        ),
        (_set("outputs.grade", "SFS_Score__c"), ("outputs", "grade"), "already the output"),
        (_set("outputs.grade", "SFS Grade"), ("outputs", "grade"), "custom field API name"),
        (
            _set("fit.adjustments.0.when", {"field": "Email", "contains": "x"}),
            ("fit", "adjustments", 0, "when", "field"),
            "remove `field`",
        ),
        (
            _set("engagement.sources.2.when", {"equals": 3}),
            ("engagement", "sources", 2, "when"),
            "must name the `field`",
        ),
        (
            _set("fit.person.criteria.1.name", "seniority"),
            ("fit", "person", "criteria", 1, "name"),
            "already used",
        ),
        (
            _set("fit.account.criteria.0.bands.0.when", {"in": ["A"], "equals": "B"}),
            ("fit", "account", "criteria", 0, "bands", 0, "when"),
            "exactly one operator",
        ),
        (
            _set("fit.account.criteria.0.bands.0.when", {"gte": "5"}),
            ("fit", "account", "criteria", 0, "bands", 0, "when", "gte"),
            "",
        ),
        (_set("fit.account.max", -1), ("fit", "account", "max"), ""),
        (
            _set("engagement.signals.site_visit.cap", -5),
            ("engagement", "signals", "site_visit", "cap"),
            "",
        ),
        (_set("grade.fit_letters", {"A": 75, "B": 50}), ("grade", "fit_letters"), "must be 0"),
        (_set("version", "x" * 41), ("version",), ""),
        (
            _set("status.insufficient_data.groups.title", ["job"]),
            ("status", "insufficient_data", "groups", "title"),
            "not a declared input",
        ),
        (
            _set("inputs.industry.field", "SFS_Score__c"),
            ("inputs", "industry", "field"),
            "output field",
        ),
        (_set("touches.sources.1.lead_field", "Who__c"), None, "lead_field"),
        (_set("fit.typo", 1), ("fit", "typo"), ""),
        (
            _set("status.standard_status.map", {"Sales Ready": "Nope"}),
            ("status", "standard_status", "map", "Sales Ready"),
            "not in standard_status.order",
        ),
    ],
)
def test_invalid_definitions_name_the_path(
    change: Callable[[dict[str, Any]], None], loc: Any, message: str
) -> None:
    """Each invalid definition fails with an error at the offending path and a clear message."""
    d = data()
    change(d)
    if loc is None:  # touches.sources[1] (Event) only conflicts when the object repeats
        d["touches"]["sources"][1]["object"] = "Task"
        loc = ("touches", "sources", 1, "lead_field")
    with pytest.raises(ValidationError) as info:
        Definition.model_validate(d)
    errors = {tuple(e["loc"]): e["msg"] for e in info.value.errors()}
    assert loc in errors, errors
    assert message in errors[loc]


def test_keyword_keys_accept_yaml_names() -> None:
    """`in` and `not` are read under their YAML names."""
    d = Definition.model_validate(data())
    assert d.bant.budget.met.in_ == ["Approved", "Planned"]
    assert d.touches.sources[0].when is not None
    assert d.touches.sources[0].when.all is not None
    assert d.touches.sources[0].when.all[2].not_ is not None


def test_grade_thresholds_must_descend() -> None:
    """Grade thresholds are listed best first; an out-of-order list names the order problem."""
    d = data()
    d["grade"]["fit_letters"] = {"A": 75, "B": 80, "C": 25, "D": 0}
    with pytest.raises(ValidationError) as info:
        Definition.model_validate(d)
    assert "descending order" in info.value.errors()[0]["msg"]


@pytest.mark.parametrize(("value", "valid"), [(0, True), (5, True), (100, True), (-1, False),
                                              (101, False), ("five", False)])  # fmt: skip
def test_write_policy_points_are_0_to_100(value: Any, valid: bool) -> None:
    """min_score_change is a whole number of points, 0..100; an unknown key is an error."""
    from sfsync.definition.policy import WritePolicySpec

    d = data()
    d["write_policy"] = {"min_score_change": value}
    if valid:
        assert Definition.model_validate(d).write_policy == WritePolicySpec(min_score_change=value)
        return
    with pytest.raises(ValidationError) as error:
        Definition.model_validate(d)
    assert ("write_policy", "min_score_change") == error.value.errors()[0]["loc"]
    d["write_policy"] = {"min_score_changes": 5}
    with pytest.raises(ValidationError):
        Definition.model_validate(d)

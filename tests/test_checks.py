"""`sfsync check`'s comparison of a definition with the org's describe (pure)."""

from __future__ import annotations

from typing import Any

from sfsync.checks import check_definition_against_org, lead_signal_fields
from sfsync.definition.compile import compile_definition
from sfsync.definition.model import Definition
from tests.scoring.factories import default_data, with_lead_score


def _definition() -> Any:
    return with_lead_score(100)


def _describe(*names: str) -> dict[str, Any]:
    return {"fields": [{"name": n, "type": "string", "updateable": True} for n in names]}


def test_fields_of_signals_on_the_lead_are_checked_like_activity_fields() -> None:
    """A hidden score field fails the check with the fix; a visible one passes."""
    definition = _definition()
    assert ["pi__last_activity__c", "pi__score__c"] == lead_signal_fields(definition)
    hidden = check_definition_against_org(
        definition, {"Lead": _describe("Industry", "pi__last_activity__c")}
    )
    (line,) = [r for r in hidden if r.item == "Lead (signals kept on the lead)"]
    assert (False, "missing: pi__score__c") == (line.ok, line.detail)
    assert "grant read access to Lead.pi__score__c" in line.fix
    visible = check_definition_against_org(
        definition, {"Lead": _describe("pi__last_activity__c", "pi__score__c")}
    )
    (line,) = [r for r in visible if r.item == "Lead (signals kept on the lead)"]
    assert line.ok


def test_a_definition_without_signals_on_the_lead_adds_no_line() -> None:
    """The default definition reads no package fields on the Lead."""
    default = compile_definition(Definition.model_validate(default_data()))
    assert [] == lead_signal_fields(default)
    results = check_definition_against_org(default, {"Lead": _describe("Industry")})
    assert all(r.item != "Lead (signals kept on the lead)" for r in results)

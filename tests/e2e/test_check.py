"""`sfsync check` against the sandbox org: all ✓, then an org missing or mistyping fields."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import OUTPUT_FIELDS, Org

pytestmark = pytest.mark.e2e


def test_check_passes_against_an_org_with_every_field(synced_org: Org) -> None:
    result = synced_org.cli("check")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "✗" not in result.stdout
    for name in OUTPUT_FIELDS:
        row = next(line for line in result.stdout.splitlines() if f"Lead.{name} " in line)
        assert "✓" in row
        assert "updateable" in row
    assert "DailyApiRequests" in result.stdout
    assert "All checks passed." in result.stderr


def test_check_lists_each_missing_or_mistyped_field_with_its_fix_and_writes_nothing(
    synced_org: Org,
) -> None:
    org = synced_org
    schema = {
        "Lead": {
            "SFS_Score__c": None,  # the field does not exist
            "SFS_Grade__c": {"type": "double"},  # wrong type
            "SFS_Reasons__c": {"updateable": False},  # no edit access
            "NumberOfEmployees": {"type": "string"},  # compared as a number by the definition
            "Budget__c": None,  # an optional input: a warning, scored as unknown
        }
    }
    assert org.rest("POST", "/__sandbox/describe", json_body=schema).status_code == 200
    leads = org.leads()
    org.reset_calls()

    result = org.cli("check")

    assert result.returncode == 2, result.stdout + result.stderr
    fixes = result.stdout.split("To fix:", 1)[1]
    assert "✗ Lead.SFS_Score__c: missing" in fixes
    assert "fix: create SFS_Score__c as Number(3, 0)" in fixes
    assert "✗ Lead.SFS_Grade__c: type double, expected Text(2)" in fixes
    assert "fix: make SFS_Grade__c a Text(2) field" in fixes
    assert "✗ Lead.SFS_Reasons__c: not updateable by the integration user" in fixes
    assert "✗ Lead.NumberOfEmployees (input 'employees'): type string cannot be compared" in fixes
    assert "fix: map input 'employees' to a Number/Currency field" in fixes
    assert fixes.count("✗") == 4
    assert "4 problem(s) to fix before syncing." in result.stderr
    budget = next(line for line in result.stdout.splitlines() if "Lead.Budget__c" in line)
    assert "!" in budget
    assert "optional: scored as unknown" in budget
    calls = org.calls()
    assert calls
    assert [c for c in calls if c["method"] != "GET"] == []
    assert org.leads() == leads

    assert org.rest("DELETE", "/__sandbox/describe").status_code == 200
    assert org.cli("check").returncode == 0

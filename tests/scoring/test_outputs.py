"""Computed outputs against the org's values: equal meanings compare equal."""

from __future__ import annotations

import pytest

from sfsync.scoring.outputs import diff_outputs, normalize_value


@pytest.mark.parametrize(
    ("org", "computed"),
    [
        (75.0, 75),  # Number fields come back as floats
        ("line one\r\nline two  ", "line one\nline two"),  # Long Text with CRLF
        ("2026-11-20T10:00:00.000+0000", "2026-11-20T10:00:00Z"),  # datetimes, any form
        ("", None),  # blank is null
        (None, None),
        (True, True),
    ],
)
def test_values_that_mean_the_same_compare_equal(org: object, computed: object) -> None:
    """Salesforce's serialisation differences never make a lead look changed."""
    assert normalize_value(org) == normalize_value(computed)
    assert {} == diff_outputs({"F": org}, {"F": computed})


def test_diff_outputs_lists_only_what_changes() -> None:
    """Each changed field with its old and new value; unchanged ones are left out."""
    current = {"SFS_Score__c": 70.0, "SFS_Grade__c": "B2", "Other": "x"}
    desired = {"SFS_Score__c": 71, "SFS_Grade__c": "B2"}
    assert {"SFS_Score__c": (70.0, 71)} == diff_outputs(current, desired)


def test_a_false_checkbox_is_not_blank_and_nan_is() -> None:
    """False is a value (it differs from null); NaN is no number at all."""
    assert {"F": (None, False)} == diff_outputs({}, {"F": False})
    assert normalize_value(float("nan")) is None

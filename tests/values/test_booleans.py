"""Booleans: one reading for REST, Bulk CSV and files people export."""

from __future__ import annotations

import pytest

from sfsync.values.booleans import is_true, to_bool


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("FALSE", False),
        (" True ", True),
        # Data Loader and the Data Import Wizard write checkboxes as 1/0.
        ("1", True),
        ("0", False),
        (1, True),
        (0, False),
        ("yes", True),
        ("no", False),
        ("", None),
        (None, None),
        ("maybe", None),
        (2, None),
        ([True], None),
    ],
)
def test_to_bool_reads_every_form_salesforce_data_takes(value: object, expected: object) -> None:
    """REST booleans, CSV text and 1/0 read alike; anything else is unknown (None)."""
    assert expected == to_bool(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        ("true", True),
        ("1", True),
        (1, True),
        (False, False),
        ("0", False),
        (None, False),
        ("", False),
        ("n/a", False),
        (2, False),
    ],
)
def test_is_true_is_false_for_anything_that_does_not_read_as_true(
    value: object, expected: bool
) -> None:
    """A flag (IsConverted, IsDeleted) is set only when it reads as true."""
    assert expected is is_true(value)

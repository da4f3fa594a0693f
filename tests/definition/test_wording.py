"""The definition in words, as the sign-off page says it."""

from __future__ import annotations

import pytest

from sfsync.definition.condition_model import Condition
from sfsync.definition.wording import (
    condition,
    field_name,
    join_or,
    number,
    record_phrase,
    table,
)


@pytest.mark.parametrize(
    ("data", "subject", "expected"),
    [
        ({"between": [200, 999]}, "employees", "employees is 200 to 999"),
        (
            {"any": [{"equals": "CEO"}, {"contains": "VP"}]},
            "the title",
            "the title is CEO or the title contains “VP”",
        ),
    ],
)
def test_conditions_read_as_sentences(data: dict[str, object], subject: str, expected: str) -> None:
    """Operators and combinators become plain English about the subject."""
    assert expected == condition(Condition.model_validate(data), subject)


def test_activity_conditions_name_the_record_and_its_field() -> None:
    """A record condition names the object (with its API name) and the field it tests."""
    cond = Condition.model_validate({"field": "Status", "equals": "Completed"})
    assert "a task (`Task`) where the status is Completed" == record_phrase("Task", cond)


def test_numbers_lists_and_tables() -> None:
    """Thousands get separators, lists read naturally, table cells cannot break the table."""
    assert ("1,000", "2.5") == (number(1000.0), number(2.5))
    assert "a, b or c" == join_or(["a", "b", "c"])
    assert "| a | b |\n|---|---|\n| x\\|y | z |" == table(["a", "b"], [["x|y", "z"]])


def test_field_names_read_as_words_namespaces_included() -> None:
    """A package's namespaced field reads as words, not with a doubled space."""
    assert "pi score" == field_name("pi__score__c")
    assert "mkto si last interesting moment date" == field_name(
        "mkto_si__Last_Interesting_Moment_Date__c"
    )
    assert "annual revenue" == field_name("AnnualRevenue")

"""The definition's cross-checks, run on a whole definition."""

from __future__ import annotations

from sfsync.definition.consistency import definition_problems
from sfsync.definition.model import Definition
from tests.scoring.factories import default_data


def test_the_default_definition_has_no_problems() -> None:
    """The shipped definition passes every cross-check."""
    assert [] == list(definition_problems(Definition.model_validate(default_data())))


def test_an_undeclared_input_is_named_with_its_path() -> None:
    """A criterion's input must be declared; the problem says where and lists the inputs."""
    good = Definition.model_validate(default_data())
    criterion = good.fit.account.criteria[0].model_copy(update={"input": "nope"})
    account = good.fit.account.model_copy(update={"criteria": [criterion]})
    bad = good.model_copy(update={"fit": good.fit.model_copy(update={"account": account})})

    problems = list(definition_problems(bad))

    assert ("fit", "account", "criteria", 0, "input") == problems[0][0]
    assert "'nope' is not a declared input" in problems[0][1]

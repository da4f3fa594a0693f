"""Two definitions over the same mirror: what adopting the new one would change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sfsync.definition.compile import compile_definition
from sfsync.definition.model import Definition
from sfsync.definition_diff import diff_definitions, shift_bucket
from sfsync.state import StateStore
from tests.scoring.factories import NOW, default_data, default_definition, make_lead


@pytest.fixture(name="store")
def _store(tmp_path: Path) -> Iterator[StateStore]:
    leads = [
        make_lead(Id="00Q000000000001AAA", SystemModstamp="2026-10-01T09:00:00.000+0000"),
        make_lead(
            Id="00Q000000000002AAA", Title="CEO", SystemModstamp="2026-10-01T09:00:00.000+0000"
        ),
        make_lead(
            Id="00Q000000000003AAA", IsConverted=True, SystemModstamp="2026-10-01T09:00:00.000+0000"
        ),
    ]
    with StateStore(tmp_path / "sfsync.sqlite3") as store:
        with store.transaction():
            store.upsert_records("Lead", leads, lead_field=None)
        yield store


def test_the_same_definition_changes_nothing_but_still_counts_rewrites(store: StateStore) -> None:
    """Old equals new: no transitions off the diagonal, no lead affected."""
    result = diff_definitions(store, default_definition(), default_definition(), now=NOW)
    assert (2, 1, 0, 0) == (result.leads, result.converted, result.affected, result.status_changes)
    assert 2 == result.rewrites  # the mirror holds no outputs yet: a sync writes both


def test_a_new_version_with_other_points_shows_the_score_shift(store: StateStore) -> None:
    """A definition that values the industry less moves scores down, lead by lead."""
    data = default_data()
    data["version"] = "test-2"
    for crit in data["fit"]["account"]["criteria"]:
        for band in crit["bands"]:
            band["points"] = 0
    new = compile_definition(Definition.model_validate(data))

    result = diff_definitions(store, default_definition(), new, now=NOW)

    assert 2 == result.affected
    assert result.mean("shift") < 0
    assert "test-2" == result.as_dict()["new_version"]
    assert {"SFS_Score__c", "SFS_Fit_Score__c"} <= set(result.field_changes)


@pytest.mark.parametrize(
    ("shift", "label"), [(-50, "≤ -20"), (0, "0"), (5, "+1 … +9"), (99, "≥ +20")]
)
def test_shift_buckets(shift: int, label: str) -> None:
    """Score shifts fall into fixed buckets, open at both ends."""
    assert label == shift_bucket(shift)

"""`run_backfill` against a fake org: a dry run estimates and writes nothing; --apply writes
once and leaves no checkpoint behind."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sfsync.backfill.options import BackfillOptions
from sfsync.backfill.run import CHECKPOINT, PLAN, run_backfill
from sfsync.state import StateStore
from tests.scoring.factories import NOW, default_definition, make_lead
from tests.sync.fakes import REP, FakeOrg

WALL_CLOCK = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)


def _org() -> FakeOrg:
    leads = []
    for n in (1, 2):
        lead = make_lead(Id=f"00Q{n:015d}", SystemModstamp="2026-10-01T09:00:00.000+0000")
        lead.update(LastModifiedById=REP, Name=f"Lee {n}", Company="Acme")
        leads.append(lead)
    return FakeOrg({"Lead": leads})


@pytest.fixture(name="store")
def _store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore(tmp_path / "sfsync.sqlite3") as store:
        yield store


def test_a_dry_run_estimates_from_a_real_read_and_writes_nothing(store: StateStore) -> None:
    """The estimate counts the leads in scope and the changes; the org is not written."""
    org = _org()

    result = run_backfill(
        org, store, default_definition(), BackfillOptions(now=NOW, wall_clock=WALL_CLOCK)
    )

    assert result.dry_run
    assert result.estimate is not None
    assert (2, 2) == (result.estimate.leads_in_scope, result.estimate.changed)
    assert [] == org.writes
    assert store.load_checkpoint(PLAN) is not None


def test_apply_writes_every_changed_lead_once_and_finishes(store: StateStore) -> None:
    """--apply reuses the dry run's plan, writes the changes and clears its checkpoints."""
    org = _org()
    run_backfill(org, store, default_definition(), BackfillOptions(now=NOW, wall_clock=WALL_CLOCK))

    result = run_backfill(
        org,
        store,
        default_definition(),
        BackfillOptions(now=NOW, wall_clock=WALL_CLOCK, apply=True),
    )

    assert ("success", 2, 1, 1) == (
        result.outcome,
        result.written,
        result.slices_done,
        result.slices_total,
    )
    assert result.plan_reused
    assert (None, None) == (store.load_checkpoint(CHECKPOINT), store.load_checkpoint(PLAN))
    assert 1 == len(org.writes)


def test_apply_writes_exact_values_the_write_policy_would_hold_back(store: StateStore) -> None:
    """Values written three days ago are a point off by decay alone: a nightly pass holds
    them back, the backfill fills every lead once, exact."""
    from datetime import timedelta

    from sfsync.sync.context import PassContext
    from sfsync.sync.run import run_pass
    from tests.scoring.factories import make_web

    org = _org()
    visit = make_web(NOW - timedelta(days=5), "https://www.example.com/pricing")
    visit.update(Lead__c="00Q000000000000001", SystemModstamp="2026-10-01T09:00:00.000+0000")
    org.records["Web_Activity__c"] = [visit]
    run_pass(org, store, default_definition(), PassContext(now=NOW - timedelta(days=3)))
    nightly = run_pass(org, store, default_definition(), PassContext(now=NOW, mode="rescore",
                                                                     dry_run=True))  # fmt: skip
    assert (nightly.changed, nightly.held_back) == (0, 1)
    writes_before = len(org.writes)

    run_backfill(org, store, default_definition(), BackfillOptions(now=NOW, wall_clock=WALL_CLOCK))
    result = run_backfill(
        org, store, default_definition(),
        BackfillOptions(now=NOW, wall_clock=WALL_CLOCK, apply=True),
    )  # fmt: skip

    assert result.written == 1
    assert ["00Q000000000000001"] == [r["Id"] for r in org.writes[writes_before]]

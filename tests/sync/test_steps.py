"""The pass's steps one at a time, on a real store: which leads are re-qualified, the
qualify loop's counts and records, and how write results are recorded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sfsync.definition.fingerprint import definition_fingerprint
from sfsync.salesforce.records import WriteResult
from sfsync.spool import Spool
from sfsync.state import StateStore
from sfsync.stop import Stop
from sfsync.sync.changes import LeadChange
from sfsync.sync.context import PassContext, PassInterruptedError, PassReport
from sfsync.sync.extract import Extracted, affected_leads
from sfsync.sync.qualify import qualify_and_diff
from sfsync.sync.recording import record_results
from sfsync.sync.write import write_changes
from tests.scoring.factories import NOW, default_definition, make_lead
from tests.state.factories import make_task
from tests.sync.fakes import FakeOrg

DEFINITION = default_definition()


@pytest.fixture(name="store")
def _store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore(tmp_path / "sfsync.sqlite3") as store:
        with store.transaction():
            store.upsert_records(
                "Lead",
                [
                    make_lead(Id=f"00Q{n:015d}", SystemModstamp="2026-10-01T09:00:00.000+0000")
                    for n in (1, 2, 3)
                ],
                lead_field=None,
            )
            store.upsert_records("Task", [make_task(7, lead=2)], lead_field="WhoId")
        store.set_definition_fingerprint(definition_fingerprint(DEFINITION))
        yield store


def _report() -> PassReport:
    return PassReport(run_id="run-1", mode="incremental", dry_run=False)


def test_an_incremental_pass_requalifies_the_leads_behind_what_changed(store: StateStore) -> None:
    """A changed lead and the lead of a changed task are re-qualified, with pending rejects."""
    extracted = Extracted(
        changed_ids={"Lead": {"00Q000000000000001"}, "Task": {"00T000000000000007"}}
    )
    assert ["00Q000000000000001", "00Q000000000000002"] == affected_leads(
        store, DEFINITION, PassContext(now=NOW), extracted, store.users()
    )


@pytest.mark.parametrize("mode", ["full", "rescore"])
def test_full_and_nightly_passes_requalify_every_lead(store: StateStore, mode: str) -> None:
    """None means every lead in the mirror."""
    ctx = PassContext(now=NOW, mode=mode)  # type: ignore[arg-type]
    assert affected_leads(store, DEFINITION, ctx, Extracted(), {}) is None


def test_a_new_definition_requalifies_every_lead(store: StateStore) -> None:
    """An edited definition (another fingerprint) may change every lead's outputs."""
    store.set_definition_fingerprint("older:0000")
    assert affected_leads(store, DEFINITION, PassContext(now=NOW), Extracted(), {}) is None


def test_qualify_and_diff_spools_the_changes_and_counts_statuses(store: StateStore) -> None:
    """Every lead is qualified; those whose org values differ go to the spool."""
    report = _report()

    changes = qualify_and_diff(store, DEFINITION, PassContext(now=NOW), report, None)

    with changes:
        assert 3 == len(changes) == report.changed == report.qualified
        assert ["00Q000000000000001", "00Q000000000000002", "00Q000000000000003"] == [
            c.lead_id for c in changes
        ]
    assert 3 == sum(report.statuses.values())


def test_record_results_keeps_what_was_written_and_the_rejects(store: StateStore) -> None:
    """A success is recorded as written with its history; a failure becomes a reject."""
    run_id = store.start_run("incremental", dry_run=False, definition_version="v1")
    changes = [
        LeadChange(
            "00Q000000000000001", {"SFS_Score__c": 80}, {"SFS_Score__c": (None, 80)}, ("why",)
        ),
        LeadChange("00Q000000000000002", {"SFS_Score__c": 10}, {"SFS_Score__c": (5, 10)}, ()),
    ]
    results = [
        WriteResult("00Q000000000000001", True),
        WriteResult("00Q000000000000002", False, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "no", ()),
    ]

    counts = record_results(
        store,
        run_id=run_id,
        version=DEFINITION.version,
        at="2026-11-20T12:00:00.000+0000",
        chunk=changes,
        results=results,
    )

    assert (1, 1) == counts
    assert {"SFS_Score__c": 80} == store.get_written("00Q000000000000001")
    assert [("SFS_Score__c", None, 80)] == [
        (h.field, h.old, h.new) for h in store.history("00Q000000000000001")
    ]
    lead = store.get_lead("00Q000000000000001")
    assert lead is not None
    assert 80 == lead["SFS_Score__c"]  # explain and report see it at once
    assert ["00Q000000000000002"] == [r.lead_id for r in store.pending_rejects()]


def test_a_stop_before_the_write_sends_nothing_and_keeps_no_spool(
    store: StateStore, tmp_path: Path
) -> None:
    """Stopped between qualifying and writing: nothing is sent, the changes file is gone."""
    run_id = store.start_run("incremental", dry_run=False, definition_version="v1")
    report = PassReport(run_id=run_id, mode="incremental", dry_run=False)
    changes: Spool[LeadChange] = Spool(tmp_path / "sfsync.sqlite3.changes")
    changes.append(LeadChange("00Q000000000000001", {"SFS_Score__c": 80}, {}, ()))
    stop = Stop()
    stop.set("SIGTERM received")
    org = FakeOrg({})

    with pytest.raises(PassInterruptedError):
        write_changes(org, store, DEFINITION, PassContext(now=NOW, stop=stop), report, changes)

    assert ([], 0) == (org.writes, report.written)
    assert not (tmp_path / "sfsync.sqlite3.changes").exists()

"""
The Bulk write journal (issue 14): a run that dies while the org applies its Bulk job leaves
the job noted in the state store with its changes beside it; the next pass records the job's
results — history, written values, rejects — and never sends those leads again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sfsync.salesforce.records import WriteResult, WriteResults
from sfsync.state import StateStore
from sfsync.sync.context import PassContext
from sfsync.sync.journal import CHECKPOINT, changes_path
from sfsync.sync.run import run_pass
from tests.scoring.factories import NOW, default_definition, make_lead, make_web
from tests.sync.fakes import INTEGRATION, REP, FakeOrg

DEFINITION = default_definition()
JOB = "7505g00000InGeSt1A"


class ProcessDied(BaseException):
    """Stands in for a second Ctrl-C: the process ends without recording anything."""


class BulkOrg(FakeOrg):
    """Writes as one Bulk job: journaled, applied by the org, then (maybe) the process dies."""

    def __init__(self, *args: Any, die: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.die = die
        self.resumed: list[tuple[str, int, int]] = []
        self.job_failures: set[str] = set()

    def write(
        self,
        object_name: str,
        records: Sequence[Mapping[str, Any]],
        *,
        on_job: Callable[[str, int, int], None] | None = None,
    ) -> Sequence[WriteResult]:
        assert on_job is not None, "a writing pass journals its Bulk jobs"
        on_job(JOB, 0, len(records))
        results = super().write(object_name, records)
        if self.die:
            raise ProcessDied
        return results

    def resume_update(
        self,
        object_name: str,
        records: Sequence[Mapping[str, Any]],
        job_id: str,
        start: int,
        end: int,
    ) -> WriteResults | None:
        self.resumed.append((job_id, start, end))
        self.calls += 1
        failures = {
            i: WriteResult(records[i]["Id"], False, "UNABLE_TO_LOCK_ROW", "locked", ())
            for i in range(start, end)
            if records[i]["Id"] in self.job_failures
        }
        return WriteResults(records, failures, count=end)


def _records() -> dict[str, list[dict[str, Any]]]:
    leads = []
    for n in (1, 2):
        lead = make_lead(Id=f"00Q{n:015d}", SystemModstamp="2026-10-01T09:00:00.000+0000")
        lead.update(LastModifiedById=REP, Name=f"Lee {n}", Company="Acme")
        leads.append(lead)
    visit = make_web(NOW - timedelta(days=2), "https://www.example.com/pricing")
    visit.update(Lead__c="00Q000000000000001", SystemModstamp="2026-10-01T09:00:00.000+0000")
    rep = {"Id": REP, "Name": "Rita Rep", "IsActive": True}
    return {"User": [rep | {"SystemModstamp": "2026-10-01T09:00:00.000+0000"}], "Lead": leads,
            "Web_Activity__c": [visit]}  # fmt: skip


@pytest.fixture(name="store")
def _store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore(tmp_path / "sfsync.sqlite3") as store:
        yield store


def test_a_job_left_by_a_dead_run_is_recorded_by_the_next_pass_never_resent(
    store: StateStore,
) -> None:
    """The next pass records the job's results (history included) and writes nothing."""
    org = BulkOrg(_records(), die=True)
    with pytest.raises(ProcessDied):
        run_pass(org, store, DEFINITION, PassContext(now=NOW))
    assert [JOB] == [job["id"] for job in (store.load_checkpoint(CHECKPOINT) or {})["jobs"]]
    assert changes_path(store).is_file()
    assert 0o600 == changes_path(store).stat().st_mode & 0o777
    assert store.get_written("00Q000000000000001") is None

    org.die = False
    report = run_pass(org, store, DEFINITION, PassContext(now=NOW))

    assert [(JOB, 0, 2)] == org.resumed
    assert (2, 0, "success") == (report.recovered, report.written, report.outcome)
    assert 1 == len(org.writes), "the leads were sent again"
    written = store.get_written("00Q000000000000001")
    assert written is not None
    assert DEFINITION.version == written["SFS_Definition_Version__c"]
    assert store.history("00Q000000000000001")
    assert store.load_checkpoint(CHECKPOINT) is None
    assert not changes_path(store).exists()


def test_a_recovered_job_s_failures_are_rejects_the_same_pass_writes(store: StateStore) -> None:
    """A lead the job could not lock is recorded as a reject; the pass then writes it."""
    locked = "00Q000000000000002"
    org = BulkOrg(_records(), die=True, rejects={locked: "UNABLE_TO_LOCK_ROW"})
    with pytest.raises(ProcessDied):
        run_pass(org, store, DEFINITION, PassContext(now=NOW))
    org.die, org.rejects, org.job_failures = False, {}, {locked}

    report = run_pass(org, store, DEFINITION, PassContext(now=NOW))

    assert (1, 1, 1) == (report.recovered, report.rejected, report.written)
    assert [locked] == [r["Id"] for r in org.writes[-1]]
    assert [] == store.pending_rejects()


def test_a_journal_whose_changes_are_gone_is_dropped_with_a_warning(store: StateStore) -> None:
    """Without the spooled changes the results cannot be recorded; the pass sets things right."""
    org = BulkOrg(_records(), die=True)
    with pytest.raises(ProcessDied):
        run_pass(org, store, DEFINITION, PassContext(now=NOW))
    changes_path(store).unlink()
    org.die = False

    report = run_pass(org, store, DEFINITION, PassContext(now=NOW))

    assert ([], 0, "success") == (org.resumed, report.recovered, report.outcome)
    assert store.load_checkpoint(CHECKPOINT) is None
    assert INTEGRATION == store.integration_user_id()

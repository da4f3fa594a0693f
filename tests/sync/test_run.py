"""
`run_pass` against a fake org (no network): what it reads, writes and records, pass after
pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sfsync.errors import OrgMismatchError
from sfsync.state import StateStore
from sfsync.stop import Stop
from sfsync.sync.context import PassContext
from sfsync.sync.refresh import refresh_lead
from sfsync.sync.run import check_same_org, run_pass
from tests.scoring.factories import NOW, default_definition, make_lead, make_web, sf_time
from tests.sync.fakes import INTEGRATION, REP, FakeOrg

DEFINITION = default_definition()
SCORE = "SFS_Score__c"


def _lead(n: int, **fields: Any) -> dict[str, Any]:
    lead = make_lead(Id=f"00Q{n:015d}", SystemModstamp="2026-10-01T09:00:00.000+0000")
    lead.update(LastModifiedById=REP, Name=f"Lee {n}", Company="Acme")
    lead.update(fields)
    return lead


def _org(**options: Any) -> FakeOrg:
    visit = make_web(NOW - timedelta(days=2), "https://www.example.com/pricing")
    visit.update(Lead__c="00Q000000000000001", SystemModstamp="2026-10-01T09:00:00.000+0000")
    records = {
        "User": [
            {
                "Id": REP,
                "Name": "Rita Rep",
                "IsActive": True,
                "SystemModstamp": "2026-10-01T09:00:00.000+0000",
            },
        ],
        "Lead": [_lead(1), _lead(2), _lead(3, IsConverted=True)],
        "Web_Activity__c": [visit],
    }
    return FakeOrg(records, **options)


@pytest.fixture(name="store")
def _store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore(tmp_path / "sfsync.sqlite3") as store:
        yield store


def test_first_pass_reads_everything_and_writes_the_unconverted_leads(store: StateStore) -> None:
    """The first pass reads every object in full, writes each lead whose outputs differ, and
    never writes a converted lead."""
    org = _org()

    report = run_pass(org, store, DEFINITION, PassContext(now=NOW))

    assert "success" == report.outcome
    assert {"User": 1, "Lead": 3, "Web_Activity__c": 1} == {
        k: v for k, v in report.read.items() if v
    }
    assert all(where is None for _, _, where in org.reads)
    assert (3, 1, 2, 2) == (
        report.qualified,
        report.skipped_converted,
        report.changed,
        report.written,
    )
    assert ["00Q000000000000001", "00Q000000000000002"] == [r["Id"] for r in org.writes[0]]
    assert SCORE not in org.lead("00Q000000000000003")
    assert org.calls == report.api_calls
    assert set(report.watermarks) >= {"User", "Lead", "Web_Activity__c"}
    assert report.watermarks == store.watermarks()


def test_the_echo_of_our_own_writes_ends_after_one_pass(store: StateStore) -> None:
    """The next incremental pass skips our own writes inside the window and writes nothing."""
    org = _org()
    run_pass(org, store, DEFINITION, PassContext(now=NOW))

    again = run_pass(org, store, DEFINITION, PassContext(now=NOW))

    assert (0, 0) == (again.changed, again.written)
    lead_reads = [where for name, _, where in org.reads if name == "Lead"]
    assert lead_reads[0] is None
    assert "LastModifiedById != '005000000000INTAAA'" in str(lead_reads[1])


def test_a_rep_change_requalifies_only_that_lead(store: StateStore) -> None:
    """An incremental pass writes the new values of the lead a person changed, only those."""
    org = _org()
    run_pass(org, store, DEFINITION, PassContext(now=NOW))
    org.change("Lead", "00Q000000000000002", Title="Student")

    report = run_pass(org, store, DEFINITION, PassContext(now=NOW))

    assert (1, 1) == (report.changed, report.written)
    assert ["00Q000000000000002"] == [r["Id"] for r in org.writes[-1]]
    assert "Disqualified" == org.lead("00Q000000000000002")["SFS_Status__c"]


def test_a_dry_run_writes_nothing_and_keeps_the_watermarks(store: StateStore) -> None:
    """A dry run reads and qualifies, reports what would change, and moves nothing."""
    org = _org()

    report = run_pass(org, store, DEFINITION, PassContext(now=NOW, dry_run=True))

    assert (2, 0) == (report.changed, report.written)
    assert [] == org.writes
    assert {} == store.watermarks()


def test_a_rejected_lead_is_recorded_and_retried_next_pass(store: StateStore) -> None:
    """A record the org refuses is a pending reject (exit 3); the next pass writes it."""
    org = _org(rejects={"00Q000000000000002": "FIELD_CUSTOM_VALIDATION_EXCEPTION"})

    first = run_pass(org, store, DEFINITION, PassContext(now=NOW))

    assert (1, 1, True) == (first.written, first.rejected, first.partial)
    assert ["00Q000000000000002"] == [r.lead_id for r in store.pending_rejects()]
    assert ("Status",) == store.pending_rejects()[0].fields
    org.rejects.clear()
    second = run_pass(org, store, DEFINITION, PassContext(now=NOW))
    assert (1, 0) == (second.written, second.rejected)
    assert [] == store.pending_rejects()


def test_a_spent_budget_ends_the_pass_as_partial_without_moving_watermarks(
    store: StateStore,
) -> None:
    """QuotaExceededError is a partial pass: resumable, nothing recorded as applied."""
    org = _org(quota_on_write=True)

    report = run_pass(org, store, DEFINITION, PassContext(now=NOW))

    assert ("partial", "API budget spent") == (report.outcome, report.error)
    assert {} == store.watermarks()
    run = store.last_run()
    assert run is not None
    assert "partial" == run.outcome


def test_a_stop_request_interrupts_the_pass(store: StateStore) -> None:
    """With a stop requested, the pass ends as interrupted and applies nothing."""
    org = _org()
    stop = Stop()
    stop.set("SIGTERM received")

    report = run_pass(org, store, DEFINITION, PassContext(now=NOW, stop=stop))

    assert "interrupted" == report.outcome
    assert [] == org.writes
    assert {} == store.watermarks()


def test_a_store_bound_to_another_org_is_refused_before_any_call(store: StateStore) -> None:
    """The store remembers its org; another org's connection is an OrgMismatchError."""
    run_pass(_org(org="00D000000000001AAA"), store, DEFINITION, PassContext(now=NOW))
    other = _org(org="00D000000000002AAA")

    with pytest.raises(OrgMismatchError, match="00D000000000001AAA"):
        run_pass(other, store, DEFINITION, PassContext(now=NOW))

    assert 0 == other.calls
    assert "00D000000000001AAA" == store.org_id()


def test_check_same_org_binds_a_new_store_and_ignores_unknown_orgs(store: StateStore) -> None:
    """Without an org Id (session auth) nothing is bound; the first known org is bound."""
    check_same_org(_org(), store)
    assert store.org_id() is None
    check_same_org(_org(org="00D000000000001AAA"), store)
    assert "00D000000000001AAA" == store.org_id()


def test_an_optional_input_the_org_lacks_is_read_without_it(store: StateStore) -> None:
    """INVALID_FIELD on an optional input: the Lead is read again without it, once."""
    org = _org(missing_fields=["Budget__c"])

    report = run_pass(org, store, DEFINITION, PassContext(now=NOW))

    assert "success" == report.outcome
    lead_reads = [fields for name, fields, _ in org.reads if name == "Lead"]
    assert ["Budget__c" in fields for fields in lead_reads] == [True, False]
    again = run_pass(org, store, DEFINITION, PassContext(now=NOW))
    assert "Budget__c" not in [f for name, fields, _ in org.reads[-4:] for f in fields]
    assert "success" == again.outcome


def test_the_integration_user_is_asked_once_and_remembered(store: StateStore) -> None:
    """The first pass asks the org who sfsync is; later passes read it from the store."""
    run_pass(_org(), store, DEFINITION, PassContext(now=NOW))
    assert INTEGRATION == store.integration_user_id()
    org = _org()
    report = run_pass(org, store, DEFINITION, PassContext(now=NOW))
    assert report.api_calls == org.calls
    assert 1 + len(org.reads) + len(org.writes) == org.calls  # no user_id() call


class _Queries:
    def __init__(self, org: FakeOrg) -> None:
        self.org = org
        self.soql: list[str] = []

    def query(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        self.soql.append(soql)
        name = soql.split(" FROM ")[1].split(maxsplit=1)[0]
        return iter(self.org.records.get(name, []))


def test_refresh_lead_rereads_one_lead_and_its_activity(store: StateStore) -> None:
    """`explain --live` reads the lead and each activity object by the lead's Id."""
    queries = _Queries(_org())

    refresh_lead(queries, store, DEFINITION, "00Q000000000000001")

    assert all("00Q000000000000001" in soql for soql in queries.soql)
    assert "Lead" in queries.soql[0]
    assert store.get_lead("00Q000000000000001") is not None
    assert sf_time(NOW)  # the factories' clock is the pass's


def test_a_nightly_holds_back_decay_and_the_backfill_writes_it(store: StateStore) -> None:
    """Three days of decay move lead 1's engagement a point: the nightly pass holds it back
    (the write policy) and writes nothing; an exact pass (the backfill's) writes it."""
    org = _org()
    run_pass(org, store, DEFINITION, PassContext(now=NOW))
    later = NOW + timedelta(days=3)

    nightly = run_pass(org, store, DEFINITION, PassContext(now=later, mode="rescore"))

    assert (0, 0, 1) == (nightly.changed, nightly.written, nightly.held_back)
    exact = run_pass(
        org, store, DEFINITION, PassContext(now=later, mode="rescore", exact_writes=True)
    )
    assert (1, 1, 0) == (exact.changed, exact.written, exact.held_back)
    assert ["00Q000000000000001"] == [r["Id"] for r in org.writes[-1]]

"""The lead source over a real state store: leads alone, leads with activity, who is who."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sfsync.state import StateStore
from sfsync.tune.mirror import MirrorSource


@pytest.fixture(name="store")
def _store(tmp_path: Path) -> Iterator[StateStore]:
    """A state store with three leads (one deleted), their visits and two users."""
    with StateStore(tmp_path / "sfsync.sqlite3") as store:
        store.upsert_records("Lead", [
            {"Id": f"00Q00000000000{i}AAA", "CreatedDate": "2026-01-01T00:00:00.000+0000",
             "IsDeleted": i == 3}
            for i in (1, 2, 3)
        ], lead_field=None)  # fmt: skip
        store.upsert_records("Web_Activity__c", [
            {"Id": "a0000000000001AAA", "Lead__c": "00Q000000000001AAA", "Url__c": "/pricing"},
            {"Id": "a0000000000002AAA", "Lead__c": "00Q000000000002AAA", "Url__c": "/blog"},
        ], lead_field="Lead__c")  # fmt: skip
        store.upsert_records("User", [
            {"Id": "005000000000001AAA", "Name": "sfsync Integration"},
            {"Id": "005000000000002AAA", "Name": "Marketing Automation"},
        ], lead_field=None)  # fmt: skip
        store.set_integration_user_id("005000000000001AAA")
        yield store


def test_reads_leads_alone_and_with_their_activity(store: StateStore) -> None:
    """Deleted leads are left out; a set of Ids narrows the read; batches stay small."""
    source = MirrorSource(store, batch_size=1)

    leads = [lead["Id"] for batch in source.leads() for lead in batch]
    pairs = [(lead["Id"], acts) for batch in source.batches() for lead, acts in batch]
    one = [lead["Id"] for batch in source.batches(["00Q000000000002AAA"]) for lead, _ in batch]

    assert source.count() == 2
    assert leads == ["00Q000000000001AAA", "00Q000000000002AAA"]
    assert [p[0] for p in pairs] == leads
    assert pairs[0][1]["Web_Activity__c"][0]["Url__c"] == "/pricing"
    assert one == ["00Q000000000002AAA"]


def test_knows_the_users_and_the_integration_user(store: StateStore) -> None:
    """User names by Id and the user sfsync runs as come from the store's user context."""
    source = MirrorSource(store)

    assert source.users()["005000000000002AAA"] == "Marketing Automation"
    assert source.integration_user_id() == "005000000000001AAA"

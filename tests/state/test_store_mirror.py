from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from sfsync.errors import StateStoreError
from sfsync.state import StateStore
from sfsync.state.mirror import ACTIVITY_OBJECTS
from tests.state.factories import (
    MODSTAMP,
    lead_id,
    make_event,
    make_lead,
    make_member,
    make_task,
    make_visit,
)


def _load_small_org(store: StateStore, leads: int = 5) -> None:
    store.upsert_records("Lead", [make_lead(n) for n in range(leads)], lead_field=None)
    store.upsert_records(
        "Task", [make_task(n, lead=n % leads) for n in range(2 * leads)], lead_field="WhoId"
    )
    store.upsert_records("Event", [make_event(n, lead=n) for n in range(leads)], lead_field="WhoId")
    store.upsert_records(
        "CampaignMember", [make_member(n, lead=n) for n in range(leads)], lead_field="LeadId"
    )
    store.upsert_records(
        "Web_Activity__c", [make_visit(n, lead=0) for n in range(3)], lead_field="Lead__c"
    )


def _all_batches(store: StateStore, **kwargs: Any) -> list[tuple[dict[str, Any], Any]]:
    return [pair for batch in store.iter_leads_with_activities(**kwargs) for pair in batch]


def test_upsert_returns_count_and_round_trips_nested_json(store: StateStore) -> None:
    """A record comes back as stored, nested parents included, minus REST `attributes`."""
    member = make_member(1, lead=1, campaign_type="Content Download", Note="café ✓", Score=1.5)

    assert store.upsert_records("CampaignMember", [member], lead_field="LeadId") == 1

    expected = {k: v for k, v in member.items() if k != "attributes"}
    expected["Campaign"] = {"Type": "Content Download"}
    assert expected == store.get_record("CampaignMember", member["Id"])


def test_upsert_is_idempotent(store: StateStore) -> None:
    """Upserting the same records twice leaves the same state and no duplicates."""
    _load_small_org(store)
    first = _all_batches(store)

    _load_small_org(store)

    assert first == _all_batches(store)
    assert store.count("Lead") == 5
    assert store.count("Task") == 10


def test_upsert_replaces_with_newer_version_and_moves_activity(store: StateStore) -> None:
    """A newer copy replaces the record, including the lead it points at."""
    store.upsert_records("Task", [make_task(1, lead=1)], lead_field="WhoId")

    moved = make_task(1, lead=2, Subject="Moved", SystemModstamp="2026-03-02T10:00:00.000+0000")
    store.upsert_records("Task", [moved], lead_field="WhoId")

    assert store.get_record("Task", moved["Id"])["Subject"] == "Moved"  # type: ignore[index]
    assert {lead_id(2)} == store.lead_ids_for_activities("Task", [moved["Id"]])


def test_upsert_keeps_newer_copy_against_stale_one(store: StateStore) -> None:
    """An older copy (overlap window, out-of-order read) does not overwrite a newer one."""
    newer = make_task(1, lead=1, Subject="New", SystemModstamp="2026-03-02T10:00:00.000+0000")
    store.upsert_records("Task", [newer], lead_field="WhoId")

    # Bulk API 2.0 writes the same instant with "Z"; the older one must still lose.
    stale = make_task(1, lead=1, Subject="Old", SystemModstamp="2026-03-01T10:00:00.000Z")
    same = make_task(1, lead=1, Subject="Same", SystemModstamp="2026-03-02T10:00:00.000Z")

    assert store.upsert_records("Task", [stale], lead_field="WhoId") == 0
    assert store.get_record("Task", newer["Id"])["Subject"] == "New"  # type: ignore[index]
    assert store.upsert_records("Task", [same], lead_field="WhoId") == 1
    assert store.get_record("Task", newer["Id"])["Subject"] == "Same"  # type: ignore[index]


def test_upsert_accepts_a_generator_larger_than_one_chunk(store: StateStore) -> None:
    """Records are consumed in chunks, so a long generator is stored completely."""
    count = store.upsert_records("Lead", (make_lead(n) for n in range(4500)), lead_field=None)

    assert count == 4500
    assert store.count("Lead") == 4500


def test_upsert_without_id_stores_nothing(store: StateStore) -> None:
    """A record without an Id fails the whole call and leaves the mirror unchanged."""
    with pytest.raises(StateStoreError, match="without an Id"):
        store.upsert_records("Lead", [make_lead(1), {"LastName": "x"}], lead_field=None)

    assert store.count("Lead") == 0


@pytest.mark.parametrize("flag", [True, "true", "TRUE"])
def test_deleted_activity_is_kept_but_excluded_from_iteration(
    store: StateStore, flag: object
) -> None:
    """A deleted activity (bool, or Bulk CSV "true") stays mirrored but stops feeding scoring."""
    _load_small_org(store, leads=1)
    deleted = make_task(0, lead=0, IsDeleted=flag)

    store.upsert_records("Task", [deleted], lead_field="WhoId")

    [(_, activities)] = _all_batches(store)
    assert [make_task(1, lead=0)["Id"]] == [t["Id"] for t in activities["Task"]]
    assert store.count("Task") == 1
    assert store.count("Task", include_deleted=True) == 2
    assert {lead_id(0)} == store.lead_ids_for_activities("Task", [deleted["Id"]])


def test_bulk_csv_false_string_is_not_deleted(store: StateStore) -> None:
    """The Bulk CSV string "false" means not deleted."""
    store.upsert_records("Task", [make_task(1, lead=1, IsDeleted="false")], lead_field="WhoId")

    assert store.count("Task") == 1


def test_deleted_lead_is_left_out_but_still_readable(store: StateStore) -> None:
    """A deleted lead disappears from lead_ids and iteration; get_lead still shows it."""
    _load_small_org(store, leads=3)

    store.upsert_records("Lead", [make_lead(1, IsDeleted=True)], lead_field=None)

    assert [lead_id(0), lead_id(2)] == store.lead_ids()
    assert [lead_id(0), lead_id(2)] == [lead["Id"] for lead, _ in _all_batches(store)]
    assert True is store.get_lead(lead_id(1))["IsDeleted"]  # type: ignore[index]
    assert store.count("Lead", include_deleted=True) == 3


def test_get_lead_returns_none_for_unknown_id(store: StateStore) -> None:
    """An Id never mirrored gives None."""
    assert None is store.get_lead(lead_id(42))


@pytest.mark.parametrize("batch_size", [1, 2, 3, 7, 1000])
def test_iteration_is_ordered_complete_and_batched(store: StateStore, batch_size: int) -> None:
    """Every lead comes once, in Id order, in batches of at most batch_size, with its activities."""
    leads = 7
    # Insert out of order so the order must come from the store.
    store.upsert_records("Lead", [make_lead(n) for n in (3, 0, 6, 1, 5, 2, 4)], lead_field=None)
    store.upsert_records(
        "Task", [make_task(n, lead=n % leads) for n in range(14)], lead_field="WhoId"
    )
    store.upsert_records("Web_Activity__c", [make_visit(9, lead=6)], lead_field="Lead__c")

    batches = list(store.iter_leads_with_activities(batch_size=batch_size))

    assert all(1 <= len(b) <= batch_size for b in batches)
    pairs = [pair for batch in batches for pair in batch]
    assert [lead_id(n) for n in range(leads)] == [lead["Id"] for lead, _ in pairs]
    for n, (_, activities) in enumerate(pairs):
        assert set(ACTIVITY_OBJECTS) <= set(activities)
        assert sorted([make_task(n, 0)["Id"], make_task(n + 7, 0)["Id"]]) == [
            t["Id"] for t in activities["Task"]
        ]
        assert all(t["WhoId"] == lead_id(n) for t in activities["Task"])
    assert [make_visit(9, 6)["Id"]] == [v["Id"] for v in pairs[6][1]["Web_Activity__c"]]
    assert pairs[0][1]["Event"] == []


def test_iteration_carries_nested_parent_fields(store: StateStore) -> None:
    """Activities come back with nested parents, e.g. CampaignMember.Campaign.Type."""
    _load_small_org(store, leads=2)

    [(lead, activities), _] = _all_batches(store)

    assert lead_id(0) == lead["Id"]
    assert "attributes" not in lead
    assert [m["Campaign"] for m in activities["CampaignMember"]] == [{"Type": "Webinar"}]
    assert len(activities["Web_Activity__c"]) == 3
    assert len(activities["Event"]) == 1


def test_iteration_of_chosen_leads(store: StateStore) -> None:
    """With lead_ids, only those leads come back, in Id order; unknown Ids are skipped."""
    _load_small_org(store, leads=6)

    chosen = [lead_id(4), lead_id(1), "00Q000000000000999", lead_id(4)]
    batches = list(store.iter_leads_with_activities(lead_ids=chosen, batch_size=1))

    assert [[lead_id(1)], [lead_id(4)]] == [[lead["Id"] for lead, _ in b] for b in batches]
    assert [make_task(1, 0)["Id"], make_task(7, 0)["Id"]] == [
        t["Id"] for t in batches[0][0][1]["Task"]
    ]


def test_iteration_skips_activities_of_contacts_and_unknown_leads(store: StateStore) -> None:
    """An activity whose WhoId is a Contact or an unmirrored lead is never attached to a lead."""
    _load_small_org(store, leads=2)
    store.upsert_records(
        "Task",
        [make_task(50, lead=0, WhoId="003000000000000001"), make_task(51, lead=1, WhoId=None)],
        lead_field="WhoId",
    )

    tasks = [t["Id"] for _, acts in _all_batches(store) for t in acts["Task"]]

    assert len(tasks) == 4
    assert make_task(50, 0)["Id"] not in tasks


def test_iteration_of_empty_mirror_yields_nothing(store: StateStore) -> None:
    """An empty mirror yields no batches."""
    assert list(store.iter_leads_with_activities()) == []


def test_iteration_rejects_zero_batch_size(store: StateStore) -> None:
    """A batch size below 1 is a programming error."""
    with pytest.raises(ValueError, match="batch_size"):
        next(store.iter_leads_with_activities(batch_size=0))


def test_lead_ids_for_activities(store: StateStore) -> None:
    """lead_ids_for_activities maps activity Ids to the distinct leads they point at."""
    _load_small_org(store, leads=3)
    ids = [make_task(n, 0)["Id"] for n in (0, 3, 4)] + ["00T000000000000999"]

    assert {lead_id(0), lead_id(1)} == store.lead_ids_for_activities("Task", ids)
    assert set() == store.lead_ids_for_activities("Event", ids)


def test_users_by_id(store: StateStore) -> None:
    """users() returns the mirrored Users keyed by Id."""
    user = {"Id": "005000000000001AAA", "Name": "Marketing Automation", "IsActive": True}
    store.upsert_records("User", [user], lead_field=None)

    assert {"005000000000001AAA": user} == store.users()


def test_mirror_columns_are_indexed_not_parsed(store: StateStore) -> None:
    """The link, deletion flag and stamp live in their own columns for the queries."""
    store.upsert_records("Task", [make_task(1, lead=2, IsDeleted=True)], lead_field="WhoId")

    with sqlite3.connect(store.path) as conn:
        row = conn.execute("SELECT lead_id, is_deleted, system_modstamp FROM record").fetchone()
    conn.close()
    assert (lead_id(2), 1, MODSTAMP) == row

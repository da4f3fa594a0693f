"""A full read replacing an object's mirror (replace_records) and batch lookups (get_records)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sfsync.errors import StateStoreError
from sfsync.state import StateStore
from tests.state.factories import lead_id, make_lead, make_task


def test_replace_records_upserts_and_drops_what_the_read_did_not_return(store: StateStore) -> None:
    """Rows the full read returned are stored; rows it did not are dropped; others untouched."""
    store.upsert_records("Task", [make_task(n, lead=n) for n in range(6)], lead_field="WhoId")
    store.upsert_records("Lead", [make_lead(n) for n in range(3)], lead_field=None)
    fresh = [make_task(n, lead=n, Subject=f"again {n}") for n in (1, 2, 3, 7)]

    upserted, dropped = store.replace_records("Task", iter(fresh), lead_field="WhoId")

    assert (upserted, dropped) == (4, 3)  # Tasks 0, 4 and 5 are gone from the org
    assert store.count("Task") == 4
    for task in fresh:
        stored = store.get_record("Task", task["Id"])
        assert stored is not None
        assert stored["Subject"] == task["Subject"]
    assert store.get_record("Task", make_task(0, lead=0)["Id"]) is None
    assert store.count("Lead") == 3  # other objects are not swept


def test_replace_records_is_all_or_nothing(store: StateStore) -> None:
    """A bad record mid-stream rolls the whole replacement back, deletions included."""
    store.upsert_records("Task", [make_task(n, lead=n) for n in range(3)], lead_field="WhoId")

    def records() -> Iterator[dict[str, Any]]:
        yield make_task(0, lead=0)
        yield {"Subject": "no Id"}

    with pytest.raises(StateStoreError, match="without an Id"):
        store.replace_records("Task", records(), lead_field="WhoId")
    assert store.count("Task") == 3
    # The next replacement starts from a clean slate of seen Ids.
    assert store.replace_records("Task", [make_task(2, lead=2)], lead_field="WhoId") == (1, 2)


def test_get_records_returns_the_known_ones_by_id(store: StateStore) -> None:
    """get_records looks many Ids up at once and skips unknown ones."""
    store.upsert_records("Lead", [make_lead(n) for n in range(2500)], lead_field=None)
    wanted = [lead_id(n) for n in range(0, 2500, 2)] + ["00Q000000000000ZZZ"]
    found = store.get_records("Lead", wanted)
    assert sorted(found) == sorted(wanted[:-1])
    assert found[lead_id(4)]["Id"] == lead_id(4)

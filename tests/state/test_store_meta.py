"""What the store knows about the org, through typed methods; and the org's writer lock."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sfsync.errors import OrgBusyError
from sfsync.state import StateStore
from sfsync.state.database import chunks, dumps, loads
from sfsync.state.lock import InstanceLock
from sfsync.state.meta import UserContext
from tests.state.factories import MODSTAMP


def test_org_facts_start_unknown_and_are_kept(store: StateStore) -> None:
    """Each fact is None in a new store and reads back as it was stored."""
    assert (None, None, None, None) == (
        store.org_id(),
        store.integration_user_id(),
        store.definition_fingerprint(),
        store.last_nightly(),
    )
    nightly = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    store.bind_org("00D000000000001AAA")
    store.set_integration_user_id("005000000000INTAAA")
    store.set_definition_fingerprint("v1:abcdef")
    store.set_last_nightly(nightly)

    assert ("00D000000000001AAA", "005000000000INTAAA", "v1:abcdef", nightly) == (
        store.org_id(),
        store.integration_user_id(),
        store.definition_fingerprint(),
        store.last_nightly(),
    )


def test_facts_keep_the_keys_existing_state_files_use(store: StateStore) -> None:
    """State files written before the typed methods still read: the keys are the same."""
    store.set_meta("integration_user_id", "005000000000INTAAA")
    store.set_meta("last_nightly", "2026-11-20T02:00:00+00:00")
    store.set_meta("mirrored_fields:Lead", "id,title")

    assert "005000000000INTAAA" == store.integration_user_id()
    assert datetime(2026, 11, 20, 2, tzinfo=UTC) == store.last_nightly()
    assert frozenset({"id", "title"}) == store.mirrored_fields("Lead")


def test_mirrored_fields_are_per_object(store: StateStore) -> None:
    """What the mirror holds is kept per object, in lower case as given."""
    store.set_mirrored_fields("Task", {"whoid", "id"})
    assert frozenset({"id", "whoid"}) == store.mirrored_fields("Task")
    assert store.mirrored_fields("Event") is None


def test_last_backfill_summary_is_json(store: StateStore) -> None:
    """The last finished backfill's summary is stored as JSON under its old key."""
    store.set_last_backfill({"finished_at": "2026-11-20T10:00:00+00:00", "written": 3})
    assert {"finished_at": "2026-11-20T10:00:00+00:00", "written": 3} == loads(
        store.get_meta("last_backfill") or ""
    )


def test_user_context_names_users_and_the_integration_user(store: StateStore) -> None:
    """Qualifying needs user names by Id and who sfsync runs as; a nameless user is ''."""
    users = [
        {"Id": "005000000000REPAAA", "Name": "Rita Rep", "SystemModstamp": MODSTAMP},
        {"Id": "005000000000NONAAA", "Name": None, "SystemModstamp": MODSTAMP},
    ]
    with store.transaction():
        store.upsert_records("User", users, lead_field=None)
    store.set_integration_user_id("005000000000INTAAA")

    assert (
        UserContext(
            users={"005000000000NONAAA": "", "005000000000REPAAA": "Rita Rep"},
            integration_user_id="005000000000INTAAA",
        )
        == store.user_context()
    )


def test_the_org_lock_is_one_writer_at_a_time(tmp_path: Path) -> None:
    """A second writer gets OrgBusyError naming the holder's pid; after release it may go."""
    state = tmp_path / "sfsync.sqlite3"
    with InstanceLock.beside(state), pytest.raises(OrgBusyError, match=f"pid {os.getpid()}"):
        InstanceLock.beside(state).acquire()
    with InstanceLock.beside(state) as again:
        assert Path(str(state) + ".lock") == again.path


def test_json_and_chunks_helpers() -> None:
    """The store's JSON is compact and sorted; chunks cover every item in order."""
    assert '{"a":1,"b":"é"}' == dumps({"b": "é", "a": 1})
    assert {"a": [1, 2]} == loads('{"a": [1, 2]}')
    assert [[0, 1], [2, 3], [4]] == list(chunks(range(5), 2))

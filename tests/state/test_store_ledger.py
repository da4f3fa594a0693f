from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from sfsync.errors import StateStoreError
from sfsync.state import StateStore
from sfsync.state.models import HistoryEntry, Reject, RunRecord
from tests.state.factories import lead_id, make_lead


def _entry(
    n: int, at: str, field: str = "SFS_Score__c", old: object = 1, new: object = 2
) -> HistoryEntry:
    return HistoryEntry(
        lead_id=lead_id(n),
        at=at,
        field=field,
        old=old,
        new=new,
        reasons=("+25 Title: VP (decision maker)", "\u221210 Free-mail address"),
        definition_version="2026.1",
    )


# --- watermarks ---------------------------------------------------------------------------


def test_watermarks_are_per_object_and_replaceable(store: StateStore) -> None:
    """A watermark is None until set, then holds the last value set for that object."""
    assert store.get_watermark("Task") is None

    store.set_watermark("Task", "2026-03-01T10:00:00.000+0000")
    store.set_watermark("Task", "2026-03-02T10:00:00.000+0000")
    store.set_watermark("Lead", "2026-01-01T00:00:00.000+0000")

    assert store.get_watermark("Task") == "2026-03-02T10:00:00.000+0000"
    assert store.watermarks() == {
        "Lead": "2026-01-01T00:00:00.000+0000",
        "Task": "2026-03-02T10:00:00.000+0000",
    }


# --- last written outputs -----------------------------------------------------------------


def test_written_round_trip_and_merge(store: StateStore) -> None:
    """save_written stores values per lead and merges later partial writes into them."""
    store.save_written(
        "run1",
        {
            lead_id(1): {
                "SFS_Score__c": 70,
                "SFS_Status__c": "Sales Ready",
                "SFS_Last_Touch__c": None,
            },
            lead_id(2): {"SFS_Score__c": 10},
        },
    )
    store.save_written("run2", {lead_id(1): {"SFS_Score__c": 72}})

    assert store.get_written(lead_id(1)) == {
        "SFS_Score__c": 72,
        "SFS_Status__c": "Sales Ready",
        "SFS_Last_Touch__c": None,
    }
    assert store.get_written(lead_id(3)) is None
    assert store.get_written_many([lead_id(2), lead_id(3)]) == {lead_id(2): {"SFS_Score__c": 10}}


def test_save_written_is_one_transaction(store: StateStore) -> None:
    """A value JSON cannot encode fails the whole save_written call; nothing lands."""
    with pytest.raises(TypeError):
        store.save_written("run1", {lead_id(1): {"a": 1}, lead_id(2): {"b": object()}})

    assert store.get_written_many([lead_id(1), lead_id(2)]) == {}


def test_get_written_many_handles_more_ids_than_one_chunk(store: StateStore) -> None:
    """Thousands of lead Ids are looked up completely."""
    rows = {lead_id(n): {"SFS_Score__c": n} for n in range(4100)}
    store.save_written("run1", rows)

    assert store.get_written_many(rows) == rows


# --- runs ---------------------------------------------------------------------------------


def test_run_lifecycle(store: StateStore) -> None:
    """start_run records a running pass; finish_run records its outcome, counts and calls."""
    run_id = store.start_run("sync", dry_run=True, definition_version="2026.1")
    running = store.last_run()

    store.finish_run(run_id, outcome="partial", counts={"written": 3}, api_calls=7, error="quota")

    assert len(run_id) == 32
    assert running == RunRecord(
        run_id=run_id,
        kind="sync",
        dry_run=True,
        definition_version="2026.1",
        started_at="2026-03-01T12:00:01.000+00:00",
    )
    assert store.get_run(run_id) == RunRecord(
        run_id=run_id,
        kind="sync",
        dry_run=True,
        definition_version="2026.1",
        started_at="2026-03-01T12:00:01.000+00:00",
        finished_at="2026-03-01T12:00:02.000+00:00",
        outcome="partial",
        counts={"written": 3},
        api_calls=7,
        error="quota",
    )


def test_last_run_filters_and_runs_are_newest_first(store: StateStore) -> None:
    """last_run picks the newest run matching outcome/kind; runs() lists newest first."""
    ids = []
    for kind, outcome in [("sync", "success"), ("rescore", "success"), ("sync", "failed")]:
        run_id = store.start_run(kind, dry_run=False, definition_version="v")
        store.finish_run(run_id, outcome=outcome, counts={}, api_calls=0)
        ids.append(run_id)

    assert store.last_run().run_id == ids[2]  # type: ignore[union-attr]
    assert store.last_run(outcome="success").run_id == ids[1]  # type: ignore[union-attr]
    assert store.last_run(outcome="success", kind="sync").run_id == ids[0]  # type: ignore[union-attr]
    assert store.last_run(kind="backfill") is None
    assert [r.run_id for r in store.runs()] == ids[::-1]
    assert [r.run_id for r in store.runs(limit=1)] == ids[2:]


def test_finish_run_rejects_unknown_outcome_and_run(store: StateStore) -> None:
    """An outcome outside the four allowed, or an unknown run id, is refused."""
    run_id = store.start_run("sync", dry_run=False, definition_version="v")

    with pytest.raises(ValueError, match="outcome"):
        store.finish_run(run_id, outcome="ok", counts={}, api_calls=0)
    with pytest.raises(StateStoreError, match="no run with id"):
        store.finish_run("nope", outcome="success", counts={}, api_calls=0)


# --- history ------------------------------------------------------------------------------


def test_history_newest_first_per_lead(store: StateStore) -> None:
    """history() returns one lead's entries newest first, limited, with values decoded."""
    store.append_history(
        "run1", [_entry(1, "2026-03-01T00:00:00Z"), _entry(2, "2026-03-01T00:00:00Z")]
    )
    store.append_history(
        "run2", [_entry(1, "2026-03-02T00:00:00Z", field="SFS_Status__c", old="Nurture", new=None)]
    )

    entries = store.history(lead_id(1))

    assert [e.at for e in entries] == ["2026-03-02T00:00:00Z", "2026-03-01T00:00:00Z"]
    assert entries[0] == _entry(
        1, "2026-03-02T00:00:00Z", field="SFS_Status__c", old="Nurture", new=None
    )
    assert store.history(lead_id(1), limit=1) == entries[:1]
    assert store.history(lead_id(9)) == []


def test_iter_history_since_is_inclusive_and_ordered(store: StateStore) -> None:
    """iter_history yields entries at or after `since`, oldest first, across pages."""
    entries = [_entry(n, f"2026-03-{1 + n // 1000:02d}T00:00:00Z") for n in range(4500)]
    store.append_history("run1", reversed(entries))

    assert len(list(store.iter_history())) == 4500
    since = list(store.iter_history(since="2026-03-03T00:00:00Z"))
    assert sorted(e.lead_id for e in since) == [lead_id(n) for n in range(2000, 4500)]
    assert [e.at for e in since] == sorted(e.at for e in since)


def test_history_is_append_only(store: StateStore) -> None:
    """The history table refuses UPDATE and DELETE, even from outside sfsync."""
    store.append_history("run1", [_entry(1, "2026-03-01T00:00:00Z")])

    conn = sqlite3.connect(store.path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE history SET new = '99'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM history")
    finally:
        conn.close()
    store.append_history("run2", [_entry(1, "2026-03-02T00:00:00Z")])
    assert len(store.history(lead_id(1))) == 2


# --- rejects ------------------------------------------------------------------------------


def test_rejects_count_attempts_and_clear(store: StateStore) -> None:
    """A lead rejected again has its attempts incremented and its latest error kept."""
    lock = Reject(lead_id(1), "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access", ())
    rule = Reject(lead_id(2), "FIELD_CUSTOM_VALIDATION_EXCEPTION", "no", ("SFS_Score__c",))
    store.record_rejects("run1", [lock, rule])
    store.record_rejects("run2", [Reject(lead_id(1), "UNABLE_TO_LOCK_ROW", "again", ())])

    assert store.pending_rejects() == [
        Reject(lead_id(1), "UNABLE_TO_LOCK_ROW", "again", (), attempts=2),
        Reject(
            lead_id(2), "FIELD_CUSTOM_VALIDATION_EXCEPTION", "no", ("SFS_Score__c",), attempts=1
        ),
    ]

    store.clear_rejects([lead_id(1)])

    assert [r.lead_id for r in store.pending_rejects()] == [lead_id(2)]


def test_record_rejects_counts_one_attempt_per_call(store: StateStore) -> None:
    """The same lead twice in one call is one attempt, with the last error."""
    store.record_rejects("run1", [Reject(lead_id(1), "A", "a"), Reject(lead_id(1), "B", "b")])

    assert store.pending_rejects() == [Reject(lead_id(1), "B", "b", attempts=1)]


# --- checkpoints and metadata -------------------------------------------------------------


def test_checkpoints_round_trip_replace_and_clear(store: StateStore) -> None:
    """A checkpoint stores a small JSON blob under a name until cleared."""
    assert store.load_checkpoint("backfill") is None

    store.save_checkpoint("backfill", {"after": lead_id(10), "done": [1, 2], "nested": {"a": None}})
    store.save_checkpoint("backfill", {"after": lead_id(20)})
    store.save_checkpoint("other", {"x": 1})

    assert store.load_checkpoint("backfill") == {"after": lead_id(20)}
    store.clear_checkpoint("backfill")
    store.clear_checkpoint("never-saved")
    assert store.load_checkpoint("backfill") is None
    assert store.load_checkpoint("other") == {"x": 1}


def test_meta_round_trip(store: StateStore) -> None:
    """Metadata values are strings stored by key."""
    assert store.get_meta("org_id") is None

    store.set_meta("org_id", "00D000000000000AAA")
    store.set_meta("org_id", "00D000000000000BBB")

    assert store.get_meta("org_id") == "00D000000000000BBB"


# --- transactions -------------------------------------------------------------------------


def test_transaction_groups_writes_and_rolls_back_together(store: StateStore) -> None:
    """An exception inside transaction() undoes every write made inside it."""

    def write_then_fail() -> None:
        with store.transaction():
            store.upsert_records("Lead", [make_lead(1)], lead_field=None)
            store.set_watermark("Lead", "2026-03-01T10:00:00.000+0000")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_then_fail()

    assert store.count("Lead") == 0
    assert store.get_watermark("Lead") is None


def test_nested_writes_do_not_commit_early(store: StateStore, tmp_path: Path) -> None:
    """Writes inside transaction() are invisible to other connections until it ends."""
    other = sqlite3.connect(store.path)
    try:
        with store.transaction():
            store.upsert_records("Lead", [make_lead(1)], lead_field=None)
            with store.transaction():
                store.set_watermark("Lead", "w")
            assert other.execute("SELECT count(*) FROM record").fetchone() == (0,)
            assert other.execute("SELECT count(*) FROM watermark").fetchone() == (0,)
        assert other.execute("SELECT count(*) FROM record").fetchone() == (1,)
        assert other.execute("SELECT count(*) FROM watermark").fetchone() == (1,)
    finally:
        other.close()


def test_inner_failure_caught_inside_transaction_keeps_outer_writes(store: StateStore) -> None:
    """A failed nested write rolls back only itself when the caller handles the error."""
    with store.transaction():
        store.set_meta("a", "1")
        with pytest.raises(StateStoreError):
            store.upsert_records("Lead", [make_lead(2), {"no": "id"}], lead_field=None)

    assert store.get_meta("a") == "1"
    assert store.count("Lead") == 0


def test_store_can_be_read_from_another_thread(store: StateStore) -> None:
    """The daemon's health server may read the store from its own thread."""
    run_id = store.start_run("sync", dry_run=False, definition_version="v")
    seen: list[str | None] = []

    thread = threading.Thread(target=lambda: seen.append(store.last_run().run_id))  # type: ignore[union-attr]
    thread.start()
    thread.join()

    assert seen == [run_id]


def test_closed_store_raises_state_store_error(tmp_path: Path) -> None:
    """Using a closed store raises StateStoreError, not a bare sqlite3 error."""
    store = StateStore(tmp_path / "s.sqlite3")
    store.close()

    with pytest.raises(StateStoreError, match="get_meta"):
        store.get_meta("x")
    with pytest.raises(StateStoreError):
        store.set_meta("x", "y")

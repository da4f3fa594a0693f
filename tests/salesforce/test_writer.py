"""RecordWriter on its own: row-lock retries, and a stop request during their wait."""

from __future__ import annotations

from typing import Any

from sfsync.errors import StopRequestedError
from sfsync.salesforce.bulk import Bulk2
from sfsync.salesforce.records import WriteResult
from sfsync.salesforce.writer import RecordWriter
from sfsync.stop import Stop

RECORDS = [{"Id": f"00Q5g00000AbC{n:05d}", "SFS_Score__c": n} for n in range(3)]
LOCKED = {"statusCode": "UNABLE_TO_LOCK_ROW", "message": "locked", "fields": []}


class Org:
    """Answers Collections PATCHes: the second record is locked until *free_after* calls."""

    def __init__(self, free_after: int) -> None:
        self.free_after = free_after
        self.batches: list[list[str]] = []

    def __call__(self, method: str, path: str, *, name: str, json: Any) -> list[dict[str, Any]]:
        ids = [r["id"] for r in json["records"]]
        self.batches.append(ids)
        locked = len(self.batches) <= self.free_after
        return [
            {"id": i, "success": False, "errors": [LOCKED]}
            if locked and i == RECORDS[1]["Id"]
            else {"id": i, "success": True, "errors": []}
            for i in ids
        ]


def _writer(org: Org, stop: Stop, sleep: Any) -> RecordWriter:
    bulk = Bulk2(org, sleep=sleep)  # type: ignore[arg-type]
    return RecordWriter(org, bulk, sleep=sleep, stop=stop, lock_retries=2)


def test_a_locked_row_is_retried_and_written() -> None:
    """The locked record goes again, alone, after a wait; then every result is a success."""
    org = Org(free_after=1)
    waits: list[float] = []
    results = _writer(org, Stop(), waits.append).update("Lead", RECORDS)
    assert [True, True, True] == [r.success for r in results]
    assert [[r["Id"] for r in RECORDS], [RECORDS[1]["Id"]]] == org.batches
    assert [1.0] == waits


def test_a_stop_during_the_lock_wait_keeps_the_lock_failure_and_sends_nothing_more() -> None:
    """The retry is not sent: the record stays failed (a reject the next pass retries)."""
    org = Org(free_after=5)
    stop = Stop()

    def sleep(seconds: float) -> None:
        stop.set("SIGINT received")
        raise StopRequestedError(stop.reason or "")

    results = _writer(org, stop, sleep).update("Lead", RECORDS)
    assert WriteResult(RECORDS[1]["Id"], False, "UNABLE_TO_LOCK_ROW", "locked") == results[1]
    assert [True, False, True] == [r.success for r in results]
    assert 1 == len(org.batches)

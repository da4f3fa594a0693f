"""
Updating records: sObject Collections (200 per request) for small writes, Bulk API 2.0
ingest above a threshold, row-lock retries, and what a stop request does to each.

A stop request never cuts a request in half: a Collections write finishes the request in
flight and returns the results of the records sent so far (a prefix of the records); a Bulk
write waits for the job the org is applying (`bulk.Bulk2`). The caller records what came
back and stops.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import structlog

from sfsync.errors import SalesforceError, StopRequestedError
from sfsync.salesforce.bulk import Bulk2, OnJob
from sfsync.salesforce.records import (
    WriteResult,
    WriteResults,
    collection_record,
    record_id,
    result_from_save,
)
from sfsync.salesforce.soql import quote_object
from sfsync.stop import Stop

log = structlog.get_logger(__name__)

COLLECTION_LIMIT = 200  # records per sObject Collections request (Salesforce's maximum)
LOCK_ERROR = "UNABLE_TO_LOCK_ROW"

SendJson = Callable[..., Any]
"""`(method, path, *, name, **kwargs) -> JSON body`: one request through the transport."""


class RecordWriter:
    """
    Writes to one org through *send_json* (Collections) and *bulk* (ingest jobs).

    Writes above *bulk_write_threshold* records use Bulk API 2.0. Records failing with
    UNABLE_TO_LOCK_ROW are sent again *lock_retries* times in halved batches, after
    `lock_retry_wait * round` seconds of *sleep*. *stop* ends a write early (see the
    module docstring).
    """

    def __init__(
        self,
        send_json: SendJson,
        bulk: Bulk2,
        *,
        sleep: Callable[[float], None],
        stop: Stop,
        bulk_write_threshold: int = 2_000,
        lock_retries: int = 2,
        lock_retry_wait: float = 1.0,
    ) -> None:
        self._send_json = send_json
        self._bulk = bulk
        self._sleep = sleep
        self._stop = stop
        self._bulk_write_threshold = bulk_write_threshold
        self._lock_retries = lock_retries
        self._lock_retry_wait = lock_retry_wait

    def write(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, on_job: OnJob | None = None
    ) -> Sequence[WriteResult]:
        """
        Update *records*: sObject Collections up to `bulk_write_threshold` records, Bulk
        API 2.0 above (one ingest job per ~100 MB of CSV, so one for any usual pass;
        *on_job* hears of each before it is closed). Results come back in the order of
        *records*; *records* may be any sequence (a disk-backed one for large passes) and
        must stay readable while the results are used. After a stop request the results
        cover only the records sent (a prefix).

        Raises:
            ValueError: a record has no Id.
            StopRequestedError: a stop request came before anything was sent.
            SalesforceError: and subclasses, for failures of a whole request.
        """
        if len(records) > self._bulk_write_threshold:
            return self.bulk_update(sobject, records, on_job=on_job)
        return self.update(sobject, records)

    def update(self, sobject: str, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """
        Update *records* (each with `Id`) with sObject Collections PATCH, 200 per request,
        allOrNone=false; results are mapped by position. Records failing with
        UNABLE_TO_LOCK_ROW are sent again in halved batches, `lock_retries` times, before
        they are reported as failed. A stop request ends it after the request in flight:
        the results then cover the records sent (locked ones keep their failure).

        Raises:
            ValueError: a record has no Id.
            ConfigError: for an invalid object name.
            SalesforceError: and subclasses, for failures of a whole request.
        """
        name = quote_object(sobject)
        ids = [record_id(r) for r in records]
        bodies = [collection_record(name, id_, r) for id_, r in zip(ids, records, strict=True)]
        results: list[WriteResult | None] = [None] * len(records)
        pending, size = list(range(len(records))), COLLECTION_LIMIT
        with self._stop.doing(
            f"writing {len(records):,} {name} records with sObject Collections, 200 a request;"
            " sfsync will finish the request in flight, record what it wrote and stop"
        ):
            for round_ in range(self._lock_retries + 1):
                locked = self._send_round(bodies, ids, pending, size, results, last=round_)
                if not locked or self._stop.is_set():
                    break
                log.info("sfsync.salesforce.lock_retry_scheduled", object=name, records=len(locked))
                try:
                    self._sleep(self._lock_retry_wait * (round_ + 1))
                except StopRequestedError:
                    break
                pending, size = locked, max(1, min(size, len(locked)) // 2)
        sent = next((i for i, r in enumerate(results) if r is None), len(results))
        return [r for r in results[:sent] if r is not None]

    def _send_round(
        self,
        bodies: Sequence[dict[str, Any]],
        ids: Sequence[str],
        pending: Sequence[int],
        size: int,
        results: list[WriteResult | None],
        *,
        last: int,
    ) -> list[int]:
        """
        Send *pending* in batches of *size*; fill *results* (a locked record's failure too,
        so an interrupted round leaves it recorded) and return the positions still locked.
        """
        locked: list[int] = []
        for start in range(0, len(pending), size):
            if start and self._stop.is_set():
                break
            batch = pending[start : start + size]
            try:
                answers = self._patch(bodies, batch, ids)
            except StopRequestedError:
                if not any(r is not None for r in results):
                    raise  # nothing was sent: the pass is interrupted, not half-written
                break
            for position, result in zip(batch, answers, strict=True):
                results[position] = result
                if result.error_code == LOCK_ERROR and last < self._lock_retries:
                    locked.append(position)
        return locked

    def _patch(
        self, bodies: Sequence[dict[str, Any]], batch: Sequence[int], ids: Sequence[str]
    ) -> list[WriteResult]:
        payload = {"allOrNone": False, "records": [bodies[p] for p in batch]}
        items = self._send_json(
            "PATCH", "composite/sobjects", name="composite/sobjects", json=payload
        )
        if not isinstance(items, list) or len(items) != len(batch):
            msg = f"composite/sobjects answered {len(items)} results for {len(batch)} records"
            raise SalesforceError(msg, resource="composite/sobjects")
        return [result_from_save(ids[p], item) for p, item in zip(batch, items, strict=True)]

    def bulk_update(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, on_job: OnJob | None = None
    ) -> WriteResults:
        """
        Update *records* with a Bulk API 2.0 ingest job (None sets a field to null), and map
        the results back by Id in the order of *records* (successes are implied, so the
        results hold only the failures in memory). Rows that failed with
        UNABLE_TO_LOCK_ROW are sent once more through `update` (halving batches) when there
        are at most `bulk_write_threshold` of them.

        Raises:
            ValueError: a record has no Id.
            ConfigError: for an invalid object name.
            StopRequestedError: a stop request came before the first job was closed.
            SalesforceError: and subclasses, when a job cannot be created or completed.
        """
        name = quote_object(sobject)
        if not records:
            return WriteResults(records, {})
        results = self._bulk.update(name, records, on_job=on_job)
        self._retry_locked(name, records, results)
        return results

    def resume_update(
        self, sobject: str, records: Sequence[Mapping[str, Any]], job_id: str, start: int, end: int
    ) -> WriteResults | None:
        """
        Finish the ingest job an interrupted run left behind for records[start:end]: the
        results of those positions (read them with `results[i]`), or None when the org
        never applied the job. Rows it could not lock are retried as in `bulk_update`.

        Raises:
            SalesforceError: and subclasses, as for every call.
        """
        name = quote_object(sobject)
        failures = self._bulk.resume(name, records, job_id, start, end)
        if failures is None:
            return None
        results = WriteResults(records, failures, count=end)
        self._retry_locked(name, records, results)
        return results

    def _retry_locked(
        self, name: str, records: Sequence[Mapping[str, Any]], results: WriteResults
    ) -> None:
        locked = sorted(i for i, r in results.failures.items() if r.error_code == LOCK_ERROR)
        if not locked or len(locked) > self._bulk_write_threshold or self._stop.is_set():
            return
        retried = self.update(name, [records[i] for i in locked])
        for position, result in zip(locked, retried, strict=False):  # a prefix after a stop
            results.replace(position, result)

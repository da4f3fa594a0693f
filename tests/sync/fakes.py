"""
A fake org for the pass: records in memory, `SystemModstamp` filters as the pass's SOQL
asks, writes applied (or rejected) and counted. It satisfies `sync.OrgClient`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sfsync.errors import QuotaExceededError, SalesforceError
from sfsync.salesforce.records import WriteResult
from sfsync.sync.client import OrgClient
from sfsync.values.datetimes import format_sf_datetime, to_datetime

INTEGRATION = "005000000000INTAAA"
REP = "005000000000REPAAA"
START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
_AFTER = re.compile(r"SystemModstamp > (\S+)")
_NOT_ME = re.compile(r"LastModifiedById != '(\w+)'")


class FakeOrg:
    """An org holding *records* by object; see the module docstring."""

    def __init__(
        self,
        records: Mapping[str, Sequence[Mapping[str, Any]]],
        *,
        org: str | None = None,
        rejects: Mapping[str, str] | None = None,
        quota_on_write: bool = False,
        missing_fields: Sequence[str] = (),
    ) -> None:
        self.records = {name: [dict(r) for r in rows] for name, rows in records.items()}
        self.calls = 0
        self.reads: list[tuple[str, tuple[str, ...], str | None]] = []
        self.writes: list[list[dict[str, Any]]] = []
        self.rejects = dict(rejects or {})
        self.quota_on_write = quota_on_write
        self.missing_fields = set(missing_fields)
        self._org = org
        self._clock = START

    # --- what the org does on its own ----------------------------------------------------

    def tick(self) -> str:
        """The next SystemModstamp: every change is a second after the one before."""
        self._clock += timedelta(seconds=1)
        return format_sf_datetime(self._clock)

    def change(self, object_name: str, record_id: str, *, by: str = REP, **fields: Any) -> None:
        """A person changes a record: its fields, SystemModstamp and LastModifiedById."""
        for record in self.records[object_name]:
            if record["Id"] == record_id:
                record.update(fields, SystemModstamp=self.tick(), LastModifiedById=by)
                return
        msg = f"no {object_name} {record_id}"
        raise KeyError(msg)

    def lead(self, lead_id: str) -> dict[str, Any]:
        """The org's Lead *lead_id*."""
        return next(r for r in self.records["Lead"] if r["Id"] == lead_id)

    # --- OrgClient -----------------------------------------------------------------------

    def start_budget(self) -> tuple[int, int] | None:
        self.calls += 1
        return (0, 100_000)

    def org_id(self) -> str | None:
        return self._org

    def user_id(self) -> str:
        self.calls += 1
        return INTEGRATION

    def read(
        self,
        object_name: str,
        fields: Sequence[str],
        *,
        where: str | None = None,
        include_deleted: bool = False,
    ) -> Iterator[dict[str, Any]]:
        self.calls += 1
        self.reads.append((object_name, tuple(fields), where))
        missing = self.missing_fields & set(fields)
        if object_name == "Lead" and missing:
            msg = f"GET query: HTTP 400 INVALID_FIELD: No such column '{sorted(missing)[0]}'"
            raise SalesforceError(msg, status=400, resource="query", error_code="INVALID_FIELD")
        rows = [r for r in self.records.get(object_name, []) if _matches(r, where)]
        return iter([{k: v for k, v in r.items() if k in fields or k == "Id"} for r in rows])

    def count(
        self, sobject: str, where: str | None = None, *, include_deleted: bool = False
    ) -> int:
        """`SELECT COUNT()`: every record (the fake ignores *where*), one call."""
        self.calls += 1
        return len(self.records.get(sobject, []))

    def query(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every record of the queried object (the fake ignores conditions), one call."""
        self.calls += 1
        name = soql.split(" FROM ")[1].split(maxsplit=1)[0]
        return iter([dict(r) for r in self.records.get(name, [])])

    def describe(self, sobject: str) -> dict[str, Any]:
        self.calls += 1
        names = {k for r in self.records.get(sobject, []) for k in r} - self.missing_fields
        return {"fields": [{"name": n} for n in sorted(names)]}

    def close(self) -> None:
        """Nothing to close (the real client closes its HTTP session)."""

    def write(
        self,
        object_name: str,
        records: Sequence[Mapping[str, Any]],
        *,
        on_job: Callable[[str, int, int], None] | None = None,
    ) -> Sequence[WriteResult]:
        self.calls += 1
        if self.quota_on_write:
            msg = "API budget spent"
            raise QuotaExceededError(msg, error_code="SFSYNC_BUDGET_SPENT")
        sent = [dict(r) for r in records]
        self.writes.append(sent)
        results = []
        for record in map(dict, sent):
            lead_id = record.pop("Id")
            if lead_id in self.rejects:
                code = self.rejects[lead_id]
                results.append(WriteResult(lead_id, False, code, "refused", ("Status",)))
                continue
            self.change(object_name, lead_id, by=INTEGRATION, **record)
            results.append(WriteResult(lead_id, True))
        return results


def _matches(record: Mapping[str, Any], where: str | None) -> bool:
    """The pass's watermark conditions, read the way the org would."""
    if where is None:
        return True
    stamp = to_datetime(record.get("SystemModstamp"))
    bounds = [to_datetime(text.strip("()")) for text in _AFTER.findall(where)]
    assert stamp is not None
    assert all(bound is not None for bound in bounds), where
    if len(bounds) == 1:
        return stamp > bounds[0]  # type: ignore[operator]
    not_me = _NOT_ME.search(where)
    assert not_me is not None, where
    # SystemModstamp > watermark OR (SystemModstamp > window AND LastModifiedById != me)
    return stamp > bounds[0] or (  # type: ignore[operator]
        stamp > bounds[1] and record.get("LastModifiedById") != not_me.group(1)  # type: ignore[operator]
    )


def _conforms(client: OrgClient) -> OrgClient:
    return client


_conforms(FakeOrg({}))  # mypy: the fake is an OrgClient

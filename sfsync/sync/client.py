"""
What the pass needs from the Salesforce layer, declared once: `OrgClient`.

`salesforce.client.SalesforceClient` satisfies it; tests pass a fake with the same methods.
The pass calls nothing else on its client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from sfsync.salesforce.records import WriteResult, WriteResults


class OrgClient(Protocol):
    """One org's API, as a sync pass uses it."""

    calls: int
    """HTTP requests sent so far (the pass reports the difference)."""

    def start_budget(self) -> tuple[int, int] | None:
        """Fix this run's API budget baseline (`GET /limits`)."""
        ...

    def org_id(self) -> str | None:
        """The org's Id when the login told it (JWT, client credentials), else None."""
        ...

    def user_id(self) -> str:
        """The Id of the user sfsync runs as (the integration user)."""
        ...

    def read(
        self,
        object_name: str,
        fields: Sequence[str],
        *,
        where: str | None = None,
        include_deleted: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """
        Start reading *fields* of matching records. A large read may come back as a
        `salesforce.records.BulkRecords` whose job runs in the org while other reads start.
        """
        ...

    def describe(self, sobject: str) -> dict[str, Any]:
        """The object's describe (only read when a Lead query refused a field)."""
        ...

    def write(
        self,
        object_name: str,
        records: Sequence[Mapping[str, Any]],
        *,
        on_job: Callable[[str, int, int], None] | None = None,
    ) -> Sequence[WriteResult]:
        """
        Update *records*, results in their order; *records* may be disk-backed. *on_job*
        hears `(job_id, start, end)` before a Bulk job holding records[start:end] is
        closed. After a stop request the results cover only the records sent (a prefix).
        """
        ...

    def resume_update(
        self,
        object_name: str,
        records: Sequence[Mapping[str, Any]],
        job_id: str,
        start: int,
        end: int,
    ) -> WriteResults | None:
        """
        Finish the Bulk job an interrupted run closed for records[start:end]: its results
        (by position), or None when the org never applied it.
        """
        ...


class QueryClient(Protocol):
    """What re-reading one lead needs (`explain --live`)."""

    def query(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Run *soql* and yield every record."""
        ...

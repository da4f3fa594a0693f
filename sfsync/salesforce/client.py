"""
SalesforceClient: every call sfsync makes to an org, with retries, re-login, API accounting
and error mapping in one place.

The client takes a `simple_salesforce.Salesforce` for what it is good at (the authenticated
session, headers and instance URLs) and sends requests through that session itself,
because sfsync needs what simple-salesforce's methods hide: response headers
(Sforce-Limit-Info, Sforce-Locator), raw CSV bodies and per-request retries. Errors are
mapped here and only here, the way meltano's `validate_response` does it: 5xx, timeouts and
connection resets are retriable, everything else is not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests
import structlog
import tenacity
from simple_salesforce.api import Salesforce

from sfsync.config import Settings
from sfsync.errors import (
    QuotaExceededError,
    RetriableSalesforceError,
    SalesforceError,
)
from sfsync.salesforce.auth import authenticate
from sfsync.salesforce.bulk import Bulk2, OnJob
from sfsync.salesforce.records import (
    BulkRecords,
    WriteResult,
    WriteResults,
    csv_row_converter,
    field_types,
    strip_attributes,
)
from sfsync.salesforce.retry import Deadlines, build_retrying
from sfsync.salesforce.session import build_session
from sfsync.salesforce.soql import (
    build_count,
    build_select,
    format_soql,
    object_from_soql,
    quote_object,
)
from sfsync.salesforce.transport import Transport
from sfsync.salesforce.writer import RecordWriter
from sfsync.stop import Stop
from sfsync.values.ids import case_safe_id

__all__ = ["BulkRecords", "SalesforceClient", "WriteResult", "connect"]

log = structlog.get_logger(__name__)


_SESSION_ORG = re.compile(r"(00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?)!")


class SalesforceClient(Transport):
    """
    One org's API, as sfsync uses it.

    *retrying* is the tenacity policy wrapped around every HTTP request (narrowed to
    RetriableSalesforceError whatever it says); *deadlines* bound each request's attempts.
    *reauthenticate* returns a fresh Salesforce after a 401 INVALID_SESSION_ID (once per
    request). *budget_pct* is the share of the org's daily API requests this run may
    spend. Reads above *bulk_read_threshold* rows and writes above *bulk_write_threshold*
    records use Bulk API 2.0. *stop* is the command's stop request: Bulk polls and row-lock
    waits end for it and writes stop early (see `writer`); *sleep*, when given, replaces
    those waits (tests pass a fake).

    Attributes:
        calls: HTTP requests this client sent (every attempt counts).
    """

    def __init__(
        self,
        sf: Salesforce,
        *,
        retrying: tenacity.Retrying,
        budget_pct: float = 25.0,
        reauthenticate: Callable[[], Salesforce] | None = None,
        bulk_read_threshold: int = 10_000,
        bulk_write_threshold: int = 2_000,
        identity_url: str | None = None,
        username: str | None = None,
        sleep: Callable[[float], None] | None = None,
        stop: Stop | None = None,
        deadlines: Deadlines | None = None,
        lock_retries: int = 2,
        lock_retry_wait: float = 1.0,
        bulk_options: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(
            sf,
            retrying=retrying,
            budget_pct=budget_pct,
            reauthenticate=reauthenticate,
            deadlines=deadlines,
        )
        self._bulk_read_threshold = bulk_read_threshold
        self._identity_url = identity_url
        self._username = username
        self.stop = stop or Stop()
        self._bulk = Bulk2(
            self._call,
            sleep=sleep or self.stop.sleep,
            pause=sleep or self.stop.pause,
            stop=self.stop,
            **dict(bulk_options or {}),
        )
        self._writer = RecordWriter(
            self._json,
            self._bulk,
            sleep=sleep or self.stop.sleep,
            stop=self.stop,
            bulk_write_threshold=bulk_write_threshold,
            lock_retries=lock_retries,
            lock_retry_wait=lock_retry_wait,
        )
        self._describes: dict[str, dict[str, Any]] = {}
        self._user_id: str | None = None

    # --- reads ---------------------------------------------------------------------------

    def query(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """
        Run *soql* through the REST query (or queryAll) resource and yield every record,
        following nextRecordsUrl, with `attributes` stripped.

        *batch_size* (200-2000) asks for that page size (`Sforce-Query-Options`); Salesforce
        may return other sizes.

        Raises:
            ValueError: for a batch size outside 200-2000.
            SalesforceError: and subclasses (while iterating).
        """
        headers: dict[str, str] = {}
        if batch_size is not None:
            if not 200 <= batch_size <= 2000:
                msg = f"batch_size must be 200-2000, got {batch_size}"
                raise ValueError(msg)
            headers["Sforce-Query-Options"] = f"batchSize={batch_size}"
        return self._query_pages(soql, "queryAll" if include_deleted else "query", headers)

    def _query_pages(
        self,
        soql: str,
        resource: str,
        headers: dict[str, str],
        *,
        first_page: Mapping[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        if first_page is None:
            page = self._json(
                "GET", f"{resource}/", name=resource, params={"q": soql}, headers=headers
            )
        else:
            page = first_page
        while True:
            for record in page.get("records", []):
                yield strip_attributes(record)
            next_url = page.get("nextRecordsUrl")
            if page.get("done", True) or not next_url:
                return
            page = self._json("GET", next_url, name=resource, headers=headers)

    def count(
        self, sobject: str, where: str | None = None, *, include_deleted: bool = False
    ) -> int:
        """
        Count *sobject* rows matching *where* (SOQL built with `format_soql`) with
        `SELECT COUNT()`; one request.

        Raises:
            ConfigError: for an invalid object name.
            SalesforceError: and subclasses.
        """
        resource = "queryAll" if include_deleted else "query"
        page = self._json(
            "GET", f"{resource}/", name=resource, params={"q": build_count(sobject, where)}
        )
        return int(page["totalSize"])

    def bulk_query(self, soql: str, *, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """
        Run *soql* as a Bulk API 2.0 query job and yield records shaped like REST ones:
        typed values from the object's describe, `Parent.Field` columns nested, '' as None.

        Raises:
            SalesforceError: and subclasses (while iterating), including a failed job.
        """
        return self._start_bulk_query(soql, include_deleted=include_deleted)

    def _start_bulk_query(
        self, soql: str, *, include_deleted: bool, expected_records: int = 0
    ) -> BulkRecords:
        job_id, sobject = self._bulk.start_query(
            soql, include_deleted=include_deleted, expected_records=expected_records
        )
        return BulkRecords(job_id, self._bulk_records(job_id, sobject or object_from_soql(soql)))

    def _bulk_records(self, job_id: str, sobject: str | None) -> Iterator[dict[str, Any]]:
        convert: Callable[[Mapping[str, str]], dict[str, Any]] | None = None
        for row in self._bulk.query_rows(job_id):
            if convert is None:
                columns = list(row)
                convert = csv_row_converter(columns, self._column_types(sobject, columns))
            yield convert(row)

    def read(
        self,
        sobject: str,
        fields: Sequence[str],
        *,
        where: str | None = None,
        include_deleted: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """
        Read *fields* of matching *sobject* records: REST query up to `bulk_read_threshold`
        rows, Bulk API 2.0 above.

        The first request counts and reads at once: the REST query with `LIMIT threshold+1`.
        Its `totalSize` tells whether the result is small; if it is, those pages are the
        whole result (no separate COUNT request); if not, that page is dropped and a Bulk
        query job reads everything. That job is created before `read` returns (a
        `BulkRecords`, which waits for it when iterated), so a caller can start the jobs of
        several reads and let the org run them side by side.

        Raises:
            ConfigError: for invalid object/field names.
            SalesforceError: and subclasses.
        """
        soql = build_select(sobject, fields, where=where)
        probe = build_select(sobject, fields, where=where, limit=self._bulk_read_threshold + 1)
        resource = "queryAll" if include_deleted else "query"
        first = self._json("GET", f"{resource}/", name=resource, params={"q": probe})
        total = int(first.get("totalSize") or 0)
        use_bulk = total > self._bulk_read_threshold
        log.debug("sfsync.salesforce.read_planned", object=sobject, count=total, bulk=use_bulk)
        if use_bulk:  # the job starts now; iterating waits for it
            return self._start_bulk_query(
                soql, include_deleted=include_deleted, expected_records=total
            )
        return self._query_pages(probe, resource, {}, first_page=first)

    def describe(self, sobject: str) -> dict[str, Any]:
        """
        Return `GET /sobjects/<object>/describe`, cached for the client's lifetime.

        Raises:
            ConfigError: for an invalid object name.
            SalesforceError: and subclasses (status 404 for an unknown object).
        """
        name = quote_object(sobject)
        if name not in self._describes:
            self._describes[name] = self._json(
                "GET", f"sobjects/{name}/describe", name=f"sobjects/{name}/describe"
            )
        return self._describes[name]

    def org_id(self) -> str | None:
        """
        The org's Id, without a request: from the OAuth identity URL (`…/id/<orgId>/<userId>`),
        else from the access token itself, since an opaque Salesforce session Id starts with
        the org's Id and "!" (the sf CLI relies on it: @salesforce/core util/sfdc.js
        `accessTokenRegex`). None for a token of another shape (a JWT-based access token).
        """
        if self._identity_url:
            parts = urlsplit(self._identity_url).path.rstrip("/").split("/")
            org = parts[-2] if len(parts) >= 3 else ""
            return org if org.startswith("00D") else None
        match = _SESSION_ORG.match(str(getattr(self._sf, "session_id", "") or ""))
        return case_safe_id(match.group(1)) if match else None

    def user_id(self) -> str:
        """
        Return the Id of the user the session belongs to, cached.

        In order: the OAuth identity URL from the token response (`…/id/<org>/<user>`, no
        request), then `GET /services/oauth2/userinfo` (`user_id`; works for any access
        token on a real org), then, when a username is configured,
        `SELECT Id FROM User WHERE Username = '<username>'`.

        Raises:
            SalesforceError: and subclasses, when no method worked.
        """
        if self._user_id is None:
            self._user_id = self._find_user_id()
        return self._user_id

    def _find_user_id(self) -> str:
        if self._identity_url:
            candidate = urlsplit(self._identity_url).path.rstrip("/").rsplit("/", 1)[-1]
            if candidate.startswith("005"):
                return candidate
        try:
            info = self._json("GET", "/services/oauth2/userinfo", name="oauth2/userinfo")
        except SalesforceError as exc:
            if isinstance(exc, RetriableSalesforceError | QuotaExceededError) or not self._username:
                raise
            log.info("sfsync.salesforce.userinfo_unavailable", status=exc.status)
        else:
            if isinstance(info.get("user_id"), str):
                return str(info["user_id"])
            if not self._username:
                msg = "oauth2/userinfo answered without user_id"
                raise SalesforceError(msg, resource="oauth2/userinfo")
        soql = format_soql("SELECT Id FROM User WHERE Username = {} LIMIT 1", self._username)
        rows = list(self.query(soql))
        if not rows:
            msg = "the configured SFSYNC_SF_USERNAME matches no User record"
            raise SalesforceError(msg, resource="query")
        return str(rows[0]["Id"])

    def _column_types(self, sobject: str | None, columns: Sequence[str]) -> dict[str, str]:
        if sobject is None:
            return {}
        return {c: t for c in columns if (t := self._path_type(sobject, c.split("."))) is not None}

    def _path_type(self, sobject: str, path: Sequence[str]) -> str | None:
        """Follow `Parent.Field` through describes to the leaf field's type."""
        describe = self.describe_or_none(sobject)
        if describe is None:
            return None
        head, *rest = path
        if not rest:
            return field_types(describe).get(head)
        for field in describe.get("fields", []):
            if str(field.get("relationshipName") or "").lower() == head.lower():
                for target in field.get("referenceTo") or []:
                    found = self._path_type(str(target), rest)
                    if found is not None:
                        return found
        return None

    def describe_or_none(self, sobject: str) -> dict[str, Any] | None:
        """
        Describe *sobject*, or None when the org has no such object (or hides it from us).

        Raises:
            SalesforceError: for any failure other than NOT_FOUND.
        """
        try:
            return self.describe(sobject)
        except SalesforceError as exc:
            if exc.status == 404:
                return None
            raise

    # --- writes (salesforce.writer) ------------------------------------------------------

    def write(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, on_job: OnJob | None = None
    ) -> Sequence[WriteResult]:
        """`RecordWriter.write`: Collections or Bulk API 2.0 by size."""
        return self._writer.write(sobject, records, on_job=on_job)

    def update(self, sobject: str, records: Sequence[Mapping[str, Any]]) -> list[WriteResult]:
        """`RecordWriter.update`: sObject Collections, 200 a request."""
        return self._writer.update(sobject, records)

    def bulk_update(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, on_job: OnJob | None = None
    ) -> WriteResults:
        """`RecordWriter.bulk_update`: one Bulk API 2.0 ingest job per ~100 MB."""
        return self._writer.bulk_update(sobject, records, on_job=on_job)

    def resume_update(
        self, sobject: str, records: Sequence[Mapping[str, Any]], job_id: str, start: int, end: int
    ) -> WriteResults | None:
        """`RecordWriter.resume_update`: finish an interrupted run's ingest job."""
        return self._writer.resume_update(sobject, records, job_id, start, end)


def connect(
    settings: Settings,
    *,
    retrying: tenacity.Retrying | None = None,
    session: requests.Session | None = None,
    stop: Stop | None = None,
    deadlines: Deadlines | None = None,
) -> SalesforceClient:
    """
    Log in with *settings* and return a client configured from them (budget, thresholds,
    re-login, deadlines). *stop* is the command's stop request (every wait ends for it);
    *deadlines* replaces the settings' (`check` passes short ones). Call `start_budget()`
    on the client before a run to fix the budget's baseline.

    Raises:
        ConfigError: missing or invalid connection settings (names the SFSYNC_ variable).
        AuthenticationError: the org refused the credentials.
        RetriableSalesforceError: the login endpoint stayed unreachable.
        StopRequestedError: a stop request ended a wait between login attempts.
    """
    stop = stop or Stop()
    limits = deadlines or Deadlines.from_settings(settings)
    retrying = retrying or build_retrying(limits, sleep=stop.sleep)
    if session is None:
        session = build_session(
            timeout=limits.read,
            connect_timeout=limits.connect,
            ca_bundle=settings.sf_ca_bundle,
            insecure_skip_tls_verify=settings.sf_insecure_skip_tls_verify,
        )
    login = authenticate(settings, session=session, retrying=retrying)
    return SalesforceClient(
        login.sf,
        retrying=retrying,
        budget_pct=settings.api_budget_pct,
        reauthenticate=login.reauthenticate,
        bulk_read_threshold=settings.bulk_read_threshold,
        bulk_write_threshold=settings.bulk_write_threshold,
        bulk_options={"poll_first": settings.bulk_poll_first_seconds},
        identity_url=login.identity_url,
        username=login.username,
        stop=stop,
        deadlines=limits,
    )

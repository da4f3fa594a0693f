"""
One request to the org: the budget check first, then the retry policy, one re-login on an
expired session, API usage from Sforce-Limit-Info, and error answers mapped to sfsync
errors. `SalesforceClient` builds its reads and writes on it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import requests
import tenacity
from simple_salesforce.api import Salesforce

from sfsync.errors import (
    AuthenticationError,
    QuotaExceededError,
    RetriableSalesforceError,
    SalesforceError,
)
from sfsync.salesforce import quota
from sfsync.salesforce.failures import SessionExpiredError, error_from_response
from sfsync.salesforce.retry import Deadlines
from sfsync.salesforce.session import AUTO_ASSIGN_HEADER


class Transport:
    """
    Requests to one org through *retrying* (narrowed to RetriableSalesforceError whatever it
    says), re-login with *reauthenticate* after a 401 INVALID_SESSION_ID (once per request),
    and a budget of *budget_pct* of the org's daily API requests. Each attempt's timeout
    comes from *deadlines*, so no request outlives `deadlines.total` with its retries
    (*retrying* stops before that deadline too).

    Attributes:
        calls: HTTP requests sent (every attempt counts).
    """

    def __init__(
        self,
        sf: Salesforce,
        *,
        retrying: tenacity.Retrying,
        budget_pct: float = 25.0,
        reauthenticate: Callable[[], Salesforce] | None = None,
        deadlines: Deadlines | None = None,
    ) -> None:
        self._sf = sf
        self._retrying = retrying.copy(
            retry=retrying.retry & tenacity.retry_if_exception_type(RetriableSalesforceError)
        )
        self._deadlines = deadlines or Deadlines()
        self._budget_pct = budget_pct
        self._reauthenticate = reauthenticate
        self._usage: quota.ApiUsage | None = None
        self._start_used: int | None = None
        self.calls = 0

    # --- lifecycle and accounting --------------------------------------------------------

    @property
    def sf(self) -> Salesforce:
        """The current Salesforce handle (replaced after a re-login)."""
        return self._sf

    @property
    def api_usage(self) -> tuple[int, int] | None:
        """`(used, max)` daily API requests from the last Sforce-Limit-Info header, if any."""
        return None if self._usage is None else (self._usage.used, self._usage.max)

    def close(self) -> None:
        """Close the HTTP session (its pooled connections)."""
        self._sf.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start_budget(self) -> tuple[int, int] | None:
        """
        Read `/limits` and remember DailyApiRequests used so far as this run's baseline.

        Without it, the baseline is the first Sforce-Limit-Info header seen. Returns
        `(used, max)`, or None when the org does not report DailyApiRequests.

        Raises:
            QuotaExceededError: the org is already below the safety floor.
            SalesforceError: and subclasses, as for every call.
        """
        usage = quota.parse_limits(self.limits())
        if usage is None:
            return None
        self._start_used = usage.used
        if self._usage is None:
            self._usage = usage
        self._check_budget()
        return usage.used, usage.max

    def limits(self) -> dict[str, Any]:
        """
        Return `GET /limits` (`{Name: {Max, Remaining}}`).

        Raises:
            SalesforceError: and subclasses.
        """
        body: dict[str, Any] = self._json("GET", "limits/", name="limits")
        return body

    # --- one request ---------------------------------------------------------------------

    def request_json(self, method: str, path: str, *, name: str, **kwargs: Any) -> Any:
        """
        Send one request (*path* relative to /services/data/vXX.X/, or absolute from the
        host) through the budget check, retries and re-login, and return its JSON body.
        For resources sfsync uses rarely, such as the Metadata API's deployRequest.

        Raises:
            SalesforceError: and subclasses, as for every call.
        """
        return self._json(method, path, name=name, **kwargs)

    def _json(self, method: str, path: str, *, name: str, **kwargs: Any) -> Any:
        response = self._call(method, path, name=name, **kwargs)
        try:
            return response.json()
        except ValueError:
            msg = f"{method} {name}: HTTP {response.status_code} answered without a JSON body"
            raise SalesforceError(msg, status=response.status_code, resource=name) from None

    def _call(self, method: str, path: str, *, name: str, **kwargs: Any) -> requests.Response:
        """
        Send one request through the retry policy, after the budget check.

        Raises:
            QuotaExceededError: the run's budget is spent, or the org's limit was hit.
            AuthenticationError: the session is invalid and re-login did not help.
            RetriableSalesforceError: retries ran out.
            SalesforceError: any other error answer.
        """
        self._check_budget()
        started = time.monotonic()
        tries: list[None] = []
        attempt = functools.partial(
            self._send_with_reauth, method, path, name, kwargs, started, tries
        )
        try:
            response: requests.Response = self._retrying.copy()(attempt)
        except RetriableSalesforceError as exc:
            attempts = f"{len(tries)} attempt" + ("s" if len(tries) > 1 else "")
            msg = (
                f"{exc}; gave up after {attempts} in {time.monotonic() - started:.1f} s "
                f"(deadline {self._deadlines.total:g} s)"
            )
            raise RetriableSalesforceError(
                msg, status=exc.status, resource=exc.resource, error_code=exc.error_code
            ) from exc
        return response

    def _send_with_reauth(
        self,
        method: str,
        path: str,
        name: str,
        kwargs: dict[str, Any],
        started: float,
        tries: list[None],
    ) -> requests.Response:
        tries.append(None)
        try:
            return self._send(method, path, name, kwargs, started)
        except SessionExpiredError as exc:
            if self._reauthenticate is None:
                msg = f"{exc} (session expired; this auth mode cannot log in again)"
                raise AuthenticationError(msg, status=401, resource=name) from None
            self._sf = self._reauthenticate()
        try:
            return self._send(method, path, name, kwargs, started)
        except SessionExpiredError as exc:
            msg = f"{exc} (still invalid after one re-login)"
            raise AuthenticationError(msg, status=401, resource=name) from None

    def _send(
        self, method: str, path: str, name: str, kwargs: dict[str, Any], started: float
    ) -> requests.Response:
        sf = self._sf
        url = f"https://{sf.sf_instance}{path}" if path.startswith("/") else sf.base_url + path
        options = dict(kwargs)
        headers = {AUTO_ASSIGN_HEADER: "FALSE", **sf.headers, **options.pop("headers", {})}
        body = options.get("data")
        if body is not None and hasattr(body, "seek"):
            body.seek(0)  # a file upload: every attempt sends it from the start
        sent = time.monotonic()
        options.setdefault("timeout", self._deadlines.timeout(sent - started))
        self.calls += 1
        try:
            response = sf.session.request(method, url, headers=headers, **options)
        except requests.exceptions.SSLError:
            msg = (
                f"{method} {name}: TLS verification failed; for a private CA set "
                "SFSYNC_SF_CA_BUNDLE to its certificate bundle"
            )
            raise SalesforceError(msg, resource=name) from None
        except requests.exceptions.ConnectTimeout as exc:
            waited = time.monotonic() - sent
            msg = f"{method} {name}: could not connect to {sf.sf_instance} in {waited:.1f} s"
            raise RetriableSalesforceError(msg, resource=name) from exc
        except requests.exceptions.ReadTimeout as exc:
            # Also a TLS handshake that never completes (it runs on the connect timeout).
            waited = time.monotonic() - sent
            msg = f"{method} {name}: {sf.sf_instance} did not answer in {waited:.1f} s"
            raise RetriableSalesforceError(msg, resource=name) from exc
        except (
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as exc:
            msg = f"{method} {name}: {type(exc).__name__} talking to {sf.sf_instance}"
            raise RetriableSalesforceError(msg, resource=name) from exc
        usage = quota.parse_limit_info(response.headers.get("Sforce-Limit-Info"))
        if usage is not None:
            self._usage = usage
            if self._start_used is None:
                self._start_used = max(0, usage.used - 1)
        if response.status_code >= 300:
            raise error_from_response(response, method=method, resource=name)
        return response

    def _check_budget(self) -> None:
        if self._usage is None or self._start_used is None:
            return
        used, maximum = self._usage
        if quota.budget_exceeded(self._start_used, used, maximum, self._budget_pct):
            msg = (
                f"API budget spent: this run used {used - self._start_used} of the org's "
                f"{maximum} daily requests ({used} used in total; budget "
                f"{self._budget_pct:g}%, floor {quota.SAFETY_FLOOR_PCT:g}% remaining)"
            )
            raise QuotaExceededError(msg, error_code="SFSYNC_BUDGET_SPENT")

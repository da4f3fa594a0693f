"""
An org's error answers, mapped to the sfsync error the caller should act on (retry, log in
again, stop for the budget, fix the definition, or fail).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

import requests

from sfsync.errors import (
    AccessDeniedError,
    AuthenticationError,
    DefinitionMismatchError,
    QuotaExceededError,
    RetriableSalesforceError,
    SalesforceError,
)

_MAX_MESSAGE = 500
_MAX_TEXT = 200
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
# Whole-request codes that mean the integration user may not do this (also sent with 400).
_ACCESS_CODES = frozenset(
    {
        "API_DISABLED_FOR_ORG",
        "API_CURRENTLY_DISABLED",
        "INSUFFICIENT_ACCESS",
        "INSUFFICIENT_ACCESS_OR_READONLY",
        "INSUFFICIENT_PRIVILEGES",
    }
)


class SessionExpiredError(AuthenticationError):
    """Raised internally for 401 INVALID_SESSION_ID; the client re-logs in once."""


def _shorten(text: str, limit: int = _MAX_MESSAGE) -> str:
    """
    At most *limit* characters of an org's message, keeping its head and its tail: a
    MALFORMED_QUERY/INVALID_FIELD message quotes the whole query first and names the
    offending field on its last line.
    """
    if len(text) <= limit:
        return text
    half = (limit - 5) // 2
    return f"{text[:half]} […] {text[-half:]}"


def error_from_response(
    response: requests.Response, *, method: str, resource: str
) -> SalesforceError:
    """
    Map an error answer to the sfsync error the caller should act on.

    401 INVALID_SESSION_ID → re-login (internal); other 401 → AuthenticationError; 403
    REQUEST_LIMIT_EXCEEDED → QuotaExceededError (RetriableSalesforceError for the
    short-lived concurrent-request limits); any other 403, or an access code such as
    INSUFFICIENT_ACCESS → AccessDeniedError ("the request has been refused: verify that the
    logged-in user has appropriate permissions",
    https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm);
    429 and 5xx → RetriableSalesforceError; a field or object the org lacks →
    DefinitionMismatchError; any other status → SalesforceError with status, resource and
    error code. The message holds the error code and message, never a whole HTML page.
    """
    status = response.status_code
    code, detail = _error_details(response)
    text = f"{method} {resource}: HTTP {status}" + (f" {code}" if code else "")
    if detail:
        text += f": {_shorten(detail)}"
    fields: dict[str, Any] = {"status": status, "resource": resource, "error_code": code}
    if status == 401:
        cls: type[SalesforceError] = (
            SessionExpiredError if code == "INVALID_SESSION_ID" else AuthenticationError
        )
        return cls(text, **fields)
    if status == 403 and code == "REQUEST_LIMIT_EXCEEDED":
        # "ConcurrentPerOrgLongTxn Limit exceeded" clears in seconds; "TotalRequests" is the
        # daily quota, which only tomorrow resets.
        if "concurrent" in (detail or "").lower():
            return RetriableSalesforceError(text, **fields)
        return QuotaExceededError(text, **fields)
    if status == 429 or status >= 500:
        return RetriableSalesforceError(text, **fields)
    if status == 403 or code in _ACCESS_CODES:
        return AccessDeniedError(text, **fields)
    if code in DefinitionMismatchError.ERROR_CODES:
        return DefinitionMismatchError(text, **fields)
    return SalesforceError(text, **fields)


def _error_details(response: requests.Response) -> tuple[str | None, str | None]:
    try:
        body = response.json()
    except ValueError:
        return None, _plain_text(response.text or "") or None
    if isinstance(body, list) and body and all(isinstance(item, str) for item in body):
        # 300 Multiple Choices: an external Id matched several records; the body lists them.
        return None, _shorten("several records match: " + ", ".join(body))
    if isinstance(body, list) and body and isinstance(body[0], Mapping):
        body = body[0]
    if isinstance(body, Mapping):
        code = body.get("errorCode") or body.get("error")
        detail = body.get("message") or body.get("error_description")
        return (str(code) if code else None), (str(detail) if detail else None)
    return None, None


def _plain_text(text: str) -> str:
    """
    A non-JSON error body in a few words: an HTML page's title (a load balancer's 503
    page), else its text without tags, cut to one short line.
    """
    title = _TITLE.search(text)
    words = title.group(1) if title else _TAG.sub(" ", text)
    words = " ".join(html.unescape(words).split())
    if len(words) > _MAX_TEXT:
        words = words[: _MAX_TEXT - 1] + "…"
    return words

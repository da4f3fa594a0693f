"""
The sandbox's HTTP vocabulary: requests as the handlers see them, responses as they are sent,
and `ApiError`, which becomes Salesforce's error-list body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qs

JSON_TYPE = "application/json;charset=UTF-8"
CSV_TYPE = "text/csv"


@dataclass
class Request:
    """One parsed HTTP request."""

    method: str
    path: str
    query_string: str
    headers: Message
    body: bytes = b""

    @property
    def query(self) -> dict[str, list[str]]:
        """The query-string parameters."""
        return parse_qs(self.query_string, keep_blank_values=True)

    def param(self, name: str) -> str | None:
        """The first value of one query-string parameter."""
        values = self.query.get(name)
        return values[0] if values else None

    def header(self, name: str) -> str | None:
        """One request header (case-insensitive)."""
        return self.headers.get(name)

    def json(self) -> Any:
        """
        The body parsed as JSON.

        Raises:
            ApiError: JSON_PARSER_ERROR, as Salesforce answers unparseable bodies.
        """
        try:
            return json.loads(self.body or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from None


@dataclass
class Response:
    """One HTTP response; Content-Length is derived from the body when it is sent."""

    status: int
    body: bytes = b""
    content_type: str | None = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    records: int = 0
    # Whether it was an API call against the daily limit; None: it was if it says so in
    # Sforce-Limit-Info (the REST API). SOAP answers carry no such header.
    counted: bool | None = None


def json_response(status: int, payload: Any, *, records: int = 0) -> Response:
    """A JSON response."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(status, body, JSON_TYPE, records=records)


def empty_response(status: int = 204, *, records: int = 0) -> Response:
    """A bodiless response (204 No Content, 201 Created)."""
    return Response(status, b"", None, records=records)


def error_body(
    error_code: str, message: str, fields: list[str] | None = None
) -> list[dict[str, Any]]:
    """Salesforce's REST error list: `[{"message": ..., "errorCode": ...}]`."""
    item: dict[str, Any] = {"message": message, "errorCode": error_code}
    if fields is not None:
        item["fields"] = fields
    return [item]


class ApiError(Exception):
    """Raised by a handler to answer with Salesforce's error-list body and this status."""

    def __init__(
        self, status: int, error_code: str, message: str, *, fields: list[str] | None = None
    ) -> None:
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = fields
        super().__init__(f"{status} {error_code}: {message}")

    def to_response(self) -> Response:
        """The response Salesforce sends for this error."""
        return json_response(self.status, error_body(self.error_code, self.message, self.fields))


NOT_FOUND_MESSAGE = "The requested resource does not exist"


def not_found() -> ApiError:
    """Salesforce's generic 404."""
    return ApiError(404, "NOT_FOUND", NOT_FOUND_MESSAGE)

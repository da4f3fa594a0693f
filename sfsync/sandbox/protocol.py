"""
The sandbox's HTTP vocabulary: requests as the handlers see them, responses as they are sent,
and `ApiError`, which becomes Salesforce's error-list body.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import parse_qs

JSON_TYPE = "application/json;charset=UTF-8"
CSV_TYPE = "text/csv"


@dataclass
class Request:
    """
    One parsed HTTP request. A Bulk ingest upload (up to 150 MB) arrives in *body_file*,
    spooled to disk by the server, instead of *body*.
    """

    method: str
    path: str
    query_string: str
    headers: Message
    body: bytes = b""
    body_file: BinaryIO | None = None

    @property
    def body_size(self) -> int:
        """The body's length in bytes."""
        if self.body_file is None:
            return len(self.body)
        return self.body_file.seek(0, io.SEEK_END)

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


class _Writable(Protocol):
    def write(self, data: bytes, /) -> Any: ...


@dataclass(frozen=True)
class FileSlice:
    """*length* bytes of a file from *offset*: a response body part sent from disk."""

    path: Path
    offset: int
    length: int


@dataclass
class Response:
    """
    One HTTP response; Content-Length is derived from the body when it is sent. *files*
    follow *body* and are read from disk while they are sent (Bulk results), never held
    in memory whole.
    """

    status: int
    body: bytes = b""
    content_type: str | None = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    records: int = 0
    # Whether it was an API call against the daily limit; None: it was if it says so in
    # Sforce-Limit-Info (the REST API). SOAP answers carry no such header.
    counted: bool | None = None
    files: tuple[FileSlice, ...] = ()

    @property
    def length(self) -> int:
        """The body's length in bytes, the file parts included."""
        return len(self.body) + sum(part.length for part in self.files)

    def write_files(self, out: _Writable, chunk: int = 1 << 20) -> None:
        """Copy the file parts to *out*, *chunk* bytes at a time."""
        for part in self.files:
            with part.path.open("rb") as fh:
                fh.seek(part.offset)
                left = part.length
                while left > 0:
                    data = fh.read(min(chunk, left))
                    if not data:
                        raise OSError(f"{part.path} ended {left} bytes early")
                    out.write(data)
                    left -= len(data)


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

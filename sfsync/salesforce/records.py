"""
Record shapes crossing the Salesforce boundary: REST records, Bulk 2.0 CSV rows, write results.

Pure: plain dicts and strings in, plain dicts, strings and `WriteResult`s out.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import Any, overload

from sfsync.values.booleans import is_true
from sfsync.values.datetimes import bulk_to_rest_datetime, format_bulk_datetime

# Bulk 2.0 CSV: an empty cell leaves a field unchanged on update, `#N/A` sets it to null.
# https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_csv_valid_record_rows.htm
CSV_NULL = "#N/A"

_INT_TYPES = {"int", "long"}
_FLOAT_TYPES = {"double", "currency", "percent"}


class BulkRecords(Iterator[dict[str, Any]]):
    """
    The records of a Bulk API 2.0 query job already running in the org: iterating waits
    for the job (a reader can start several jobs first, then read them one by one).
    """

    def __init__(self, job_id: str, records: Iterator[dict[str, Any]]) -> None:
        self.job_id = job_id
        self._records = records

    def __iter__(self) -> BulkRecords:
        return self

    def __next__(self) -> dict[str, Any]:
        return next(self._records)


@dataclass(frozen=True)
class WriteResult:
    """
    The outcome of writing one record: its Id, and the first error when it failed.

    `fields` names the fields the error is about (may be empty).
    """

    id: str | None
    success: bool
    error_code: str | None = None
    message: str | None = None
    fields: tuple[str, ...] = ()


class WriteResults(Sequence[WriteResult]):
    """
    The results of a Bulk API write, one per record in the order of *records*: the
    failures are stored, a success is made from its record's Id when asked for, so the
    results of a million-record job take the memory of its failures only.

    *records* must stay readable (in order, by index) while the results are used. With
    *count*, the results cover only the first *count* records (a write a stop request
    ended early). Compares equal to any sequence of the same WriteResults.
    """

    def __init__(
        self,
        records: Sequence[Mapping[str, Any]],
        failures: Mapping[int, WriteResult],
        *,
        count: int | None = None,
    ) -> None:
        self._records = records
        self._count = len(records) if count is None else count
        self.failures: dict[int, WriteResult] = dict(failures)
        """Position → result of every record that did not succeed (replace() updates it)."""

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> WriteResult: ...

    @overload
    def __getitem__(self, index: slice) -> list[WriteResult]: ...

    def __getitem__(self, index: int | slice) -> WriteResult | list[WriteResult]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError(index)
        found = self.failures.get(position)
        return found if found is not None else WriteResult(record_id(self._records[position]), True)

    def __iter__(self) -> Iterator[WriteResult]:
        for position, record in enumerate(self._records):
            if position >= self._count:
                return
            found = self.failures.get(position)
            yield found if found is not None else WriteResult(record_id(record), True)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def replace(self, position: int, result: WriteResult) -> None:
        """Set the result of the record at *position* (after a retry)."""
        if result.success:
            self.failures.pop(position, None)
        else:
            self.failures[position] = result

    def __repr__(self) -> str:
        return f"WriteResults({len(self)} records, {len(self.failures)} not successful)"


def strip_attributes(record: Mapping[str, Any]) -> dict[str, Any]:
    """
    Return *record* without the `attributes` entries Salesforce adds to every record,
    parent object and child record.
    """
    clean: dict[str, Any] = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, Mapping):
            nested = strip_attributes(value)
            if isinstance(nested.get("records"), list):
                nested["records"] = [strip_attributes(r) for r in nested["records"]]
            clean[key] = nested
        else:
            clean[key] = value
    return clean


def record_id(record: Mapping[str, Any]) -> str:
    """
    Return the record's Id (`Id` or `id`).

    Raises:
        ValueError: when the record has no non-empty Id.
    """
    value = record.get("Id", record.get("id"))
    if not isinstance(value, str) or not value:
        msg = "every record to update needs an Id"
        raise ValueError(msg)
    return value


def result_from_save(record_id_: str | None, item: Mapping[str, Any]) -> WriteResult:
    """
    Turn one sObject Collections SaveResult (`{id, success, errors[{statusCode, message,
    fields}]}`) into a WriteResult; failed results may lack `id`, so the caller passes it.
    """
    if item.get("success"):
        return WriteResult(id=item.get("id") or record_id_, success=True)
    errors = item.get("errors") or [{}]
    first = errors[0] if isinstance(errors[0], Mapping) else {}
    messages = [str(e.get("message", "")) for e in errors if isinstance(e, Mapping)]
    return WriteResult(
        id=item.get("id") or record_id_,
        success=False,
        error_code=first.get("statusCode") or "UNKNOWN_ERROR",
        message="; ".join(m for m in messages if m) or None,
        fields=tuple(str(f) for f in first.get("fields") or ()),
    )


def parse_bulk_error(text: str) -> tuple[str, str, tuple[str, ...]]:
    """
    Split a Bulk 2.0 `sf__Error` cell, `CODE:message:fields`, into its parts.

    The message may itself contain colons; `--` in the fields part means "no field".
    """
    code, _, rest = text.partition(":")
    message, sep, fields_part = rest.rpartition(":")
    if not sep:
        message, fields_part = rest, ""
    fields = tuple(f.strip() for f in fields_part.replace("--", "").split(",") if f.strip())
    return code.strip() or "UNKNOWN_ERROR", message.strip(), fields


def csv_cell(value: object) -> str:
    """
    Render *value* for a Bulk 2.0 ingest CSV cell: None and "" become `#N/A` (set null),
    booleans `true`/`false`, datetimes UTC ISO 8601 with `Z`.

    Raises:
        ValueError: for naive datetimes and unsupported types.
    """
    if value is None or value == "":
        return CSV_NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return format(Decimal(repr(value)) if isinstance(value, float) else value, "f")
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            msg = f"naive datetime {value.isoformat()} has no timezone"
            raise ValueError(msg)
        return format_bulk_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    msg = f"cannot write a {type(value).__name__} to a Bulk API CSV"
    raise ValueError(msg)


def ingest_columns(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """Return `Id` followed by every other field named in *records*, in first-seen order."""
    columns: dict[str, None] = {"Id": None}
    for record in records:
        for key in record:
            if key not in {"attributes", "Id", "id"}:
                columns.setdefault(key, None)
    return list(columns)


def ingest_row(record: Mapping[str, Any], columns: Sequence[str]) -> list[str]:
    """
    The CSV cells of *record* under *columns* (`Id` first, as `ingest_columns` gives):
    a field the record does not mention is left empty (unchanged), None sets it to null.

    Raises:
        ValueError: the record has no Id, or a value cannot be written to CSV.
    """
    return [record_id(record)] + [csv_cell(record[c]) if c in record else "" for c in columns[1:]]


def csv_line(values: Sequence[str]) -> bytes:
    """One CSV line (LF-terminated, UTF-8) of *values*, quoted where needed."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue().encode("utf-8")


def field_types(describe: Mapping[str, Any]) -> dict[str, str]:
    """Map each field name in a describe body to its type (`int`, `double`, `boolean`, …)."""
    return {
        str(f["name"]): str(f.get("type", "string"))
        for f in describe.get("fields", [])
        if isinstance(f, Mapping) and "name" in f
    }


def csv_row_converter(
    columns: Sequence[str], types: Mapping[str, str]
) -> Callable[[Mapping[str, str]], dict[str, Any]]:
    """
    A converter of Bulk 2.0 CSV rows with these *columns* into the record shape the REST
    API returns, planned once: a Bulk query result has one header for millions of rows, so
    each cell's converter and place in the record are worked out here rather than per cell.

    *types* maps column names (including `Parent.Field` paths) to describe types. Empty
    cells become None, numbers int/float, booleans bool, datetimes `…+0000` like REST, and
    `Owner.Name` columns `{"Owner": {"Name": …}}`, or `{"Owner": None}` when every column
    of that parent is empty.
    """
    flat: list[tuple[str, Callable[[str], Any]]] = []
    nested: list[tuple[str, tuple[str, ...], str, Callable[[str], Any]]] = []
    for column in columns:
        converter = _cell_converter(types.get(column))
        *parents, leaf = column.split(".")
        if parents:
            nested.append((column, tuple(parents), leaf, converter))
        else:
            flat.append((column, converter))

    def convert(row: Mapping[str, str]) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for column, converter in flat:
            text = row.get(column)
            record[column] = converter(text) if text else None
        if nested:
            tree: dict[str, Any] = {}
            for column, parents, leaf, converter in nested:
                text = row.get(column)
                target = tree
                for parent in parents:
                    target = target.setdefault(parent, {})
                target[leaf] = converter(text) if text else None
            for key, value in tree.items():
                record[key] = _collapse(value)
        return record

    return convert


def _collapse(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    collapsed = {k: _collapse(v) for k, v in value.items()}
    return None if all(v is None for v in collapsed.values()) else collapsed


def _cell_converter(sf_type: str | None) -> Callable[[str], Any]:
    """How to turn a non-empty cell of a field of *sf_type* into its REST value."""
    if sf_type in _INT_TYPES:
        return _to_int
    if sf_type in _FLOAT_TYPES:
        return float
    if sf_type == "boolean":
        return is_true
    if sf_type == "datetime":
        return bulk_to_rest_datetime
    return str


def _to_int(text: str) -> int:
    return int(float(text))


def rest_value(value: object) -> object:
    """
    Make *value* JSON-ready for a REST write: datetimes become UTC `…T10:00:00.000Z`, dates
    ISO, Decimals float; everything else is passed through for `json` to encode.

    Raises:
        ValueError: for naive datetimes.
    """
    if isinstance(value, datetime | date) and not isinstance(value, bool):
        return csv_cell(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def collection_record(sobject: str, id_: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """*record* as an sObject Collections item: its type and Id, the other fields JSON-ready."""
    body: dict[str, Any] = {"attributes": {"type": sobject}, "id": id_}
    for key, value in record.items():
        if key not in {"attributes", "Id", "id"}:
            body[key] = rest_value(value)
    return body


def place_failures(
    records: Sequence[Mapping[str, Any]],
    start: int,
    end: int,
    failed: Mapping[str, deque[WriteResult]],
    succeeded: set[str] | None,
    reason: str,
) -> dict[int, WriteResult]:
    """
    Map failed result rows to the positions of their records in records[start:end] (an Id
    listed twice fails its records in order). With *succeeded*, a record in neither list
    fails as UNPROCESSED with *reason*.
    """
    failures: dict[int, WriteResult] = {}
    for position, record in enumerate(islice(records, start, end), start):
        rid = record_id(record)
        queue = failed.get(rid)
        if queue:
            failures[position] = queue.popleft()
        elif succeeded is not None and rid not in succeeded:
            failures[position] = WriteResult(rid, False, "UNPROCESSED", reason)
    return failures


def int_or_none(value: Any) -> int | None:
    """*value* as an int (a job's record counts arrive as numbers or text), or None."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None

"""
The work of a Bulk API 2.0 query job, done in the background: run the SOQL on a read-only
connection of its own (a WAL snapshot, so the org keeps serving and writing meanwhile) and
render each record as a CSV row straight into the job's `RowFile` on disk.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import threading
from typing import Any

from sfsync.sandbox import schema
from sfsync.sandbox.jobstore import QueryJob
from sfsync.sandbox.org import SandboxOrg
from sfsync.sandbox.query import iter_records
from sfsync.sandbox.rowfile import RowFile
from sfsync.sandbox.soql import FieldPath, parse
from sfsync.sandbox.values import json_to_csv

DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
_STOP_CHECK_ROWS = 1000


def run_query(job: QueryJob, org: SandboxOrg, rows: RowFile, stop: threading.Event) -> bool:
    """
    Run *job*'s query and write its rows to *rows*; set `job.header` and `job.rows`.
    Returns False when *stop* was set before the last row (the file is then incomplete).

    Raises:
        SoqlError, sqlite3.Error: the query failed (the job fails with the message).
    """
    conn = sqlite3.connect(
        f"{org.db_path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
    )
    try:
        conn.execute("PRAGMA busy_timeout=10000")
        with schema.objects_in_use(org.objects):
            parsed = parse(job.query)
            renderer = _Renderer(parsed.fields, job)
            job.header = renderer.header
            rows.open_for_writing()
            records = iter_records(
                conn,
                parsed,
                include_deleted=job.operation == "queryAll",
                api_version=job.api_version,
            )
            for n, record in enumerate(records, start=1):
                if n % _STOP_CHECK_ROWS == 0 and stop.is_set():
                    rows.close()
                    return False
                rows.append(renderer.row(record))
            rows.finish()
    finally:
        conn.close()
    job.rows = rows.rows
    return True


class _Renderer:
    """Records in the REST shape -> CSV rows, every cell quoted, as Salesforce writes them."""

    def __init__(self, paths: tuple[FieldPath, ...], job: QueryJob) -> None:
        self.paths = paths
        self._out = io.StringIO()
        self._writer = csv.writer(
            self._out,
            delimiter=DELIMITERS[job.column_delimiter],
            lineterminator=LINE_ENDINGS[job.line_ending],
            quoting=csv.QUOTE_ALL,
        )
        self.header = self._line([p.api_name for p in paths])

    def _line(self, cells: list[Any]) -> str:
        self._out.seek(0)
        self._out.truncate()
        self._writer.writerow(cells)
        return self._out.getvalue()

    def row(self, record: dict[str, Any]) -> bytes:
        """One record as an encoded CSV row."""
        return self._line([json_to_csv(_cell(record, p)) for p in self.paths]).encode()


def _cell(row: dict[str, Any], path: FieldPath) -> Any:
    value: Any = row
    for rel in path.relationships:
        value = _get(value, rel.name)
        if value is None:
            return None
    return _get(value, path.field.name)


def _get(record: Any, name: str) -> Any:
    if not isinstance(record, dict):
        return None
    if name in record:
        return record[name]
    lowered = name.lower()
    return next((v for k, v in record.items() if k.lower() == lowered), None)

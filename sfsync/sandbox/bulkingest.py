"""
The data side of a Bulk API 2.0 ingest job, all of it on disk in the job's directory:

- `data.csv`: the uploaded records (the header is kept in the job record), split as CSV
  records (a quoted cell may span lines) while the upload is stored;
- `success.csv` / `failed.csv`: one result row per processed record, in Salesforce's
  `sf__Id,sf__Created|sf__Error,<the record as uploaded>` shape.

Processing runs in the background, 200 records per transaction like Salesforce's chunks.
Each chunk's result rows are written, and how far the job got is recorded in the org's
database, inside the same transaction as the chunk's writes; so a job interrupted by a
restart resumes exactly where its last committed chunk ended, never writing a record twice.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

import structlog

from sfsync.sandbox import schema
from sfsync.sandbox.bulkquery import DELIMITERS
from sfsync.sandbox.jobstore import IngestJob
from sfsync.sandbox.latency import JobLatency
from sfsync.sandbox.org import SandboxOrg, SaveResult, WriteOp
from sfsync.sandbox.protocol import ApiError
from sfsync.sandbox.schema import ObjectDef
from sfsync.sandbox.values import ValueTypeError, csv_to_storage

log = structlog.get_logger(__name__)

WRITE_CHUNK = 200  # records per internal transaction, like Salesforce's 200-record chunks
_PROGRESS_DDL = """
CREATE TABLE IF NOT EXISTS _sandbox_bulk_progress (
  job_id TEXT PRIMARY KEY,
  rows INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  data_offset INTEGER NOT NULL,
  success_bytes INTEGER NOT NULL,
  failed_bytes INTEGER NOT NULL
)
"""


@dataclass(frozen=True)
class IngestFiles:
    """Where one ingest job keeps its upload and its results."""

    directory: Path

    @property
    def data(self) -> Path:
        """The uploaded records."""
        return self.directory / "data.csv"

    @property
    def success(self) -> Path:
        """Result rows of records written."""
        return self.directory / "success.csv"

    @property
    def failed(self) -> Path:
        """Result rows of records refused."""
        return self.directory / "failed.csv"


@dataclass
class _Progress:
    rows: int = 0
    failed: int = 0
    data_offset: int = 0
    success_bytes: int = 0
    failed_bytes: int = 0


def raw_records(stream: IO[bytes], *, bom: bool = False) -> Iterator[tuple[str, int]]:
    """
    `(record text, bytes it took)` for each CSV record of *stream*: physical lines (CRLF or
    LF) joined while a quoted cell is open; trailing blank records are dropped.

    Raises:
        UnicodeDecodeError: the text is not UTF-8.
    """
    pending: list[str] = []
    pending_bytes = quotes = 0
    blanks: list[int] = []  # blank records, yielded once a record follows them
    for raw in stream:
        line = raw[:-1] if raw.endswith(b"\n") else raw
        if line.endswith(b"\r"):
            line = line[:-1]
        text = line.decode("utf-8-sig" if bom else "utf-8")
        bom = False
        pending.append(text)
        pending_bytes += len(raw)
        quotes += text.count('"')
        if quotes % 2:
            continue
        record = "\n".join(pending)
        if record == "":
            blanks.append(pending_bytes)
        else:
            yield from (("", size) for size in blanks)
            blanks.clear()
            yield record, pending_bytes
        pending, pending_bytes, quotes = [], 0, 0
    if pending:
        yield from (("", size) for size in blanks)
        yield "\n".join(pending), pending_bytes


def store_upload(job: IngestJob, files: IngestFiles, body: IO[bytes]) -> int:
    """
    Append one uploaded CSV (*body*, rewound here) to the job's records; return how many.

    Raises:
        ApiError: not UTF-8, empty, or a header unlike an earlier upload's.
    """
    body.seek(0)
    part = files.data.with_suffix(".part")
    count = 0
    try:
        with part.open("wb") as out:
            records = raw_records(body, bom=True)
            header = next(records, None)
            if header is None:
                raise ApiError(400, "INVALIDBATCH", "The CSV data is empty")
            if job.raw_header and header[0] != job.raw_header:
                msg = "Every upload of a job must have the same header"
                raise ApiError(400, "INVALIDBATCH", msg)
            for text, _ in records:
                out.write(text.encode() + b"\n")
                count += 1
    except UnicodeDecodeError:
        part.unlink(missing_ok=True)
        raise ApiError(400, "INVALIDBATCH", "The CSV data is not valid UTF-8") from None
    except ApiError:
        part.unlink(missing_ok=True)
        raise
    with part.open("rb") as src, files.data.open("ab") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    part.unlink()
    job.raw_header = header[0]
    job.records += count
    return count


def header_problem(job: IngestJob, obj: ObjectDef) -> str | None:
    """Why the uploaded header fails the whole job (Salesforce's InvalidBatch text), if it does."""
    if not job.raw_header:
        return "InvalidBatch : No data was uploaded for this job"
    columns = _parse_row(job.raw_header, DELIMITERS[job.column_delimiter])
    unknown = [c for c in columns if obj.get(c.strip()) is None]
    if unknown:
        return f"InvalidBatch : Field name not found : {unknown[0]}"
    names = [obj.by_name[c.strip().lower()].name for c in columns]
    if job.operation in ("update", "delete") and "Id" not in names:
        return "InvalidBatch : Field name not found : Id"
    if job.operation == "delete" and names != ["Id"]:
        return "InvalidBatch : The 'delete' batch must contain only 'Id'"
    return None


def process(
    job: IngestJob,
    org: SandboxOrg,
    files: IngestFiles,
    stop: threading.Event,
    *,
    pace: JobLatency | None = None,
) -> bool:
    """
    Apply the job's records from where it last got to; False when *stop* ended it early.
    A header that fails the job sets `job.error_message` and processes nothing.

    With *pace* (a records-per-second rate), records are applied at that rate from the
    close plus its base time, as a real org works through a job: its records' SystemModstamps
    spread over the job's processing time instead of landing in one second.
    """
    with schema.objects_in_use(org.objects):
        obj = schema.get_object(job.object)
        assert obj is not None
        problem = header_problem(job, obj)
        if problem is not None:
            job.error_message = problem
            return True
        delimiter = DELIMITERS[job.column_delimiter]
        names = [obj.by_name[c.strip().lower()].name for c in _parse_row(job.raw_header, delimiter)]
        progress = _load_progress(org, job.id)
        job.processed, job.failed = progress.rows, progress.failed
        # Result rows past the last committed chunk belong to writes that were rolled back.
        for path, size in (
            (files.success, progress.success_bytes),
            (files.failed, progress.failed_bytes),
        ):
            with path.open("ab") as fh:
                fh.truncate(size)
        if not files.data.exists():
            return True
        with (
            files.data.open("rb") as data,
            files.success.open("ab") as ok,
            files.failed.open("ab") as bad,
        ):
            data.seek(progress.data_offset)
            records = raw_records(data)
            rate = pace.records_per_second if pace is not None else None
            begin = (job.closed or job.started) + (pace.base_seconds if pace else 0.0)
            while chunk := list(islice(records, WRITE_CHUNK)):
                if rate:
                    delay = begin + progress.rows / rate - time.time()
                    if delay > 0 and stop.wait(delay):
                        return False
                if stop.is_set():
                    return False
                _apply(job, org, obj, names, chunk, progress, (ok, bad))
                job.processed, job.failed = progress.rows, progress.failed
    return True


def _apply(
    job: IngestJob,
    org: SandboxOrg,
    obj: ObjectDef,
    names: list[str],
    chunk: list[tuple[str, int]],
    progress: _Progress,
    outputs: tuple[IO[bytes], IO[bytes]],
) -> None:
    """Write one chunk in one transaction, with its result rows and the job's progress."""
    q = DELIMITERS[job.column_delimiter]
    ops: list[WriteOp | None] = []
    early: dict[int, str] = {}
    for i, (raw, _) in enumerate(chunk):
        op = _row_op(job, obj, names, _parse_row(raw, q))
        if isinstance(op, str):
            early[i] = op
            ops.append(None)
        else:
            ops.append(op)

    def record_results(results: list[SaveResult]) -> None:
        ok, bad = outputs
        saved = iter(results)
        for i, (raw, size) in enumerate(chunk):
            progress.data_offset += size
            progress.rows += 1
            if i in early:
                progress.failed += 1
                bad.write(f'""{q}"{_quote(early[i])}"{q}{raw}\n'.encode())
                continue
            result = next(saved)
            rid = result.id or ""
            if result.success:
                created = "true" if result.created else "false"
                ok.write(f'"{rid}"{q}"{created}"{q}{raw}\n'.encode())
            else:
                progress.failed += 1
                error = "\n".join(e.to_bulk() for e in result.errors)
                bad.write(f'"{rid}"{q}"{_quote(error)}"{q}{raw}\n'.encode())
        ok.flush()
        bad.flush()
        progress.success_bytes, progress.failed_bytes = ok.tell(), bad.tell()
        _save_progress(org, job.id, progress)

    org.save(
        [o for o in ops if o is not None],
        auto_assign=job.auto_assign,
        before_commit=record_results,
    )


def unprocessed(job: IngestJob, files: IngestFiles) -> tuple[int, int]:
    """`(offset, length)` in the data file of the records a stopped job never reached."""
    if job.state not in ("Failed", "Aborted") or not files.data.exists():
        return 0, 0
    offset = 0 if job.error_message else _offset_on_disk(files, job)
    return offset, files.data.stat().st_size - offset


def _offset_on_disk(files: IngestFiles, job: IngestJob) -> int:
    # The processed records are the first `job.processed` of the data file.
    with files.data.open("rb") as data:
        return sum(size for _, size in islice(raw_records(data), job.processed))


def forget_progress(org: SandboxOrg, job_id: str) -> None:
    """Drop a deleted job's progress row."""
    with org.lock:
        org.conn.execute(_PROGRESS_DDL)
        org.conn.execute("DELETE FROM _sandbox_bulk_progress WHERE job_id = ?", (job_id,))


def _load_progress(org: SandboxOrg, job_id: str) -> _Progress:
    with org.lock:
        org.conn.execute(_PROGRESS_DDL)
        row = org.conn.execute(
            "SELECT rows, failed, data_offset, success_bytes, failed_bytes"
            " FROM _sandbox_bulk_progress WHERE job_id = ?",
            (job_id,),
        ).fetchone()
    return _Progress(*row) if row else _Progress()


def _save_progress(org: SandboxOrg, job_id: str, p: _Progress) -> None:
    org.conn.execute(
        "INSERT OR REPLACE INTO _sandbox_bulk_progress"
        " (job_id, rows, failed, data_offset, success_bytes, failed_bytes)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (job_id, p.rows, p.failed, p.data_offset, p.success_bytes, p.failed_bytes),
    )


def _parse_row(raw: str, delimiter: str) -> list[str]:
    source = [raw] if "\n" not in raw else io.StringIO(raw)
    return next(csv.reader(source, delimiter=delimiter), [])


def _quote(text: str) -> str:
    return text.replace('"', '""')


def _row_op(job: IngestJob, obj: ObjectDef, names: list[str], cells: list[str]) -> WriteOp | str:
    if len(cells) != len(names):
        return "INVALID_FIELD:Row has the wrong number of columns:--"
    values: dict[str, Any] = {}
    record_id: str | None = None
    for name, cell in zip(names, cells, strict=True):
        if name == "Id":
            record_id = cell or None
            continue
        if cell == "":
            continue  # empty leaves the field unchanged (insert: unset)
        fdef = obj.by_name[name.lower()]
        try:
            values[name] = csv_to_storage(fdef, cell)
        except ValueTypeError:
            label = fdef.label or fdef.name
            code = "INVALID_TYPE_ON_FIELD_IN_RECORD"
            return f"{code}:{label}: value not of required type: {cell}:{name}"
    if job.operation == "insert":
        if record_id is not None:
            return "INVALID_FIELD:cannot specify Id in an insert call:--"
        return WriteOp("insert", obj, None, values)
    if job.operation == "upsert":
        return WriteOp("update" if record_id else "insert", obj, record_id, values)
    if job.operation == "delete":
        return WriteOp("delete", obj, record_id)
    return WriteOp("update", obj, record_id, values)

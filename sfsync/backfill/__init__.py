"""
The backfill: qualify every existing lead once and write the results (DESIGN §1, issue 5).

A backfill is a series of sync passes (`sync.run_pass`) over slices of the org's leads:

1. **Plan.** `SELECT COUNT() FROM Lead WHERE <scope>` (this also lets the org validate
   `--where`); above `slice_threshold` leads, the scope is cut into calendar-month slices
   by CreatedDate (the first slice is open downwards, the last upwards, so no lead falls
   between slices).
2. **Dry read.** Every activity object is read once (Bulk API 2.0 above the client's read
   threshold) into the mirror; then each slice's leads are read, qualified at one fixed
   `now` and diffed against the values the org holds. Nothing is written. The estimate
   (leads, changes, API calls, Bulk jobs, megabytes) comes from these real passes; the
   plan is kept in the state store so `--apply` can print it before it writes.
3. **Apply** (only with `apply=True`). Activities are read again (the apply may come hours
   after the dry run), then each slice is read, qualified and its changes written
   (Collections up to the client's write threshold, Bulk API 2.0 above). Every write is
   diffed against values read from the org moments before.

Resumable: the apply keeps a checkpoint (its `now`, scope, definition version, slices and
the slices done) in the state store. A rerun after a crash, SIGTERM or budget stop skips
the finished slices and re-reads the unfinished one from the org, so a lead written before
the stop already holds its new values, diffs as unchanged and is not written again; the
fixed `now` makes the rerun compute the same values the first run would have.
"""

from __future__ import annotations

from sfsync.backfill.estimate import (
    COLLECTION_LIMIT,
    INGEST_JOB_CALLS,
    Estimate,
    SliceEstimate,
    WritePlan,
    plan_writes,
)
from sfsync.backfill.options import DEFAULT_SLICE_THRESHOLD, BackfillOptions, BackfillResult
from sfsync.backfill.report import csv_safe, iter_csv_rows
from sfsync.backfill.run import CHECKPOINT, PLAN, BackfillClient, run_backfill
from sfsync.backfill.scope import Slice, combine_where, month_slices, validate_where

__all__ = [
    "CHECKPOINT",
    "COLLECTION_LIMIT",
    "DEFAULT_SLICE_THRESHOLD",
    "INGEST_JOB_CALLS",
    "PLAN",
    "BackfillClient",
    "BackfillOptions",
    "BackfillResult",
    "Estimate",
    "Slice",
    "SliceEstimate",
    "WritePlan",
    "combine_where",
    "csv_safe",
    "iter_csv_rows",
    "month_slices",
    "plan_writes",
    "run_backfill",
    "validate_where",
]

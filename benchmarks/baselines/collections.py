"""
Baseline 2, the better script: the same reads and scoring as the per-record baseline, but
writes go through sObject Collections (`PATCH composite/sobjects`, 200 records per call,
allOrNone=false). Every lead is written every run: there is no mirror and no diff.

    python -m benchmarks.baselines.collections --env-file DIR/connection.env

Prints one JSON line: what it read, wrote and how long each phase took.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.baselines.common import connect, integration_user_id, make_scorer, read_org

BATCH = 200  # the Collections maximum


def main(argv: Sequence[str] | None = None) -> int:
    """Score every lead and write them all, 200 per Collections call; print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--env-file", type=Path, required=True)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    sf = connect(args.env_file)
    leads, activities, users = read_org(sf)
    scorer_name, score = make_scorer(users, integration_user_id(sf), datetime.now(UTC))
    read_done = time.perf_counter()

    written = failed = 0
    for start in range(0, len(leads), BATCH):
        chunk = leads[start : start + BATCH]
        records: list[dict[str, Any]] = [
            {
                "attributes": {"type": "Lead"},
                "id": lead["Id"],
                **score(lead, activities[lead["Id"]]),
            }
            for lead in chunk
        ]
        results = sf.restful(
            "composite/sobjects",
            method="PATCH",
            json={"allOrNone": False, "records": records},
        )
        for lead, result in zip(chunk, results or [], strict=True):
            if result["success"]:
                written += 1
            else:
                failed += 1
                print(f"{lead['Id']}: {result['errors']}", file=sys.stderr)
    finished = time.perf_counter()

    summary = {
        "baseline": "collections",
        "scorer": scorer_name,
        "leads": len(leads),
        "processed": len(leads),
        "written": written,
        "failed": failed,
        "read_seconds": round(read_done - started, 3),
        "loop_seconds": round(finished - read_done, 3),
    }
    print(json.dumps(summary))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())

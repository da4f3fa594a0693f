"""
Baseline 1, the script a competent admin writes without sfsync: read every open lead and
all activity (one `query_all` per object), score each lead, then one
`sf.Lead.update(id, fields)` PATCH per lead, every run (no mirror, no diff).

    python -m benchmarks.baselines.per_record --env-file DIR/connection.env [--sample N]

`--sample N` updates only the first N leads, for orgs where one call per lead takes too
long to measure; the harness extrapolates the calls and the loop time linearly (one PATCH
per lead). Prints one JSON line: what it read, wrote and how long each phase took.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from simple_salesforce.api import SFType
from simple_salesforce.exceptions import SalesforceError

from benchmarks.baselines.common import connect, integration_user_id, make_scorer, read_org


def main(argv: Sequence[str] | None = None) -> int:
    """Score and update every lead, one PATCH each; print a JSON summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--env-file", type=Path, required=True)
    parser.add_argument("--sample", type=int, default=None, help="update only the first N leads")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    sf = connect(args.env_file)
    leads, activities, users = read_org(sf)
    scorer_name, score = make_scorer(users, integration_user_id(sf), datetime.now(UTC))
    read_done = time.perf_counter()

    lead_api = cast(SFType, sf.Lead)
    batch = leads if args.sample is None else leads[: args.sample]
    written = failed = 0
    for lead in batch:
        fields = score(lead, activities[lead["Id"]])
        try:
            lead_api.update(lead["Id"], fields)
        except SalesforceError as exc:
            failed += 1
            print(f"{lead['Id']}: {exc}", file=sys.stderr)
        else:
            written += 1
    finished = time.perf_counter()

    summary = {
        "baseline": "per-record",
        "scorer": scorer_name,
        "leads": len(leads),
        "processed": len(batch),
        "written": written,
        "failed": failed,
        "read_seconds": round(read_done - started, 3),
        "loop_seconds": round(finished - read_done, 3),
    }
    print(json.dumps(summary))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""
The write policy night after night: how many leads would each nightly pass write, with
decay and time alone, over several nights in a row (the `make bench` nightly measures one
night after a full sync, when the org's values are at most a day old).

    .venv/bin/python benchmarks/bench_quiet.py --leads 10000 --nights 14

One demo org is seeded and synced by the real CLI (`sync --full`); then, from sfsync's
mirror, each night re-qualifies every open lead a day later, applies the definition's write
policy (and, for comparison, writing every change) against the values the org would hold,
and "writes" what the policy writes by updating those values. New activity is not added
(the `make bench` nightly adds 1%: roughly 1% more leads written), so the numbers are what
decay, expiring hand-raises and follow-up deadlines alone cost.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--nights", type=int, default=14)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    from sfsync import cli
    from sfsync.definition.loader import load_compiled
    from sfsync.errors import RecordError
    from sfsync.sandbox.org import DB_FILE, SandboxOrg
    from sfsync.sandbox.seed import seed_org
    from sfsync.sandbox.server import start_sandbox
    from sfsync.scoring import qualify
    from sfsync.scoring.outputs import diff_outputs, write_policy
    from sfsync.state import StateStore

    now = datetime.now(UTC).replace(microsecond=0)
    work = Path(tempfile.mkdtemp(prefix="sfsync-quiet-"))
    try:
        (work / "org").mkdir()
        org = SandboxOrg(work / "org" / DB_FILE)
        with org.lock:
            seed_org(org.conn, leads=args.leads, seed=args.seed, now=now)
        org.close()
        for name in [n for n in os.environ if n.startswith("SFSYNC_")]:
            del os.environ[name]
        os.environ["SFSYNC_STATE_PATH"] = str(work / "state.sqlite3")
        with start_sandbox(work / "org") as sandbox:
            stamp = now.strftime("%Y-%m-%dT%H:%M:%S")
            code = cli.main(["--env-file", str(sandbox.env_file), "--log-format", "json",
                             "sync", "--full", "--now", stamp])  # fmt: skip
            if code != 0:
                print(f"the full sync failed (exit {code})", file=sys.stderr)
                return 1
        compiled = load_compiled(ROOT / "mappings" / "default.yaml")
        policy = write_policy(compiled)
        leads: list[tuple[dict[str, Any], Any]] = []
        with StateStore(work / "state.sqlite3") as store:
            users = {uid: str(u.get("Name") or "") for uid, u in store.users().items()}
            integration = store.get_meta("integration_user_id")
            for batch in store.iter_leads_with_activities(batch_size=2000):
                leads += [(dict(lead), acts) for lead, acts in batch if not lead.get("IsConverted")]
        exact_org = [
            dict(lead) for lead, _ in leads
        ]  # what the org holds if every change is written
        print(f"{len(leads):,} open leads; nights after a full sync at {stamp} UTC:")
        print("| night | written (policy) | share | written (every change) | share |")
        print("|---:|---:|---:|---:|---:|")
        for night in range(1, args.nights + 1):
            at = now + timedelta(days=night)
            written = every = 0
            for i, (lead, acts) in enumerate(leads):
                try:
                    q = qualify(lead, acts, compiled, now=at, users=users,
                                integration_user_id=integration)  # fmt: skip
                    q_all = qualify(exact_org[i], acts, compiled, now=at, users=users,
                                    integration_user_id=integration)  # fmt: skip
                except RecordError:
                    continue
                fields = q.to_fields()
                if policy.requires_write(diff_outputs(lead, fields)):
                    lead.update(fields)
                    written += 1
                fields_all = q_all.to_fields()
                if diff_outputs(exact_org[i], fields_all):
                    exact_org[i].update(fields_all)
                    every += 1
            n = len(leads)
            print(f"| {night} | {written:,} | {written / n:.1%} | {every:,} | {every / n:.1%} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

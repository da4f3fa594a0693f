"""
How fast the sandbox org answers Bulk API 2.0 requests while its jobs run, at any size.

    .venv/bin/python benchmarks/bulk_answers.py --leads 1000000

Seeds an org (or reuses `--org-dir`), serves it with latency off, and times from the client
side: creating a query job for every object sfsync reads in full (all at once, as a sync
pass does), status requests while those queries run, the first 250,000-row results page,
then an ingest job over every lead (create, a 100 MB upload, the close) and status requests
while it is applied. A real org creates jobs and answers status at once; so must this one.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.harness import seed_template  # noqa: E402
from benchmarks.measure import peak_rss_mb  # noqa: E402
from sfsync.logs import configure_logging  # noqa: E402
from sfsync.sandbox.org import DB_FILE  # noqa: E402
from sfsync.sandbox.server import RunningSandbox, start_sandbox  # noqa: E402

API = "/services/data/v62.0"
QUERIES = {
    "Lead": "SELECT Id, Title, Company, Industry, Status, SystemModstamp FROM Lead",
    "Task": "SELECT Id, WhoId, Subject, Type, Status, ActivityDate, CreatedDate FROM Task",
    "Event": "SELECT Id, WhoId, Subject, StartDateTime, CreatedDate FROM Event",
    "CampaignMember": "SELECT Id, LeadId, Status, HasResponded, Campaign.Type FROM CampaignMember",
    "Web_Activity__c": "SELECT Id, Lead__c, Url__c, Visited_At__c FROM Web_Activity__c",
}
UPLOAD_BYTES = 100_000_000


class Client:
    """A requests session on the org that times every call."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        import requests

        self.sandbox = sandbox
        self.session = requests.Session()
        self.session.verify = str(sandbox.ca_file)
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE must not replace the org's CA
        self.timings: dict[str, list[float]] = {}

    def call(self, label: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.sandbox.token}", **kwargs.pop("headers", {})}
        started = time.perf_counter()
        response = self.session.request(
            method, f"{self.sandbox.url}{API}/{path}", headers=headers, timeout=600, **kwargs
        )
        self.timings.setdefault(label, []).append(time.perf_counter() - started)
        response.raise_for_status()
        return response


def _wait(client: Client, kind: str, ids: Sequence[str]) -> None:
    pending = set(ids)
    while pending:
        for job_id in sorted(pending):
            state = client.call(f"status ({kind}, running)", "GET", f"jobs/{kind}/{job_id}")
            if state.json()["state"] in ("JobComplete", "Failed", "Aborted"):
                pending.discard(job_id)
        time.sleep(0.5)


def measure(sandbox: RunningSandbox) -> dict[str, list[float]]:
    """Time the Bulk requests of one full read and one big write."""
    client = Client(sandbox)
    jobs = {}
    for name, soql in QUERIES.items():
        body = {"operation": "queryAll", "query": soql}
        jobs[name] = client.call("create query job", "POST", "jobs/query", json=body).json()["id"]
    _wait(client, "query", list(jobs.values()))
    page = client.call(
        "results page (250,000 rows)",
        "GET",
        f"jobs/query/{jobs['Task']}/results",
        params={"maxRecords": 250_000},
    )
    del page
    with sandbox.org.lock:
        ids = [
            r[0] for r in sandbox.org.conn.execute('SELECT Id FROM "Lead" WHERE IsConverted = 0')
        ]
    csv = bytearray(b"Id,SFS_Touches__c,SFS_Reasons__c\n")
    reasons = "x" * 400
    for n, lead_id in enumerate(ids):
        if len(csv) >= UPLOAD_BYTES:
            break
        csv += f"{lead_id},{n % 7},{reasons}\n".encode()
    job = client.call(
        "create ingest job", "POST", "jobs/ingest", json={"object": "Lead", "operation": "update"}
    ).json()["id"]
    client.call(
        f"upload ({len(csv) / 1e6:.0f} MB)",
        "PUT",
        f"jobs/ingest/{job}/batches",
        data=bytes(csv),
        headers={"Content-Type": "text/csv", "Sforce-Auto-Assign": "FALSE"},
    )
    client.call("close ingest job", "PATCH", f"jobs/ingest/{job}", json={"state": "UploadComplete"})
    _wait(client, "ingest", [job])
    return client.timings


def main(argv: Sequence[str] | None = None) -> int:
    """Seed (or reuse) an org, time its Bulk answers, print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--org-dir", type=Path, required=True, help="seeded here if empty")
    args = parser.parse_args(argv)
    configure_logging("console", level="warning")
    db = args.org_dir / DB_FILE
    if not db.exists():
        report = seed_template(db, leads=args.leads, activities=6, seed=42, now=datetime.now(UTC))
        print(f"seeded {report['leads']:,} leads in {report['seconds']:.0f}s", flush=True)
    with start_sandbox(args.org_dir, daily_api_limit=10_000_000) as sandbox:
        timings = measure(sandbox)
        org_rss = peak_rss_mb()
    print("| request | count | slowest (s) | median (s) |\n|---|---:|---:|---:|")
    for label, values in timings.items():
        ordered = sorted(values)
        median = ordered[len(ordered) // 2]
        print(f"| {label} | {len(values)} | {ordered[-1]:.3f} | {median:.3f} |")
    print(f"\npeak RSS of this process (org and client): {org_rss} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

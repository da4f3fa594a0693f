"""
The measuring side of the benchmarks: seed one org per size, give every contestant an
identical copy of it in its own sandbox, run the contestant as a subprocess and measure it
from the outside:

- API calls: the sandbox's call log (counted calls only, reset before each run), never the
  contestant's own claim; also broken down by kind (query page, Collections PATCH, ...);
- wall time of the subprocess;
- peak RSS: `ru_maxrss` of the contestant, reported by a small wrapper process that forks
  and execs it (see `measure._WRAPPER` for why not straight from the harness), and the
  org's own (this process's) peak RSS during the run;
- leads written: leads whose SystemModstamp moved during the run, counted in the org.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.measure import peak_rss_mb, reset_peak_rss, run_measured
from sfsync.errors import RecordError
from sfsync.sandbox import schema
from sfsync.sandbox.latency import BulkLatency, RestLatency
from sfsync.sandbox.org import DB_FILE, SandboxOrg, WriteOp
from sfsync.sandbox.seed import MARKETING_USER_ID, seed_org
from sfsync.sandbox.server import RunningSandbox, start_sandbox
from sfsync.sandbox.values import format_datetime

ROOT = Path(__file__).resolve().parent.parent
CONTESTANTS = ("sfsync", "per-record", "collections")
SCENARIOS = ("full", "echo", "nightly")
PRICING_URL = "https://www.northwind-analytics.example/pricing"

_VERSIONED = re.compile(r"^/services/data/v\d+\.\d+")
# A 15/18-character record or job Id (it always has a digit; `unprocessedrecords` has none).
_RECORD_ID = re.compile(r"/(?=[a-zA-Z]*[0-9])[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?(?=/|$)")
_LOCATOR = re.compile(r"/01g[^/]*")


@dataclass
class Measurement:
    """One contestant's run of one scenario on one org size."""

    contestant: str
    scenario: str
    leads: int
    calls: int
    seconds: float
    peak_rss_mb: float
    written: int
    exit_code: int
    calls_by_kind: dict[str, int] = field(default_factory=dict)
    cpu_seconds: float | None = None  # the contestant's own user + system CPU time
    sandbox_peak_rss_mb: float | None = None  # the org's process (the harness) during the run
    extrapolated: bool = False
    measured: dict[str, Any] = field(default_factory=dict)
    claimed: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A plain dict for --json."""
        return asdict(self)


def seed_template(
    path: Path, *, leads: int, activities: float, seed: int, now: datetime
) -> dict[str, Any]:
    """Seed a standalone org database file that every contestant gets a copy of."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    try:
        schema.create_tables(conn)
        report = seed_org(conn, leads=leads, seed=seed, now=now, activities_per_lead=activities)
    finally:
        conn.close()
    return asdict(report)


# Seeds in a process of its own, so its time and memory are measured like a contestant's
# (and the harness, which hosts the org, does not carry the seeding's peak into the runs).
_SEED = """
import json, sys
from datetime import datetime
from pathlib import Path
from benchmarks.harness import seed_template
path, leads, activities, seed, now, out = sys.argv[1:]
report = seed_template(Path(path), leads=int(leads), activities=float(activities),
                       seed=int(seed), now=datetime.fromisoformat(now))
Path(out).write_text(json.dumps(report))
"""


def seed_measured(
    path: Path, *, leads: int, activities: float, seed: int, now: datetime, timeout: float
) -> dict[str, Any]:
    """`seed_template` in a subprocess; its report plus the wall time and peak RSS."""
    out = path.parent / "seed-report.json"
    cmd = [sys.executable, "-c", _SEED, str(path), str(leads), str(activities), str(seed)]
    stats = run_measured(
        [*cmd, now.isoformat(), str(out)],
        env=contestant_env(path.parent / "unused-state.sqlite3"),
        log_dir=path.parent / "logs",
        name="seed",
        timeout=timeout,
    )
    if stats.exit_code != 0 or not out.exists():
        raise RuntimeError(f"seeding {leads:,} leads failed:\n{stats.stderr[-1500:]}")
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    report.update(wall_seconds=round(stats.seconds, 1), peak_rss_mb=round(stats.peak_rss_mb, 1))
    return report


def touch_leads(org: SandboxOrg, *, share: float, seed: int) -> int:
    """
    Log a fresh pricing-page view (a Web_Activity__c created now by the marketing user) for
    *share* of the open leads, through the org's own write path so SystemModstamp is fresh.
    """
    with org.lock:
        ids = [
            row[0]
            for row in org.conn.execute(
                'SELECT Id FROM "Lead" WHERE IsDeleted = 0 AND IsConverted = 0 ORDER BY Id'
            )
        ]
    chosen = random.Random(seed).sample(ids, max(1, round(len(ids) * share))) if ids else []
    visited = format_datetime(datetime.now(UTC))
    ops = [
        WriteOp(
            "insert",
            schema.WEB_ACTIVITY,
            values={
                "Name": f"WA-BENCH-{n:06d}",
                "Lead__c": lead_id,
                "Url__c": PRICING_URL,
                "Visited_At__c": visited,
            },
        )
        for n, lead_id in enumerate(chosen, 1)
    ]
    with org.lock:
        previous, org.user_id = org.user_id, MARKETING_USER_ID
        try:
            results = org.save(ops, auto_assign=False)
        finally:
            org.user_id = previous
    failed = [r for r in results if not r.success]
    if failed:
        raise RuntimeError(f"touching leads failed: {failed[0].errors}")
    return len(chosen)


def engine_time(state_path: Path, *, definition: Path, now: datetime) -> dict[str, Any]:
    """
    Time sfsync's engine alone on the mirror a full sync left behind: every lead and its
    activities read from the state store in the pass's batches and qualified, as the pass
    does, with no org involved. `qualify_seconds` is the engine, `mirror_seconds` the
    SQLite reads around it; compare them with the pass's wall time.
    """
    from sfsync.definition.loader import load_compiled
    from sfsync.scoring import qualify
    from sfsync.state import StateStore

    compiled = load_compiled(definition)
    leads = 0
    engine = 0.0
    with StateStore(state_path) as store:
        users = {uid: str(u.get("Name") or "") for uid, u in store.users().items()}
        integration_user = store.get_meta("integration_user_id")
        started = time.perf_counter()
        for batch in store.iter_leads_with_activities(batch_size=2000):
            batch_started = time.perf_counter()
            for lead, activities in batch:
                with contextlib.suppress(RecordError):  # the pass skips those too
                    qualify(
                        lead,
                        activities,
                        compiled,
                        now=now,
                        users=users,
                        integration_user_id=integration_user,
                    )
                leads += 1
            engine += time.perf_counter() - batch_started
        total = time.perf_counter() - started
    return {
        "leads": leads,
        "qualify_seconds": round(engine, 3),
        "mirror_seconds": round(total - engine, 3),
        "leads_per_second": round(leads / engine) if engine else None,
    }


def call_kind(method: str, path: str) -> str:
    """Group a logged call: `GET query`, `PATCH sobjects/Lead/{id}`, `GET jobs/query/{id}`."""
    rest = _VERSIONED.sub("", path).rstrip("/")
    rest = _LOCATOR.sub("/{next}", rest)
    rest = _RECORD_ID.sub("/{id}", rest)
    return f"{method} {rest.lstrip('/') or '/'}"


def call_breakdown(org: SandboxOrg) -> dict[str, int]:
    """Counted calls since the last reset, by kind, most frequent first."""
    with org.lock:
        rows = org.conn.execute(
            "SELECT method, path FROM _sandbox_calls WHERE counted = 1"
        ).fetchall()
    counts = Counter(call_kind(method, path) for method, path in rows)
    return dict(counts.most_common())


def leads_written_since(org: SandboxOrg, stamp: str) -> int:
    """Leads whose SystemModstamp is later than *stamp* (the org's clock before the run)."""
    with org.lock:
        row = org.conn.execute(
            'SELECT count(*) FROM "Lead" WHERE SystemModstamp > ?', (stamp,)
        ).fetchone()
    return int(row[0])


def contestant_command(
    contestant: str,
    scenario: str,
    env_file: Path,
    *,
    sample: int | None,
    now: datetime | None = None,
) -> list[str]:
    """
    The command line one contestant runs for one scenario. *now* fixes sfsync's clock (the
    nightly pass runs a day after the full sync); the baselines' work does not depend on it.
    """
    if contestant == "sfsync":
        modes = {"full": ["--full"], "echo": [], "nightly": ["--rescore"]}[scenario]
        cmd = [sys.executable, "-m", "sfsync", "--env-file", str(env_file), "sync", *modes]
        cmd.append("--json")
        if now is not None:
            cmd += ["--now", now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")]
        return cmd
    module = "per_record" if contestant == "per-record" else "collections"
    cmd = [sys.executable, "-m", f"benchmarks.baselines.{module}", "--env-file", str(env_file)]
    if contestant == "per-record" and sample is not None:
        cmd += ["--sample", str(sample)]
    return cmd


def contestant_env(state_path: Path) -> dict[str, str]:
    """The harness's environment without SFSYNC_* settings, plus the state file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SFSYNC_")}
    env["SFSYNC_STATE_PATH"] = str(state_path)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def last_json_line(text: str) -> dict[str, Any]:
    """The last line of *text* that parses as a JSON object ({} if none)."""
    for raw in reversed(text.strip().splitlines()):
        line = raw.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return whole if isinstance(whole, dict) else {}


def measure_run(
    sandbox: RunningSandbox,
    contestant: str,
    scenario: str,
    *,
    leads: int,
    work_dir: Path,
    sample: int | None,
    timeout: float,
    now: datetime | None = None,
) -> Measurement:
    """Reset the call log, run one contestant's scenario and measure it from the outside."""
    org = sandbox.org
    org.reset_calls()
    before = org.tick()
    measured_org = reset_peak_rss()
    stats = run_measured(
        contestant_command(contestant, scenario, sandbox.env_file, sample=sample, now=now),
        env=contestant_env(work_dir / "sfsync-state.sqlite3"),
        log_dir=work_dir / "logs",
        name=f"{contestant}-{scenario}",
        timeout=timeout,
    )
    claimed = last_json_line(stats.stdout)
    result = Measurement(
        contestant=contestant,
        scenario=scenario,
        leads=leads,
        calls=org.api_calls,
        seconds=round(stats.seconds, 3),
        peak_rss_mb=round(stats.peak_rss_mb, 1),
        written=leads_written_since(org, before),
        exit_code=stats.exit_code,
        calls_by_kind=call_breakdown(org),
        cpu_seconds=round(stats.cpu_seconds, 1),
        sandbox_peak_rss_mb=peak_rss_mb() if measured_org else None,
        claimed=claimed,
    )
    if stats.exit_code != 0:
        result.error = stats.stderr.strip()[-1500:] or f"exit code {stats.exit_code}"
    return _extrapolate(result, claimed)


def _extrapolate(result: Measurement, claimed: dict[str, Any]) -> Measurement:
    """
    Scale a sampled per-record run to every lead: one PATCH per lead, so its write calls,
    loop time and written leads are exactly linear in leads; reads, RSS stay as measured.
    """
    processed, eligible = claimed.get("processed"), claimed.get("leads")
    if not (isinstance(processed, int) and isinstance(eligible, int)):
        return result
    if processed == 0 or processed >= eligible:
        return result
    factor = eligible / processed
    patches = result.calls_by_kind.get("PATCH sobjects/Lead/{id}", 0)
    loop = float(claimed.get("loop_seconds") or 0.0)
    result.measured = {
        "calls": result.calls,
        "seconds": result.seconds,
        "written": result.written,
        "sample": processed,
        "eligible_leads": eligible,
    }
    result.extrapolated = True
    result.calls = result.calls - patches + round(patches * factor)
    result.seconds = round(result.seconds - loop + loop * factor, 3)
    result.written = round(result.written * factor)
    result.calls_by_kind = dict(result.calls_by_kind)
    result.calls_by_kind["PATCH sobjects/Lead/{id}"] = round(patches * factor)
    return result


def quiet_check(
    org: SandboxOrg, state_path: Path, *, definition: Path, now: datetime, written: int
) -> dict[str, Any]:
    """
    The write policy after sfsync's nightly pass: how many open leads it wrote, and how far
    the score every open lead holds in the org is from its exact score at the pass's clock
    (each lead qualified from sfsync's mirror, read from the org's own table).
    """
    from sfsync.definition.loader import load_compiled
    from sfsync.scoring import qualify
    from sfsync.state import StateStore

    compiled = load_compiled(definition)
    score_field = dict(compiled.outputs)["score"]
    with org.lock:
        held = {
            str(row[0]): row[1]
            for row in org.conn.execute(
                f'SELECT Id, "{score_field}" FROM "Lead" WHERE IsDeleted = 0 AND IsConverted = 0'
            )
        }
    gaps: dict[int, int] = {}
    unscored = 0
    with StateStore(state_path) as store:
        users = {uid: str(u.get("Name") or "") for uid, u in store.users().items()}
        integration_user = store.get_meta("integration_user_id")
        for batch in store.iter_leads_with_activities(lead_ids=sorted(held), batch_size=2000):
            for lead, activities in batch:
                with contextlib.suppress(RecordError):
                    q = qualify(lead, activities, compiled, now=now, users=users,
                                integration_user_id=integration_user)  # fmt: skip
                    in_org = held.get(q.lead_id)
                    if in_org is None:
                        unscored += 1
                        continue
                    gap = abs(round(float(in_org)) - q.score)
                    gaps[gap] = gaps.get(gap, 0) + 1
    return {
        "open_leads": len(held),
        "written": written,
        "written_share": round(written / len(held), 4) if held else None,
        "min_score_change": compiled.definition.write_policy.min_score_change,
        "max_score_gap": max(gaps, default=0),
        "score_gaps": dict(sorted(gaps.items())),
        "unscored": unscored,
    }


def bench_size(
    leads: int,
    *,
    contestants: Sequence[str],
    activities: float,
    seed: int,
    touch_share: float,
    per_record_sample: int | None,
    nightly_after_days: float,
    settle: bool,
    daily_api_limit: int,
    timeout: float,
    work_root: Path,
    progress: Any = print,
    bulk_latency: BulkLatency | None = None,
    rest_latency: RestLatency | None = None,
) -> dict[str, Any]:
    """
    Seed one org of *leads* leads and measure every contestant's full sync and nightly pass.
    With *settle*, sfsync also runs one incremental pass in between ("echo": it reads back
    its own writes, as the daemon's next tick would), so the nightly pass starts settled.
    *bulk_latency* and *rest_latency* make the sandbox's Bulk jobs and REST round trips
    take as long as a real org's would.
    """
    now = datetime.now(UTC)
    template = work_root / f"leads-{leads}" / "template" / DB_FILE
    progress(f"[{leads:,} leads] seeding (seed {seed}, {activities:g} activities per lead)")
    seeded = seed_measured(
        template, leads=leads, activities=activities, seed=seed, now=now, timeout=timeout
    )
    progress(
        f"[{leads:,} leads] seeded in {seeded['wall_seconds']:.1f}s,"
        f" peak RSS {seeded['peak_rss_mb']:.0f} MB"
    )
    results: list[Measurement] = []
    touched = 0
    engine: dict[str, Any] | None = None
    quiet: dict[str, Any] | None = None
    for contestant in contestants:
        work_dir = work_root / f"leads-{leads}" / contestant
        data_dir = work_dir / "org"
        data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, data_dir / DB_FILE)
        with start_sandbox(
            data_dir,
            daily_api_limit=daily_api_limit,
            bulk_latency=bulk_latency,
            rest_latency=rest_latency,
        ) as sandbox:
            for scenario in SCENARIOS:
                if scenario == "echo" and not (settle and contestant == "sfsync"):
                    continue
                clock = None
                if scenario == "nightly":
                    touched = touch_leads(sandbox.org, share=touch_share, seed=seed)
                    if nightly_after_days:
                        clock = datetime.now(UTC) + timedelta(days=nightly_after_days)
                progress(f"[{leads:,} leads] {contestant}: {scenario} ...")
                m = measure_run(
                    sandbox,
                    contestant,
                    scenario,
                    leads=leads,
                    work_dir=work_dir,
                    sample=per_record_sample if contestant == "per-record" else None,
                    timeout=timeout,
                    now=clock,
                )
                results.append(m)
                if contestant == "sfsync" and scenario == "full" and m.exit_code == 0:
                    engine = engine_time(
                        work_dir / "sfsync-state.sqlite3",
                        definition=ROOT / "mappings" / "default.yaml",
                        now=datetime.now(UTC),
                    )
                    progress(
                        f"[{leads:,} leads] engine alone: {engine['leads']:,} leads qualified"
                        f" in {engine['qualify_seconds']:.1f}s"
                        f" (+{engine['mirror_seconds']:.1f}s reading the mirror)"
                    )
                if contestant == "sfsync" and scenario == "nightly" and m.exit_code == 0:
                    quiet = quiet_check(
                        sandbox.org,
                        work_dir / "sfsync-state.sqlite3",
                        definition=ROOT / "mappings" / "default.yaml",
                        now=clock or datetime.now(UTC),
                        written=m.written,
                    )
                    progress(
                        f"[{leads:,} leads] write policy: {quiet['written']:,} of"
                        f" {quiet['open_leads']:,} open leads written"
                        f" ({quiet['written_share']:.2%}); largest score gap in the org"
                        f" {quiet['max_score_gap']} points (policy: under"
                        f" {quiet['min_score_change']})"
                    )
                mark = " (extrapolated)" if m.extrapolated else ""
                status = "ok" if m.exit_code == 0 else f"FAILED (exit {m.exit_code})"
                org_rss = f", org {m.sandbox_peak_rss_mb:.0f} MB" if m.sandbox_peak_rss_mb else ""
                progress(
                    f"[{leads:,} leads] {contestant}: {scenario} {status}: {m.calls:,} calls"
                    f"{mark}, {m.seconds:.1f}s, {m.peak_rss_mb:.0f} MB{org_rss},"
                    f" {m.written:,} written"
                )
    return {
        "leads": leads,
        "seed": seed,
        "seeded": seeded,
        "touched_for_nightly": touched,
        "nightly_after_days": nightly_after_days,
        "settled": settle,
        "bulk_latency": asdict(bulk_latency) if bulk_latency and bulk_latency.enabled else None,
        "rest_latency": asdict(rest_latency) if rest_latency and rest_latency.enabled else None,
        "engine": engine,
        "quiet": quiet,
        "results": [m.to_json() for m in results],
    }

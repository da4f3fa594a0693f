"""
How long does `sfsync definition tune` take, and how much memory, on a large mirror?

Seeds the sandbox org with N demo leads (default 100,000, ~6 activity records each), fills a
state store with one full sync, then runs, each as its own process measured by the harness's
wrapper (wall time and peak RSS of that process alone):

- `sfsync definition tune` (the default options: 200 bootstrap refits), and
- `sfsync report` on the same mirror: the yardstick, another offline command that reads every
  lead with its activity and qualifies it; the ratio of the two is steadier on a shared
  machine than either time.

    python benchmarks/bench_tune.py                       # 100,000 leads
    python benchmarks/bench_tune.py --leads 10000 --json out.json
    python benchmarks/bench_tune.py --state demo-org/sfsync.sqlite3   # an existing mirror

Targets (issue 15): tune under 120 s and under 1 GB peak RSS at 100,000 leads.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.harness import (  # noqa: E402 - after the path tweak
    contestant_env,
    run_measured,
    seed_template,
)
from sfsync.sandbox.server import start_sandbox  # noqa: E402

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NOW_ARG = NOW.strftime("%Y-%m-%dT%H:%M:%S")
DEFINITION = ROOT / "mappings" / "default.yaml"
TARGET_SECONDS = 120.0
TARGET_RSS_MB = 1024.0
TIMEOUT = 3600.0


def _sfsync(*args: str) -> list[str]:
    return [sys.executable, "-m", "sfsync", "--log-format", "json", *args]


def _fill(work: Path, leads: int, seed: int) -> Path:
    """Seed an org with *leads* demo leads and sync it fully; the state store's path."""
    org_dir = work / "org"
    print(f"seeding {leads:,} leads …", flush=True)
    seed_template(org_dir / "org.sqlite3", leads=leads, activities=6.0, seed=seed, now=NOW)
    state = work / "sfsync.sqlite3"
    with start_sandbox(org_dir) as sandbox:
        print("full sync …", flush=True)
        sync = run_measured(
            _sfsync("--env-file", str(sandbox.env_file), "sync", "--full", "--now", NOW_ARG),
            env=contestant_env(state), log_dir=work / "logs", name="sync", timeout=TIMEOUT,
        )  # fmt: skip
    if sync.exit_code != 0:
        raise SystemExit(f"the full sync failed:\n{sync.stderr[-2000:]}")
    return state


def measure(state: Path, work: Path) -> dict[str, Any]:
    """Run tune and the report on *state*; their times, memory and tune's JSON."""
    env = contestant_env(state)
    tune = run_measured(
        _sfsync("definition", "tune", "--definition", str(DEFINITION), "--json",
                "--out", str(work / "proposal.yaml"), "--evidence", str(work / "tune.html")),
        env=env, log_dir=work / "logs", name="tune", timeout=TIMEOUT,
    )  # fmt: skip
    report = run_measured(
        _sfsync("report", "--definition", str(DEFINITION), "--now", NOW_ARG,
                "--out", str(work / "report.html")),
        env=env, log_dir=work / "logs", name="report", timeout=TIMEOUT,
    )  # fmt: skip
    if tune.exit_code not in (0, 2):
        raise SystemExit(f"tune failed ({tune.exit_code}):\n{tune.stderr[-2000:]}")
    found = json.loads(tune.stdout)
    return {
        "tune": {"exit_code": tune.exit_code, "seconds": round(tune.seconds, 1),
                 "peak_rss_mb": round(tune.peak_rss_mb, 1)},
        "report": {"exit_code": report.exit_code, "seconds": round(report.seconds, 1),
                   "peak_rss_mb": round(report.peak_rss_mb, 1)},
        "tune_over_report": round(tune.seconds / report.seconds, 2) if report.seconds else None,
        "verdict": found["verdict"],
        "samples": found["samples"],
        "models": {name: {k: m[k] for k in ("auc", "lift_top_decile",
                                                "precision_at_sales_ready", "share_called")}
                   for name, m in found["models"].items()},
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Seed, sync, measure and print; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--state", type=Path, help="measure an existing state store instead")
    parser.add_argument("--work-dir", type=Path, help="keep the org, state and logs here")
    parser.add_argument("--json", type=Path, help="write the measurements here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-tune-") as tmp:
        work = args.work_dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        state = args.state or _fill(work, args.leads, args.seed)
        result = measure(state, work)
    result["leads"] = result["samples"]["leads"]
    result["machine"] = {"python": platform.python_version(), "platform": platform.platform()}
    tune = result["tune"]
    passed = tune["seconds"] < TARGET_SECONDS and tune["peak_rss_mb"] < TARGET_RSS_MB
    result["targets"] = {"seconds": TARGET_SECONDS, "peak_rss_mb": TARGET_RSS_MB,
                         "met": passed}  # fmt: skip
    print(
        f"{result['leads']:,} leads: tune {tune['seconds']:.1f} s, {tune['peak_rss_mb']:.0f} MB "
        f"peak ({'PASS' if passed else 'FAIL'} < {TARGET_SECONDS:.0f} s, < "
        f"{TARGET_RSS_MB:.0f} MB); report {result['report']['seconds']:.1f} s, "
        f"{result['report']['peak_rss_mb']:.0f} MB; tune/report {result['tune_over_report']}x"
    )
    for name, m in result["models"].items():
        print(
            f"  {name:14} AUC {m['auc']}  lift {m['lift_top_decile']}  "
            f"precision@SR {m['precision_at_sales_ready']}  called {m['share_called']}"
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", "utf-8")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())

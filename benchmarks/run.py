"""
API calls, time and memory of sfsync against two baselines on the local sandbox org.

    make bench                 # 10,000 and 100,000 leads, all contestants, printed targets
    make bench ARGS="--leads 10000 100000 --results benchmarks/RESULTS.md"
    .venv/bin/python benchmarks/run.py --leads 200 --only collections --json out.json

For each size: seed one org, give each contestant an identical copy in its own sandbox, run
(a) a first full sync and (b) after 1% of the leads get a new pricing-page view, the nightly
pass (sfsync `sync --rescore`; the baselines, having no mirror, simply run again). Calls are
counted by the sandbox, peak RSS comes from the contestant process itself; see README.md.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import harness, report, targets  # noqa: E402 - after the path tweak
from sfsync.logs import configure_logging  # noqa: E402
from sfsync.sandbox.latency import BulkLatency, RestLatency  # noqa: E402


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description="Benchmark sfsync against per-record and Collections baselines."
    )
    parser.add_argument(
        "--leads",
        type=int,
        nargs="*",
        default=[10_000, 100_000],
        help="org sizes to run (10000 100000); none with --merge-json only re-renders",
    )
    parser.add_argument("--activities", type=float, default=6.0, help="activities per lead")
    parser.add_argument(
        "--only", nargs="+", choices=harness.CONTESTANTS, default=list(harness.CONTESTANTS)
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--touch-share", type=float, default=0.01, help="share of leads with new activity"
    )
    parser.add_argument(
        "--per-record-sample",
        type=int,
        default=1_000,
        metavar="N",
        help="PATCH only N leads per per-record run and extrapolate linearly (1000;"
        " 0 PATCHes every lead)",
    )
    parser.add_argument(
        "--nightly-after-days",
        type=float,
        default=1.0,
        help="sfsync's clock for the nightly pass: this many days after the full sync (decay)",
    )
    parser.add_argument(
        "--settle",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run one incremental sfsync pass between the full sync and the nightly pass"
        " (the daemon's next tick; default on)",
    )
    parser.add_argument(
        "--api-latency",
        "--bulk-latency",
        dest="api_latency",
        choices=["realistic", "off"],
        default="realistic",
        help="realistic (default): the sandbox answers as slowly as a real org, REST round"
        " trips and Bulk jobs alike (see README.md); off: at once. --bulk-latency is its"
        " old name",
    )
    parser.add_argument(
        "--merge-json",
        type=Path,
        nargs="+",
        default=[],
        metavar="EARLIER_JSON",
        help="add the sizes of earlier runs' --json files to the tables and targets (e.g. a"
        " separate 1,000,000-lead run)",
    )
    parser.add_argument("--daily-api-limit", type=int, default=10_000_000)
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per run")
    parser.add_argument("--json", type=Path, default=None, metavar="OUT")
    parser.add_argument("--results", type=Path, default=None, metavar="RESULTS_MD")
    parser.add_argument("--work-dir", type=Path, default=None, help="keep orgs and logs here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks, print the tables and targets; 1 if a contestant failed."""
    args = parse_args(argv)
    configure_logging("console", level="warning")
    raw_argv = list(sys.argv[1:] if argv is None else argv)
    work_root = args.work_dir or Path(tempfile.mkdtemp(prefix="sfsync-bench-"))
    sizes = []
    realistic = args.api_latency == "realistic"
    try:
        for leads in args.leads:
            sizes.append(
                harness.bench_size(
                    leads,
                    contestants=[c for c in harness.CONTESTANTS if c in args.only],
                    activities=args.activities,
                    seed=args.seed,
                    touch_share=args.touch_share,
                    per_record_sample=args.per_record_sample or None,
                    nightly_after_days=args.nightly_after_days,
                    settle=args.settle,
                    daily_api_limit=args.daily_api_limit,
                    timeout=args.timeout,
                    work_root=work_root,
                    progress=lambda text: print(text, file=sys.stderr, flush=True),
                    bulk_latency=BulkLatency.realistic() if realistic else None,
                    rest_latency=RestLatency.realistic() if realistic else None,
                )
            )
    finally:
        if args.work_dir is None:
            shutil.rmtree(work_root, ignore_errors=True)
    for earlier in args.merge_json:
        merged = json.loads(earlier.read_text(encoding="utf-8"))
        for size in merged["sizes"]:
            size["merged_from"] = {"file": str(earlier), **merged["machine"]}
            sizes.append(size)
    sizes.sort(key=lambda size: size["leads"])
    checked = targets.check_targets(sizes)
    machine = report.machine_info()
    config = {**{k: str(v) for k, v in vars(args).items()}, "argv": shlex.join(raw_argv)}
    if not args.leads and args.merge_json:  # nothing run here: the first merged run's header
        first = json.loads(args.merge_json[0].read_text(encoding="utf-8"))
        machine, config = first["machine"], first["config"]
        for size in sizes:
            if size["merged_from"]["file"] == str(args.merge_json[0]):
                del size["merged_from"]
    for size in sizes:
        print("\n".join(report.size_table(size)), end="\n\n")
    print("Targets:")
    print("\n".join(targets.target_lines(checked)))
    if args.json is not None:
        payload = {
            "machine": machine,
            "config": config,
            "sizes": sizes,
            "targets": [t.to_json() for t in checked],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    if args.results is not None:
        args.results.write_text(report.render(machine, config, sizes, checked), encoding="utf-8")
    failed = [r for s in sizes for r in s["results"] if r["exit_code"] != 0]
    for r in failed:
        print(
            f"\n{r['contestant']} {r['scenario']} at {r['leads']:,} leads failed"
            f" (exit {r['exit_code']}):\n{r['error']}",
            file=sys.stderr,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

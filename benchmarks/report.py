"""
Turning measurements into tables: one per org size (calls, time, CPU, peak RSS of the
contestant and of the org, leads written, per contestant and scenario), sfsync's ratios
against each baseline, the machine the numbers come from, and RESULTS.md with the targets
that benchmarks/targets.py checked.
"""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.targets import (
    SCENARIO_LABELS,
    Target,
    engine_share,
    find_result,
    succeeded,
    target_lines,
)

ROOT = Path(__file__).resolve().parent.parent
_SCENARIO_ORDER = {name: i for i, name in enumerate(SCENARIO_LABELS)}


def machine_info() -> dict[str, Any]:
    """CPU model, cores, memory, load, Python and the sfsync commit the numbers come from."""
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gb = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if commit and dirty:
            commit += " with uncommitted changes"
    except OSError:
        commit = ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": mem_gb,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        # A copy without .git (a `git archive` to run from) names its commit in BENCH_COMMIT.
        "commit": commit or os.environ.get("BENCH_COMMIT", "unknown"),
    }


def _ratio(numerator: float, denominator: float) -> str:
    if denominator <= 0:
        return "—"
    value = numerator / denominator
    return f"{value:,.0f}x" if value >= 100 else f"{value:,.1f}x"


def size_table(size: dict[str, Any]) -> list[str]:
    """Markdown lines: the measurements of one size, then sfsync's ratios."""
    seeded = size["seeded"]
    seeding = (
        f" Seeding it took {seeded['wall_seconds']:,.0f}s and {seeded['peak_rss_mb']:,.0f} MB"
        " peak RSS (its own process)."
        if "wall_seconds" in seeded
        else ""
    )
    merged = size.get("merged_from")
    origin = (
        f" Measured in a separate run ({merged['date']}, commit {merged['commit']}, load"
        f" average at its end {', '.join(str(x) for x in merged['load_average'])})."
        if merged
        else ""
    )
    lines = [
        f"### {size['leads']:,} leads",
        "",
        f"Seeded org: {size['seeded']['leads']:,} leads, {size['seeded']['tasks']:,} tasks,"
        f" {size['seeded']['events']:,} events, {size['seeded']['campaign_members']:,} campaign"
        f" members, {size['seeded']['web_activities']:,} web visits (seed {size['seed']});"
        f" nightly: {size['touched_for_nightly']:,} leads got a new pricing-page view and"
        f" sfsync's clock moved {size['nightly_after_days']:g} day(s) on (decay)"
        + (
            "; sfsync ran one incremental pass before it."
            if size.get("settled")
            else "; no sfsync pass in between, so its nightly read includes the echo of"
            " the full sync's own writes."
        )
        + seeding
        + origin,
        "",
        "| scenario | contestant | API calls | time (s) | CPU (s) | peak RSS (MB)"
        " | org RSS (MB) | leads written | note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    order = {name: i for i, name in enumerate(("sfsync", "per-record", "collections"))}
    rows = sorted(
        size["results"],
        key=lambda r: (
            _SCENARIO_ORDER.get(r["scenario"], len(_SCENARIO_ORDER)),
            order.get(r["contestant"], len(order)),
        ),
    )
    for r in rows:
        notes = []
        if r["extrapolated"]:
            m = r["measured"]
            notes.append(
                f"extrapolated from {m['sample']:,} of {m['eligible_leads']:,} leads"
                f" (measured: {m['calls']:,} calls, {m['seconds']:.1f}s)"
            )
        claimed = r["claimed"].get("api_calls")
        if isinstance(claimed, int) and claimed != r["calls"]:
            notes.append(f"reports {claimed:,} calls itself")
        if r["exit_code"] != 0:
            notes.append(f"**failed** (exit {r['exit_code']})")
        star = "*" if r["extrapolated"] else ""
        org_rss, cpu = r.get("sandbox_peak_rss_mb"), r.get("cpu_seconds")
        lines.append(
            f"| {SCENARIO_LABELS.get(r['scenario'], r['scenario'])} | {r['contestant']}"
            f" | {r['calls']:,}{star} | {r['seconds']:.1f}{star}"
            f" | {'—' if cpu is None else f'{cpu:.1f}'}"
            f" | {r['peak_rss_mb']:.0f}"
            f" | {'—' if org_rss is None else f'{org_rss:.0f}'}"
            f" | {r['written']:,}{star} | {'; '.join(notes)} |"
        )
    ratios = _ratio_lines(size["results"])
    if ratios:
        lines += ["", "sfsync against each baseline (baseline ÷ sfsync: how many times more):", ""]
        lines += ratios
    engine = _engine_line(size)
    if engine:
        lines += ["", engine]
    quiet = size.get("quiet")
    if quiet:
        lines += [
            "",
            f"The write policy (min_score_change {quiet['min_score_change']}): the nightly pass"
            f" wrote {quiet['written']:,} of {quiet['open_leads']:,} open leads"
            f" ({quiet['written_share']:.2%}); afterwards each open lead's score in the org was"
            f" this many points from its exact score (points: leads):"
            f" {', '.join(f'{k}: {v:,}' for k, v in quiet['score_gaps'].items())}.",
        ]
    breakdown = _breakdown_lines(size["results"])
    if breakdown:
        lines += ["", "Where sfsync's calls go:", "", *breakdown]
    return lines


def _ratio_lines(results: Sequence[dict[str, Any]]) -> list[str]:
    lines = []
    for scenario in ("full", "nightly"):
        ours = find_result(results, "sfsync", scenario)
        if not succeeded(ours):
            continue
        assert ours is not None
        for baseline in ("per-record", "collections"):
            theirs = find_result(results, baseline, scenario)
            if not succeeded(theirs):
                continue
            assert theirs is not None
            lines.append(
                f"- {SCENARIO_LABELS[scenario]} vs {baseline}:"
                f" {_ratio(theirs['calls'], ours['calls'])} the API calls,"
                f" {_ratio(theirs['seconds'], ours['seconds'])} the time,"
                f" {_ratio(theirs['peak_rss_mb'], ours['peak_rss_mb'])} the peak RSS"
            )
    return lines


def _engine_line(size: dict[str, Any]) -> str | None:
    found = engine_share(size)
    if found is None:
        return None
    engine, seconds, share = found
    return (
        f"The engine alone (the same mirror, no org): {engine['leads']:,} leads qualified in"
        f" {engine['qualify_seconds']:.1f}s ({engine['leads_per_second'] or 0:,} leads/s),"
        f" {share:.0%} of the first full sync's {seconds:.1f}s wall time (reading them from"
        f" the mirror: {engine['mirror_seconds']:.1f}s more)."
    )


def _breakdown_lines(results: Sequence[dict[str, Any]]) -> list[str]:
    lines = []
    for scenario, label in SCENARIO_LABELS.items():
        ours = find_result(results, "sfsync", scenario)
        if ours is None or not ours["calls_by_kind"]:
            continue
        parts = ", ".join(f"{kind} x{n:,}" for kind, n in ours["calls_by_kind"].items())
        lines.append(f"- {label}: {parts}")
    return lines


def latency_text(sizes: Sequence[dict[str, Any]]) -> str:
    """How long the sandbox's Bulk jobs took (`--api-latency`), in words."""
    latency = next((s.get("bulk_latency") for s in sizes if s.get("bulk_latency")), None)
    if not latency:
        return "off (jobs finish at once; polls are undercounted against a real org)"
    parts = []
    for kind, unit in (("query", "rows"), ("ingest", "records")):
        job = latency[kind]
        rate = job.get("records_per_second")
        per = f" + {unit} / {rate:,.0f} per second" if rate else ""
        parts.append(f"{kind} {job['base_seconds']:g} s{per}")
    return "realistic: a job stays InProgress for " + "; ".join(parts) + " (benchmarks/README.md)"


def rest_latency_text(sizes: Sequence[dict[str, Any]]) -> str:
    """How long the sandbox's REST round trips took (`--api-latency`), in words."""
    rest = next((s.get("rest_latency") for s in sizes if s.get("rest_latency")), None)
    if not rest:
        return "off (every request answered at once)"
    parts = [f"{rest['call_seconds']:g} s a request"]
    for key, what in (
        ("read_records_per_second", "records read"),
        ("write_records_per_second", "records written"),
    ):
        if rest.get(key):
            parts.append(f"{what} / {rest[key]:,.0f} per second")
    if rest.get("bytes_per_second"):
        parts.append(f"bytes / {rest['bytes_per_second'] / 1e6:g} MB per second")
    return "realistic: " + " + ".join(parts) + " (benchmarks/README.md)"


def render(machine: dict[str, Any], config: dict[str, Any], sizes: Sequence[dict[str, Any]],
           targets: Sequence[Target]) -> str:  # fmt: skip
    """RESULTS.md: how the numbers were made, the tables, the targets."""
    lines = [
        "# sfsync benchmark results",
        "",
        "Generated by `make bench` (`benchmarks/run.py`); see benchmarks/README.md for how to"
        " run and read them. API calls are counted by the sandbox org, not reported by the"
        " contestants; figures marked * are extrapolated linearly from a measured sample.",
        "",
        "## Machine",
        "",
        f"- CPU: {machine['cpu']} ({machine['cores']} cores)",
        f"- Memory: {machine['memory_gb']} GB",
        f"- Load average at the end: {', '.join(str(x) for x in machine['load_average'])}"
        " (a shared machine: times are indicative, calls are exact)",
        f"- Python {machine['python']} on {machine['platform']}",
        f"- Date: {machine['date']}; sfsync commit {machine['commit']}",
        f"- Run: `benchmarks/run.py {config['argv']}`",
        f"- Bulk API job latency: {latency_text(sizes)}",
        f"- REST round trips: {rest_latency_text(sizes)}",
        "",
        "## Targets",
        "",
        *target_lines(targets),
        "",
        "## Measurements",
        "",
    ]
    for size in sizes:
        lines += [*size_table(size), ""]
    return "\n".join(lines).rstrip() + "\n"

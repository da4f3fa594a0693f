"""
The issue's targets (DESIGN §6), checked against the measurements: API calls at 100,000 and
1,000,000 leads, the factor against the per-record script, peak RSS and its growth, the
engine's share of the full sync, and the write policy's quiet nightly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

SCENARIO_LABELS = {
    "full": "first full sync",
    "echo": "next incremental pass (reads back its own writes)",
    "nightly": "nightly pass (1% new activity)",
}
TARGET_LEADS = 100_000
FULL_CALLS_MAX = 60
NIGHTLY_CALLS_MAX = 20
PER_RECORD_FACTOR_MIN = 1_000
RSS_MAX_MB = 400.0
LARGE_LEADS = 1_000_000
LARGE_FULL_CALLS_MAX = 150
LARGE_RSS_MAX_MB = 600.0
ENGINE_SHARE_MAX = 0.5  # the engine's share of the full sync's wall time
NIGHTLY_WRITE_SHARE_MAX = 0.03  # DESIGN §6: a nightly touches at most 3% of (open) leads


@dataclass(frozen=True)
class Target:
    """One target of the issue and whether the measurements meet it."""

    name: str
    passed: bool | None  # None: not measured (size or contestant missing)
    detail: str

    def to_json(self) -> dict[str, Any]:
        """A plain dict for --json."""
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


def find_result(
    results: Sequence[dict[str, Any]], contestant: str, scenario: str
) -> dict[str, Any] | None:
    """The run of *contestant* in *scenario*, if there is one."""
    return next(
        (r for r in results if r["contestant"] == contestant and r["scenario"] == scenario), None
    )


def succeeded(r: dict[str, Any] | None) -> bool:
    """Whether the run exists and exited 0."""
    return r is not None and r["exit_code"] == 0


def engine_share(size: dict[str, Any]) -> tuple[dict[str, Any], float, float] | None:
    """(engine measurement, sfsync's full sync seconds, engine share of them)."""
    engine = size.get("engine")
    full = find_result(size["results"], "sfsync", "full")
    if not engine or not succeeded(full) or not full or full["seconds"] <= 0:
        return None
    return engine, full["seconds"], engine["qualify_seconds"] / full["seconds"]


def check_targets(sizes: Sequence[dict[str, Any]]) -> list[Target]:
    """The issue's targets, checked at 100,000 leads (and RSS growth across sizes)."""
    by_leads = {s["leads"]: s["results"] for s in sizes}
    at = by_leads.get(TARGET_LEADS)
    missing = f"not measured: no run at {TARGET_LEADS:,} leads"
    targets: list[Target] = []

    def sfsync_run(scenario: str) -> dict[str, Any] | None:
        return find_result(at, "sfsync", scenario) if at is not None else None

    for scenario, limit in (("full", FULL_CALLS_MAX), ("nightly", NIGHTLY_CALLS_MAX)):
        name = f"{SCENARIO_LABELS[scenario]} ≤ {limit} API calls at {TARGET_LEADS:,} leads"
        run = sfsync_run(scenario)
        if at is None or run is None:
            targets.append(Target(name, None, missing if at is None else "sfsync not run"))
        elif run["exit_code"] != 0:
            targets.append(Target(name, False, "sfsync failed"))
        else:
            targets.append(Target(name, run["calls"] <= limit, f"{run['calls']:,} calls"))
    for scenario in ("full", "nightly"):
        name = (
            f"{SCENARIO_LABELS[scenario]}: ≥ {PER_RECORD_FACTOR_MIN:,}x fewer calls than"
            f" the per-record script at {TARGET_LEADS:,} leads"
        )
        ours = sfsync_run(scenario)
        theirs = find_result(at, "per-record", scenario) if at is not None else None
        if not (succeeded(ours) and succeeded(theirs)):
            targets.append(Target(name, None, missing if at is None else "a contestant is missing"))
            continue
        assert ours is not None
        assert theirs is not None
        factor = theirs["calls"] / max(ours["calls"], 1)
        targets.append(
            Target(
                name,
                factor >= PER_RECORD_FACTOR_MIN,
                f"{theirs['calls']:,} vs {ours['calls']:,} calls: {factor:,.0f}x",
            )
        )
    name = (
        f"the engine is not the bottleneck: qualifying every lead takes ≤"
        f" {ENGINE_SHARE_MAX:.0%} of the first full sync's wall time at {TARGET_LEADS:,} leads"
    )
    found = next((engine_share(s) for s in sizes if s["leads"] == TARGET_LEADS), None)
    if found is None:
        targets.append(Target(name, None, missing if at is None else "not measured"))
    else:
        engine, seconds, share = found
        targets.append(
            Target(
                name,
                share <= ENGINE_SHARE_MAX,
                f"{engine['qualify_seconds']:.1f}s of {seconds:.1f}s ({share:.0%})",
            )
        )
    targets += _quiet_targets(next((s for s in sizes if s["leads"] == TARGET_LEADS), None))
    peaks = {
        leads: max(
            (r["peak_rss_mb"] for r in results if r["contestant"] == "sfsync" and succeeded(r)),
            default=None,
        )
        for leads, results in by_leads.items()
    }
    name = f"sfsync peak RSS ≤ {RSS_MAX_MB:.0f} MB at {TARGET_LEADS:,} leads"
    peak = peaks.get(TARGET_LEADS)
    if peak is None:
        targets.append(Target(name, None, missing if at is None else "sfsync not run"))
    else:
        targets.append(Target(name, peak <= RSS_MAX_MB, f"{peak:.0f} MB"))
    targets += _large_targets(by_leads.get(LARGE_LEADS))
    measured = sorted((leads, p) for leads, p in peaks.items() if p is not None)
    name = "sfsync peak RSS grows sub-linearly with leads"
    if len(measured) < 2:
        targets.append(Target(name, None, "needs two sizes"))
    else:
        (small, small_rss), (large, large_rss) = measured[0], measured[-1]
        growth, scale = large_rss / small_rss, large / small
        targets.append(
            Target(
                name,
                growth < scale,
                f"{small:,} → {large:,} leads (x{scale:g}):"
                f" {small_rss:.0f} → {large_rss:.0f} MB (x{growth:.2f})",
            )
        )
    return targets


def _large_targets(results: Sequence[dict[str, Any]] | None) -> list[Target]:
    """DESIGN §6: a 1,000,000-lead full sync completes in ≤ 150 calls and ≤ 600 MB."""
    calls_name = (
        f"{SCENARIO_LABELS['full']} completes at {LARGE_LEADS:,} leads in"
        f" ≤ {LARGE_FULL_CALLS_MAX} API calls"
    )
    rss_name = f"sfsync peak RSS ≤ {LARGE_RSS_MAX_MB:.0f} MB at {LARGE_LEADS:,} leads"
    full = find_result(results, "sfsync", "full") if results is not None else None
    if full is None:
        detail = f"not measured: no sfsync run at {LARGE_LEADS:,} leads"
        return [Target(calls_name, None, detail), Target(rss_name, None, detail)]
    if not succeeded(full):
        return [Target(calls_name, False, "sfsync failed"), Target(rss_name, False, "failed")]
    peak = max(r["peak_rss_mb"] for r in results or [] if r["contestant"] == "sfsync")
    return [
        Target(calls_name, full["calls"] <= LARGE_FULL_CALLS_MAX, f"{full['calls']:,} calls"),
        Target(rss_name, peak <= LARGE_RSS_MAX_MB, f"{peak:.0f} MB"),
    ]


def _quiet_targets(size: dict[str, Any] | None) -> list[Target]:
    """The write policy's targets: a nightly writes ≤ 3% of open leads, and no lead's score
    in the org is min_score_change points or more from its exact score."""
    quiet = size.get("quiet") if size else None
    share = (
        f"nightly pass (1% new activity) writes ≤ {NIGHTLY_WRITE_SHARE_MAX:.0%} of open leads"
        f" at {TARGET_LEADS:,} leads"
    )
    gap = (
        "after the nightly, no lead's score in the org is the write policy's points or more"
        f" from its exact score at {TARGET_LEADS:,} leads"
    )
    if quiet is None:
        detail = "not measured" if size else f"not measured: no run at {TARGET_LEADS:,} leads"
        return [Target(share, None, detail), Target(gap, None, detail)]
    return [
        Target(
            share,
            quiet["written_share"] <= NIGHTLY_WRITE_SHARE_MAX,
            f"{quiet['written']:,} of {quiet['open_leads']:,} open leads"
            f" ({quiet['written_share']:.2%})",
        ),
        Target(
            gap,
            quiet["max_score_gap"] < quiet["min_score_change"] and not quiet["unscored"],
            f"largest gap {quiet['max_score_gap']} points (policy {quiet['min_score_change']});"
            f" gaps: {quiet['score_gaps']}",
        ),
    ]


def target_lines(targets: Sequence[Target]) -> list[str]:
    """Markdown lines: one checkbox per target."""
    marks = {True: "PASS", False: "**FAIL**", None: "not measured"}
    return [f"- [{marks[t.passed]}] {t.name}: {t.detail}" for t in targets]

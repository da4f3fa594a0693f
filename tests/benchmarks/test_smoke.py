"""
Smoke tests of the benchmark harness: a tiny org, the two baselines, end to end. Nothing here
is timed; the numbers that matter come from `make bench`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "benchmarks" / "run.py"
SAMPLE = 20


@pytest.fixture(name="payload", scope="module")
def _payload(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out_dir = tmp_path_factory.mktemp("bench")
    out = out_dir / "out.json"
    results = out_dir / "RESULTS.md"
    proc = _python(
        RUN,
        *("--leads", "200", "--only", "collections", "per-record"),
        *("--per-record-sample", str(SAMPLE), "--json", str(out), "--results", str(results)),
    )
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    data["_stdout"] = proc.stdout
    data["_results_md"] = results.read_text(encoding="utf-8")
    return data


def _python(script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a benchmark script to its end; it must succeed."""
    proc = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _run(payload: dict[str, Any], contestant: str, scenario: str) -> dict[str, Any]:
    return next(
        r
        for r in payload["sizes"][0]["results"]
        if r["contestant"] == contestant and r["scenario"] == scenario
    )


def test_json_has_machine_sizes_and_targets(payload: dict[str, Any]) -> None:
    """The JSON output names the machine, the configuration, every size and the targets."""
    assert {"machine", "config", "sizes", "targets"} <= set(payload)
    assert {"cpu", "cores", "memory_gb", "python", "date"} <= set(payload["machine"])
    assert [s["leads"] for s in payload["sizes"]] == [200]
    assert len(payload["sizes"][0]["results"]) == 4
    assert payload["sizes"][0]["touched_for_nightly"] >= 1


def test_every_run_is_measured_from_outside(payload: dict[str, Any]) -> None:
    """Each run has counted API calls, a wall time, a peak RSS and leads written in the org."""
    for r in payload["sizes"][0]["results"]:
        assert r["exit_code"] == 0, r["error"]
        assert r["calls"] > 0
        assert r["seconds"] > 0
        assert r["peak_rss_mb"] > 10
        assert r["written"] > 0
        assert sum(r["calls_by_kind"].values()) == r["calls"]


def test_collections_baseline_writes_every_open_lead_in_one_call(payload: dict[str, Any]) -> None:
    """Under 200 open leads, the Collections baseline writes them all with one PATCH."""
    for scenario in ("full", "nightly"):
        r = _run(payload, "collections", scenario)
        assert r["calls_by_kind"]["PATCH composite/sobjects"] == 1
        assert r["claimed"]["leads"] == r["written"]
        assert not r["extrapolated"]


def test_per_record_sample_is_extrapolated_linearly(payload: dict[str, Any]) -> None:
    """A sampled per-record run is scaled to one PATCH per open lead, and says so."""
    r = _run(payload, "per-record", "full")
    eligible = r["claimed"]["leads"]
    assert r["extrapolated"]
    assert r["measured"]["sample"] == SAMPLE
    assert r["measured"]["written"] == SAMPLE
    assert eligible == r["calls_by_kind"]["PATCH sobjects/Lead/{id}"]
    assert r["measured"]["calls"] - SAMPLE + eligible == r["calls"]
    assert "extrapolated from 20 of" in payload["_results_md"]


def test_tables_are_printed(payload: dict[str, Any]) -> None:
    """The printed output has a table for the size and the targets section."""
    assert "### 200 leads" in payload["_stdout"]
    assert "| first full sync | collections |" in payload["_stdout"]
    assert "Targets:" in payload["_stdout"]


def test_the_quiet_bench_counts_writes_night_by_night(tmp_path: Path) -> None:
    """bench_quiet.py on a tiny org prints one row per night; the write policy writes no more
    leads than writing every change would (it holds back a subset)."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_quiet.py"), "--leads", "150",
         "--nights", "3"],
        capture_output=True, text=True, timeout=240, check=False, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [line.split("|") for line in proc.stdout.splitlines() if line.startswith("| ") and
            line.split("|")[1].strip().isdigit()]  # fmt: skip
    assert [int(r[1]) for r in rows] == [1, 2, 3]
    for row in rows:
        policy, every = int(row[2].replace(",", "")), int(row[4].replace(",", ""))
        assert policy <= every


def test_org_side_and_seeding_are_measured(payload: dict[str, Any]) -> None:
    """Seeding's own time and memory, the org's peak RSS and each contestant's CPU time."""
    seeded = payload["sizes"][0]["seeded"]
    assert seeded["wall_seconds"] > 0
    assert seeded["peak_rss_mb"] > 10
    for r in payload["sizes"][0]["results"]:
        assert r["sandbox_peak_rss_mb"] > 10
        assert 0 < r["cpu_seconds"] <= r["measured"].get("seconds", r["seconds"]) * 2
    assert "| org RSS (MB) |" in payload["_results_md"]
    assert "REST round trips: realistic: 0.2 s a request" in payload["_results_md"]


def test_an_earlier_run_is_merged_into_the_report(payload: dict[str, Any], tmp_path: Path) -> None:
    """--merge-json adds an earlier run's size to the tables, marked as a separate run."""
    earlier = tmp_path / "earlier.json"
    earlier.write_text(json.dumps({k: v for k, v in payload.items() if not k.startswith("_")}))
    results = tmp_path / "RESULTS.md"
    args = ["--leads", "50", "--only", "collections", "--api-latency", "off"]
    _python(RUN, *args, "--merge-json", str(earlier), "--results", str(results))
    text = results.read_text(encoding="utf-8")
    assert text.index("### 50 leads") < text.index("### 200 leads")
    assert "Measured in a separate run" in text


def test_bulk_answers_times_each_kind_of_bulk_request(tmp_path: Path) -> None:
    """benchmarks/bulk_answers.py seeds an org and times job creation, status and close."""
    script = ROOT / "benchmarks" / "bulk_answers.py"
    proc = _python(script, "--leads", "300", "--org-dir", str(tmp_path / "org"))
    rows = {line.split(" | ")[0].lstrip("| "): line for line in proc.stdout.splitlines()}
    assert rows["create query job"].split(" | ")[1] == "5"
    for label in ("status (query, running)", "close ingest job", "status (ingest, running)"):
        assert label in rows

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_scoring.py"


@pytest.fixture(name="bench", scope="module")
def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_scoring", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_runs_and_reports_json(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    """The benchmark scores a few leads and prints its measurements as JSON."""
    assert bench.main(["--leads", "50", "--repeat", "1", "--json"]) == 0

    result = json.loads(capsys.readouterr().out)
    assert result["leads"] == 50
    assert result["activities"] > 0
    assert result["leads_per_second"] > 0
    assert result["leads_per_cpu_second"] > 0


def test_benchmark_data_is_deterministic(bench: ModuleType) -> None:
    """The same arguments build the same synthetic leads and activities."""
    assert bench.make_dataset(20) == bench.make_dataset(20)
    assert bench.make_dataset(20) != bench.make_dataset(20, seed=1)

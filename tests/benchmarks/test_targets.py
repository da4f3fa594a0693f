"""The targets' checks of DESIGN §6's 1,000,000-lead marks, on made-up measurements."""

from __future__ import annotations

from typing import Any

from benchmarks.targets import check_targets


def _size(leads: int, calls: int, rss: float, exit_code: int = 0) -> dict[str, Any]:
    run = {
        "contestant": "sfsync",
        "scenario": "full",
        "calls": calls,
        "peak_rss_mb": rss,
        "exit_code": exit_code,
    }
    return {"leads": leads, "results": [run]}


def _large(sizes: list[dict[str, Any]]) -> list[tuple[bool | None, str]]:
    return [(t.passed, t.detail) for t in check_targets(sizes) if "1,000,000" in t.name]


def test_million_lead_marks_pass_fail_or_are_not_measured() -> None:
    """≤ 150 calls and ≤ 600 MB at 1,000,000 leads; no run there is 'not measured'."""
    assert _large([_size(1_000_000, 110, 345.0)]) == [(True, "110 calls"), (True, "345 MB")]
    assert _large([_size(1_000_000, 151, 601.0)]) == [(False, "151 calls"), (False, "601 MB")]
    assert [p for p, _ in _large([_size(1_000_000, 10, 10.0, exit_code=1)])] == [False, False]
    assert [p for p, _ in _large([_size(100_000, 40, 200.0)])] == [None, None]

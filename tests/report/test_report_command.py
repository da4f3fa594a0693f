from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import pytest

from tests.report.conftest import HOSTILE_COMPANY, HOSTILE_FIRST, NOW_ARG, DemoOrg


def test_demo_data_shows_a_clear_lift_of_top_over_bottom_band(demo: DemoOrg) -> None:
    """On 1,000 seeded leads the top score band converts far more often than the bottom one."""
    report = demo.report()

    assert report.leads == 1000
    assert report.lift is not None
    # Measured on seeds 1, 2, 3, 7 and 42: top 64-92%, bottom 0-0.3%, 64-92 points apart.
    assert report.lift.top.leads >= 10
    assert report.lift.top.rate > 0.5
    assert report.lift.bottom.rate < 0.02
    assert report.lift.points > 50
    assert report.lift.ratio is None or report.lift.ratio > 20
    assert [b.label for b in report.score_bands] == ["0-19", "20-39", "40-59", "60-79", "80-100"]
    assert report.later_converted > report.converted / 2


def test_report_writes_the_page_and_prints_a_summary(
    demo: DemoOrg, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sfsync report` exits 0, writes one HTML file and prints the bands and the lift."""
    out = tmp_path / "nested" / "report.html"

    assert demo.run("report", "--now", NOW_ARG, "--out", str(out)) == 0
    captured = capsys.readouterr()
    page = out.read_text(encoding="utf-8")
    assert "Lift: Leads scoring 80-100 converted at" in " ".join(captured.out.split())
    assert "Invisible pipeline:" in captured.out
    assert f"Wrote {out}" in captured.err
    assert page.count("<svg") == 8
    assert "<script" not in page


def test_values_from_the_org_are_escaped(demo: DemoOrg) -> None:
    """A lead named <script>... shows as text in the follow-up table, never as markup."""
    page = demo.page.read_text(encoding="utf-8")
    assert html.escape(HOSTILE_FIRST) in page
    assert html.escape(HOSTILE_COMPANY) in page
    assert "<script" not in page
    assert "<img" not in page


def test_since_reports_only_newer_leads(demo: DemoOrg) -> None:
    """--since keeps the leads created on or after the date."""
    everything = demo.report()
    recent = demo.report(since=date(2026, 9, 1))

    assert 0 < recent.leads < everything.leads


def test_a_since_after_every_lead_says_so_and_exits_2(
    demo: DemoOrg, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The mirror has leads, just none that new: point at --since, not only at syncing."""
    out = tmp_path / "r.html"
    assert demo.run("report", "--since", "2099-01-01", "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert "no leads created since 2099-01-01" in err
    assert "pick an earlier --since" in err
    assert not out.exists()


def test_empty_mirror_is_a_usage_error(
    demo: DemoOrg, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without synced leads the command says to sync first and exits 2."""
    empty = DemoOrg(demo.sandbox, tmp_path / "empty.sqlite3")

    assert empty.run("report", "--out", str(tmp_path / "r.html")) == 2
    assert "run `sfsync sync` first" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()

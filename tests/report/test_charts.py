"""The report's charts: inline SVG, the same bytes for the same numbers, no scripts."""

from __future__ import annotations

from sfsync.report.charts import STATUS_COLORS, counts_chart, touches_chart


def test_a_chart_is_inline_svg_without_scripts_and_keeps_its_text() -> None:
    """SVG text stays text (searchable, readable), and nothing runs or is fetched."""
    svg = counts_chart(
        {"Sales Ready": 12, "Nurture": 30}, title="Leads by status", colors=STATUS_COLORS
    )
    assert svg.lstrip().startswith("<svg")
    assert "Leads by status" in svg
    assert "<script" not in svg
    assert 'href="http' not in svg  # namespaces only: nothing is fetched


def test_the_same_numbers_draw_the_same_bytes() -> None:
    """No date or random id in the output: an unchanged report is byte-identical."""
    first = touches_chart({0: 3, 2: 5, 6: 1}, target=6, title="Touches")
    assert first == touches_chart({0: 3, 2: 5, 6: 1}, target=6, title="Touches")

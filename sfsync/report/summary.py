"""The report's short terminal summary, for people at a terminal (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from sfsync.definition.terms import STATUSES
from sfsync.report.analysis import Report
from sfsync.report.page import lift_sentence


def print_summary(report: Report, console: Console) -> None:
    """
    Status counts, conversion by score band with the lift, follow-up and top signals, in
    the same words and roundings as the HTML page (every rate with its sample).
    """
    table = Table(title="Lead quality", show_header=True, title_justify="left")
    table.add_column("score band")
    table.add_column("leads", justify="right")
    table.add_column("converted", justify="right")
    table.add_column("conversion rate", justify="right")
    for band in report.score_bands:
        table.add_row(band.label, f"{band.leads:,}", f"{band.converted:,}", band.conversion.text())
    console.print(table)
    statuses = ", ".join(
        f"{s} {report.status_counts[s]:,}" for s in STATUSES if report.status_counts.get(s)
    )
    console.print(
        f"Open leads: {report.open_leads:,} ({statuses}); converted: {report.converted:,}",
        markup=False,
    )
    console.print(f"Lift: {lift_sentence(report)}", markup=False)
    console.print(
        f"Follow-up: {report.sales_ready:,} Sales Ready, {report.overdue:,} overdue "
        f"({report.on_time.text()} on time), {report.untouched_sales_ready:,} never touched "
        "since they became Sales Ready",
        markup=False,
    )
    console.print(
        f"Invisible pipeline: {report.later_converted:,} of {report.converted:,} conversions "
        "were Nurture/Disqualified on arrival",
        markup=False,
    )
    top = [s for s in report.signals if s.converted_with][:3]
    if top:
        console.print(
            "Before conversion: " + ", ".join(f"{s.label} {s.converted_rate.text()}" for s in top),
            markup=False,
        )

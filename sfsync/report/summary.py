"""The report's short terminal summary, for people at a terminal (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from sfsync.definition.terms import STATUSES
from sfsync.report.analysis import Report


def print_summary(report: Report, console: Console) -> None:
    """Status counts, conversion by score band with the lift, follow-up and top signals."""
    table = Table(title="Lead quality", show_header=True, title_justify="left")
    table.add_column("score band")
    table.add_column("leads", justify="right")
    table.add_column("converted", justify="right")
    table.add_column("rate", justify="right")
    for band in report.score_bands:
        table.add_row(
            band.label, f"{band.leads:,}", f"{band.converted:,}", f"{100 * band.rate:.1f}%"
        )
    console.print(table)
    statuses = ", ".join(
        f"{s} {report.status_counts[s]:,}" for s in STATUSES if report.status_counts.get(s)
    )
    console.print(
        f"Open leads: {report.open_leads:,} ({statuses}); converted: {report.converted:,}"
    )
    lift = report.lift
    if lift is None:
        console.print("Lift: n/a (fewer than two score bands with 10+ leads)")
    else:
        ratio = (
            f"x{lift.ratio:.1f}"
            if lift.ratio is not None
            else "infinite"
            if lift.top.rate
            else "n/a: neither band converted anyone"
        )
        console.print(
            f"Lift: {lift.top.label} converts at {100 * lift.top.rate:.1f}% vs "
            f"{100 * lift.bottom.rate:.1f}% for {lift.bottom.label} ({ratio})"
        )
    compliance = "n/a" if report.compliance is None else f"{100 * report.compliance:.0f}%"
    console.print(
        f"Follow-up: {report.sales_ready:,} Sales Ready, {report.overdue:,} overdue "
        f"({compliance} on time), {report.untouched_sales_ready:,} never touched"
    )
    console.print(
        f"Invisible pipeline: {report.later_converted:,} of {report.converted:,} conversions "
        "were Nurture/Disqualified on arrival"
    )
    top = [s for s in report.signals if s.converted_with][:3]
    if top:
        console.print(
            "Before conversion: "
            + ", ".join(f"{s.label} {100 * s.converted_share:.0f}%" for s in top)
        )

"""
The lead-quality report as one self-contained HTML page: inline CSS, inline SVG charts, no
JavaScript and nothing fetched when it is opened (its Content-Security-Policy forbids it).

Every value that comes from the org or the definition (lead names, companies, labels) is
HTML-escaped here, once, through `_e`; chart text is escaped by matplotlib's SVG writer.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import datetime

from sfsync.definition.terms import STATUSES
from sfsync.report import charts
from sfsync.report.analysis import (
    AGING_BUCKETS,
    CONVERTED,
    FIRST_TOUCH_BUCKETS,
    Report,
)
from sfsync.scoring import DISQUALIFIED, NURTURE

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_CSS = """
:root { color-scheme: light; --ink: #1f2933; --muted: #52606d; --line: #e4e7eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #f5f7fa; }
main { max-width: 1120px; margin: 0 auto; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; }
p.meta, p.note { color: var(--muted); margin: 0 0 12px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 12px;
         margin: 20px 0; }
.tile { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.tile .value { font-size: 24px; font-weight: 600; }
.tile .label { color: var(--muted); font-size: 13px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px;
         padding: 8px; }
figure svg.chart { width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 13px; padding: 4px 6px 2px; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 14px;
        border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); }
th { background: #eef2f7; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.overdue { color: #b91c1c; font-weight: 600; }
footer { color: var(--muted); font-size: 13px; margin-top: 36px; }
"""


CONTENT_SECURITY_POLICY = _CSP
"""No script, nothing fetched: the report's policy, shared by the tune evidence page."""
STYLESHEET = _CSS
"""The report's look, shared by the tune evidence page."""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def _date(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d")


def _hours(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} days"


def _tile(value: str, label: str) -> str:
    return (
        f'<div class="tile"><div class="value">{_e(value)}</div>'
        f'<div class="label">{_e(label)}</div></div>'
    )


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{_e(caption)}</figcaption></figure>"


def _table(head: Sequence[str], rows: Iterable[Sequence[object]], numeric: set[int]) -> str:
    def cell(tag: str, i: int, value: object) -> str:
        cls = ' class="num"' if i in numeric else ""
        return f"<{tag}{cls}>{_e(value)}</{tag}>"

    header = "".join(cell("th", i, h) for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _lift_text(report: Report) -> tuple[str, str]:
    lift = report.lift
    if lift is None:
        return "n/a", "Not enough leads in two score bands to compare."
    ratio = (
        f"x{lift.ratio:.1f}"
        if lift.ratio is not None
        else "infinite (none converted in the bottom band)"
        if lift.top.rate
        else "n/a (neither band converted anyone)"
    )
    text = (
        f"Leads scoring {lift.top.label} converted at {100 * lift.top.rate:.1f}% "
        f"({lift.top.converted} of {lift.top.leads}); leads scoring {lift.bottom.label} at "
        f"{100 * lift.bottom.rate:.1f}% ({lift.bottom.converted} of {lift.bottom.leads}): "
        f"a lift of {ratio}, {lift.points:.0f} percentage points."
    )
    return ratio, text


def _lift_tile(report: Report) -> str:
    lift = report.lift
    if lift is None:
        return "n/a"
    return f"{100 * lift.top.rate:.0f}% vs {100 * lift.bottom.rate:.1f}%"


def render_page(report: Report, *, title: str = "Lead quality report") -> str:
    """The whole report as an HTML document (UTF-8 text)."""
    _, lift_sentence = _lift_text(report)
    cohort = f"leads created since {report.since.isoformat()}" if report.since else "all leads"
    statuses = {s: report.status_counts.get(s, 0) for s in STATUSES}
    statuses[CONVERTED] = report.converted
    arrival_nurture = sum(
        report.arrival[s].leads for s in (NURTURE, DISQUALIFIED) if s in report.arrival
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">As of {_e(report.now.strftime("%Y-%m-%d %H:%M UTC"))} · {_e(cohort)} · '
        f"definition {_e(report.definition_version)} · {report.leads:,} leads "
        f"({report.converted:,} converted)</p>",
        '<div class="tiles">',
        _tile(f"{report.open_leads:,}", "open leads"),
        _tile(f"{report.status_counts.get('Sales Ready', 0):,}", "Sales Ready now"),
        _tile(f"{report.converted:,}", "converted"),
        _tile(_lift_tile(report), "converted, top vs bottom score band"),
        _tile(_pct(report.compliance), "Sales Ready leads followed up in time"),
        _tile(_hours(report.first_touch_median_hours), "median time to first touch"),
        _tile(f"{report.later_converted:,}", "Nurture/Disqualified on arrival, later converted"),
        "</div>",
        "<h2>Where the leads are</h2>",
        '<div class="grid">',
        _figure(
            charts.counts_chart(statuses, title="Leads by status", colors=charts.STATUS_COLORS),
            "Open leads by sfsync status today, and the leads that converted.",
        ),
        _figure(
            charts.grade_grid(report.grade_counts, title="Open leads by grade"),
            "Fit letter by engagement digit; A1 fits best and is most engaged.",
        ),
        "</div>",
        "<h2>Does the score predict buying?</h2>",
        f'<p class="note">{_e(lift_sentence)}</p>',
        '<div class="grid">',
        _figure(
            charts.rate_chart(
                [b.label for b in report.score_bands],
                [b.leads for b in report.score_bands],
                [b.converted for b in report.score_bands],
                title="Conversion rate by score band",
                xlabel="score",
                highlight=[report.lift.top.label] if report.lift else (),
            ),
            "Score just before converting (converted leads) or today (open leads).",
        ),
        _figure(
            charts.rate_chart(
                [b.label for b in report.grade_bands],
                [b.leads for b in report.grade_bands],
                [b.converted for b in report.grade_bands],
                title="Conversion rate by fit grade",
                xlabel="fit letter",
            ),
            "The grade's letter is fit: industry, size, revenue and title.",
        ),
        "</div>",
        "<h2>The invisible pipeline</h2>",
        f'<p class="note">{report.later_converted:,} of {report.converted:,} converted leads '
        f"were Nurture or Disqualified when they arrived ({arrival_nurture:,} leads arrived "
        "that way). Nurture is not rubbish: keep scoring them, and they show when they are "
        "ready.</p>",
        _table(
            ["status on arrival", "leads", "converted later", "rate"],
            [
                (s, f"{b.leads:,}", f"{b.converted:,}", f"{100 * b.rate:.1f}%")
                for s, b in report.arrival.items()
            ],
            {1, 2, 3},
        ),
    ]
    if report.recorded_before_conversion:
        recorded = ", ".join(
            f"{n:,} {s}" for s, n in sorted(report.recorded_before_conversion.items())
        )
        parts.append(
            '<p class="note">sfsync\'s own history recorded, before they converted: '
            f"{_e(recorded)}.</p>"
        )
    parts += _follow_up_section(report)
    parts += _signal_section(report)
    parts.append(
        "<footer><p><b>How this is measured.</b> Every lead in the local mirror is scored "
        "with the definition above by the same engine as the sync. A converted lead is scored "
        "as of the start of its conversion day, from the activity before it; an open lead as "
        "of the report date. “On arrival” is one day after the lead was created. Lead fields "
        "are today's values. The top and bottom score bands are the highest and lowest with at "
        f"least 10 leads. Touch target {report.touch_target}, follow-up cadence "
        f"{report.cadence_days:g} days.</p></footer>"
    )
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def _follow_up_section(report: Report) -> list[str]:
    aging = {label: report.aging.get(label, 0) for _, _, label in AGING_BUCKETS}
    first = {label: report.first_touch.get(label, 0) for _, _, label in FIRST_TOUCH_BUCKETS}
    rows = [
        (
            f.name,
            f.company,
            f.grade,
            f.score,
            _date(f.sales_ready_since),
            f"{f.touches} of {report.touch_target}",
            _date(f.last_touch),
            "overdue" if f.needs_follow_up else "",
        )
        for f in report.follow_ups
    ]
    table = _table(
        ["lead", "company", "grade", "score", "Sales Ready since", "touches", "last touch", ""],
        rows,
        {3},
    ).replace("<td>overdue</td>", '<td class="overdue">overdue</td>')
    return [
        "<h2>Follow-up</h2>",
        f'<p class="note">{report.sales_ready:,} leads are Sales Ready; {report.overdue:,} are '
        f"overdue (no touch within {report.cadence_days:g} days, below the target of "
        f"{report.touch_target}); {report.at_target:,} reached the target; "
        f"{report.untouched_sales_ready:,} have not been touched yet.</p>",
        '<div class="grid">',
        _figure(
            charts.counts_chart(aging, title="Sales Ready leads by age", colors={}),
            "Time since each open lead became Sales Ready.",
        ),
        _figure(
            charts.counts_chart(first, title="Time to first touch", colors={}),
            "Hours from Sales Ready to the first call, email or meeting.",
        ),
        _figure(
            charts.touches_chart(
                report.touches, target=report.touch_target, title="Touches vs target"
            ),
            "Open Sales Ready leads by human sales touches so far.",
        ),
        "</div>",
        "<h2>Sales Ready leads to follow up</h2>",
        table if rows else '<p class="note">No lead is Sales Ready right now.</p>',
    ]


def _signal_section(report: Report) -> list[str]:
    shown = [s for s in report.signals if s.converted_with or s.open_with]
    chart = charts.signal_chart(
        [s.label for s in shown],
        [s.converted_share for s in shown],
        [s.open_share for s in shown],
        title="Signals before conversion",
    )
    rows = [
        (
            s.label,
            f"{100 * s.converted_share:.0f}%",
            f"{100 * s.open_share:.0f}%",
            f"x{s.converted_share / s.open_share:.1f}" if s.open_share else "n/a",
        )
        for s in shown
    ]
    return [
        "<h2>Signals that preceded conversion</h2>",
        '<p class="note">Share of converted leads with each signal in the 30 days before they '
        "converted, next to open leads in the last 30 days.</p>",
        '<div class="grid">',
        _figure(chart, "Most common first."),
        _table(["signal", "converted leads", "open leads", "ratio"], rows, {1, 2, 3}),
        "</div>",
    ]

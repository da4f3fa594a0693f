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
from sfsync.report.rates import MIN_RATIO_SUCCESSES, percent, ratio_text
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


def lift_sentence(report: Report) -> str:
    """
    What the score bands say about buying, with the samples behind it: both rates (with
    their intervals where small), the difference, and a ratio only when both bands have
    enough conversions for one (otherwise what the intervals do say).
    """
    lift = report.lift
    if lift is None:
        return "Not enough leads in two score bands (10 each) to compare."
    top, bottom = lift.top.conversion, lift.bottom.conversion
    text = (
        f"Leads scoring {lift.top.label} converted at {top.text()}; leads scoring "
        f"{lift.bottom.label} at {bottom.text()}: {lift.points:.1f} percentage points apart."
    )
    ratio = ratio_text(top, bottom)
    if ratio is not None:
        return text + f" The top band converts {ratio} as often."
    fewest = min((lift.top, lift.bottom), key=lambda b: b.converted)
    text += (
        f" No ratio is claimed: the {fewest.label} band has {fewest.converted:,} "
        f"conversion{'' if fewest.converted == 1 else 's'} (a ratio needs "
        f"{MIN_RATIO_SUCCESSES} in each band)."
    )
    if top.overlaps(bottom):
        return text + " The 95% intervals overlap: this sample cannot tell the bands apart."
    return text + " The 95% intervals do not overlap: the difference is not chance."


def _lift_tile(report: Report) -> str:
    lift = report.lift
    if lift is None:
        return "n/a"
    return f"{percent(lift.top.conversion.share)} vs {percent(lift.bottom.conversion.share)}"


def _org_note(report: Report) -> str:
    """What the org holds next to the exact values this report computes (the write policy)."""
    gaps = report.org_score_gaps
    differ = sum(gaps.values())
    parts = [
        "Scores here are exact (computed now from the mirror). "
        f"The org's {report.open_leads:,} open leads hold the score sfsync last wrote: "
    ]
    if differ:
        parts.append(
            f"{differ:,} differ from the exact score by {min(gaps)}\u2013{max(gaps)} points"
            if min(gaps) != max(gaps)
            else f"{differ:,} differ from the exact score by {max(gaps)} point"
            + ("" if max(gaps) == 1 else "s")
        )
        if report.min_score_change:
            parts.append(
                f" (the write policy rewrites a lead once it moved {report.min_score_change} "
                "points, or anything a rep acts on changed)"
            )
    else:
        parts.append("every one equals the exact score")
    if report.org_unscored:
        parts.append(f"; {report.org_unscored:,} hold no score yet (run `sfsync sync`)")
    return "".join(parts) + "."


def render_page(
    report: Report, *, title: str = "Lead quality report", full_lists: str | None = None
) -> str:
    """
    The whole report as an HTML document (UTF-8 text). *full_lists* names where the full
    lists of leads live in Salesforce (list views, reports): a truncated table points there.
    """
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
        _tile(
            percent(report.compliance),
            f"Sales Ready leads followed up in time ({report.on_time.successes:,} of "
            f"{report.sales_ready:,})",
        ),
        _tile(
            _hours(report.first_touch_median_hours),
            f"median time to first touch ({report.first_touch_leads:,} leads)",
        ),
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
        f'<p class="note">{_e(_org_note(report))}</p>',
        "<h2>Does the score predict buying?</h2>",
        f'<p class="note">{_e(lift_sentence(report))}</p>',
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
            "Score just before converting (converted leads) or today (open leads); "
            "the lines are 95% intervals.",
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
        _table(
            ["score band", "leads", "converted", "conversion rate"],
            [
                (b.label, f"{b.leads:,}", f"{b.converted:,}", b.conversion.text())
                for b in report.score_bands
            ],
            {1, 2},
        ),
        "<h2>The invisible pipeline</h2>",
        f'<p class="note">{report.later_converted:,} of {report.converted:,} converted leads '
        f"were Nurture or Disqualified when they arrived ({arrival_nurture:,} leads arrived "
        "that way). Nurture is not rubbish: keep scoring them, and they show when they are "
        "ready.</p>",
        _table(
            ["status on arrival", "leads", "converted later", "rate"],
            [
                (s, f"{b.leads:,}", f"{b.converted:,}", b.conversion.text())
                for s, b in report.arrival.items()
            ],
            {1, 2},
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
    parts += _follow_up_section(report, full_lists)
    parts += _signal_section(report)
    parts.append(
        "<footer><p><b>How this is measured.</b> Every lead in the local mirror is scored "
        "with the definition above by the same engine as the sync. A converted lead is scored "
        "as of the start of its conversion day, from the activity before it; an open lead as "
        "of the report date. “On arrival” is one day after the lead was created. Lead fields "
        "are today's values. The top and bottom score bands are the highest and lowest with at "
        f"least 10 leads. A rate shows its sample (converted of leads); where fewer than 10 "
        "leads converted, or fewer than 10 did not, it also shows its 95% Wilson interval, and "
        f"a ratio of two rates is stated only when each has {MIN_RATIO_SUCCESSES} or more. "
        f"Percentages are rounded to one decimal everywhere. Touch target {report.touch_target}, "
        f"follow-up cadence {report.cadence_days:g} days.</p></footer>"
    )
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def _follow_up_section(report: Report, full_lists: str | None) -> list[str]:
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
            _date(f.last_touch) or "none yet",
            "overdue" if f.needs_follow_up else "",
        )
        for f in report.follow_ups
    ]
    table = _table(
        ["lead", "company", "grade", "score", "Sales Ready since", "touches since then",
         "last touch since then", ""],
        rows,
        {3},
    ).replace("<td>overdue</td>", '<td class="overdue">overdue</td>')  # fmt: skip
    shown = len(rows)
    if shown < report.sales_ready:
        where = f" All {report.sales_ready:,}: {full_lists}." if full_lists else ""
        scope = (
            f"Showing {shown:,} of {report.sales_ready:,} Sales Ready leads: overdue first, "
            f"then the longest Sales Ready.{where}"
        )
    else:
        scope = f"All {shown:,} Sales Ready leads, overdue first."
    return [
        "<h2>Follow-up</h2>",
        f'<p class="note">{report.sales_ready:,} leads are Sales Ready; {report.overdue:,} are '
        f"overdue (no touch within {report.cadence_days:g} days, below the target of "
        f"{report.touch_target}), so {report.on_time.text()} are followed up in time; "
        f"{report.at_target:,} reached the target; {report.untouched_sales_ready:,} have not "
        "been touched since they became Sales Ready. Touches count the current Sales Ready "
        "episode only.</p>",
        '<div class="grid">',
        _figure(
            charts.counts_chart(aging, title="Sales Ready leads by age", colors={}),
            "Time since each open lead became Sales Ready.",
        ),
        _figure(
            charts.counts_chart(first, title="Time to first touch", colors={}),
            f"Hours from Sales Ready to the first call, email or meeting "
            f"({report.first_touch_leads:,} leads).",
        ),
        _figure(
            charts.touches_chart(
                report.touches, target=report.touch_target, title="Touches vs target"
            ),
            "Open Sales Ready leads by human sales touches since they became Sales Ready.",
        ),
        "</div>",
        "<h2>Sales Ready leads to follow up</h2>",
        (f'<p class="note">{_e(scope)}</p>' + table)
        if rows
        else '<p class="note">No lead is Sales Ready right now.</p>',
    ]


def _signal_section(report: Report) -> list[str]:
    shown = [s for s in report.signals if s.converted_with or s.open_with]
    left_out = len(report.signals) - len(shown)
    chart = charts.signal_chart(
        [s.label for s in shown],
        [s.converted_share for s in shown],
        [s.open_share for s in shown],
        title="Signals before conversion",
    )
    rows = [
        (
            s.label,
            s.converted_rate.text(),
            s.open_rate.text(),
            ratio_text(s.converted_rate, s.open_rate)
            or f"not claimed (fewer than {MIN_RATIO_SUCCESSES} leads on a side)",
        )
        for s in shown
    ]
    note = (
        "Share of converted leads with each signal in the 30 days before they converted, "
        "next to open leads in the last 30 days."
    )
    if left_out:
        note += f" {left_out} signal{'' if left_out == 1 else 's'} no lead had are left out."
    return [
        "<h2>Signals that preceded conversion</h2>",
        f'<p class="note">{_e(note)}</p>',
        '<div class="grid">',
        _figure(chart, "Most common first."),
        _table(["signal", "converted leads", "open leads", "ratio"], rows, set()),
        "</div>",
    ]

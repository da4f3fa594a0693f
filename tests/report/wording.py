"""
Checks that the report's words match its numbers, on its visible text (from the HTML, or
from Chromium's rendering): every "x% (k of n ...)" is k/n rounded to one decimal; every
printed 95% interval is the Wilson interval of its sample, and appears exactly where the
sample is small; no ratio is claimed without 10 successes on each side; the headline tiles
say what the text says; a truncated table says how much it shows, of how many.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sfsync.report import Report
from sfsync.report.rates import MIN_RATIO_SUCCESSES, Rate, percent

RATE = re.compile(
    r"(?P<pct>\d+\.\d)% \((?P<k>[\d,]+) of (?P<n>[\d,]+)(?:; 95% CI (?P<lo>\d+\.\d)"
    r"\u2013(?P<hi>\d+\.\d)%)?\)"
)


class _Text(HTMLParser):
    """The page's text as a browser shows it, one block per line (no scripts, no SVG)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("svg", "style", "title", "head"):
            self._skip += 1
        if tag in ("p", "div", "tr", "h1", "h2", "td", "th", "figcaption"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("svg", "style", "title", "head"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def page_text(html: str) -> str:
    """The visible text of *html*, whitespace collapsed within lines."""
    parser = _Text()
    parser.feed(html)
    lines = ("".join(parser.parts)).split("\n")
    return "\n".join(" ".join(line.split()) for line in lines if line.strip())


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def wording_problems(text: str, report: Report) -> list[str]:
    """Every place where *text* (the report's visible text) and its numbers disagree."""
    problems: list[str] = []
    rates = list(RATE.finditer(text))
    if not rates:
        problems.append("no rate with its sample in the text")
    for m in rates:
        rate = Rate(_int(m["k"]), _int(m["n"]))
        if f"{m['pct']}%" != percent(rate.share):
            problems.append(f"{m[0]!r}: {rate.successes}/{rate.trials} is {percent(rate.share)}")
        if rate.small != (m["lo"] is not None):
            problems.append(f"{m[0]!r}: interval shown={m['lo'] is not None}, small={rate.small}")
        if m["lo"] is not None:
            lo, hi = rate.interval()
            if (m["lo"], f"{m['hi']}%") != (f"{100 * lo:.1f}", percent(hi)):
                problems.append(f"{m[0]!r}: the Wilson interval is {rate.interval_text()}")
    lift = report.lift
    ratio_claimed = re.search(r"converts x\d+\.\d as often", text) is not None
    if lift is not None:
        enough = min(lift.top.converted, lift.bottom.converted) >= MIN_RATIO_SUCCESSES
        if ratio_claimed != enough:
            problems.append(f"lift ratio claimed={ratio_claimed} with conversions "
                            f"{lift.top.converted} and {lift.bottom.converted}")  # fmt: skip
        tile = f"{percent(lift.top.rate)} vs {percent(lift.bottom.rate)}"
        if tile not in text:
            problems.append(f"the lift tile {tile!r} is not in the text")
        for band in (lift.top, lift.bottom):
            if band.conversion.text() not in text:
                problems.append(f"band {band.label}: {band.conversion.text()!r} not in the text")
    on_time = percent(report.compliance)
    if f"\n{on_time}\nSales Ready leads followed up in time ({report.on_time.successes:,} of " \
       f"{report.sales_ready:,})" not in text:  # fmt: skip
        problems.append(f"the follow-up tile does not say {on_time} of {report.sales_ready:,}")
    if f"so {report.on_time.text()} are followed up in time" not in text:
        problems.append(f"the follow-up text does not say {report.on_time.text()}")
    if f"{report.sales_ready:,} leads are Sales Ready; {report.overdue:,} are overdue" not in text:
        problems.append("the follow-up sentence's counts differ from the report's")
    shown = len(report.follow_ups)
    if not report.sales_ready:
        if "No lead is Sales Ready right now." not in text:
            problems.append("no Sales Ready lead, and the page does not say so")
    elif shown < report.sales_ready:
        claim = f"Showing {shown:,} of {report.sales_ready:,} Sales Ready leads"
        if claim not in text:
            problems.append(f"the truncated table does not say {claim!r}")
    elif f"All {shown:,} Sales Ready leads" not in text:
        problems.append("the full follow-up table does not say it is complete")
    return problems

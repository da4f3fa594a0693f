"""
The report's charts, drawn with matplotlib and returned as inline SVG text.

SVG keeps the page self-contained and script-free: no JavaScript, nothing fetched when it is
viewed. Text stays text (`svg.fonttype: none`), so the browser renders it with its own fonts
and screen readers can read it; matplotlib escapes it as XML. A fixed hash salt and no date
make the same numbers give the same bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

from sfsync.report.rates import Rate, percent

INK = "#1f2933"
MUTED = "#7b8794"
ACCENT = "#2563eb"
GOOD = "#15803d"
WARN = "#b45309"
BAD = "#b91c1c"
STATUS_COLORS = {
    "Sales Ready": GOOD,
    "Nurture": ACCENT,
    "Recycled": WARN,
    "Disqualified": BAD,
    "Insufficient Data": MUTED,
    "Converted": "#6d28d9",
}
# Typed loosely: matplotlib's stubs key rc_context by a Literal of every rcParam name.
_RC: Any = {
    "svg.fonttype": "none",
    "svg.hashsalt": "sfsync-report",
    "font.family": "sans-serif",
    "font.size": 10,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_PROLOG = re.compile(r"^.*?(?=<svg)", re.DOTALL)


def _figure(width: float = 6.4, height: float = 3.2) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(width, height), dpi=96, layout="constrained")
    return fig, fig.add_subplot()


def _svg(fig: Figure, title: str) -> str:
    buffer = io.StringIO()
    with rc_context(_RC):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Title": title})
    text = _PROLOG.sub("", buffer.getvalue(), count=1)
    # Scale with the page; the viewBox keeps the proportions.
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", text, count=1)
    return text.replace("<svg", '<svg role="img" class="chart"', 1)


def page_style() -> Any:
    """The charts' matplotlib style, for other pages drawn like the report (tune evidence)."""
    return dict(_RC)


def to_svg(fig: Figure, title: str) -> str:
    """*fig* as inline SVG in the report's style (for other pages drawn like the report)."""
    return _svg(fig, title)


def _label_bars(
    ax: Axes,
    bars: BarContainer,
    values: Sequence[float],
    labels: Sequence[str],
    tops: Sequence[float] | None = None,
) -> None:
    """Each bar's label above it (above *tops*, e.g. its error bar, when given)."""
    heights = tops if tops is not None else [patch.get_height() for patch in bars]
    for patch, label, top in zip(bars, labels, heights, strict=False):
        ax.annotate(
            label,
            (patch.get_x() + patch.get_width() / 2, top),
            ha="center",
            va="bottom",
            fontsize=9,
            color=INK,
            xytext=(0, 2),
            textcoords="offset points",
        )
    if values:
        ax.set_ylim(0, max(max(values) * 1.18, 1))


def counts_chart(counts: Mapping[str, int], *, title: str, colors: Mapping[str, str]) -> str:
    """Vertical bars of counts per category, in the mapping's order."""
    with rc_context(_RC):
        fig, ax = _figure()
        names = list(counts)
        values = [counts[n] for n in names]
        bars = ax.bar(range(len(names)), values, color=[colors.get(n, ACCENT) for n in names])
        # Two-word categories ("Insufficient Data") on two lines, so the labels never overlap.
        ax.set_xticks(
            range(len(names)), [n.replace(" ", "\n", 1) if n[:1].isalpha() else n for n in names]
        )
        _label_bars(ax, bars, values, [f"{v:,}" for v in values])
        ax.set_ylabel("leads")
        ax.set_title(title, loc="left", color=INK)
    return _svg(fig, title)


def grade_grid(counts: Mapping[str, int], *, title: str) -> str:
    """A 4x4 heat map: fit letter A-D (rows) by engagement digit 1-4 (columns)."""
    with rc_context(_RC):
        fig, ax = _figure()
        letters, digits = "ABCD", "1234"
        grid = [[counts.get(f"{ltr}{d}", 0) for d in digits] for ltr in letters]
        peak = max((v for row in grid for v in row), default=0) or 1
        ax.imshow(grid, cmap="Blues", vmin=0, vmax=peak * 1.15, aspect="auto")
        ax.tick_params(length=0)
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                color = "white" if value > peak * 0.6 else INK
                ax.text(c, r, f"{value:,}", ha="center", va="center", color=color, fontsize=10)
        ax.set_xticks(range(4), [f"{d}" for d in digits])
        ax.set_yticks(range(4), list(letters))
        ax.set_xlabel("engagement (1 = most engaged)")
        ax.set_ylabel("fit (A = best)")
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_title(title, loc="left", color=INK)
    return _svg(fig, title)


def rate_chart(
    labels: Sequence[str],
    leads: Sequence[int],
    converted: Sequence[int],
    *,
    title: str,
    xlabel: str,
    highlight: Sequence[str] = (),
) -> str:
    """
    Conversion rate bars (percent) with their 95% Wilson intervals as error bars, each
    annotated with the rate as the page prints it and converted/leads.
    """
    with rc_context(_RC):
        fig, ax = _figure()
        samples = [Rate(c, n) for c, n in zip(converted, leads, strict=True)]
        rates = [100 * (r.share or 0.0) for r in samples]
        bounds = [r.interval() for r in samples]
        below = [max(0.0, v - 100 * lo) for v, (lo, _) in zip(rates, bounds, strict=True)]
        above = [max(0.0, 100 * hi - v) for v, (_, hi) in zip(rates, bounds, strict=True)]
        colors = [GOOD if label in highlight else ACCENT for label in labels]
        bars = ax.bar(list(labels), rates, color=colors)
        ax.errorbar(list(labels), rates, yerr=[below, above], fmt="none", ecolor=INK,
                    elinewidth=1, capsize=3)  # fmt: skip
        tops = [100 * hi for _, hi in bounds]
        _label_bars(
            ax,
            bars,
            tops,
            [f"{percent(r.share)} ({r.successes}/{r.trials})" for r in samples],
            tops,
        )
        ax.set_ylabel("converted (%)")
        ax.set_xlabel(xlabel)
        ax.set_title(title, loc="left", color=INK)
    return _svg(fig, title)


def touches_chart(touches: Mapping[int, int], *, target: int, title: str) -> str:
    """Sales Ready leads by touches so far, with the agreed target as a line."""
    with rc_context(_RC):
        fig, ax = _figure()
        top = max([target + 1, *touches]) if touches else target + 1
        xs = list(range(top + 1))
        values = [touches.get(x, 0) for x in xs]
        bars = ax.bar(xs, values, color=[GOOD if x >= target else ACCENT for x in xs])
        _label_bars(ax, bars, values, [f"{v:,}" if v else "" for v in values])
        ax.axvline(target - 0.5, color=WARN, linestyle="--", linewidth=1.5)
        ax.text(target - 0.4, ax.get_ylim()[1] * 0.92, f"target {target}", color=WARN)
        ax.set_xticks(xs)
        ax.set_xlabel("human sales touches since Sales Ready")
        ax.set_ylabel("leads")
        ax.set_title(title, loc="left", color=INK)
    return _svg(fig, title)


def signal_chart(
    labels: Sequence[str], converted: Sequence[float], others: Sequence[float], *, title: str
) -> str:
    """Horizontal paired bars: share of converted vs open leads with each signal (percent)."""
    with rc_context(_RC):
        fig, ax = _figure(6.4, 0.5 + 0.42 * max(len(labels), 1))
        ys = list(range(len(labels)))
        ax.barh([y + 0.2 for y in ys], [100 * v for v in converted], height=0.4, color=GOOD,
                label="converted leads, 30 days before converting")  # fmt: skip
        ax.barh([y - 0.2 for y in ys], [100 * v for v in others], height=0.4, color=MUTED,
                label="open leads, last 30 days")  # fmt: skip
        ax.set_yticks(ys, list(labels))
        ax.invert_yaxis()
        ax.set_xlabel("leads with the signal (%)")
        ax.set_xlim(0, 100)
        ax.legend(loc="lower right", frameon=False, fontsize=9)
        ax.set_title(title, loc="left", color=INK)
    return _svg(fig, title)

"""
The evidence page's charts, drawn with matplotlib as inline SVG in the report's style: no
script, nothing fetched, text kept as text, the same numbers giving the same bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from matplotlib import rc_context
from matplotlib.figure import Figure

from sfsync.report.charts import ACCENT, INK, MUTED, WARN
from sfsync.tune.findings import CURRENT, PROPOSED, UNCONSTRAINED, CriterionRow, ModelScore

MODEL_COLORS = {PROPOSED: ACCENT, CURRENT: MUTED, UNCONSTRAINED: WARN}
MODEL_LABELS = {
    PROPOSED: "proposed definition",
    CURRENT: "current definition",
    UNCONSTRAINED: "unconstrained model",
}
_RC: Any = {
    "svg.fonttype": "none",
    "svg.hashsalt": "sfsync-tune",
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


def _svg(fig: Figure, title: str) -> str:
    buffer = io.StringIO()
    with rc_context(_RC):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Title": title})
    text = _PROLOG.sub("", buffer.getvalue(), count=1)
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", text, count=1)
    return text.replace("<svg", '<svg role="img" class="chart"', 1)


def calibration_chart(models: Sequence[ModelScore]) -> str:
    """Predicted probability vs observed conversion per tenth of the holdout, per model."""
    with rc_context(_RC):
        fig = Figure(figsize=(6.4, 3.6), dpi=96, layout="constrained")
        ax = fig.add_subplot()
        top = 0.05
        for m in models:
            xs = [b.predicted for b in m.calibration]
            ys = [b.observed for b in m.calibration]
            top = max(top, *xs, *ys) if xs else top
            ax.plot(
                xs,
                ys,
                marker="o",
                color=MODEL_COLORS.get(m.name, INK),
                label=MODEL_LABELS.get(m.name, m.name),
                linewidth=1.6,
            )
        limit = min(1.0, top * 1.08)
        ax.plot(
            [0, limit],
            [0, limit],
            linestyle="--",
            color=MUTED,
            linewidth=1,
            label="perfectly calibrated",
        )
        ax.set_xlim(0, limit)
        ax.set_ylim(0, limit)
        ax.set_xlabel("predicted chance of converting (tenths of the holdout)")
        ax.set_ylabel("share that converted")
        ax.legend(frameon=False, loc="upper left")
        return _svg(fig, "Calibration on the holdout")


def points_chart(rows: Sequence[CriterionRow]) -> str:
    """Old and new points per criterion, the new ones with their bootstrap interval."""
    with rc_context(_RC):
        height = 1.2 + 0.32 * len(rows)
        fig = Figure(figsize=(7.6, height), dpi=96, layout="constrained")
        ax = fig.add_subplot()
        ys = list(range(len(rows)))[::-1]
        for y, r in zip(ys, rows, strict=True):
            ax.plot([r.low, r.high], [y, y], color=ACCENT, linewidth=2, alpha=0.45)
        ax.scatter(
            [r.old for r in rows], ys, color=MUTED, marker="s", s=26, label="current", zorder=3
        )
        ax.scatter(
            [r.new for r in rows], ys, color=ACCENT, s=30, label="proposed (95% CI)", zorder=4
        )
        ax.axvline(0, color=MUTED, linewidth=0.8)
        ax.set_yticks(ys, [_short(r.label) for r in rows], fontsize=9)
        ax.set_xlabel("points (signals: per occurrence)")
        ax.legend(frameon=False, loc="lower right", fontsize=9)
        return _svg(fig, "Points, current and proposed")


def _short(label: str) -> str:
    return label if len(label) <= 44 else label[:43] + "…"

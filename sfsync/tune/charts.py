"""
The evidence page's charts, drawn with matplotlib as inline SVG in the report's style (its
`page_style` and `to_svg`): no script, nothing fetched, text kept as text, the same numbers
giving the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib import rc_context
from matplotlib.figure import Figure

from sfsync.report.charts import ACCENT, INK, MUTED, WARN, page_style, to_svg
from sfsync.tune.findings import CURRENT, PROPOSED, UNCONSTRAINED, CriterionRow, ModelScore

MODEL_COLORS = {PROPOSED: ACCENT, CURRENT: MUTED, UNCONSTRAINED: WARN}
MODEL_LABELS = {
    PROPOSED: "proposed definition",
    CURRENT: "current definition",
    UNCONSTRAINED: "unconstrained model",
}
_RC: Any = {**page_style(), "svg.hashsalt": "sfsync-tune"}


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
        return to_svg(fig, "Calibration on the holdout")


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
        return to_svg(fig, "Points, current and proposed")


def _short(label: str) -> str:
    return label if len(label) <= 44 else label[:43] + "…"

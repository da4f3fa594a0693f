"""
Every number the proposal changes, with its one-line reason (old -> new, and why), in words
sales and marketing can check against the evidence page.
"""

from __future__ import annotations

import math

from sfsync.definition.compile import CompiledDefinition
from sfsync.tune.features import Layout
from sfsync.tune.findings import CriterionRow, Study
from sfsync.tune.points import PointsPlan
from sfsync.tune.proposal import Change


def _n(value: float) -> str:
    return f"{value:g}"


def _odds(weight: float) -> str:
    return f"x{math.exp(weight):.2f}"


def _whole(value: float) -> int:
    return math.floor(value + 0.5)


def _points(n: int) -> str:
    return "1 point" if n == 1 else f"{n} points"


def _interval(row: CriterionRow) -> str:
    return f"95% CI {_whole(row.low)} to {_whole(row.high)}"


def _points_why(row: CriterionRow, train: int, ratio: float) -> str:
    old, new = _n(row.old), row.new
    if not row.judged:
        unit = " per occurrence" if row.kind == "signal" else ""
        return (
            f"{row.label}: {old} → {_points(new)}{unit}: not judged, it applied to only "
            f"{row.leads:,} of {train:,} training leads when each was scored; today's points "
            f"moved as the learnt ones did (x{ratio:.2f}): check its effect with `definition diff`"
        )
    if row.kind == "signal":
        effect = f"odds {_odds(row.weight)} per fresh occurrence"
        unit = " per occurrence"
    else:
        effect = f"odds {_odds(row.weight)} with it, all else equal"
        unit = ""
    if new == 0 and abs(row.weight) < 1e-3:
        effect = "no measurable effect on converting"
    return (
        f"{row.label}: {old} → {_points(new)}{unit}: {effect} "
        f"({_interval(row)}; {row.leads:,} of {train:,} training leads)"
    )


def explain_changes(
    study: Study, definition: CompiledDefinition, lay: Layout, plan: PointsPlan
) -> tuple[list[Change], list[str]]:
    """The proposal's changes (the version first) and its header comment lines."""
    train = study.samples.train
    changes = [
        Change(
            ("version",),
            study.proposed_version or definition.version,
            f"version {definition.version} → {study.proposed_version}: proposed by "
            "`sfsync definition tune`",
        )
    ]
    for row, f in zip(study.criteria, lay.features, strict=True):
        ratio = plan.ratios.get("engagement" if row.kind == "signal" else "fit", 1.0)
        if row.new != row.old:
            changes.append(Change(f.path, row.new, _points_why(row, train, ratio)))
        if row.kind == "signal" and row.new_cap is not None and row.new_cap != row.old_cap:
            why = (
                "the signal earns nothing now"
                if row.new == 0 and row.judged
                else "kept in proportion with its points (not judged)"
                if not row.judged
                else f"still counts {_n(round(f.cap_occurrences, 2))} fresh occurrence(s), and "
                "all caps together stay within 100, so engagement follows the model"
            )
            changes.append(
                Change(
                    (*f.path[:-1], "cap"),
                    row.new_cap,
                    f"{row.label}: cap {_n(row.old_cap or 0)} → {row.new_cap}: {why}",
                )
            )
    t = study.thresholds
    if t is not None:
        goal = (
            f"call at most {100 * t.goal_value:.1f}% of leads ({t.goal_source})"
            if t.goal_kind == "share"
            else f"reach {100 * t.goal_value:.0f}% precision ({t.goal_source})"
        )
        achieved = (
            f"on the training leads it calls {100 * t.train_share:.1f}%, "
            f"{_pct(t.train_precision)} of them converted, catching "
            f"{_pct(t.train_recall)} of converters"
        )
        reached = "" if t.met else " (the goal was out of reach: the best precision instead)"
        for key, old, new in (
            ("min_fit", t.old_min_fit, t.new_min_fit),
            ("min_engagement", t.old_min_engagement, t.new_min_engagement),
        ):
            if old != new:
                changes.append(
                    Change(
                        ("status", "sales_ready", key),
                        new,
                        f"Sales Ready {key} {old} → {new}: on the new points, chosen to "
                        f"{goal}{reached}; {achieved}",
                    )
                )
    weights = (
        ("fit_weight", definition.fit_weight, plan.fit_weight),
        ("engagement_weight", definition.engagement_weight, plan.engagement_weight),
    )
    for key, was, now in weights:
        if abs(was - now) > 1e-9:
            changes.append(
                Change(
                    ("score", key),
                    now,
                    f"score {key} {_n(was)} → {_n(now)}: a fit point and an engagement point "
                    "now carry the same odds, so the score follows the model",
                )
            )
    samples = study.samples
    header = [
        f"Proposed by `sfsync definition tune`: learnt from the {samples.train:,} older leads "
        f"({samples.train_converted:,} converted), judged on the {samples.holdout:,} newest "
        f"({samples.holdout_converted:,} converted), each scored {study.horizon.days} days "
        "before converting or at a comparable age.",
        "Nothing here is adopted until sales and marketing sign it off; every changed number "
        "says why just above it.",
        "Check it: `sfsync definition lint` this file, and `sfsync definition diff` it "
        "against the current definition.",
    ]
    return changes, header


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"

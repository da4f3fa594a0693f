"""
Judging the models on the time holdout, the numbers' intervals, and the study's verdict.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import chi2

from sfsync.tune import metrics
from sfsync.tune.features import Layout
from sfsync.tune.findings import CURRENT, PROPOSED, UNCONSTRAINED, CriterionRow, ModelScore, Study
from sfsync.tune.model import Fit
from sfsync.tune.points import PointsPlan

Vector = npt.NDArray[np.float64]
Matrix = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

FIT_SIGNIFICANCE = 0.01
"""The criteria must fit the training leads beyond chance at this level (likelihood ratio)."""


def definition_score(
    name: str, y: Vector, score: Vector, ready: Mask, platt: tuple[float, float]
) -> ModelScore:
    """A definition on the holdout: its score ranks, its Sales Ready status calls."""
    chosen = metrics.selected(y, ready)
    probability = 1.0 / (1.0 + np.exp(-(platt[0] + platt[1] * score)))
    return ModelScore(
        name=name,
        auc=metrics.auc(y, score),
        auc_interval=metrics.auc_interval(y, score),
        lift=metrics.top_decile_lift(y, score),
        precision=chosen.precision,
        recall=chosen.recall,
        share=chosen.share,
        calibration=metrics.calibration(y, probability),
    )


def free_score(y: Vector, log_odds: Vector, share: float) -> ModelScore:
    """The unconstrained model on the holdout, calling its top *share* of leads."""
    top = metrics.top_share(y, log_odds, share)
    return ModelScore(
        name=UNCONSTRAINED,
        auc=metrics.auc(y, log_odds),
        auc_interval=metrics.auc_interval(y, log_odds),
        lift=metrics.top_decile_lift(y, log_odds),
        precision=top.precision,
        recall=top.recall,
        share=top.share,
        calibration=metrics.calibration(y, 1.0 / (1.0 + np.exp(-log_odds))),
    )


def criteria_rows(
    lay: Layout, plan: PointsPlan, bounded: Fit, free: Fit, resampled: Matrix, x_train: Matrix
) -> list[CriterionRow]:
    """Each number's old and new points, its bootstrap interval (in points) and weights."""
    rows = []
    for j, f in enumerate(lay.features):
        scale = plan.scale_of(f.group)
        if len(resampled):
            low, high = (float(v) * scale for v in np.percentile(resampled[:, j], [2.5, 97.5]))
        else:
            low = high = float(bounded.coef[j]) * scale
        rows.append(
            CriterionRow(
                key=f.key,
                kind=f.kind,
                group=f.group,
                label=f.label,
                path=".".join(str(p) for p in f.path),
                old=f.points,
                new=round(plan.points[j]),
                low=low,
                high=high,
                weight=float(bounded.coef[j]),
                free_weight=float(free.coef[j]),
                leads=int((x_train[:, j] > 0).sum()),
                old_cap=f.cap if f.kind == "signal" else None,
                new_cap=None if j not in plan.caps else round(plan.caps[j]),
                judged=j not in plan.kept,
            )
        )
    return rows


def fit_p_value(statistic: float, columns: int) -> float:
    """
    The likelihood-ratio test's p-value for *columns* weights against the base rate alone.
    On the regularised fit the statistic is smaller than an unpenalised one: the test errs
    towards "nothing to learn".
    """
    return float(chi2.sf(statistic, max(columns, 1)))


def verdict(study: Study, fit_p: float) -> Study:
    """
    Decide: nothing to learn (the criteria fit the training leads no better than chance, or
    the unconstrained model ranks the holdout no better than chance), not better (the
    proposal ranks the holdout worse than today), or a proposal.
    """
    free = study.models[UNCONSTRAINED]
    new, old = study.models[PROPOSED], study.models[CURRENT]
    chance = free.auc_interval is None or free.auc_interval[0] <= 0.5
    if chance or fit_p >= FIT_SIGNIFICANCE:
        study.verdict, study.proposal = "nothing_to_learn", None
        study.message = (
            "nothing to learn: scored before they converted, the converted leads look like the "
            f"others to every criterion of the definition ({_evidence(free, fit_p)}). Nothing "
            "is proposed; keep the current definition."
        )
    elif new.auc is not None and old.auc is not None and new.auc < old.auc:
        study.verdict, study.proposal = "not_better", None
        study.message = (
            f"the proposal ranks the newest leads no better than the current definition "
            f"(holdout AUC {new.auc:.3f} vs {old.auc:.3f}). Nothing is proposed; keep the "
            "current definition."
        )
    else:
        study.verdict = "proposal"
        study.message = (
            f"{study.proposed_version} proposed: holdout AUC {_auc(new)} (current {_auc(old)}, "
            f"unconstrained {_auc(free)}); {study.changes} number(s) changed."
        )
    return study


def _auc(m: ModelScore) -> str:
    return "n/a" if m.auc is None else f"{m.auc:.3f}"


def _evidence(free: ModelScore, fit_p: float) -> str:
    interval: Any = free.auc_interval
    shown = "" if interval is None else f", 95% CI {interval[0]:.3f} to {interval[1]:.3f}"
    return (
        f"likelihood-ratio test on the training leads p = {fit_p:.2g}; unconstrained model's "
        f"holdout AUC {_auc(free)}{shown}"
    )

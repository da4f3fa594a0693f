"""
The study as JSON data (`--json`, and the numbers behind the evidence page). Floats are
rounded to 4 places and keys sorted by the caller, so the same study gives the same text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sfsync.tune.findings import MODELS, PROPOSED, UNCONSTRAINED, ModelScore, Study


def _r(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(float(value), places)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _model(m: ModelScore) -> dict[str, Any]:
    return {
        "auc": _r(m.auc),
        "auc_interval": None if m.auc_interval is None else [_r(v) for v in m.auc_interval],
        "lift_top_decile": _r(m.lift),
        "precision_at_sales_ready": _r(m.precision),
        "recall_at_sales_ready": _r(m.recall),
        "share_called": _r(m.share),
        "calibration": [
            {"predicted": _r(b.predicted), "observed": _r(b.observed), "leads": b.leads}
            for b in m.calibration
        ],
    }


def auc_ratio(study: Study) -> float | None:
    """The proposal's holdout AUC over the unconstrained model's."""
    new, free = study.models.get(PROPOSED), study.models.get(UNCONSTRAINED)
    if new is None or free is None or not new.auc or not free.auc:
        return None
    return new.auc / free.auc


def as_dict(study: Study) -> dict[str, Any]:
    """Everything the study found, as JSON-ready data."""
    s = study.samples
    t = study.thresholds
    return {
        "verdict": study.verdict,
        "message": study.message,
        "proposes": study.proposes,
        "definition": {
            "source": study.definition_source,
            "version": study.definition_version,
            "proposed_version": study.proposed_version if study.proposes else None,
            "numbers_changed": study.changes if study.proposes else 0,
        },
        "now": _iso(study.now),
        "horizon_days": study.horizon.total_seconds() / 86_400,
        "holdout_share": study.holdout_share,
        "samples": {
            "leads": s.leads,
            "examples": s.examples,
            "train": {
                "leads": s.train,
                "converted": s.train_converted,
                "from": _iso(s.train_from),
                "to": _iso(s.train_to),
            },
            "holdout": {
                "leads": s.holdout,
                "converted": s.holdout_converted,
                "from": _iso(s.holdout_from),
                "to": _iso(s.holdout_to),
            },
            "left_out": {
                "too_recent": s.too_recent,
                "undated": s.undated,
                "unreadable": s.unreadable,
            },
        },
        "models": {name: _model(study.models[name]) for name in MODELS if name in study.models},
        "auc_ratio_to_unconstrained": _r(auc_ratio(study)),
        "thresholds": None
        if t is None
        else {
            "goal": {
                "kind": t.goal_kind,
                "value": _r(t.goal_value),
                "source": t.goal_source,
                "met": t.met,
            },
            "old": {"min_fit": t.old_min_fit, "min_engagement": t.old_min_engagement},
            "new": {"min_fit": t.new_min_fit, "min_engagement": t.new_min_engagement},
            "train": {
                "share": _r(t.train_share),
                "precision": _r(t.train_precision),
                "recall": _r(t.train_recall),
            },
        },
        "score_weights": None
        if study.score_weights is None
        else {
            "old": {"fit": study.score_weights[0][0], "engagement": study.score_weights[0][1]},
            "new": {"fit": study.score_weights[1][0], "engagement": study.score_weights[1][1]},
        },
        "criteria": [
            {
                "key": r.key,
                "kind": r.kind,
                "group": r.group,
                "label": r.label,
                "path": r.path,
                "old_points": r.old,
                "new_points": r.new,
                "interval": [_r(r.low, 2), _r(r.high, 2)],
                "weight": _r(r.weight),
                "unconstrained_weight": _r(r.free_weight),
                "training_leads": r.leads,
                "judged": r.judged,
                "old_cap": r.old_cap,
                "new_cap": r.new_cap,
            }
            for r in study.criteria
        ],
        "candidates": [
            {
                "criterion": c.key,
                "kind": c.kind,
                "training_leads": c.leads,
                "rate_with": _r(c.rate_with),
                "rate_without": _r(c.rate_without),
                "weight": _r(c.weight),
                "p_value": float(f"{c.p_value:.3g}"),
                "holdout_auc_gain": _r(c.holdout_auc_gain),
                "suggested_points": c.suggested_points,
            }
            for c in study.candidates
        ],
        "model": {
            "penalty_C": study.penalty,
            "start": study.start,
            "bootstrap_resamples": study.bootstrap,
        },
    }

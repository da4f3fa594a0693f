"""
Criteria the definition does not score yet that separate converters: offered to the people
who sign the definition off, never added to the proposal.

Read at each lead's reference moment (nothing later), three kinds:

- **BANT items**: the definition shows BANT but gives it no points;
- **input values**: a value of a text input that no band scores (a country, a budget, an
  industry outside the target list);
- **unscored activity**: activity records the definition reads but no engagement or touch
  source counts, grouped by the fields the definition's conditions on that object test
  (e.g. `CampaignMember: Campaign.Type = Trade Show`), decayed like a signal. Records a
  person logged (not the marketing or integration users) are left out: a rep's own logging
  follows sales' interest, not the buyer's.

Each candidate is judged *on top of* the proposal: a one-variable logistic fit with the
proposal model's log-odds as an offset, on the training set (a likelihood-ratio test), then
checked on the holdout (does adding it raise the AUC?). Only the few strongest are shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import chi2

from sfsync.definition.compile import CompiledDefinition
from sfsync.definition.condition_model import Condition
from sfsync.definition.conditions import clean, to_text
from sfsync.scoring.contributions import MET, NO_BAND, Contributions
from sfsync.tune.metrics import auc
from sfsync.values.booleans import to_bool
from sfsync.values.datetimes import to_datetime

Vector = npt.NDArray[np.float64]

MIN_LEADS = 30
"""A candidate needs this many training leads that have it."""
MAX_SHOWN = 6
SIGNIFICANCE = 0.001
_MAX_VALUE = 40
_DAY = 86_400.0


@dataclass(frozen=True)
class Candidate:
    """One criterion to consider, with what it would add to the proposal."""

    key: str
    kind: str
    """`bant`, `value` or `activity`."""
    leads: int
    """Training leads that have it."""
    rate_with: float
    rate_without: float
    weight: float
    """Log-odds it adds on top of the proposal (per occurrence for activity)."""
    p_value: float
    holdout_auc_gain: float | None
    suggested_points: int
    """The weight on the proposal's scale: fit points, or engagement points per occurrence."""


def _tested_fields(cond: Condition | None) -> list[str]:
    return [] if cond is None else [leaf.field for leaf in cond.leaves() if leaf.field]


class CandidateReader:
    """Reads a lead's candidate criteria at a moment; built once per definition."""

    def __init__(self, definition: CompiledDefinition) -> None:
        d = definition.definition
        self._c = definition
        scored = {crit.input for crit in definition.criteria} | {
            rule.input for rule in definition.adjustments
        }
        self._unscored = tuple(
            (i.name, i.field)
            for i in definition.inputs
            if i.kind == "text" and i.name not in scored
        )
        inputs = {i.name: i for i in definition.inputs}
        self._criteria = tuple(
            (pos, crit.label, inputs[crit.input].field)
            for pos, crit in enumerate(definition.criteria)
            if inputs[crit.input].kind == "text"
        )
        fields: dict[str, list[str]] = {}
        dates: dict[str, str] = {}
        for source in d.engagement.sources:
            fields.setdefault(source.object, []).extend(_tested_fields(source.when))
            dates.setdefault(source.object, source.at)
        for touch in d.touches.sources:
            fields.setdefault(touch.object, []).extend(_tested_fields(touch.when))
            dates.setdefault(touch.object, touch.at)
        self._keys: dict[str, str] = {}
        self._fields = {obj: tuple(dict.fromkeys(names)) for obj, names in fields.items()}
        self._dates = dates
        # An object with a source that takes every record leaves nothing unscored.
        self._plans = tuple(
            plan
            for plan in definition.activity_plan
            if all(test is not None for test, _, _ in (*plan.sources, *plan.touch_sources))
        )

    def read(
        self,
        lead: Mapping[str, Any],
        activities: Mapping[str, Sequence[Mapping[str, Any]]],
        k: Contributions,
        at: datetime,
        *,
        marketing: frozenset[str],
    ) -> dict[str, float]:
        """
        Candidate key -> value for one lead at *at*. *marketing* holds the creator Ids
        whose activity is not a person's (the excluded creators and the integration user).
        """
        c = self._c
        keys = self._keys  # one string per key for every lead: memory stays small
        out: dict[str, float] = {}
        for item, outcome in zip(c.bant, k.bant, strict=True):
            if outcome == MET:
                out[keys.setdefault(item.name, f"bant\tBANT {item.name}: {item.says}")] = 1.0
        for name, field in self._unscored:
            value = _shown(lead.get(field))
            if value is not None:
                key = f"value\t{name} = {value}"
                out[keys.setdefault(key, key)] = 1.0
        for pos, label, field in self._criteria:
            if k.bands[pos] == NO_BAND and k.known[pos]:
                value = _shown(lead.get(field))
                if value is not None:
                    key = f"value\t{label} = {value} (no band)"
                    out[keys.setdefault(key, key)] = 1.0
        half_life = c.half_life_days * _DAY
        for plan in self._plans:
            for record in activities.get(plan.object, ()):
                unscored = self._unscored_activity(plan, record, at, marketing)
                if unscored is None:
                    continue
                when = to_datetime(record.get(self._dates.get(plan.object, "CreatedDate")))
                if when is None or when > at:
                    continue
                weight = 0.5 ** ((at - when).total_seconds() / half_life)
                key = keys.setdefault(unscored, unscored)
                out[key] = out.get(key, 0.0) + weight
        return out

    def _unscored_activity(
        self, plan: Any, record: Mapping[str, Any], at: datetime, marketing: frozenset[str]
    ) -> str | None:
        if not isinstance(record, Mapping) or to_bool(record.get("IsDeleted")) is True:
            return None
        creator = record.get("CreatedById")
        if isinstance(creator, str) and creator not in marketing:
            return None
        for test, _, _ in plan.sources:
            if test is None or test(record, at):
                return None
        for test, _, _ in plan.touch_sources:
            if test is None or test(record, at):
                return None
        parts = []
        for name in self._fields.get(plan.object, ()):
            value: Any = record
            for step in name.split("."):
                value = value.get(step) if isinstance(value, Mapping) else None
            parts.append(f"{name} = {_shown(value) or 'blank'}")
        return f"activity\t{plan.object}: " + (", ".join(parts) if parts else "any")


def _shown(value: Any) -> str | None:
    text = to_text(clean(value))
    if text is None:
        return None
    raw = str(clean(value)).strip()
    return raw if len(raw) <= _MAX_VALUE else raw[: _MAX_VALUE - 1] + "…"


def _offset_fit(offset: Vector, x: Vector, y: Vector) -> tuple[float, float, float]:
    """(shift, weight, mean log-loss) of logit = offset + shift + weight * x, by Newton steps."""
    design = np.column_stack([np.ones_like(x), x])
    theta = np.zeros(2)

    def loss(t: Vector) -> float:
        z = offset + design @ t
        return float(np.mean(np.logaddexp(0.0, z) - y * z))

    current = loss(theta)
    for _ in range(50):
        z = offset + design @ theta
        prob = np.exp(-np.logaddexp(0.0, -z))
        grad = design.T @ (prob - y) / len(y)
        if float(np.max(np.abs(grad))) < 1e-10:
            break
        hessian = (design.T * (prob * (1 - prob))) @ design / len(y) + 1e-9 * np.eye(2)
        step = -np.linalg.solve(hessian, grad)
        size = 1.0
        while (value := loss(theta + size * step)) > current and size > 1e-8:
            size *= 0.5
        theta, current = theta + size * step, min(value, current)
    return float(theta[0]), float(theta[1]), current


def _base_loss(offset: Vector, y: Vector) -> float:
    return _offset_fit(offset, np.zeros_like(offset), y)[2]


def rank_candidates(
    values: Sequence[Mapping[str, float]],
    y: Vector,
    train: Sequence[int],
    holdout: Sequence[int],
    offset: Vector,
    *,
    fit_scale: float,
    engagement_scale: float,
) -> list[Candidate]:
    """The strongest candidates, judged on top of the proposal's log-odds (*offset*)."""
    train_idx = np.asarray(train, dtype=np.int64)
    hold_idx = np.asarray(holdout, dtype=np.int64)
    in_train = np.zeros(len(values), dtype=np.bool_)
    in_train[train_idx] = True
    columns: dict[str, tuple[list[int], list[float]]] = {}
    for i, seen in enumerate(values):
        for key, value in seen.items():
            rows, vals = columns.setdefault(key, ([], []))
            rows.append(i)
            vals.append(value)
    support = {k: int(in_train[rows].sum()) for k, (rows, _) in columns.items()}
    keys = sorted(k for k, n in support.items() if MIN_LEADS <= n <= len(train) - MIN_LEADS)
    y_train, off_train = y[train_idx], offset[train_idx]
    if len(train_idx) == 0 or y_train.min() == y_train.max():
        return []
    base = _base_loss(off_train, y_train)
    base_auc = auc(y[hold_idx], offset[hold_idx]) if len(hold_idx) else None
    found = []
    for key in keys:
        column = np.zeros(len(values), dtype=np.float64)
        column[columns[key][0]] = columns[key][1]
        shift, weight, loss = _offset_fit(off_train, column[train_idx], y_train)
        statistic = max(0.0, 2 * len(train_idx) * (base - loss))
        p_value = float(chi2.sf(statistic, 1))
        if p_value >= SIGNIFICANCE:
            continue
        has = column[train_idx] > 0
        gain = None
        if base_auc is not None:
            with_it = auc(y[hold_idx], offset[hold_idx] + shift + weight * column[hold_idx])
            gain = None if with_it is None else with_it - base_auc
        kind, shown = key.split("\t", 1)
        scale = engagement_scale if kind == "activity" else fit_scale
        found.append(
            Candidate(
                key=shown,
                kind=kind,
                leads=int(has.sum()),
                rate_with=float(y_train[has].mean()),
                rate_without=float(y_train[~has].mean()),
                weight=weight,
                p_value=p_value,
                holdout_auc_gain=gain,
                suggested_points=int(np.floor(weight * scale + 0.5)),
            )
        )
    found.sort(key=lambda c: (c.p_value, -abs(c.weight), c.key))
    return found[:MAX_SHOWN]


def marketing_creators(
    definition: CompiledDefinition, users: Mapping[str, str], integration_user_id: str | None
) -> frozenset[str]:
    """User Ids whose activity is not a person's: excluded creators and the integration user."""
    ids = {
        uid
        for uid, name in users.items()
        if name.strip().casefold() in definition.excluded_creators
    }
    if integration_user_id:
        ids.add(integration_user_id)
    return frozenset(ids)

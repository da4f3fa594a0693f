"""
What a tuning study found: the value objects the evidence page and JSON are made from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sfsync.tune.candidates import Candidate
from sfsync.tune.metrics import CalibrationBin

Verdict = Literal["proposal", "too_little_history", "nothing_to_learn", "not_better"]
PROPOSED, CURRENT, UNCONSTRAINED = "proposed", "current", "unconstrained"
MODELS = (PROPOSED, CURRENT, UNCONSTRAINED)


@dataclass(frozen=True)
class Samples:
    """How many leads the study used, and why the others were left out."""

    leads: int = 0
    """Leads in the mirror (not deleted)."""
    examples: int = 0
    train: int = 0
    train_converted: int = 0
    holdout: int = 0
    holdout_converted: int = 0
    too_recent: int = 0
    """Open leads too young to judge (not open for the horizon at their comparable age)."""
    undated: int = 0
    """Leads without a readable CreatedDate, or created after `now`."""
    unreadable: int = 0
    """Leads the engine could not read (no usable Id)."""
    train_from: datetime | None = None
    train_to: datetime | None = None
    holdout_from: datetime | None = None
    holdout_to: datetime | None = None


@dataclass(frozen=True)
class ModelScore:
    """One model on the time holdout."""

    name: str
    auc: float | None
    auc_interval: tuple[float, float] | None
    lift: float | None
    """Top-decile conversion rate over the holdout's rate."""
    precision: float | None
    recall: float | None
    share: float
    """Share of holdout leads called: Sales Ready for the definitions; the same share as
    the proposal's for the unconstrained model (its top leads)."""
    calibration: list[CalibrationBin] = field(default_factory=list)


@dataclass(frozen=True)
class CriterionRow:
    """One number of the definition: a band's, an adjustment's or a signal's points."""

    key: str
    kind: str
    group: str
    label: str
    path: str
    old: float
    new: int
    low: float
    """The 2.5th percentile of the bootstrap, in points on the proposal's scale."""
    high: float
    weight: float
    """The learned weight in log-odds (per occurrence for a signal)."""
    free_weight: float
    """The unconstrained model's weight for the same column."""
    leads: int
    """Training leads that have it (a band matched, an adjustment, a signal occurred)."""
    old_cap: float | None = None
    new_cap: int | None = None
    judged: bool = True
    """False: seen on too few training leads to learn; today's points in proportion."""


@dataclass(frozen=True)
class ThresholdChoice:
    """The Sales Ready thresholds, old and new, and what the new ones do on the training set."""

    goal_kind: str
    goal_value: float
    goal_source: str
    """Why this goal: an option, or today's share of Sales Ready leads."""
    old_min_fit: int
    old_min_engagement: int
    new_min_fit: int
    new_min_engagement: int
    train_share: float
    train_precision: float | None
    train_recall: float | None
    met: bool


@dataclass
class Study:
    """Everything `definition tune` found, whatever the verdict."""

    verdict: Verdict
    message: str
    definition_version: str
    definition_source: str
    now: datetime | None
    """The moment the study looked from (None: the mirror had no dated lead)."""
    horizon: timedelta
    holdout_share: float
    samples: Samples
    proposed_version: str | None = None
    models: dict[str, ModelScore] = field(default_factory=dict)
    criteria: list[CriterionRow] = field(default_factory=list)
    thresholds: ThresholdChoice | None = None
    score_weights: tuple[tuple[float, float], tuple[float, float]] | None = None
    """((old fit, old engagement), (new fit, new engagement))."""
    candidates: list[Candidate] = field(default_factory=list)
    changes: int = 0
    proposal: str | None = None
    """The proposed definition's YAML text (only with a `proposal` verdict)."""
    penalty: float | None = None
    start: str | None = None
    """What the points-shaped fit was pulled towards: `today` (the signed-off points, in
    log-odds) or `zero`, whichever predicted the training set's newest quarter better."""
    bootstrap: int = 0

    @property
    def proposes(self) -> bool:
        """Whether there is a proposal to write."""
        return self.verdict == "proposal" and self.proposal is not None

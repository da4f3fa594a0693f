"""
The tuning study, start to end, over any lead source (the mirror in production, lists in
tests). Three streamed passes keep memory bounded by the leads' numbers, not their records:

1. the leads alone: creation and conversion days -> reference moments and the time split;
2. every lead with a reference moment: which of the definition's criteria fired at that
   moment, and the candidate criteria (the training set);
3. the holdout leads again, qualified by the current definition and by the *proposed* one,
   compiled from the proposal text itself, at the same moments: the evidence is the
   engine's own answer.

On the training leads, the current definition's score and Sales Ready rule are simulated
from the criteria with today's numbers (the same arithmetic as the engine), for the default
goal (today's share of leads the rule calls) and the calibration chart.

Pure apart from the source. The verdicts: a proposal; too little history (fewer than
`min_conversions` conversions to train on, or too few to test on); nothing to learn; not
better than today (see `judgement.verdict`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from sfsync.definition.compile import CompiledDefinition
from sfsync.definition.loader import compile_loaded, parse_definition
from sfsync.errors import RecordError
from sfsync.scoring import SALES_READY
from sfsync.scoring.contributions import contributions
from sfsync.tune import features as feat
from sfsync.tune import judgement, metrics, model
from sfsync.tune.candidates import CandidateReader, marketing_creators, rank_candidates
from sfsync.tune.changes import explain_changes
from sfsync.tune.findings import CURRENT, PROPOSED, UNCONSTRAINED, Samples, Study, ThresholdChoice
from sfsync.tune.points import (
    Goal,
    choose_thresholds,
    current_plan,
    ready,
    simulate,
    to_points,
)
from sfsync.tune.proposal import apply_changes, bump_version
from sfsync.tune.training import (
    DEFAULT_HOLDOUT,
    DEFAULT_HORIZON,
    LeadDates,
    Reference,
    TrainingSet,
    judge,
    latest_moment,
    lead_dates,
    plan_references,
    split_by_time,
)

LeadWithActivities = tuple[Mapping[str, Any], Mapping[str, Sequence[Mapping[str, Any]]]]
Progress = Callable[[str, int, int | None], None]
Vector = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


class LeadSource(Protocol):
    """Where the leads come from: the mirror, or a list in tests."""

    def count(self) -> int:
        """How many leads there are (for progress)."""

    def leads(self) -> Iterable[Sequence[Mapping[str, Any]]]:
        """The leads alone, in batches."""

    def batches(
        self, lead_ids: Collection[str] | None = None
    ) -> Iterable[Sequence[LeadWithActivities]]:
        """The leads and their activity, in batches; only *lead_ids* when given."""

    def users(self) -> Mapping[str, str]:
        """User Id -> name."""

    def integration_user_id(self) -> str | None:
        """The user sfsync runs as."""


@dataclass(frozen=True)
class Options:
    """How to run the study (the command's options)."""

    now: datetime | None = None
    horizon: timedelta = DEFAULT_HORIZON
    holdout: float = DEFAULT_HOLDOUT
    goal: Goal | None = None
    """None: call the share of leads the current definition makes Sales Ready."""
    min_conversions: int = 50
    min_holdout_conversions: int = 10
    bootstrap: int = 200
    min_criterion_leads: int = 10
    """A number seen on fewer training leads is not learnt (kept in proportion)."""


def _quiet(phase: str, done: int, total: int | None) -> None:
    return None


def run_study(
    source: LeadSource,
    definition: CompiledDefinition,
    text: str,
    *,
    source_name: str,
    options: Options = Options(),
    progress: Progress = _quiet,
) -> Study:
    """Run the study of *definition* (whose YAML is *text*) over *source*."""
    total = source.count()
    dates: list[LeadDates] = []
    leads = 0
    for batch in source.leads():
        for lead in batch:
            leads += 1
            dated = lead_dates(lead)
            if dated is not None:
                dates.append(dated)
        progress("reading leads", leads, total)
    now = options.now or latest_moment(dates)
    study = Study(
        verdict="too_little_history",
        message="the mirror holds no dated leads: run `sfsync sync` first",
        definition_version=definition.version,
        definition_source=source_name,
        now=now,
        horizon=options.horizon,
        holdout_share=options.holdout,
        samples=Samples(leads=leads, undated=leads - len(dates)),
    )
    if now is None:
        return study
    plan = plan_references(dates, now=now, horizon=options.horizon)
    refs = sorted(plan.references.values(), key=lambda r: (r.at, r.lead_id))
    split = split_by_time(refs, options.holdout)
    study.samples = Samples(
        leads=leads,
        examples=len(refs),
        train=len(split.train),
        train_converted=sum(refs[i].converted for i in split.train),
        holdout=len(split.holdout),
        holdout_converted=sum(refs[i].converted for i in split.holdout),
        too_recent=plan.too_recent,
        undated=leads - len(dates) + plan.undated,
        train_from=refs[split.train[0]].at if split.train else None,
        train_to=refs[split.train[-1]].at if split.train else None,
        holdout_from=refs[split.holdout[0]].at if split.holdout else None,
        holdout_to=refs[split.holdout[-1]].at if split.holdout else None,
    )
    short = _too_little(study.samples, options)
    if short:
        study.message = short
        return study
    lay = feat.layout(definition)
    found = _read_all(source, definition, lay, refs, progress)
    study.samples = replace(study.samples, unreadable=len(refs) - int(found.read.sum()))
    # The fits are many small matrix products: one BLAS thread is faster than several
    # fighting over a busy machine, and sums in one fixed order repeat to the last bit.
    with threadpool_limits(limits=1):
        return _learn(study, source, definition, text, lay, found.kept(), options, progress)


def _too_little(s: Samples, options: Options) -> str | None:
    if s.train_converted < options.min_conversions:
        return (
            f"too little history: {s.train_converted} conversion(s) in the training window "
            f"({s.train:,} leads judged {options.horizon.days} days before converting or at a "
            f"comparable age); at least {options.min_conversions} are needed to learn from. "
            "Nothing is proposed; run it again when more leads have converted."
        )
    if s.holdout_converted < options.min_holdout_conversions:
        return (
            f"too little history to test a proposal: {s.holdout_converted} conversion(s) among "
            f"the {s.holdout:,} newest leads held out; at least "
            f"{options.min_holdout_conversions} are needed. Nothing is proposed."
        )
    return None


def _read_all(
    source: LeadSource,
    definition: CompiledDefinition,
    lay: feat.Layout,
    refs: list[Reference],
    progress: Progress,
) -> TrainingSet:
    position = {r.lead_id: i for i, r in enumerate(refs)}
    reader = CandidateReader(definition)
    marketing = marketing_creators(definition, source.users(), source.integration_user_id())
    found = TrainingSet.empty(refs, lay)
    done = 0
    for batch in source.batches():  # nearly every lead: one ordered read beats Id lookups
        for lead, activities in batch:
            i = position.get(str(lead.get("Id", "")).strip())
            if i is None:
                continue
            try:
                k = contributions(lead, activities, definition, now=refs[i].at)
            except RecordError:
                continue
            found.record(i, lay, k, definition)
            found.candidates[i] = reader.read(lead, activities, k, refs[i].at, marketing=marketing)
            done += 1
        progress("scoring history", done, len(refs))
    return found


def _learn(
    study: Study,
    source: LeadSource,
    definition: CompiledDefinition,
    text: str,
    lay: feat.Layout,
    found: TrainingSet,
    options: Options,
    progress: Progress,
) -> Study:
    d = definition
    split = split_by_time(found.references, options.holdout)
    train, hold = np.array(split.train, dtype=np.int64), np.array(split.holdout, dtype=np.int64)
    x, occurrences, y = found.x, found.occurrences, found.y
    hand_raise, eligible = found.hand_raise, found.eligible
    lower = [0.0 if f.kind == "signal" else None for f in lay.features]

    progress("learning", 0, 4)
    caps = {"account_max": d.account_max, "person_max": d.person_max}
    today = simulate(lay, current_plan(lay, fit_weight=d.fit_weight,
                     engagement_weight=d.engagement_weight), x, occurrences, **caps)  # fmt: skip
    in_score = [f.points * (d.engagement_weight if f.kind == "signal" else d.fit_weight)
                for f in lay.features]  # fmt: skip
    signed_off = model.prior_weights(today.score[train].astype(np.float64), y[train], in_score)
    distinct = model.distinct_rows(x[train], y[train])
    penalty, prior = model.choose_fit(x[train], y[train], lower=lower, priors=[signed_off, None])
    bounded = model.fit_bounded(
        distinct.x, distinct.y, penalty=penalty, lower=lower, weights=distinct.counts, prior=prior
    )
    free_penalty = model.choose_penalty(x[train], y[train], lower=[None] * len(lower))
    free = model.fit_free(distinct.x, distinct.y, penalty=free_penalty, weights=distinct.counts)
    varying = int((x[train].max(axis=0) > x[train].min(axis=0)).sum()) if len(train) else 0
    fit_p = judgement.fit_p_value(model.likelihood_ratio(x[train], y[train], bounded), varying)
    seen = (x[train] > 0).sum(axis=0) if len(train) else np.zeros(len(lay), dtype=np.int64)
    unseen = [j for j in range(len(lay)) if seen[j] < options.min_criterion_leads]
    plan = to_points(lay, bounded.coef, **caps, kept=unseen)
    progress("learning", 1, 4)

    today_ready = ready(today, hand_raise, eligible, min_fit=d.min_fit,
                        min_engagement=d.min_engagement)  # fmt: skip
    goal: Goal = options.goal or ("share", float(today_ready[train].mean()))
    sim = simulate(lay, plan, x, occurrences, **caps)
    chosen = choose_thresholds(
        sim.fit[train], sim.engagement[train], hand_raise[train], eligible[train], y[train],
        goal=goal, current=(d.min_fit, d.min_engagement),
    )  # fmt: skip
    resampled = model.bootstrap(distinct, bounded, lower=lower, resamples=options.bootstrap)
    progress("learning", 2, 4)

    study.penalty, study.bootstrap = penalty, options.bootstrap
    study.start = "zero" if prior is None else "today"
    study.criteria = judgement.criteria_rows(lay, plan, bounded, free, resampled, x[train])
    study.thresholds = ThresholdChoice(
        goal_kind=goal[0],
        goal_value=goal[1],
        goal_source="option" if options.goal else "the share today's rule calls",
        old_min_fit=d.min_fit,
        old_min_engagement=d.min_engagement,
        new_min_fit=chosen.min_fit,
        new_min_engagement=chosen.min_engagement,
        train_share=chosen.called / max(len(train), 1),
        train_precision=chosen.caught / chosen.called if chosen.called else None,
        train_recall=chosen.caught / max(float(y[train].sum()), 1.0),
        met=chosen.met,
    )
    study.score_weights = (
        (d.fit_weight, d.engagement_weight),
        (plan.fit_weight, plan.engagement_weight),
    )
    study.proposed_version = bump_version(d.version)
    changes, header = explain_changes(study, d, lay, plan)
    study.changes = len(changes) - 1  # the version is not a number people tune
    study.proposal = apply_changes(text, changes, header=header)
    proposed = compile_loaded(
        parse_definition(study.proposal, source="proposal"), source="proposal"
    )
    progress("learning", 3, 4)

    judged = _judge_holdout(source, (d, proposed), [found.references[i] for i in split.holdout])
    (old_scores, old_ready), (new_scores, new_ready) = judged
    y_hold = y[hold]
    study.models = {
        PROPOSED: judgement.definition_score(
            PROPOSED, y_hold, new_scores, new_ready,
            metrics.platt(y[train], sim.score[train].astype(np.float64)),
        ),
        CURRENT: judgement.definition_score(
            CURRENT, y_hold, old_scores, old_ready,
            metrics.platt(y[train], today.score[train].astype(np.float64)),
        ),
        UNCONSTRAINED: judgement.free_score(
            y_hold, free.log_odds(x[hold]), float(new_ready.mean()) if len(new_ready) else 0.0
        ),
    }  # fmt: skip
    study.candidates = rank_candidates(
        found.candidates, y, split.train, split.holdout, bounded.log_odds(x),
        fit_scale=plan.fit_scale, engagement_scale=plan.engagement_scale,
    )  # fmt: skip
    progress("learning", 4, 4)
    return judgement.verdict(study, fit_p)


def _judge_holdout(
    source: LeadSource, definitions: Sequence[CompiledDefinition], holdout: Sequence[Reference]
) -> list[tuple[Vector, Mask]]:
    """Each definition's score and Sales Ready status for the holdout leads (the engine's)."""
    position = {e.lead_id: i for i, e in enumerate(holdout)}
    out = [
        (np.zeros(len(holdout), dtype=np.float64), np.zeros(len(holdout), dtype=np.bool_))
        for _ in definitions
    ]
    users = dict(source.users())
    integration = source.integration_user_id()
    for batch in source.batches(position.keys()):
        for lead, activities in batch:
            i = position.get(str(lead.get("Id", "")).strip())
            if i is None:
                continue
            for (scores, ready_now), definition in zip(out, definitions, strict=True):
                q = judge(lead, activities, definition, holdout[i].at, users=users,
                          integration_user_id=integration)  # fmt: skip
                scores[i], ready_now[i] = q.score, q.status == SALES_READY
    return out

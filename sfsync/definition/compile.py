"""
Compile a validated `Definition` once, at start-up, into plain data and callables.

After this, scoring a lead never touches pydantic, YAML or files: the engine in
`sfsync.scoring` reads only the frozen dataclasses built here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from sfsync.definition.condition_model import Condition, condition_kind
from sfsync.definition.conditions import (
    RecordTest,
    ValueTest,
    compile_record_test,
    compile_value_test,
)
from sfsync.definition.model import Definition

LEAD = "Lead"

InputKind = Literal["number", "date", "text"]

LEAD_SYSTEM_FIELDS: tuple[str, ...] = ("IsConverted", "ConvertedDate", "Status", "OwnerId",
                                       "CreatedDate", "LastModifiedById", "SystemModstamp",
                                       "IsDeleted")  # fmt: skip
"""Lead fields the sync always reads besides the inputs and outputs."""

ACTIVITY_SYSTEM_FIELDS: tuple[str, ...] = ("CreatedById", "CreatedDate", "SystemModstamp",
                                           "IsDeleted")  # fmt: skip
"""Activity fields the sync always reads besides the definition's own."""


@dataclass(frozen=True, slots=True)
class CompiledInput:
    """One input: its Lead field and the kind of value its conditions expect."""

    name: str
    field: str
    kind: InputKind
    optional: bool


@dataclass(frozen=True, slots=True)
class CompiledBand:
    """A fit band: a test on the input, its points and its reason."""

    test: ValueTest
    points: int
    says: str
    reason: str = ""
    """The reason line when this band matches, e.g. `+25 Title: VP/head (decision maker)`."""


@dataclass(frozen=True, slots=True)
class CompiledCriterion:
    """A fit criterion; `group` is `account` or `person`."""

    name: str
    label: str
    input: str
    group: str
    bands: tuple[CompiledBand, ...]


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """An adjustment (points != 0) or a disqualifier (points 0)."""

    name: str
    label: str
    input: str
    test: ValueTest
    points: int
    says: str
    reason: str = ""
    """The reason line when an adjustment matches, e.g. `-10 Free-mail address`."""


@dataclass(frozen=True, slots=True)
class CompiledBant:
    """A BANT criterion: met when `test` holds; unknown when blank or in `unknown_values`."""

    name: str
    input: str
    test: ValueTest
    unknown_values: frozenset[str]
    says: str


@dataclass(frozen=True, slots=True)
class CompiledSignal:
    """An engagement signal; `rank` is its position in the definition (reasons tie-break)."""

    name: str
    label: str
    points: float
    cap: float
    hand_raise: bool
    rank: int


@dataclass(frozen=True, slots=True)
class CompiledSource:
    """An engagement source: records of `object` passing `test` count as `signal`."""

    object: str
    lead_field: str
    at: str
    test: RecordTest | None
    signal: CompiledSignal


@dataclass(frozen=True, slots=True)
class CompiledTouchSource:
    """A touch source: records of `object` passing `test` are a sales touch."""

    object: str
    lead_field: str
    at: str
    test: RecordTest | None
    label: str


@dataclass(frozen=True, slots=True)
class ActivityPlan:
    """One activity object with the engagement and touch sources that read it, as tuples."""

    object: str
    sources: tuple[tuple[RecordTest | None, str, int], ...]
    """(test, date field, signal rank) per engagement source, in definition order."""
    touch_sources: tuple[tuple[RecordTest | None, str, str], ...]
    """(test, date field, label) per touch source, in definition order."""


@dataclass(frozen=True)
class CompiledDefinition:
    """A definition ready for the engine: thresholds as plain values, conditions as callables."""

    definition: Definition
    version: str
    inputs: tuple[CompiledInput, ...]
    criteria: tuple[CompiledCriterion, ...]
    account_max: int
    person_max: int
    adjustments: tuple[CompiledRule, ...]
    disqualifiers: tuple[CompiledRule, ...]
    bant: tuple[CompiledBant, ...]
    signals: tuple[CompiledSignal, ...]
    half_life_days: float
    sources: Mapping[str, tuple[CompiledSource, ...]]
    touch_sources: Mapping[str, tuple[CompiledTouchSource, ...]]
    touch_target: int
    cadence_days: float
    excluded_creators: frozenset[str]
    exclude_integration_user: bool
    known_groups: tuple[tuple[str, tuple[str, ...]], ...]
    min_known: int
    min_fit: int
    min_engagement: int
    hand_raise_within_days: float
    min_days_sales_ready: float
    standard_status_enabled: bool
    standard_status_field: str
    standard_status_order: tuple[str, ...]
    standard_status_map: Mapping[str, str]
    fit_letters: tuple[tuple[int, str], ...]
    engagement_digits: tuple[tuple[int, str], ...]
    fit_weight: float
    engagement_weight: float
    outputs: tuple[tuple[str, str], ...]
    """(output key, API name) in DESIGN §3's order."""
    output_fields: tuple[str, ...]
    """Output API names in DESIGN §3's order."""
    _activity_objects: tuple[str, ...] = field(default=(), repr=False)
    _read_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    # Lookups derived from the fields above, for the engine's hot path (see __post_init__).
    activity_plan: tuple[ActivityPlan, ...] = field(init=False, repr=False, compare=False)
    """Per activity object, in `activity_objects()` order: its sources and touch sources."""
    lead_plan: tuple[tuple[RecordTest | None, str, int], ...] = field(
        init=False, repr=False, compare=False
    )
    """(test, date field, signal rank) per signal on the Lead itself; each counts once."""
    signal_caps: tuple[float, ...] = field(init=False, repr=False, compare=False)
    """Each signal's cap, in signal (rank) order."""
    signal_points: tuple[float, ...] = field(init=False, repr=False, compare=False)
    """Each signal's points, in signal (rank) order."""
    signal_hand_raises: tuple[bool, ...] = field(init=False, repr=False, compare=False)
    """Whether each signal is a hand-raise, in signal (rank) order."""
    hand_raise_window: timedelta = field(init=False, repr=False, compare=False)
    """`hand_raise_within_days` as a timedelta."""
    output_api: Mapping[str, str] = field(init=False, repr=False, compare=False)
    """Output key -> API name."""
    input_plan: tuple[tuple[str, str, InputKind], ...] = field(
        init=False, repr=False, compare=False
    )
    """(name, Lead field, kind) per input."""
    criteria_plan: tuple[tuple[str, str, tuple[tuple[ValueTest, int, str], ...], str], ...] = field(
        init=False, repr=False, compare=False
    )
    """(input, group, ((test, points, reason) per band), label) per fit criterion."""
    grades: tuple[tuple[str, ...], tuple[str, ...]] = field(init=False, repr=False, compare=False)
    """The grade's letter for each fit 0..100 and its digit for each engagement 0..100."""

    def __post_init__(self) -> None:
        plan = tuple(
            ActivityPlan(
                obj,
                tuple((s.test, s.at, s.signal.rank) for s in self.sources.get(obj, ())),
                tuple((t.test, t.at, t.label) for t in self.touch_sources.get(obj, ())),
            )
            for obj in self._activity_objects
        )
        object.__setattr__(self, "activity_plan", plan)
        lead_plan = tuple((s.test, s.at, s.signal.rank) for s in self.sources.get(LEAD, ()))
        object.__setattr__(self, "lead_plan", lead_plan)
        object.__setattr__(self, "signal_caps", tuple(s.cap for s in self.signals))
        object.__setattr__(self, "signal_points", tuple(s.points for s in self.signals))
        object.__setattr__(self, "signal_hand_raises", tuple(s.hand_raise for s in self.signals))
        window = timedelta(days=self.hand_raise_within_days)
        object.__setattr__(self, "hand_raise_window", window)
        object.__setattr__(self, "output_api", dict(self.outputs))
        object.__setattr__(
            self, "input_plan", tuple((i.name, i.field, i.kind) for i in self.inputs)
        )
        criteria_plan = tuple(
            (k.input, k.group, tuple((b.test, b.points, b.reason) for b in k.bands), k.label)
            for k in self.criteria
        )
        object.__setattr__(self, "criteria_plan", criteria_plan)
        grades = (_grade_table(self.fit_letters), _grade_table(self.engagement_digits))
        object.__setattr__(self, "grades", grades)

    def read_fields(self) -> dict[str, tuple[str, ...]]:
        """
        Object API name -> the fields the sync must SELECT, in a deterministic order: the
        Lead first (Id, inputs, system fields, outputs), then each activity object (Id, its
        lead field, its date fields, the fields its conditions test, system fields).
        """
        return dict(self._read_fields)

    def lead_field(self, object_name: str) -> str:
        """The field through which *object_name* points at the Lead (`WhoId`, `LeadId`, ...)."""
        for source in self.sources.get(object_name, ()):
            return source.lead_field
        for touch in self.touch_sources.get(object_name, ()):
            return touch.lead_field
        msg = f"{object_name} is not an activity object of definition {self.version}"
        raise KeyError(msg)

    def activity_objects(self) -> tuple[str, ...]:
        """The activity objects the definition reads, in order of first mention."""
        return self._activity_objects


def compile_definition(definition: Definition) -> CompiledDefinition:
    """Build the engine's view of *definition*: every regex and predicate compiled once."""
    d = definition
    uses: dict[str, list[Condition]] = {name: [] for name in d.inputs}
    for group in (d.fit.account, d.fit.person):
        for crit in group.criteria:
            uses[crit.input].extend(band.when for band in crit.bands)
    for adjustment in d.fit.adjustments:
        uses[adjustment.input].append(adjustment.when)
    for disqualifier in d.fit.disqualifiers:
        uses[disqualifier.input].append(disqualifier.when)
    for _, bant_spec in d.bant.judged():
        uses[bant_spec.input].append(bant_spec.met)
    inputs = tuple(
        CompiledInput(name, spec.field, condition_kind(uses[name]), spec.optional)
        for name, spec in d.inputs.items()
    )

    criteria = tuple(
        CompiledCriterion(
            name=crit.name,
            label=crit.label,
            input=crit.input,
            group=group_name,
            bands=tuple(
                CompiledBand(
                    compile_value_test(band.when),
                    band.points,
                    band.says,
                    f"{signed(band.points)} {crit.label}: {band.says}",
                )
                for band in crit.bands
            ),
        )
        for group_name, group in (("account", d.fit.account), ("person", d.fit.person))
        for crit in group.criteria
    )
    adjustments = tuple(
        CompiledRule(
            a.name,
            a.label,
            a.input,
            compile_value_test(a.when),
            a.points,
            a.says,
            f"{signed(a.points)} {a.says}",
        )
        for a in d.fit.adjustments
    )
    disqualifiers = tuple(
        CompiledRule(q.name, q.label, q.input, compile_value_test(q.when), 0, q.says)
        for q in d.fit.disqualifiers
    )
    bant = tuple(
        CompiledBant(
            name=name,
            input=spec.input,
            test=compile_value_test(spec.met),
            unknown_values=frozenset(v.strip().casefold() for v in spec.unknown_values),
            says=spec.says,
        )
        for name, spec in d.bant.judged()
    )
    signals = {
        name: CompiledSignal(name, s.label, float(s.points), float(s.cap), s.hand_raise, rank)
        for rank, (name, s) in enumerate(d.engagement.signals.items())
    }
    sources: dict[str, list[CompiledSource]] = {}
    for src in d.engagement.sources:
        sources.setdefault(src.object, []).append(
            CompiledSource(
                src.object,
                src.lead_field,
                src.at,
                compile_record_test(src.when) if src.when is not None else None,
                signals[src.signal],
            )
        )
    touch_sources: dict[str, list[CompiledTouchSource]] = {}
    for tsrc in d.touches.sources:
        touch_sources.setdefault(tsrc.object, []).append(
            CompiledTouchSource(
                tsrc.object,
                tsrc.lead_field,
                tsrc.at,
                compile_record_test(tsrc.when) if tsrc.when is not None else None,
                tsrc.label,
            )
        )
    std = d.status.standard_status
    outputs = tuple(d.outputs.items())
    output_fields = tuple(api for _, api in outputs)
    # A signal on the Lead itself (a package's score and date) reads the Lead, not an
    # activity object: it is scored from the lead record (see `lead_plan`).
    activity_objects = tuple(
        dict.fromkeys(
            [s.object for s in d.engagement.sources if s.object != LEAD]
            + [s.object for s in d.touches.sources]
        )
    )
    return CompiledDefinition(
        definition=d,
        version=d.version,
        inputs=inputs,
        criteria=criteria,
        account_max=d.fit.account.max,
        person_max=d.fit.person.max,
        adjustments=adjustments,
        disqualifiers=disqualifiers,
        bant=bant,
        signals=tuple(signals.values()),
        half_life_days=float(d.engagement.half_life_days),
        sources={k: tuple(v) for k, v in sources.items()},
        touch_sources={k: tuple(v) for k, v in touch_sources.items()},
        touch_target=d.touches.target,
        cadence_days=float(d.touches.cadence_days),
        excluded_creators=frozenset(
            n.strip().casefold() for n in d.touches.exclude_created_by.names
        ),
        exclude_integration_user=d.touches.exclude_created_by.integration_user,
        known_groups=tuple(
            (name, tuple(members)) for name, members in d.status.insufficient_data.groups.items()
        ),
        min_known=d.status.insufficient_data.min_known,
        min_fit=d.status.sales_ready.min_fit,
        min_engagement=d.status.sales_ready.min_engagement,
        hand_raise_within_days=float(d.status.sales_ready.hand_raise_within_days),
        min_days_sales_ready=float(d.status.recycled.min_days_sales_ready),
        standard_status_enabled=std.enabled,
        standard_status_field=std.field,
        standard_status_order=tuple(std.order),
        standard_status_map=dict(std.map),
        fit_letters=_thresholds(d.grade.fit_letters),
        engagement_digits=_thresholds(d.grade.engagement_digits),
        fit_weight=float(d.score.fit_weight),
        engagement_weight=float(d.score.engagement_weight),
        outputs=outputs,
        output_fields=output_fields,
        _activity_objects=activity_objects,
        _read_fields=_read_fields(d, activity_objects, output_fields),
    )


def signed(points: int) -> str:
    """Points as reasons show them: `+25`, `-10`, `0`."""
    return f"+{points}" if points > 0 else str(points)


def _grade_table(thresholds: tuple[tuple[int, str], ...]) -> tuple[str, ...]:
    """For each score 0..100, the key of the highest threshold it reaches (else the lowest)."""
    return tuple(
        next((key for t, key in thresholds if score >= t), thresholds[-1][1])
        for score in range(101)
    )


def _thresholds(letters: Mapping[str, int]) -> tuple[tuple[int, str], ...]:
    return tuple(sorted(((t, k) for k, t in letters.items()), reverse=True))


def _read_fields(
    d: Definition, activity_objects: tuple[str, ...], output_fields: tuple[str, ...]
) -> dict[str, tuple[str, ...]]:
    lead = ["Id", *(spec.field for spec in d.inputs.values()), *LEAD_SYSTEM_FIELDS]
    for src in (s for s in d.engagement.sources if s.object == LEAD):  # kept on the Lead
        lead += [src.at, *(f for x in (src.when.leaves() if src.when else ()) if (f := x.field))]
    if d.status.standard_status.enabled:
        lead.append(d.status.standard_status.field)
    lead.extend(output_fields)
    fields: dict[str, tuple[str, ...]] = {"Lead": tuple(dict.fromkeys(lead))}
    used: list[tuple[str, str, str, Condition | None]] = [
        (s.object, s.lead_field, s.at, s.when) for s in d.engagement.sources
    ]
    used.extend((t.object, t.lead_field, t.at, t.when) for t in d.touches.sources)
    for obj in activity_objects:
        names = ["Id"]
        mine = [u for u in used if u[0] == obj]
        names.extend(u[1] for u in mine)
        names.extend(u[2] for u in mine)
        for *_, when in mine:
            if when is not None:
                names.extend(leaf.field for leaf in when.leaves() if leaf.field)
        names.extend(ACTIVITY_SYSTEM_FIELDS)
        fields[obj] = tuple(dict.fromkeys(names))
    return fields

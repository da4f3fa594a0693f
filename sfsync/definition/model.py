"""
The agreed definition as data: pydantic models that mirror `mappings/default.yaml` key for key.

Every model forbids unknown keys and is frozen. Attribute names equal the YAML keys, except
for the two keys that are Python keywords (`in` -> `in_`, `not` -> `not_`), which are
accepted under their YAML names (and under the attribute names).

Single-field rules (types, ranges, regexes that must compile) live on the fields; rules that
need the whole file (every `input:` names a declared input, every source's `signal` exists,
activity conditions name a `field`, lead conditions don't, ...) are checked once in
`Definition`, which reports every problem it finds with its path, not only the first.
The field docstrings are user-facing: they explain validation errors and are rendered into
the sign-off document by `sfsync definition doc`.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

STATUSES: tuple[str, ...] = (
    "Sales Ready",
    "Nurture",
    "Recycled",
    "Disqualified",
    "Insufficient Data",
)
"""The computed statuses, in the order the SFS_Status__c picklist lists them."""

BANT_CRITERIA: tuple[str, ...] = ("budget", "authority", "need", "timeframe")

OUTPUT_KEYS: tuple[str, ...] = (
    "score",
    "fit_score",
    "engagement_score",
    "grade",
    "bant",
    "status",
    "reasons",
    "sales_ready_since",
    "touches",
    "touches_remaining",
    "last_touch",
    "first_touch_hours",
    "needs_follow_up",
    "definition_version",
)
"""The output keys in the order of DESIGN §3's table (and of every output record)."""

VALUE_OPERATORS: tuple[str, ...] = (
    "equals",
    "not_equals",
    "in",
    "not_in",
    "contains",
    "contains_any",
    "matches",
    "starts_with",
    "gte",
    "lte",
    "between",
    "known",
    "email_domain_in",
    "within_days",
)
"""The closed set of leaf operators, by their YAML names."""

NUMERIC_OPERATORS = frozenset({"gte", "lte", "between"})
DATE_OPERATORS = frozenset({"within_days"})

API_NAME = r"^[A-Za-z][A-Za-z0-9_]{0,79}$"
FIELD_PATH = r"^[A-Za-z][A-Za-z0-9_]{0,79}(\.[A-Za-z][A-Za-z0-9_]{0,79}){0,4}$"
# A custom field: optional namespace prefix, a letter first, no double or trailing underscore.
CUSTOM_FIELD = re.compile(
    r"^(?:[A-Za-z][A-Za-z0-9]{0,14}__)?[A-Za-z](?:[A-Za-z0-9]|_(?!_)){0,39}(?<!_)__c$"
)
NAME = r"^[a-z][a-z0-9_]{0,62}$"

Scalar = str | bool | int | float
Number = Annotated[float, Field(strict=True)]
ApiName = Annotated[str, Field(pattern=API_NAME)]
FieldPath = Annotated[str, Field(pattern=FIELD_PATH)]
Name = Annotated[str, Field(pattern=NAME)]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        use_attribute_docstrings=True,
        str_strip_whitespace=False,
    )


class Condition(_Model):
    """
    One test: either a leaf (exactly one operator, plus `field` on activity records) or a
    combinator (`all`, `any` or `not`, alone). Text comparisons ignore case and surrounding
    whitespace; numbers given as text ("250") compare as numbers; a blank value never
    matches anything except `known: false`.
    """

    field: FieldPath | None = None
    """Activity conditions only: the record field to test, parent fields as `Campaign.Type`."""
    equals: Scalar | None = None
    """The value equals this (text ignoring case, numbers numerically, true/false as booleans)."""
    not_equals: Scalar | None = None
    """The value is known and differs from this."""
    in_: list[Scalar] | None = Field(default=None, alias="in")
    """The value is one of these (an empty list never matches)."""
    not_in: list[Scalar] | None = None
    """The value is known and none of these."""
    contains: str | None = None
    """The text contains this, ignoring case."""
    contains_any: list[str] | None = None
    """The text contains at least one of these, ignoring case."""
    matches: str | None = None
    """The text matches this regular expression (Python syntax, ignoring case, anywhere)."""
    starts_with: str | None = None
    """The text starts with this, ignoring case."""
    gte: Number | None = None
    """The number is at least this."""
    lte: Number | None = None
    """The number is at most this."""
    between: tuple[Number, Number] | None = None
    """The number is in [lo, hi], both ends included; lo <= hi."""
    known: bool | None = None
    """true: the value is present (not blank); false: it is blank or missing."""
    email_domain_in: list[str] | None = None
    """The email address's domain (after @) is one of these, or a subdomain of one."""
    within_days: Number | None = None
    """The date/time is at most this many days before now (and not in the future)."""
    all: list[Condition] | None = None
    """Every one of these conditions holds (an empty list always holds)."""
    any: list[Condition] | None = None
    """At least one of these conditions holds."""
    not_: Condition | None = Field(default=None, alias="not")
    """This condition does not hold."""

    @field_validator("matches")
    @classmethod
    def _regex_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value, re.IGNORECASE)
            except re.error as exc:
                msg = f"not a valid regular expression: {exc}"
                raise ValueError(msg) from None
        return value

    @field_validator("between")
    @classmethod
    def _between_ordered(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and value[0] > value[1]:
            msg = f"between [lo, hi] needs lo <= hi, got [{value[0]:g}, {value[1]:g}]"
            raise ValueError(msg)
        return value

    @field_validator("within_days")
    @classmethod
    def _positive_days(cls, value: float | None) -> float | None:
        if value is not None and not (value > 0 and math.isfinite(value)):
            msg = "within_days must be a positive number of days"
            raise ValueError(msg)
        return value

    @field_validator("gte", "lte")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            msg = "must be a finite number"
            raise ValueError(msg)
        return value

    @field_validator("email_domain_in")
    @classmethod
    def _domains(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            for domain in value:
                if "@" in domain or not re.fullmatch(r"[A-Za-z0-9.-]+\.[A-Za-z0-9-]+", domain):
                    msg = f"{domain!r} is not a domain like example.com (no @)"
                    raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        ops = self.operators()
        combinators = [n for n in ("all", "any", "not") if self._combinator(n) is not None]
        if combinators:
            if len(combinators) > 1 or ops or self.field is not None:
                msg = (
                    "use one of all/any/not alone in a condition, found "
                    + ", ".join(combinators + ops)
                    + (" and field" if self.field is not None else "")
                )
                raise ValueError(msg)
        elif len(ops) != 1:
            found = ", ".join(ops) if ops else "none"
            msg = (
                "a condition needs exactly one operator "
                f"({', '.join(VALUE_OPERATORS)}) or all/any/not; found {found}"
            )
            raise ValueError(msg)
        return self

    def _combinator(self, name: str) -> object:
        return self.not_ if name == "not" else getattr(self, name)

    def operators(self) -> list[str]:
        """The YAML names of the leaf operators set on this condition (one, when valid)."""
        return [
            name
            for name in VALUE_OPERATORS
            if getattr(self, "in_" if name == "in" else name) is not None
        ]

    @property
    def operator(self) -> str | None:
        """This leaf's operator name, or None for a combinator."""
        ops = self.operators()
        return ops[0] if ops else None

    @property
    def operand(self) -> Any:
        """This leaf's operand (the value after the operator name)."""
        op = self.operator
        return None if op is None else getattr(self, "in_" if op == "in" else op)

    def children(self) -> list[Condition]:
        """The nested conditions of a combinator (empty for a leaf)."""
        if self.all is not None:
            return list(self.all)
        if self.any is not None:
            return list(self.any)
        if self.not_ is not None:
            return [self.not_]
        return []

    def leaves(self) -> Iterator[Condition]:
        """Every leaf condition, depth first."""
        if self.operator is not None:
            yield self
        for child in self.children():
            yield from child.leaves()


class InputSpec(_Model):
    """Where one input of the definition comes from on the Lead."""

    field: ApiName
    """The Lead field's API name (e.g. `Industry`, `Budget__c`)."""
    optional: bool = False
    """true: the org may lack this field; `sfsync check` reports it and it scores as unknown."""


class Band(_Model):
    """One band of a fit criterion: the first band whose condition matches gives its points."""

    when: Condition
    """The test on the criterion's input (no `field`)."""
    points: int = Field(ge=-100, le=100)
    """Points this band gives (-100..100)."""
    says: Text
    """The reason shown to reps when this band matches, e.g. `VP/head (decision maker)`."""


class Criterion(_Model):
    """A fit criterion: one input scored by the first matching band (0 when none matches)."""

    name: Name
    """A snake_case identifier, unique across the fit section."""
    label: Text
    """The reason prefix shown to reps, e.g. `Title` in `+25 Title: VP/head`."""
    input: Name
    """The declared input this criterion reads."""
    bands: list[Band] = Field(min_length=1)
    """Bands in order of precedence; the first match wins."""


class FitGroup(_Model):
    """Account fit or person fit: a sum of criteria, capped."""

    max: int = Field(ge=0, le=100)
    """The most points this group can give (0..100)."""
    criteria: list[Criterion] = Field(default_factory=list)
    """The criteria, each scored independently and summed."""


class Adjustment(_Model):
    """Points added to (or taken off) fit when a condition holds, outside the group caps."""

    name: Name
    """A snake_case identifier, unique across the fit section."""
    label: Text
    """What the adjustment is about, e.g. `Email`."""
    input: Name
    """The declared input this adjustment reads."""
    when: Condition
    """The test on the input (no `field`)."""
    points: int = Field(ge=-100, le=100)
    """Points to add (negative to subtract)."""
    says: Text
    """The reason shown to reps, e.g. `Free-mail address`."""


class Disqualifier(_Model):
    """A hard rule: when it matches, the lead is Disqualified whatever its scores."""

    name: Name
    """A snake_case identifier, unique across the fit section."""
    label: Text
    """What the rule is about, e.g. `Title`."""
    input: Name
    """The declared input this rule reads."""
    when: Condition
    """The test on the input (no `field`); a blank input never disqualifies."""
    says: Text
    """The reason shown to reps, e.g. `Title is student/intern/retired/unemployed`."""


class FitSpec(_Model):
    """Fit 0..100 = account (capped) + person (capped) + adjustments, clamped to 0..100."""

    account: FitGroup
    """Account fit: industry, size, revenue."""
    person: FitGroup
    """Person fit: seniority and buying function from the title."""
    adjustments: list[Adjustment] = Field(default_factory=list)
    """Extra points outside the group caps, e.g. -10 for a free-mail address."""
    disqualifiers: list[Disqualifier] = Field(default_factory=list)
    """Rules that make the lead Disqualified when any matches."""


class BantCriterion(_Model):
    """One BANT criterion: met, not met, or unknown."""

    input: Name
    """The declared input this criterion reads."""
    met: Condition
    """The test that makes the criterion met (no `field`)."""
    unknown_values: list[str] = Field(default_factory=list)
    """Values that mean "we don't know" (e.g. `Unknown`), compared ignoring case."""
    says: Text
    """What meeting the criterion means, e.g. `budget approved or planned`."""


class BantSpec(_Model):
    """Budget, authority, need, timeframe: BANT is the count of criteria met (0..4)."""

    budget: BantCriterion
    """Budget: is money approved or planned?"""
    authority: BantCriterion
    """Authority: is this person a decision maker or influencer?"""
    need: BantCriterion
    """Need: is there a recorded pain point?"""
    timeframe: BantCriterion
    """Timeframe: will they buy soon?"""


class SignalSpec(_Model):
    """An engagement signal: points per occurrence, decaying, capped per lead."""

    label: Text
    """How reps see the signal, e.g. `Pricing page viewed`."""
    points: Number = Field(ge=0, le=100)
    """Points one fresh occurrence earns (0..100)."""
    cap: Number = Field(ge=0, le=100)
    """The most points all occurrences of this signal earn together, after decay (0..100)."""
    hand_raise: bool = False
    """true: an occurrence is a hand-raise (the lead asked for contact: a content form fill)."""


class SourceSpec(_Model):
    """Which activity records count as an engagement signal."""

    object: ApiName
    """The activity object's API name, e.g. `Task`, `CampaignMember`, `Web_Activity__c`."""
    lead_field: ApiName
    """The object's field that points at the Lead: `WhoId`, `LeadId`, `Lead__c`."""
    at: ApiName
    """The record's date/time field that dates the signal, e.g. `FirstRespondedDate`."""
    when: Condition | None = None
    """Which records count (every leaf names its `field`); omitted: every record of the object."""
    signal: Name
    """The signal (a key of `engagement.signals`) these records count as."""


class EngagementSpec(_Model):
    """Engagement 0..100 from decayed, capped signals; the first matching source wins per record."""

    half_life_days: Number = Field(gt=0, le=3650)
    """Days after which an occurrence is worth half its points."""
    signals: dict[Name, SignalSpec] = Field(min_length=1)
    """The signals by snake_case name; their order is the tie-break order of reasons."""
    sources: list[SourceSpec] = Field(default_factory=list)
    """The sources in order of precedence."""


class ExcludeCreatedBy(_Model):
    """Activity that is never a human sales touch, by who created it."""

    names: list[str] = Field(default_factory=list)
    """User names (exact, ignoring case), e.g. `Marketing Automation`."""
    integration_user: bool = True
    """true: activity created by the user sfsync runs as is never a touch."""


class TouchSourceSpec(_Model):
    """Which activity records are a human sales touch."""

    object: ApiName
    """The activity object's API name, e.g. `Task`, `Event`."""
    lead_field: ApiName
    """The object's field that points at the Lead, e.g. `WhoId`."""
    at: ApiName
    """The record's date/time field that dates the touch."""
    when: Condition | None = None
    """Which records count (every leaf names its `field`); omitted: every record of the object."""
    label: Text
    """How the touch is listed, e.g. `Meeting`."""


class TouchSpec(_Model):
    """Human sales touches: counted since the lead last became Sales Ready."""

    target: int = Field(ge=1, le=100)
    """Touches a Sales Ready lead should get (5-10 are normal before a lead converts)."""
    cadence_days: Number = Field(gt=0, le=365)
    """A Sales Ready lead below target with no touch for this many days needs follow-up."""
    exclude_created_by: ExcludeCreatedBy = Field(default_factory=ExcludeCreatedBy)
    """Creators whose activity is never a touch."""
    sources: list[TouchSourceSpec] = Field(default_factory=list)
    """The sources in order of precedence."""


class InsufficientDataSpec(_Model):
    """Insufficient Data: fewer than `min_known` groups have at least one known input."""

    min_known: int = Field(ge=0)
    """How many groups must be known."""
    groups: dict[str, list[Name]] = Field(min_length=1)
    """Group name (shown to reps) -> inputs; a group is known when any of its inputs is."""


class SalesReadySpec(_Model):
    """Sales Ready: fit >= min_fit and (engagement >= min_engagement or a recent hand-raise)."""

    min_fit: int = Field(ge=0, le=100)
    """The lowest fit score a Sales Ready lead has."""
    min_engagement: int = Field(ge=0, le=100)
    """Engagement at or above this makes a fitting lead Sales Ready."""
    hand_raise_within_days: Number = Field(ge=0, le=3650)
    """A hand-raise at most this many days ago makes a fitting lead Sales Ready."""


class RecycledSpec(_Model):
    """Recycled: worked by sales (touch target reached), not converted, and no longer ready."""

    min_days_sales_ready: Number = Field(ge=0, le=3650)
    """Days a lead must have been Sales Ready before it can be recycled."""


class StandardStatusSpec(_Model):
    """The optional, guarded mapping onto the rep-owned standard Lead Status."""

    enabled: bool = False
    """true: write the mapped standard Status (forward only)."""
    field: ApiName = "Status"
    """The standard status field."""
    order: list[str] = Field(default_factory=list)
    """The standard Status values in pipeline order; sfsync only moves a lead forward in it."""
    map: dict[str, str] = Field(default_factory=dict)
    """Computed status -> standard Status value (each value must be in `order`)."""


class StatusSpec(_Model):
    """How the status is decided; the first matching rule wins (see DESIGN §3)."""

    insufficient_data: InsufficientDataSpec
    """When there is too little data to judge."""
    sales_ready: SalesReadySpec
    """When a lead is ready for sales."""
    recycled: RecycledSpec
    """When a worked lead goes back to marketing."""
    standard_status: StandardStatusSpec = Field(default_factory=StandardStatusSpec)
    """The optional mapping onto the standard Lead Status."""


class GradeSpec(_Model):
    """Grade = fit letter + engagement digit, e.g. `A1`; each one character."""

    fit_letters: dict[str, int]
    """Letter -> lowest fit for it, best first (descending); the last threshold is 0."""
    engagement_digits: dict[str, int]
    """Digit -> lowest engagement for it, best first (descending); the last threshold is 0."""

    @field_validator("fit_letters", "engagement_digits")
    @classmethod
    def _thresholds(cls, value: dict[str, int]) -> dict[str, int]:
        bad = [k for k in value if len(k) != 1 or not k.isalnum()]
        if bad:
            msg = f"keys must be one letter or digit (the grade is Text(2)), got {bad}"
            raise ValueError(msg)
        if not value or 0 not in value.values():
            msg = "one threshold must be 0, so every score gets a grade"
            raise ValueError(msg)
        thresholds = list(value.values())
        if any(a <= b for a, b in itertools.pairwise(thresholds)):
            msg = (
                "list the thresholds in descending order, best first "
                f"(e.g. {{A: 75, B: 50, C: 25, D: 0}}), got {value}"
            )
            raise ValueError(msg)
        if any(not 0 <= t <= 100 for t in thresholds):
            msg = "thresholds must be within 0..100"
            raise ValueError(msg)
        return value


class ScoreSpec(_Model):
    """Score = round(fit * fit_weight + engagement * engagement_weight), half up."""

    fit_weight: Number = Field(ge=0, le=1)
    """The weight of fit."""
    engagement_weight: Number = Field(ge=0, le=1)
    """The weight of engagement; the two weights sum to 1."""

    @model_validator(mode="after")
    def _sum_to_one(self) -> ScoreSpec:
        if abs(self.fit_weight + self.engagement_weight - 1) > 1e-9:
            total = self.fit_weight + self.engagement_weight
            msg = f"fit_weight + engagement_weight must be 1, got {total:g}"
            raise ValueError(msg)
        return self


class OutputsSpec(_Model):
    """The Lead custom fields sfsync writes (API names); a contract with reps and reports."""

    score: str = "SFS_Score__c"
    """Number(3,0): overall score 0..100."""
    fit_score: str = "SFS_Fit_Score__c"
    """Number(3,0): fit 0..100."""
    engagement_score: str = "SFS_Engagement_Score__c"
    """Number(3,0): engagement 0..100 after decay."""
    grade: str = "SFS_Grade__c"
    """Text(2): A1 ... D4."""
    bant: str = "SFS_BANT__c"
    """Number(1,0): BANT criteria met, 0..4."""
    status: str = "SFS_Status__c"
    """Picklist: Sales Ready, Nurture, Recycled, Disqualified, Insufficient Data."""
    reasons: str = "SFS_Reasons__c"
    """Long Text Area: ranked reasons, one per line."""
    sales_ready_since: str = "SFS_Sales_Ready_Since__c"
    """DateTime: when the lead last became Sales Ready."""
    touches: str = "SFS_Touches__c"
    """Number(4,0): human sales touches since Sales Ready (or creation)."""
    touches_remaining: str = "SFS_Touches_Remaining__c"
    """Number(4,0): max(0, target - touches)."""
    last_touch: str = "SFS_Last_Touch__c"
    """DateTime: the last human sales touch."""
    first_touch_hours: str = "SFS_First_Touch_Hours__c"
    """Number(8,1): hours from Sales Ready to the first touch."""
    needs_follow_up: str = "SFS_Needs_Follow_Up__c"
    """Checkbox: Sales Ready, below target, no touch within the cadence."""
    definition_version: str = "SFS_Definition_Version__c"
    """Text(40): the version of the definition that produced the values."""

    @field_validator(*OUTPUT_KEYS)
    @classmethod
    def _custom_field(cls, value: str) -> str:
        if not CUSTOM_FIELD.fullmatch(value):
            msg = (
                f"{value!r} is not a custom field API name (a letter first, letters, digits and "
                "single underscores, ending in __c, e.g. SFS_Score__c)"
            )
            raise ValueError(msg)
        return value

    def items(self) -> list[tuple[str, str]]:
        """(output key, API name) pairs in the order of DESIGN §3's table."""
        return [(key, getattr(self, key)) for key in OUTPUT_KEYS]


class Definition(_Model):
    """The agreed definition of a qualified lead (mappings/default.yaml)."""

    version: str = Field(min_length=1, max_length=40)
    """Stamped on every lead (Text(40)); bump it whenever results would change."""
    name: Text
    """A short title for the sign-off document."""
    description: str = ""
    """What the definition means, in words both sales and marketing sign off."""
    inputs: dict[Name, InputSpec] = Field(min_length=1)
    """Input name -> the Lead field that feeds it."""
    fit: FitSpec
    """Account and person fit, adjustments and disqualifiers."""
    bant: BantSpec
    """Budget, authority, need and timeframe."""
    engagement: EngagementSpec
    """Engagement signals and the activity that counts as each."""
    touches: TouchSpec
    """Human sales touches, the target and the follow-up cadence."""
    status: StatusSpec
    """The status rules."""
    grade: GradeSpec
    """Grade letters and digits."""
    score: ScoreSpec
    """Score weights."""
    outputs: OutputsSpec = Field(default_factory=OutputsSpec)
    """The Lead fields sfsync writes."""

    @model_validator(mode="after")
    def _cross_checks(self) -> Definition:
        problems = list(self._problems())
        if problems:
            raise ValidationError.from_exception_data(
                "Definition",
                [
                    InitErrorDetails(
                        type=PydanticCustomError("definition", "{message}", {"message": msg}),
                        loc=loc,
                        input=None,
                    )
                    for loc, msg in problems
                ],
            )
        return self

    def _problems(self) -> Iterator[tuple[tuple[str | int, ...], str]]:  # noqa: PLR0912 - one flat list of checks
        declared = sorted(self.inputs)

        def check_input(
            loc: tuple[str | int, ...], name: str
        ) -> Iterator[tuple[tuple[str | int, ...], str]]:
            if name not in self.inputs:
                yield loc, f"{name!r} is not a declared input (declared: {', '.join(declared)})"

        names: dict[str, tuple[str | int, ...]] = {}
        fit_items: list[tuple[tuple[str | int, ...], str, str]] = []
        for group in ("account", "person"):
            fit_group: FitGroup = getattr(self.fit, group)
            for i, crit in enumerate(fit_group.criteria):
                loc: tuple[str | int, ...] = ("fit", group, "criteria", i)
                fit_items.append((loc, crit.name, crit.input))
                for j, band in enumerate(crit.bands):
                    yield from _lead_condition_problems((*loc, "bands", j, "when"), band.when)
        for i, adj in enumerate(self.fit.adjustments):
            loc = ("fit", "adjustments", i)
            fit_items.append((loc, adj.name, adj.input))
            yield from _lead_condition_problems((*loc, "when"), adj.when)
        for i, dq in enumerate(self.fit.disqualifiers):
            loc = ("fit", "disqualifiers", i)
            fit_items.append((loc, dq.name, dq.input))
            yield from _lead_condition_problems((*loc, "when"), dq.when)
        for loc, name, input_name in fit_items:
            yield from check_input((*loc, "input"), input_name)
            if name in names:
                yield (*loc, "name"), f"name {name!r} is already used at {_dotted(names[name])}"
            names[name] = loc
        for crit_name in BANT_CRITERIA:
            bant: BantCriterion = getattr(self.bant, crit_name)
            yield from check_input(("bant", crit_name, "input"), bant.input)
            yield from _lead_condition_problems(("bant", crit_name, "met"), bant.met)

        signals = list(self.engagement.signals)
        for i, source in enumerate(self.engagement.sources):
            loc = ("engagement", "sources", i)
            if source.signal not in self.engagement.signals:
                yield (
                    (*loc, "signal"),
                    (f"{source.signal!r} is not a signal (signals: {', '.join(signals)})"),
                )
            if source.when is not None:
                yield from _record_condition_problems((*loc, "when"), source.when)
        for i, touch in enumerate(self.touches.sources):
            if touch.when is not None:
                yield from _record_condition_problems(("touches", "sources", i, "when"), touch.when)
        yield from _lead_field_problems(self)

        for group_name, members in self.status.insufficient_data.groups.items():
            if not members:
                yield (
                    ("status", "insufficient_data", "groups", group_name),
                    "a group needs at least one input",
                )
            for member in members:
                yield from check_input(
                    ("status", "insufficient_data", "groups", group_name), member
                )
        n_groups = len(self.status.insufficient_data.groups)
        if self.status.insufficient_data.min_known > n_groups:
            yield (
                ("status", "insufficient_data", "min_known"),
                (
                    f"min_known {self.status.insufficient_data.min_known} is more than the "
                    f"{n_groups} groups: every lead would be Insufficient Data"
                ),
            )
        std = self.status.standard_status
        for status, value in std.map.items():
            if status not in STATUSES:
                yield (
                    ("status", "standard_status", "map", status),
                    (f"{status!r} is not a computed status ({', '.join(STATUSES)})"),
                )
            if value not in std.order:
                yield (
                    ("status", "standard_status", "map", status),
                    (f"{value!r} is not in standard_status.order"),
                )
        if len(set(std.order)) != len(std.order):
            yield ("status", "standard_status", "order"), "values must be unique"
        if std.enabled and not std.map:
            yield ("status", "standard_status", "map"), "enabled but the map is empty"

        seen: dict[str, str] = {}
        for key, api_name in self.outputs.items():
            other = seen.get(api_name.lower())
            if other is not None:
                yield ("outputs", key), f"{api_name} is already the output for {other}"
            seen[api_name.lower()] = key
        for name, spec in self.inputs.items():
            if spec.field.lower() in seen:
                yield (
                    ("inputs", name, "field"),
                    (
                        f"{spec.field} is an output field ({seen[spec.field.lower()]}); "
                        "an input cannot be one of sfsync's own outputs"
                    ),
                )


def _dotted(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _lead_condition_problems(
    loc: tuple[str | int, ...], cond: Condition
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if cond.field is not None:
        yield (
            (*loc, "field"),
            (
                "a condition on a lead input tests the input itself: remove `field` "
                "(only activity conditions name a field)"
            ),
        )
    for i, child in enumerate(cond.children()):
        key: str = "not" if cond.not_ is not None else ("all" if cond.all is not None else "any")
        child_loc: tuple[str | int, ...] = (*loc, key) if key == "not" else (*loc, key, i)
        yield from _lead_condition_problems(child_loc, child)


def _record_condition_problems(
    loc: tuple[str | int, ...], cond: Condition
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if cond.operator is not None and cond.field is None:
        yield loc, f"an activity condition must name the `field` its `{cond.operator}` tests"
    for i, child in enumerate(cond.children()):
        key: str = "not" if cond.not_ is not None else ("all" if cond.all is not None else "any")
        child_loc: tuple[str | int, ...] = (*loc, key) if key == "not" else (*loc, key, i)
        yield from _record_condition_problems(child_loc, child)


def _lead_field_problems(definition: Definition) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Each activity object must point at the Lead through one field, in every source."""
    first: dict[str, tuple[str, tuple[str | int, ...]]] = {}
    sources: list[tuple[tuple[str | int, ...], str, str]] = []
    for i, source in enumerate(definition.engagement.sources):
        sources.append((("engagement", "sources", i), source.object, source.lead_field))
    for i, touch in enumerate(definition.touches.sources):
        sources.append((("touches", "sources", i), touch.object, touch.lead_field))
    for loc, obj, lead_field in sources:
        if obj == "Lead":
            yield (*loc, "object"), "Lead is not an activity object"
        if obj in first and first[obj][0] != lead_field:
            yield (
                (*loc, "lead_field"),
                (
                    f"{obj} already points at the Lead through {first[obj][0]} "
                    f"(at {_dotted(first[obj][1])}); use one lead_field per object"
                ),
            )
        first.setdefault(obj, (lead_field, loc))


Condition.model_rebuild()


def condition_kind(conditions: list[Condition]) -> Literal["number", "date", "text"]:
    """
    The kind of value a set of lead conditions expects: `number` when any leaf compares
    numbers (gte/lte/between), `date` when any uses within_days, else `text`.
    """
    ops = {leaf.operator for cond in conditions for leaf in cond.leaves()}
    if ops & NUMERIC_OPERATORS:
        return "number"
    if ops & DATE_OPERATORS:
        return "date"
    return "text"

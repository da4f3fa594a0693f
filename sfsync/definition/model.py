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

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from sfsync.definition.condition_model import (
    ApiName,
    Condition,
    Model,
    Name,
    Number,
    Text,
)
from sfsync.definition.consistency import definition_problems
from sfsync.definition.policy import WritePolicySpec
from sfsync.definition.terms import BANT_CRITERIA, CUSTOM_FIELD, OUTPUT_KEYS


class InputSpec(Model):
    """Where one input of the definition comes from on the Lead."""

    field: ApiName
    """The Lead field's API name (e.g. `Industry`, `Budget__c`)."""
    optional: bool = False
    """true: the org may lack this field; `sfsync check` reports it and it scores as unknown."""


class Band(Model):
    """One band of a fit criterion: the first band whose condition matches gives its points."""

    when: Condition
    """The test on the criterion's input (no `field`)."""
    points: int = Field(ge=-100, le=100)
    """Points this band gives (-100..100)."""
    says: Text
    """The reason shown to reps when this band matches, e.g. `VP/head (decision maker)`."""


class Criterion(Model):
    """A fit criterion: one input scored by the first matching band (0 when none matches)."""

    name: Name
    """A snake_case identifier, unique across the fit section."""
    label: Text
    """The reason prefix shown to reps, e.g. `Title` in `+25 Title: VP/head`."""
    input: Name
    """The declared input this criterion reads."""
    bands: list[Band] = Field(min_length=1)
    """Bands in order of precedence; the first match wins."""


class FitGroup(Model):
    """Account fit or person fit: a sum of criteria, capped."""

    max: int = Field(default=0, ge=0, le=100)
    """The most points this group can give (0..100)."""
    criteria: list[Criterion] = Field(default_factory=list)
    """The criteria, each scored independently and summed."""


class Adjustment(Model):
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


class Disqualifier(Model):
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


class FitSpec(Model):
    """Fit 0..100 = account (capped) + person (capped) + adjustments, clamped to 0..100."""

    account: FitGroup = Field(default_factory=FitGroup)
    """Account fit: industry, size, revenue (left out: account fit is not judged)."""
    person: FitGroup = Field(default_factory=FitGroup)
    """Person fit: seniority and buying function from the title (left out: not judged)."""
    adjustments: list[Adjustment] = Field(default_factory=list)
    """Extra points outside the group caps, e.g. -10 for a free-mail address."""
    disqualifiers: list[Disqualifier] = Field(default_factory=list)
    """Rules that make the lead Disqualified when any matches."""


class BantCriterion(Model):
    """One BANT criterion: met, not met, or unknown."""

    input: Name
    """The declared input this criterion reads."""
    met: Condition
    """The test that makes the criterion met (no `field`)."""
    unknown_values: list[str] = Field(default_factory=list)
    """Values that mean "we don't know" (e.g. `Unknown`), compared ignoring case."""
    says: Text
    """What meeting the criterion means, e.g. `budget approved or planned`."""


class BantSpec(Model):
    """
    Budget, authority, need, timeframe: BANT is the count of criteria met. Leave out a
    criterion the org has no data for; BANT then counts the others (`definition lint` says
    which are off).
    """

    budget: BantCriterion | None = None
    """Budget: is money approved or planned?"""
    authority: BantCriterion | None = None
    """Authority: is this person a decision maker or influencer?"""
    need: BantCriterion | None = None
    """Need: is there a recorded pain point?"""
    timeframe: BantCriterion | None = None
    """Timeframe: will they buy soon?"""

    def judged(self) -> list[tuple[str, BantCriterion]]:
        """The criteria in the definition, in BANT order, by name."""
        return [(name, c) for name in BANT_CRITERIA if (c := getattr(self, name)) is not None]


class SignalSpec(Model):
    """An engagement signal: points per occurrence, decaying, capped per lead."""

    label: Text
    """How reps see the signal, e.g. `Pricing page viewed`."""
    points: Number = Field(ge=0, le=100)
    """Points one fresh occurrence earns (0..100)."""
    cap: Number = Field(ge=0, le=100)
    """The most points all occurrences of this signal earn together, after decay (0..100)."""
    hand_raise: bool = False
    """true: an occurrence is a hand-raise (the lead asked for contact: a content form fill)."""


class SourceSpec(Model):
    """Which activity records count as an engagement signal."""

    object: ApiName
    """
    The activity object's API name, e.g. `Task`, `CampaignMember`, `Web_Activity__c`; or
    `Lead` for a signal a package keeps on the Lead itself (a score and its date).
    """
    lead_field: ApiName
    """The object's field that points at the Lead: `WhoId`, `LeadId`, `Lead__c` (`Id` on Lead)."""
    at: ApiName
    """The record's date/time field that dates the signal, e.g. `FirstRespondedDate`."""
    when: Condition | None = None
    """Which records count (every leaf names its `field`); omitted: every record of the object."""
    signal: Name
    """The signal (a key of `engagement.signals`) these records count as."""


class EngagementSpec(Model):
    """Engagement 0..100 from decayed, capped signals; the first matching source wins per record."""

    half_life_days: Number = Field(default=30, gt=0, le=3650)
    """Days after which an occurrence is worth half its points."""
    signals: dict[Name, SignalSpec] = Field(default_factory=dict)
    """The signals by snake_case name; their order is the tie-break order of reasons."""
    sources: list[SourceSpec] = Field(default_factory=list)
    """The sources in order of precedence."""


class ExcludeCreatedBy(Model):
    """Activity that is never a human sales touch, by who created it."""

    names: list[str] = Field(default_factory=list)
    """User names (exact, ignoring case), e.g. `Marketing Automation`."""
    integration_user: bool = True
    """true: activity created by the user sfsync runs as is never a touch."""


class TouchSourceSpec(Model):
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


class TouchSpec(Model):
    """Human sales touches: counted since the lead last became Sales Ready."""

    target: int = Field(ge=1, le=100)
    """Touches a Sales Ready lead should get (5-10 are normal before a lead converts)."""
    cadence_days: Number = Field(gt=0, le=365)
    """A Sales Ready lead below target with no touch for this many days needs follow-up."""
    exclude_created_by: ExcludeCreatedBy = Field(default_factory=ExcludeCreatedBy)
    """Creators whose activity is never a touch."""
    sources: list[TouchSourceSpec] = Field(default_factory=list)
    """The sources in order of precedence."""


class InsufficientDataSpec(Model):
    """Insufficient Data: fewer than `min_known` groups have at least one known input."""

    min_known: int = Field(ge=0)
    """How many groups must be known."""
    groups: dict[str, list[Name]] = Field(min_length=1)
    """Group name (shown to reps) -> inputs; a group is known when any of its inputs is."""


class SalesReadySpec(Model):
    """Sales Ready: fit >= min_fit and (engagement >= min_engagement or a recent hand-raise)."""

    min_fit: int = Field(ge=0, le=100)
    """The lowest fit score a Sales Ready lead has."""
    min_engagement: int = Field(ge=0, le=100)
    """Engagement at or above this makes a fitting lead Sales Ready."""
    hand_raise_within_days: Number = Field(ge=0, le=3650)
    """A hand-raise at most this many days ago makes a fitting lead Sales Ready."""


class RecycledSpec(Model):
    """Recycled: worked by sales (touch target reached), not converted, and no longer ready."""

    min_days_sales_ready: Number = Field(ge=0, le=3650)
    """Days a lead must have been Sales Ready before it can be recycled."""


class StandardStatusSpec(Model):
    """The optional, guarded mapping onto the rep-owned standard Lead Status."""

    enabled: bool = False
    """true: write the mapped standard Status (forward only)."""
    field: ApiName = "Status"
    """The standard status field."""
    order: list[str] = Field(default_factory=list)
    """The standard Status values in pipeline order; sfsync only moves a lead forward in it."""
    map: dict[str, str] = Field(default_factory=dict)
    """Computed status -> standard Status value (each value must be in `order`)."""


class StatusSpec(Model):
    """How the status is decided; the first matching rule wins (see DESIGN §3)."""

    insufficient_data: InsufficientDataSpec
    """When there is too little data to judge."""
    sales_ready: SalesReadySpec
    """When a lead is ready for sales."""
    recycled: RecycledSpec
    """When a worked lead goes back to marketing."""
    standard_status: StandardStatusSpec = Field(default_factory=StandardStatusSpec)
    """The optional mapping onto the standard Lead Status."""


class GradeSpec(Model):
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


class ScoreSpec(Model):
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


class OutputsSpec(Model):
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
    """DateTime: when the current Sales Ready episode began; blank unless Sales Ready now."""
    touches: str = "SFS_Touches__c"
    """Number(4,0): human sales touches in the episode: since Sales Ready (Sales Ready), in the
    worked episode (Recycled); blank for the other statuses."""
    touches_remaining: str = "SFS_Touches_Remaining__c"
    """Number(4,0): max(0, target - touches); blank when touches is."""
    last_touch: str = "SFS_Last_Touch__c"
    """DateTime: the last human sales touch in that episode; blank when touches is."""
    first_touch_hours: str = "SFS_First_Touch_Hours__c"
    """Number(8,1): hours from the episode's start to its first touch; blank until then."""
    needs_follow_up: str = "SFS_Needs_Follow_Up__c"
    """Checkbox: Sales Ready now, below target, no touch within the cadence."""
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


class Definition(Model):
    """The agreed definition of a qualified lead (mappings/default.yaml)."""

    version: str = Field(min_length=1, max_length=40)
    """Stamped on every lead (Text(40)); bump it whenever results would change."""
    name: Text
    """A short title for the sign-off document."""
    description: str = ""
    """What the definition means, in words both sales and marketing sign off."""
    inputs: dict[Name, InputSpec] = Field(min_length=1)
    """Input name -> the Lead field that feeds it."""
    fit: FitSpec = Field(default_factory=FitSpec)
    """Account and person fit, adjustments and disqualifiers."""
    bant: BantSpec = Field(default_factory=BantSpec)
    """Budget, authority, need and timeframe (each may be left out)."""
    engagement: EngagementSpec = Field(default_factory=EngagementSpec)
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
    write_policy: WritePolicySpec = Field(default_factory=WritePolicySpec)
    """When a lead is written back (a quiet org; see `WritePolicySpec`)."""

    @model_validator(mode="after")
    def _cross_checks(self) -> Definition:
        problems = list(definition_problems(self))
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

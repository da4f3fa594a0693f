"""
What each output field is on the Lead: its Salesforce type, label, description and the help
text reps see when they hover over it.

The types come from `sfsync.checks.OUTPUT_TYPES` (the hint `sfsync check` prints, e.g.
"Number(3, 0)"), so the fields we generate are exactly the ones `check` accepts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sfsync.checks import OUTPUT_TYPES, SFS_STATUSES

LONG_TEXT_VISIBLE_LINES = 6
MAX_TEXT_LENGTH = 255

# Admin-facing meaning of each output (DESIGN.md §3, the output-field contract).
MEANINGS: dict[str, str] = {
    "score": "Overall score 0-100: fit and engagement, weighted as the definition says.",
    "fit_score": "Fit 0-100: account fit (industry, size, revenue) + person fit (title).",
    "engagement_score": "Engagement 0-100 from marketing signals, after decay.",
    "grade": "Fit letter (A-D) plus engagement digit (1-4), A1 ... D4.",
    "bant": "How many BANT criteria (budget, authority, need, timeframe) are met, 0-4.",
    "status": "Sales Ready, Nurture, Recycled, Disqualified or Insufficient Data.",
    "reasons": "Ranked, signed reasons for the score, one per line.",
    "sales_ready_since": "Start of the current Sales Ready episode; blank unless Sales Ready.",
    "touches": "Human sales touches in the episode the status refers to (Sales Ready: since it "
    "began; Recycled: the worked episode); blank for Nurture, Disqualified, Insufficient Data.",
    "touches_remaining": "max(0, touch target - touches); blank when touches is blank.",
    "last_touch": "The last human sales touch in that episode; blank when touches is blank.",
    "first_touch_hours": "Hours from the episode's start to its first sales touch.",
    "needs_follow_up": "Sales Ready now, below the touch target, no touch within the cadence.",
    "definition_version": "Version of the agreed definition that produced the values.",
}

# Rep-facing help text. {name} placeholders are other outputs' labels; {target} and
# {cadence} come from the definition's touch plan.
HELP_TEXTS: dict[str, str] = {
    "score": "How sales-ready this lead is, 0\u2013100: fit and engagement averaged. "
    "See {reasons} for why.",
    "fit_score": "How well this lead matches the companies and people we sell to, 0\u2013100 "
    "(industry, company size, revenue, job title). See {reasons} for the details.",
    "engagement_score": "How much this lead has engaged with us lately, 0\u2013100 "
    "(website visits, form fills, pricing page views, email clicks). Older activity counts less.",
    "grade": "Fit letter plus engagement digit, e.g. A1. A is the best fit, D the weakest; "
    "1 is very engaged, 4 barely engaged.",
    "bant": "How many of Budget, Authority, Need and Timeframe this lead meets, 0\u20134.",
    "status": "Sales Ready: contact now. Nurture: a real prospect, not ready yet. Recycled: worked "
    "without success, back to marketing. Disqualified: not a buyer. Insufficient Data: too "
    "little known to judge.",
    "reasons": "Why this lead has its score, biggest effect first, one reason per line. "
    "Filled in automatically; edits are overwritten.",
    "sales_ready_since": "When this lead became Sales Ready, for as long as it stays Sales "
    "Ready. Blank for every other status.",
    "touches": "Calls, emails and meetings salespeople logged since this lead became Sales Ready "
    "(Recycled: in the Sales Ready period that was worked). Blank for other statuses. "
    "Marketing emails do not count.",
    "touches_remaining": "How many more touches the agreed follow-up plan asks for while the "
    "lead is Sales Ready (target: {target}). 0 when the plan is done; blank when no plan "
    "applies.",
    "last_touch": "When a salesperson last called, emailed or met this lead since it became "
    "Sales Ready (Recycled: in the period that was worked). Blank for other statuses.",
    "first_touch_hours": "Hours from becoming Sales Ready to the first call, email or meeting. "
    "Blank until that first touch, and for statuses other than Sales Ready and Recycled.",
    "needs_follow_up": "Checked when this lead is Sales Ready, has fewer than {target} touches, "
    "and nobody has called, emailed or met it for {cadence} days. Follow up today.",
    "definition_version": "Which version of the agreed lead definition produced these values. "
    "For admins.",
}

# Fields whose changes are worth a history entry on the Lead.
TRACKED = frozenset({"score", "status"})

_NUMBER = re.compile(r"^Number\((\d+),\s*(\d+)\)$")
_TEXT = re.compile(r"^Text\((\d+)\)$")
_LONG_TEXT = re.compile(r"^Long Text Area\((\d+)\)$")


@dataclass(frozen=True)
class FieldType:
    """A Salesforce field type with the attributes its metadata needs."""

    type: str  # the Metadata API name: Number, Text, Picklist, LongTextArea, DateTime, Checkbox
    precision: int | None = None
    scale: int | None = None
    length: int | None = None
    visible_lines: int | None = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutputField:
    """One output field on the Lead, ready to be rendered as a CustomField."""

    key: str
    api_name: str
    label: str
    field_type: FieldType
    description: str
    help_text: str
    track_history: bool


def field_type_for(key: str) -> FieldType:
    """
    The Metadata API type for output *key*, parsed from the hint in `OUTPUT_TYPES`.

    Raises:
        KeyError: *key* is not an output sfsync writes.
        ValueError: the hint is one this module does not know how to render.
    """
    hint = OUTPUT_TYPES[key][1]
    if match := _NUMBER.match(hint):
        return FieldType("Number", precision=int(match[1]), scale=int(match[2]))
    if match := _TEXT.match(hint):
        return FieldType("Text", length=int(match[1]))
    if match := _LONG_TEXT.match(hint):
        return FieldType(
            "LongTextArea", length=int(match[1]), visible_lines=LONG_TEXT_VISIBLE_LINES
        )
    if hint.startswith("Picklist"):
        return FieldType("Picklist", values=SFS_STATUSES)
    if hint == "Date/Time":
        return FieldType("DateTime")
    if hint == "Checkbox":
        return FieldType("Checkbox")
    msg = f"output {key!r}: no metadata type for the hint {hint!r}"
    raise ValueError(msg)


def label_for(api_name: str) -> str:
    """The label reps see, from the API name: SFS_Sales_Ready_Since__c -> SFS Sales Ready Since."""
    return api_name.removesuffix("__c").replace("_", " ").strip()[:40]


def output_fields(
    outputs: Mapping[str, str],
    *,
    touch_target: int,
    cadence_days: float,
    version: str,
    track_history: bool = True,
) -> list[OutputField]:
    """
    Describe every output field, in `OUTPUT_TYPES` order, under the API names in *outputs*.

    The definition-version field grows beyond its contract length when the version stamp is
    longer, so a long stamp never fails a write.
    """
    labels = {key: label_for(api_name) for key, api_name in outputs.items()}
    cadence = f"{cadence_days:g}"
    fields = []
    for key in OUTPUT_TYPES:
        api_name = outputs[key]
        ftype = field_type_for(key)
        if key == "definition_version" and ftype.length is not None and len(version) > ftype.length:
            ftype = FieldType("Text", length=min(MAX_TEXT_LENGTH, len(version)))
        fields.append(
            OutputField(
                key=key,
                api_name=api_name,
                label=labels[key],
                field_type=ftype,
                description=f"sfsync output: {MEANINGS[key]} Written by the sfsync integration "
                "user on every run; changes made by hand are overwritten.",
                help_text=HELP_TEXTS[key].format(target=touch_target, cadence=cadence, **labels),
                track_history=track_history and key in TRACKED,
            )
        )
    return fields

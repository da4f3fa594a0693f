"""
What `sfsync init` learned about an org, as plain data: the Lead's fields with their fill and
a sample of their values, the activity objects that point at leads, what the org's tasks,
events and campaign responses look like in aggregate, and who creates them. `survey.py`
fills it from the org; everything after that (the proposal) is pure and reads only this.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DATE_TYPES = frozenset({"date", "datetime"})
NUMBER_TYPES = frozenset({"int", "double", "currency", "percent", "long"})
TEXT_TYPES = frozenset({"string", "picklist", "textarea", "email", "phone", "url", "combobox"})


@dataclass(frozen=True)
class FieldFacts:
    """One Lead (or activity) field as describe shows it, with what the sample held."""

    name: str
    label: str
    type: str
    custom: bool = False
    picklist: tuple[str, ...] = ()
    filled: int | None = None
    """Leads with a value (COUNT(field) over every lead); None when not counted."""
    sample: Counter[Any] = field(default_factory=Counter)
    """Values seen in the sample of newest leads (blanks left out) and how often."""
    sample_size: int = 0
    """Leads in the sample."""

    def fill_share(self, total: int) -> float:
        """The share of leads with a value (0 when unknown)."""
        if self.filled is not None and total:
            return self.filled / total
        return sum(self.sample.values()) / self.sample_size if self.sample_size else 0.0


@dataclass(frozen=True)
class ActivityObject:
    """An object holding activity for leads: its lead lookup, date fields and volume."""

    name: str
    label: str
    lead_field: str
    date_fields: tuple[str, ...]
    """Date/datetime fields other than the audit ones, best first (then CreatedDate)."""
    records: int = 0
    leads: int = 0
    text_fields: tuple[str, ...] = ()
    """Text or URL fields whose values tell records apart (a URL, a type)."""
    values: Mapping[str, Counter[str]] = field(default_factory=dict)
    """Field -> value -> records, for the text fields grouped."""


@dataclass(frozen=True)
class TaskGroup:
    """Tasks (or events) on leads with one combination of values, and how many."""

    subject: str | None
    type: str | None
    subtype: str | None
    status: str | None
    created_by: str | None
    records: int
    leads: int = 0


@dataclass(frozen=True)
class CampaignGroup:
    """Members of leads in one campaign, responded or not."""

    type: str | None
    name: str | None
    responded: bool
    members: int


@dataclass(frozen=True)
class UserFacts:
    """One user and what they created."""

    id: str
    name: str
    active: bool = True
    user_type: str | None = None
    profile: str | None = None
    tasks: int = 0
    events: int = 0


@dataclass
class OrgSurvey:
    """Everything init read, and the API calls it took."""

    instance: str
    leads: int
    lead_fields: Mapping[str, FieldFacts]
    """By field API name (exact case)."""
    converted_in_sample: int = 0
    sample_size: int = 0
    activity_objects: Sequence[ActivityObject] = ()
    """Custom objects with a Lead lookup and a date field."""
    task_groups: Sequence[TaskGroup] = ()
    task_subjects: Sequence[TaskGroup] = ()
    event_groups: Sequence[TaskGroup] = ()
    campaign_groups: Sequence[CampaignGroup] = ()
    responder_conversion: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """Campaign type -> (responding leads, of them converted)."""
    users: Mapping[str, UserFacts] = field(default_factory=dict)
    integration_user_id: str | None = None
    objects_missing: Sequence[str] = ()
    """Standard activity objects the integration user cannot see (or the org lacks)."""
    org_name: str = ""
    api_calls: int = 0
    notes: list[str] = field(default_factory=list)
    """What the survey could not read, in words."""

    def conversion_rate(self) -> float:
        """The converted share of the lead sample."""
        return self.converted_in_sample / self.sample_size if self.sample_size else 0.0


def numeric_values(facts: FieldFacts) -> list[float]:
    """The sample's values of a number field, as floats (one per lead)."""
    if facts.type not in NUMBER_TYPES:
        return []
    out: list[float] = []
    for value, n in facts.sample.items():
        try:
            out.extend([float(value)] * n)
        except (TypeError, ValueError):
            continue
    return out

"""
Qualify-and-diff for one lead (pure): what the pass would write to it, and why not.

`assess_lead` qualifies a lead from the mirror, applies the opt-in Status mapping policy
(`status_decision`, DESIGN §3) and diffs the outputs against what the org holds. No I/O:
the loop over the mirror (`sync.qualify`) reads the leads and records the results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sfsync.definition import CompiledDefinition
from sfsync.definition.model import StandardStatusSpec
from sfsync.errors import RecordError
from sfsync.scoring import Qualification, qualify
from sfsync.scoring.outputs import WritePolicy, diff_outputs
from sfsync.values.booleans import is_true


@dataclass(frozen=True)
class LeadChange:
    """One lead to write: the fields to send, what changes, and the reasons behind it."""

    lead_id: str
    fields: dict[str, Any]
    diff: dict[str, tuple[Any, Any]]
    reasons: tuple[str, ...]

    def record(self) -> dict[str, Any]:
        """The record to send to the org."""
        return {"Id": self.lead_id, **self.fields}


@dataclass(frozen=True)
class StatusDecision:
    """What the opt-in Status mapping does for one lead."""

    write: str | None = None
    """The standard Status value to write, if any."""
    baseline: tuple[str, Any] | None = None
    """`(field, value)` to record as if sfsync had written it: the lead already stands at
    or beyond the mapped value, so a person changing it later is respected."""
    blocked: bool = False
    """The mapping wanted a value but a person's change (or the order) forbids it."""


@dataclass(frozen=True)
class Assessment:
    """One lead, qualified and diffed."""

    lead_id: str
    qualification: Qualification | None
    """None when the lead could not be qualified (see `error`)."""
    error: RecordError | None = None
    converted: bool = False
    """Converted leads are qualified (the report counts them) but never written."""
    change: LeadChange | None = None
    status: StatusDecision = StatusDecision()
    held: bool = False
    """The org's values differ from the exact ones, but only by what the write policy
    holds back (decay within its tolerance): nothing is written."""


def status_may_be_written(
    *, current: Any, last_written: Any, target: str, order: Sequence[str]
) -> bool:
    """
    Decide whether the opt-in standard Status mapping may write `target` (DESIGN §3).

    Never when a person changed the Status since sfsync last wrote it; only forward in
    `order`; never onto a value outside `order` (a rep's custom status is theirs).
    """
    if last_written is not None and current != last_written:
        return False
    if current == target:
        return False
    if current not in order or target not in order:
        return current is None and target in order
    return order.index(target) > order.index(current)


def status_decision(
    lead: Mapping[str, Any],
    q: Qualification,
    spec: StandardStatusSpec,
    written: Mapping[str, Any] | None,
) -> StatusDecision:
    """
    Apply the Status mapping policy to *lead*, qualified as *q*; *written* is what sfsync
    last wrote to the lead (None if never).
    """
    if not spec.enabled:
        return StatusDecision()
    current = lead.get(spec.field)
    if q.standard_status is None:
        # Nothing to move forward. When the mapping has a value for this status and the
        # lead stands at a known one we never wrote, that value is the baseline a rep's
        # later change is compared with.
        if (
            spec.map.get(q.status) is not None
            and current in spec.order
            and spec.field not in (written or {})
        ):
            return StatusDecision(baseline=(spec.field, current))
        return StatusDecision()
    last = (written or {}).get(spec.field)
    if status_may_be_written(
        current=current, last_written=last, target=q.standard_status, order=spec.order
    ):
        return StatusDecision(write=q.standard_status)
    return StatusDecision(blocked=True)


def assess_lead(
    lead: Mapping[str, Any],
    activities: Mapping[str, Sequence[Mapping[str, Any]]],
    definition: CompiledDefinition,
    *,
    now: datetime,
    users: Mapping[str, str],
    integration_user_id: str | None,
    written: Mapping[str, Any] | None = None,
    policy: WritePolicy | None = None,
) -> Assessment:
    """
    Qualify *lead* at *now* and decide what the pass writes to it: its changed outputs,
    plus the mapped standard Status when the policy allows it; nothing when *policy* (the
    definition's write policy; None: every change) holds the differences back.
    """
    try:
        q = qualify(
            lead,
            activities,
            definition,
            now=now,
            users=users,
            integration_user_id=integration_user_id,
        )
    except RecordError as exc:
        return Assessment(str(lead.get("Id")), None, error=exc)
    lead_id = lead["Id"]  # qualify checked it is text
    if is_true(lead.get("IsConverted")):
        return Assessment(lead_id, q, converted=True)
    desired = q.to_fields()
    status = status_decision(lead, q, definition.definition.status.standard_status, written)
    if status.write is not None:
        desired[definition.definition.status.standard_status.field] = status.write
    diff = diff_outputs(lead, desired)
    if diff and policy is not None and not policy.requires_write(diff):
        return Assessment(lead_id, q, status=status, held=True)
    change = LeadChange(lead_id, desired, diff, q.reasons) if diff else None
    return Assessment(lead_id, q, change=change, status=status)

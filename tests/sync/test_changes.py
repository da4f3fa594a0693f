"""Qualify-and-diff for one lead (pure), and the Status mapping policy."""

from __future__ import annotations

from typing import Any

import pytest

from sfsync.definition.compile import compile_definition
from sfsync.definition.model import Definition, StandardStatusSpec
from sfsync.sync.changes import assess_lead, status_decision, status_may_be_written
from tests.scoring.factories import (
    NOW,
    USERS,
    activities,
    days_ago,
    default_data,
    default_definition,
    make_lead,
    make_member,
)

ORDER = ["Open - Not Contacted", "Working - Contacted", "Closed - Converted"]


@pytest.mark.parametrize(
    ("current", "last_written", "target", "allowed"),
    [
        (None, None, "Working - Contacted", True),  # blank: set it
        ("Open - Not Contacted", None, "Working - Contacted", True),  # forward
        ("Working - Contacted", None, "Open - Not Contacted", False),  # never backward
        ("Working - Contacted", None, "Working - Contacted", False),  # already there
        ("Custom Rep Value", None, "Working - Contacted", False),  # a rep's own status
        (
            "Open - Not Contacted",
            "Working - Contacted",
            "Closed - Converted",
            False,
        ),  # rep moved it
        ("Working - Contacted", "Working - Contacted", "Closed - Converted", True),  # ours, forward
    ],
)
def test_status_may_be_written(
    current: str | None, last_written: str | None, target: str, allowed: bool
) -> None:
    """Forward only, onto known values, and never after a person changed what we wrote."""
    assert allowed == status_may_be_written(
        current=current, last_written=last_written, target=target, order=ORDER
    )


def _mapping_definition() -> Any:
    data = default_data()
    data["status"]["standard_status"] = {
        "enabled": True,
        "field": "Status",
        "order": ORDER,
        "map": {"Sales Ready": "Working - Contacted"},
    }
    return compile_definition(Definition.model_validate(data))


def _assess(
    lead: dict[str, Any], definition: Any, written: dict[str, Any] | None = None, acts: Any = None
) -> Any:
    return assess_lead(
        lead,
        acts or {},
        definition,
        now=NOW,
        users=USERS,
        integration_user_id=None,
        written=written,
    )


def test_an_unchanged_lead_needs_no_write() -> None:
    """A lead whose org values equal the computed ones yields no change."""
    first = _assess(make_lead(), default_definition())
    assert first.change is not None
    settled = make_lead(**first.change.fields)
    assert _assess(settled, default_definition()).change is None


def test_a_change_lists_old_and_new_values_and_the_reasons() -> None:
    """The change carries the fields to send, the diff and the reasons for the history."""
    assessed = _assess(make_lead(SFS_Score__c=1.0), default_definition())
    assert assessed.change is not None
    assert (1.0, assessed.change.fields["SFS_Score__c"]) == assessed.change.diff["SFS_Score__c"]
    assert {"Id": "00Q000000000001AAA", **assessed.change.fields} == assessed.change.record()
    assert assessed.qualification is not None
    assert assessed.qualification.reasons == assessed.change.reasons


def test_a_converted_lead_is_qualified_but_never_changed() -> None:
    """Converted leads feed the report; the pass never writes them."""
    assessed = _assess(make_lead(IsConverted="true"), default_definition())
    assert (True, None) == (assessed.converted, assessed.change)
    assert assessed.qualification is not None


def test_a_lead_without_an_id_is_an_error_not_an_exception() -> None:
    """A lead that cannot be qualified comes back with its error; the others go on."""
    assessed = _assess(make_lead(Id=None), default_definition())
    assert (None, "lead has no usable Id") == (assessed.qualification, str(assessed.error))


def test_the_mapped_status_is_added_when_the_policy_allows_it() -> None:
    """Enabled mapping: a Sales Ready lead's blank Status gets the mapped value; a rep's own
    value is left alone, and a Status a rep moved back after our write is blocked."""
    definition = _mapping_definition()
    hand_raise = activities(make_member(days_ago(2), "Content Download"))

    assessed = _assess(make_lead(Status=None), definition, acts=hand_raise)

    assert assessed.qualification is not None
    assert "Sales Ready" == assessed.qualification.status
    assert assessed.change is not None
    assert "Working - Contacted" == assessed.change.fields["Status"]
    custom = _assess(make_lead(Status="Custom"), definition, acts=hand_raise)
    assert (None, False) == (custom.status.write, custom.status.blocked)
    moved_back = _assess(
        make_lead(Status="Open - Not Contacted"),
        definition,
        written={"Status": "Working - Contacted"},
        acts=hand_raise,
    )
    assert moved_back.status.blocked
    assert moved_back.change is not None
    assert "Status" not in moved_back.change.fields


def test_status_decision_blocks_after_a_rep_change_and_records_baselines() -> None:
    """A person's Status change blocks the mapping; a lead already beyond it is a baseline."""
    spec = StandardStatusSpec(
        enabled=True,
        field="Status",
        order=ORDER,
        map={"Sales Ready": "Working - Contacted", "Nurture": "Open - Not Contacted"},
    )

    class Q:
        status = "Sales Ready"
        standard_status = "Working - Contacted"

    blocked = status_decision(
        {"Status": "Open - Not Contacted"},
        Q(),
        spec,
        {"Status": "Closed - Converted"},  # type: ignore[arg-type]
    )
    assert (None, True) == (blocked.write, blocked.blocked)
    Q.standard_status = None  # type: ignore[assignment]
    baseline = status_decision({"Status": "Working - Contacted"}, Q(), spec, None)  # type: ignore[arg-type]
    assert ("Status", "Working - Contacted") == baseline.baseline
    disabled = status_decision({}, Q(), StandardStatusSpec(), None)  # type: ignore[arg-type]
    assert (None, None, False) == (disabled.write, disabled.baseline, disabled.blocked)

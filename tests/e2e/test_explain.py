"""`sfsync explain LEAD_ID` after a sync: why a lead has its status, score and counters."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import NOW_ARG, Org

pytestmark = pytest.mark.e2e


def ready_lead(org: Org) -> dict[str, object]:
    """A Sales Ready lead with touches (the richest explanation), by Id."""
    rows = sorted(
        (r for r in org.leads().values() if r["SFS_Status__c"] == "Sales Ready"),
        key=lambda r: (-(r["SFS_Touches__c"] or 0), r["Id"]),
    )
    assert rows, "the seeded org has no Sales Ready lead"
    return rows[0]


def test_explain_shows_criteria_signals_decision_touches_and_history(synced_org: Org) -> None:
    lead = ready_lead(synced_org)

    result = synced_org.cli("explain", str(lead["Id"]), "--now", NOW_ARG)

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert str(lead["Id"]) in out
    assert "Sales Ready" in out
    assert "Decision: Sales Ready" in out
    for heading in (
        "Fit",
        "BANT",
        "Engagement signals",
        "Follow-up",
        "Reasons",
        "Recent history",
    ):
        assert heading in out, heading
    assert f"{int(lead['SFS_Touches__c'])} human touches" in out  # type: ignore[call-overload]
    assert "SFS_Score__c" in out  # history: the first sync wrote the score
    assert "the next sync writes nothing" in out


def test_explain_json_matches_what_the_org_holds(synced_org: Org) -> None:
    lead = ready_lead(synced_org)

    result = synced_org.cli("explain", str(lead["Id"]), "--json", "--now", NOW_ARG)

    assert result.returncode == 0, result.stderr
    data = result.json()
    assert data["summary"]["status"] == lead["SFS_Status__c"]
    assert data["summary"]["score"] == lead["SFS_Score__c"]
    assert data["touches"]["counted"] == lead["SFS_Touches__c"]
    assert data["pending_changes"] == {}
    assert data["fit"]
    assert data["signal_totals"]
    assert {h["field"] for h in data["history"]} >= {"SFS_Score__c", "SFS_Status__c"}
    assert "\n".join(data["reasons"]) == lead["SFS_Reasons__c"]


def test_explain_a_converted_lead_promises_no_write(synced_org: Org) -> None:
    lead = min(i for i, r in synced_org.leads().items() if r["IsConverted"])

    text = synced_org.cli("explain", lead, "--now", NOW_ARG)
    data = synced_org.cli("explain", lead, "--json", "--now", NOW_ARG)

    assert text.returncode == data.returncode == 0, text.stderr + data.stderr
    assert "Converted lead: mirrored for reports, never written." in text.stdout
    assert "The next sync will write" not in text.stdout
    assert data.json()["lead"]["IsConverted"] is True
    assert data.json()["pending_changes"] == {}


def test_explain_an_unknown_lead_exits_2_with_a_clear_message(synced_org: Org) -> None:
    result = synced_org.cli("explain", "00Q000000000000AAA")

    assert result.returncode == 2
    assert "lead 00Q000000000000AAA is not in the local mirror" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_explain_a_malformed_id_exits_2_naming_the_argument(synced_org: Org) -> None:
    result = synced_org.cli("explain", "not-a-lead-id")

    assert result.returncode == 2
    assert "LEAD_ID" in result.stderr
    assert "'not-a-lead-id'" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_explain_accepts_the_15_character_id_from_a_url(synced_org: Org) -> None:
    """The 15-character Id in a Lightning URL or report finds the lead mirrored under its
    18-character Id."""
    lead = ready_lead(synced_org)

    result = synced_org.cli("explain", str(lead["Id"])[:15], "--json", "--now", NOW_ARG)

    assert result.returncode == 0, result.stderr
    assert result.json()["summary"]["status"] == lead["SFS_Status__c"]


def test_explain_a_deleted_lead_says_so_and_promises_no_write(synced_org: Org) -> None:
    """A lead deleted (or merged away) in the org is still explained from the mirror, marked
    deleted, with no pending write."""
    lead = ready_lead(synced_org)
    lead_id = str(lead["Id"])
    assert synced_org.rest("DELETE", f"/sobjects/Lead/{lead_id}").status_code == 204
    synced_org.sync()

    text = synced_org.cli("explain", lead_id, "--now", NOW_ARG)
    data = synced_org.cli("explain", lead_id, "--json", "--now", NOW_ARG)

    assert text.returncode == data.returncode == 0, text.stderr + data.stderr
    assert "Deleted lead" in text.stdout
    assert "next sync" not in text.stdout
    assert data.json()["lead"]["IsDeleted"] is True
    assert data.json()["pending_changes"] == {}

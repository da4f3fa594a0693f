"""What the org derives on every write: responded members, member statuses, closed tasks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sfsync.sandbox.server import RunningSandbox
from tests.sandbox.conftest import lead_ids


def _campaign(sf: Salesforce, kind: str = "Webinar") -> str:
    return str(sf.Campaign.create({"Name": f"{kind} Dec", "Type": kind})["id"])


def _member(sf: Salesforce, member_id: str) -> dict:
    return sf.query(
        "SELECT Status, HasResponded, FirstRespondedDate FROM CampaignMember"
        f" WHERE Id = '{member_id}'"
    )["records"][0]


def test_a_new_campaign_gets_sent_and_responded(sf: Salesforce) -> None:
    """A campaign created through the API has Sent (default) and Responded member statuses."""
    campaign = _campaign(sf)
    rows = sf.query(
        "SELECT Label, IsDefault, HasResponded, SortOrder FROM CampaignMemberStatus"
        f" WHERE CampaignId = '{campaign}' ORDER BY SortOrder"
    )["records"]
    assert [(r["Label"], r["IsDefault"], r["HasResponded"], r["SortOrder"]) for r in rows] == [
        ("Sent", True, False, 1),
        ("Responded", False, True, 2),
    ]


def test_member_status_decides_has_responded(sf: Salesforce, sandbox: RunningSandbox) -> None:
    """Responded sets HasResponded and today's FirstRespondedDate; Sent leaves both unset."""
    campaign = _campaign(sf)
    responded_lead, sent_lead = lead_ids(sandbox, 2)
    responded = sf.CampaignMember.create(
        {"CampaignId": campaign, "LeadId": responded_lead, "Status": "Responded"}
    )["id"]
    sent = sf.CampaignMember.create({"CampaignId": campaign, "LeadId": sent_lead})["id"]
    today = datetime.now(UTC).date().isoformat()

    assert _member(sf, responded) | {"attributes": None} == {
        "attributes": None, "Status": "Responded", "HasResponded": True,
        "FirstRespondedDate": today,
    }  # fmt: skip
    assert (_member(sf, sent)["Status"], _member(sf, sent)["HasResponded"]) == ("Sent", False)
    sf.CampaignMember.update(sent, {"Status": "Responded"})
    assert _member(sf, sent)["FirstRespondedDate"] == today
    sf.CampaignMember.update(sent, {"Status": "Sent"})
    # Back to a non-responded status: not responded now, but it did respond once.
    assert (_member(sf, sent)["HasResponded"], _member(sf, sent)["FirstRespondedDate"]) == (
        False,
        today,
    )


def test_has_responded_cannot_be_written(sf: Salesforce, sandbox: RunningSandbox) -> None:
    """HasResponded is read-only: the org derives it from Status."""
    campaign = _campaign(sf)
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.CampaignMember.create(
            {"CampaignId": campaign, "LeadId": lead_ids(sandbox, 1)[0], "HasResponded": True}
        )
    assert info.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_custom_member_status_and_changing_its_responded_flag(
    sf: Salesforce, sandbox: RunningSandbox
) -> None:
    """A created status counts as responded as it says; changing the flag changes its members."""
    campaign = _campaign(sf)
    status = sf.CampaignMemberStatus.create(
        {"CampaignId": campaign, "Label": "Registered", "HasResponded": True}
    )["id"]
    member = sf.CampaignMember.create(
        {"CampaignId": campaign, "LeadId": lead_ids(sandbox, 1)[0], "Status": "registered"}
    )["id"]
    assert (_member(sf, member)["Status"], _member(sf, member)["HasResponded"]) == (
        "Registered",
        True,
    )
    sf.CampaignMemberStatus.update(status, {"HasResponded": False})
    assert _member(sf, member)["HasResponded"] is False
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.CampaignMemberStatus.delete(status)
    assert info.value.content[0]["errorCode"] == "DELETE_FAILED"


def test_unknown_status_becomes_the_default_and_members_are_unique(
    sf: Salesforce, sandbox: RunningSandbox
) -> None:
    """A status the campaign lacks becomes its default; the same lead cannot join twice."""
    campaign = _campaign(sf)
    lead = lead_ids(sandbox, 1)[0]
    member = sf.CampaignMember.create(
        {"CampaignId": campaign, "LeadId": lead, "Status": "Clicked"}
    )["id"]
    assert _member(sf, member)["Status"] == "Sent"
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.CampaignMember.create({"CampaignId": campaign, "LeadId": lead})
    assert info.value.content[0] == {
        "message": "Already a campaign member.",
        "errorCode": "DUPLICATE_VALUE",
        "fields": [],
    }


def test_seeded_campaigns_have_the_statuses_their_members_use(sf: Salesforce) -> None:
    """Campaigns written straight to the store get statuses matching their members' flags."""
    rows = sf.query(
        "SELECT Status, HasResponded, COUNT(Id) FROM CampaignMember GROUP BY Status, HasResponded"
    )["records"]
    statuses = sf.query("SELECT Label, HasResponded FROM CampaignMemberStatus")["records"]
    responded = {(s["Label"], s["HasResponded"]) for s in statuses}
    assert rows
    for row in rows:
        assert (row["Status"], row["HasResponded"]) in responded


def test_task_is_closed_follows_status(sf: Salesforce, sandbox: RunningSandbox) -> None:
    """IsClosed is true exactly for Completed, on insert and update, and cannot be written."""
    task = sf.Task.create({"Subject": "Call", "Status": "Not Started",
                           "WhoId": lead_ids(sandbox, 1)[0]})["id"]  # fmt: skip
    closed = lambda: sf.Task.get(task)["IsClosed"]  # noqa: E731
    assert closed() is False
    sf.Task.update(task, {"Status": "Completed"})
    assert closed() is True
    with pytest.raises(SalesforceMalformedRequest):
        sf.Task.update(task, {"IsClosed": False})
    counts = sf.query("SELECT IsClosed, Status, COUNT(Id) FROM Task GROUP BY IsClosed, Status")
    assert all(r["IsClosed"] is (r["Status"] == "Completed") for r in counts["records"])


def test_activities_point_at_contacts_too(sf: Salesforce) -> None:
    """WhoId takes a Contact; Who.Type says which object the record is."""
    contact = sf.Contact.create({"FirstName": "Ada", "LastName": "Byron"})["id"]
    task = sf.Task.create({"Subject": "Call", "WhoId": contact})["id"]
    (row,) = sf.query(f"SELECT Who.Name, Who.Type FROM Task WHERE Id = '{task}'")["records"]
    assert (row["Who"]["Name"], row["Who"]["Type"]) == ("Ada Byron", "Contact")
    event = sf.Event.create({"Subject": "Demo", "WhoId": contact,
                             "StartDateTime": "2026-12-01T10:00:00Z"})["id"]  # fmt: skip
    assert sf.Event.get(event)["IsChild"] is False

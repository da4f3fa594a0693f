"""
What a Salesforce org derives itself when a record is written, so that data created through
the API looks as it would in a real org:

- `Name` of a Lead, Contact or User from FirstName and LastName;
- CampaignMember `HasResponded` and `FirstRespondedDate` from its Status, through the
  campaign's CampaignMemberStatus rows ("Status controls the HasResponded flag … You cannot
  directly set the HasResponded flag":
  https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_campaignmember.htm);
  a Status the campaign does not have becomes the campaign's default status, as the API
  documents; a lead or contact is a member of a campaign at most once;
- a new Campaign's member statuses: "Sent" (the default) and "Responded" (responded);
  CampaignMemberStatus keeps one default per campaign, and changing a status's HasResponded
  changes its members';
- at most one PermissionSetAssignment per user and permission set.

Task.IsClosed (from Status) and Event.IsChild are generated columns (see `schema`). Called by
`writes.RecordWriter` inside the write's transaction; a broken rule fails that record.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from sfsync.sandbox.ids import new_id
from sfsync.sandbox.saves import RecordFailedError, SaveError
from sfsync.sandbox.setup_objects import DEFAULT_MEMBER_STATUSES, KNOWN_MEMBER_STATUSES
from sfsync.sandbox.sobject import ObjectDef

_NAMED = frozenset({"Lead", "Contact", "User"})
_STATUS_COLUMNS = (
    "Id", "CampaignId", "Label", "SortOrder", "IsDefault", "HasResponded", "IsDeleted",
    "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp",
)  # fmt: skip


def derive(
    conn: sqlite3.Connection,
    obj: ObjectDef,
    merged: dict[str, Any],
    changes: dict[str, Any],
    *,
    stamp: str,
    user_id: str,
    inserting: bool,
) -> None:
    """
    Add what the org derives to *changes* (and *merged*, the record as it will be).

    Raises:
        RecordFailedError: the write breaks a rule of the object (a duplicate membership).
    """
    if obj.name in _NAMED and {"FirstName", "LastName"} & set(changes):
        name = " ".join(p for p in (merged.get("FirstName"), merged.get("LastName")) if p)
        changes["Name"] = merged["Name"] = name
    elif obj.name == "CampaignMember":
        _campaign_member(conn, merged, changes, stamp=stamp, user_id=user_id, inserting=inserting)
    elif obj.name == "PermissionSetAssignment" and inserting:
        _unique_assignment(conn, merged)
    elif obj.name == "CampaignMemberStatus" and inserting:
        _new_member_status(conn, merged, changes)


def after_insert(
    conn: sqlite3.Connection, obj: ObjectDef, row: dict[str, Any], *, stamp: str, user_id: str
) -> None:
    """What a new record brings along (a campaign's member statuses)."""
    if obj.name == "Campaign":
        _insert_statuses(conn, row["Id"], list(DEFAULT_MEMBER_STATUSES), stamp, user_id)
    elif obj.name == "CampaignMemberStatus" and row.get("IsDefault"):
        _only_default(conn, row)


def after_update(
    conn: sqlite3.Connection,
    obj: ObjectDef,
    row: dict[str, Any],
    changes: dict[str, Any],
    *,
    stamp: str,
    user_id: str,
) -> None:
    """What an update changes elsewhere (members of a status whose HasResponded changed)."""
    del user_id
    if obj.name != "CampaignMemberStatus":
        return
    if changes.get("IsDefault"):
        _only_default(conn, row)
    if "HasResponded" in changes:
        responded = 1 if row.get("HasResponded") else 0
        conn.execute(
            'UPDATE "CampaignMember" SET HasResponded = ?, SystemModstamp = ?,'
            " FirstRespondedDate = CASE WHEN ? = 1 THEN coalesce(FirstRespondedDate, ?)"
            " ELSE FirstRespondedDate END"
            " WHERE CampaignId = ? AND Status = ? COLLATE NOCASE AND IsDeleted = 0"
            " AND HasResponded != ?",
            (responded, stamp, responded, stamp[:10], row["CampaignId"], row["Label"], responded),
        )


def before_delete(conn: sqlite3.Connection, obj: ObjectDef, row: dict[str, Any]) -> None:
    """
    Refuse deletes the object does not allow.

    Raises:
        RecordFailedError: a campaign's default member status, or one its members have.
    """
    if obj.name != "CampaignMemberStatus":
        return
    # "You can't delete a CampaignMemberStatus if that status is designated as the default
    # status or if the status is currently used in a Campaign." (Object Reference)
    if row.get("IsDefault"):
        raise RecordFailedError(
            SaveError("DELETE_FAILED", "You can't delete the default member status of a campaign")
        )
    used = conn.execute(
        'SELECT 1 FROM "CampaignMember" WHERE CampaignId = ? AND Status = ? COLLATE NOCASE'
        " AND IsDeleted = 0 LIMIT 1",
        (row["CampaignId"], row["Label"]),
    ).fetchone()
    if used:
        raise RecordFailedError(
            SaveError("DELETE_FAILED", f"Member status {row['Label']} is in use in this campaign")
        )


# --- campaign members ----------------------------------------------------------------------


def member_statuses(
    conn: sqlite3.Connection, campaign_id: str
) -> dict[str, tuple[str, bool, bool]]:
    """A campaign's member statuses: lower-case label -> (label, responded, default)."""
    rows = conn.execute(
        'SELECT Label, HasResponded, IsDefault FROM "CampaignMemberStatus"'
        " WHERE CampaignId = ? AND IsDeleted = 0 ORDER BY SortOrder, Label",
        (campaign_id,),
    ).fetchall()
    return {str(label).lower(): (str(label), bool(hr), bool(d)) for label, hr, d in rows}


def _campaign_member(
    conn: sqlite3.Connection,
    merged: dict[str, Any],
    changes: dict[str, Any],
    *,
    stamp: str,
    user_id: str,
    inserting: bool,
) -> None:
    campaign_id = merged.get("CampaignId")
    if inserting:
        _one_membership(conn, merged)
    elif "Status" not in changes:
        return
    if not campaign_id:
        return
    statuses = member_statuses(conn, campaign_id)
    if not statuses:
        ensure_member_statuses(conn, stamp=stamp, user_id=user_id, campaign_ids=[campaign_id])
        statuses = member_statuses(conn, campaign_id)
    wanted = str(merged.get("Status") or "").lower()
    if wanted not in statuses:
        wanted = next((k for k, v in statuses.items() if v[2]), next(iter(statuses), ""))
    label, responded, _ = statuses.get(wanted, (merged.get("Status"), False, False))
    changes["Status"] = merged["Status"] = label
    changes["HasResponded"] = merged["HasResponded"] = 1 if responded else 0
    if responded and not merged.get("FirstRespondedDate"):
        changes["FirstRespondedDate"] = merged["FirstRespondedDate"] = stamp[:10]


def _one_membership(conn: sqlite3.Connection, merged: dict[str, Any]) -> None:
    lead, contact = merged.get("LeadId"), merged.get("ContactId")
    if not lead and not contact:
        raise RecordFailedError(
            SaveError(
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [ContactId, LeadId]",
                ("ContactId", "LeadId"),
            )
        )
    column, value = ("ContactId", contact) if contact else ("LeadId", lead)
    found = conn.execute(
        f'SELECT 1 FROM "CampaignMember" WHERE CampaignId = ? AND "{column}" = ?'  # noqa: S608 - fixed names
        " AND IsDeleted = 0 LIMIT 1",
        (merged.get("CampaignId"), value),
    ).fetchone()
    if found:
        raise RecordFailedError(SaveError("DUPLICATE_VALUE", "Already a campaign member."))


def ensure_member_statuses(
    conn: sqlite3.Connection,
    *,
    stamp: str,
    user_id: str,
    campaign_ids: Iterable[str] | None = None,
) -> int:
    """
    Give every campaign the member statuses its data needs (campaigns and members written
    straight to the store by the seed have none): Sent and Responded when it has no status
    at all, and every status its members have, responded as their HasResponded says.
    Returns the number of statuses added.
    """
    wanted = None if campaign_ids is None else set(campaign_ids)
    bare = conn.execute(
        'SELECT c.Id, c.CreatedDate FROM "Campaign" AS c WHERE c.IsDeleted = 0'
        ' AND NOT EXISTS (SELECT 1 FROM "CampaignMemberStatus" AS s'
        " WHERE s.CampaignId = c.Id AND s.IsDeleted = 0)"
    ).fetchall()
    added = 0
    for campaign_id, created in bare:
        if wanted is None or campaign_id in wanted:
            _insert_statuses(conn, campaign_id, list(DEFAULT_MEMBER_STATUSES), created or stamp,
                             user_id)  # fmt: skip
            added += len(DEFAULT_MEMBER_STATUSES)
    missing = conn.execute(
        'SELECT m.CampaignId, m.Status, max(m.HasResponded) FROM "CampaignMember" AS m'
        " WHERE m.Status IS NOT NULL AND m.IsDeleted = 0 AND NOT EXISTS ("
        ' SELECT 1 FROM "CampaignMemberStatus" AS s WHERE s.CampaignId = m.CampaignId'
        " AND s.Label = m.Status COLLATE NOCASE AND s.IsDeleted = 0)"
        " GROUP BY m.CampaignId, lower(m.Status) ORDER BY m.CampaignId, m.Status"
    ).fetchall()
    for campaign_id, label, responded in missing:
        if wanted is not None and campaign_id not in wanted:
            continue
        flag = bool(responded) or KNOWN_MEMBER_STATUSES.get(str(label).lower(), False)
        (last,) = conn.execute(
            'SELECT max(SortOrder) FROM "CampaignMemberStatus" WHERE CampaignId = ?',
            (campaign_id,),
        ).fetchone()
        _insert_statuses(conn, campaign_id, [(str(label), flag)], stamp, user_id,
                         first_order=int(last or 0) + 1)  # fmt: skip
        added += 1
    return added


def _insert_statuses(
    conn: sqlite3.Connection,
    campaign_id: str,
    statuses: list[tuple[str, bool]],
    stamp: str,
    user_id: str,
    *,
    first_order: int = 1,
) -> None:
    """Add statuses from SortOrder *first_order* on; the campaign's first one is the default."""
    rows = [
        (new_id("01Y"), campaign_id, label, order, 1 if order == 1 else 0, int(responded), 0,
         stamp, user_id, stamp, user_id, stamp)
        for order, (label, responded) in enumerate(statuses, start=first_order)
    ]  # fmt: skip
    columns = ", ".join(f'"{c}"' for c in _STATUS_COLUMNS)
    marks = ", ".join("?" for _ in _STATUS_COLUMNS)
    conn.executemany(f'INSERT INTO "CampaignMemberStatus" ({columns}) VALUES ({marks})', rows)  # noqa: S608 - fixed names


def _new_member_status(
    conn: sqlite3.Connection, merged: dict[str, Any], changes: dict[str, Any]
) -> None:
    campaign_id, label = merged.get("CampaignId"), merged.get("Label")
    if not campaign_id or not label:
        return
    taken = conn.execute(
        'SELECT Id FROM "CampaignMemberStatus" WHERE CampaignId = ? AND Label = ? COLLATE NOCASE'
        " AND IsDeleted = 0",
        (campaign_id, label),
    ).fetchone()
    if taken:
        raise RecordFailedError(
            SaveError(
                "DUPLICATE_VALUE",
                f"duplicate value found: Label duplicates value on record with id: {taken[0]}",
                ("Label",),
            )
        )
    if merged.get("SortOrder") is None:
        (last,) = conn.execute(
            'SELECT max(SortOrder) FROM "CampaignMemberStatus" WHERE CampaignId = ?',
            (campaign_id,),
        ).fetchone()
        changes["SortOrder"] = merged["SortOrder"] = int(last or 0) + 1


def _only_default(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    conn.execute(
        'UPDATE "CampaignMemberStatus" SET IsDefault = 0 WHERE CampaignId = ? AND Id != ?'
        " AND IsDefault = 1",
        (row["CampaignId"], row["Id"]),
    )


# --- permission sets ------------------------------------------------------------------------


def _unique_assignment(conn: sqlite3.Connection, merged: dict[str, Any]) -> None:
    found = conn.execute(
        'SELECT Id FROM "PermissionSetAssignment" WHERE AssigneeId = ? AND PermissionSetId = ?'
        " AND IsDeleted = 0",
        (merged.get("AssigneeId"), merged.get("PermissionSetId")),
    ).fetchone()
    if found:
        # What an org answers when the user already has the permission set.
        raise RecordFailedError(
            SaveError(
                "DUPLICATE_VALUE",
                "duplicate value found: <unknown> duplicates value on record with id: <unknown>",
            )
        )

"""
The demo org's schema (DESIGN §5): the objects and fields the sandbox org stores, describes
and queries. Pure data; the sandbox's store, SOQL engine, describe and seed all read it.

Storage contract (shared by every sandbox module):
- one SQLite table per object, named as the object's API name, one column per field;
- values are stored as Salesforce serialises them in JSON: datetimes as text
  ``2024-05-01T10:00:00.000+0000`` (always UTC, so text order is time order), dates as
  ``2024-05-01``, booleans as INTEGER 0/1, numbers as REAL/INTEGER, everything else TEXT;
- every object has Id, IsDeleted, CreatedDate, CreatedById, LastModifiedDate,
  LastModifiedById and SystemModstamp (the audit fields below are added automatically).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from sfsync.sandbox.setup_objects import (
    CAMPAIGN_MEMBER_STATUS,
    CONTACT,
    GROUP,
    ORGANIZATION,
    PERMISSION_SET,
    PERMISSION_SET_ASSIGNMENT,
    PROFILE,
    STANDARD_USER_PROFILE_ID,
)
from sfsync.sandbox.sobject import (
    BOOLEAN,
    CURRENCY,
    DATE,
    DATETIME,
    DOUBLE,
    EMAIL,
    ID,
    INT,
    PICKLIST,
    REFERENCE,
    STRING,
    TEXTAREA,
    URL,
    FieldDef,
    ObjectDef,
    audit_fields,
    id_field,
)

_audit = audit_fields
_id = id_field

LEAD_STATUSES = ("Open - Not Contacted", "Working - Contacted", "Closed - Converted",
                 "Closed - Not Converted")  # fmt: skip
INDUSTRIES = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
    "Entertainment", "Environmental", "Finance", "Financial Services", "Food & Beverage",
    "Government", "Healthcare", "Hospitality", "Insurance", "Machinery", "Manufacturing",
    "Media", "Not For Profit", "Recreation", "Retail", "Shipping", "Software", "Technology",
    "Telecommunications", "Transportation", "Utilities", "Other",
)  # fmt: skip
LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Trade Show",
                "Webinar", "Content Download", "Paid Ads", "Other")  # fmt: skip
CAMPAIGN_TYPES = ("Webinar", "Trade Show", "Content Download", "Paid Ads", "Content Syndication",
                  "Email")  # fmt: skip
TASK_STATUSES = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")
_IS_CLOSED = "CASE WHEN \"Status\" = 'Completed' THEN 1 ELSE 0 END"
SFS_STATUSES = ("Sales Ready", "Nurture", "Recycled", "Disqualified", "Insufficient Data")

# The output fields of DESIGN §3 (the default definition's names). `sfsync fields` and the
# definition are the source of truth for real orgs; the sandbox creates these by default.
OUTPUT_FIELDS: tuple[FieldDef, ...] = (
    FieldDef("SFS_Score__c", DOUBLE, "SFS Score", precision=3, custom=True),
    FieldDef("SFS_Fit_Score__c", DOUBLE, "SFS Fit Score", precision=3, custom=True),
    FieldDef("SFS_Engagement_Score__c", DOUBLE, "SFS Engagement Score", precision=3, custom=True),
    FieldDef("SFS_Grade__c", STRING, "SFS Grade", length=2, custom=True),
    FieldDef("SFS_BANT__c", DOUBLE, "SFS BANT", precision=1, custom=True),
    FieldDef("SFS_Status__c", PICKLIST, "SFS Status", length=255, custom=True, picklist=SFS_STATUSES),
    FieldDef("SFS_Reasons__c", TEXTAREA, "SFS Reasons", length=32768, custom=True),
    FieldDef("SFS_Sales_Ready_Since__c", DATETIME, "SFS Sales Ready Since", custom=True),
    FieldDef("SFS_Touches__c", DOUBLE, "SFS Touches", precision=4, custom=True),
    FieldDef("SFS_Touches_Remaining__c", DOUBLE, "SFS Touches Remaining", precision=4, custom=True),
    FieldDef("SFS_Last_Touch__c", DATETIME, "SFS Last Touch", custom=True),
    FieldDef("SFS_First_Touch_Hours__c", DOUBLE, "SFS First Touch Hours", precision=8, scale=1,
             custom=True),
    FieldDef("SFS_Needs_Follow_Up__c", BOOLEAN, "SFS Needs Follow-Up", nillable=False, custom=True),
    FieldDef("SFS_Definition_Version__c", STRING, "SFS Definition Version", length=40, custom=True),
)  # fmt: skip

USER = ObjectDef("User", "005", "User", (
    _id("User ID"),
    FieldDef("Name", STRING, "Full Name", length=121, updateable=False, createable=False),
    FieldDef("FirstName", STRING, "First Name", length=40),
    FieldDef("LastName", STRING, "Last Name", length=80, nillable=False),
    FieldDef("Username", STRING, "Username", length=80, nillable=False),
    FieldDef("Email", EMAIL, "Email", length=128),
    FieldDef("IsActive", BOOLEAN, "Active", nillable=False),
    # What clients read about a user (the sf CLI's User.REQUIRED_FIELDS, the identity URL);
    # rows the seed writes directly get these defaults.
    FieldDef("Alias", STRING, "Alias", length=8, nillable=False, sql_default="user"),
    FieldDef("ProfileId", REFERENCE, "Profile ID", length=18, nillable=False,
             reference_to=("Profile",), relationship_name="Profile",
             sql_default=STANDARD_USER_PROFILE_ID),
    FieldDef("UserType", PICKLIST, "User Type", length=40, createable=False, updateable=False,
             picklist=("Standard", "AutomatedProcess", "CloudIntegrationUser"),
             sql_default="Standard"),
    FieldDef("TimeZoneSidKey", PICKLIST, "Time Zone", length=40, nillable=False,
             picklist=("GMT", "Europe/London", "America/New_York", "America/Los_Angeles"),
             sql_default="GMT"),
    FieldDef("LocaleSidKey", PICKLIST, "Locale", length=40, nillable=False,
             picklist=("en_US", "en_GB", "de_DE", "fr_FR"), sql_default="en_US"),
    FieldDef("LanguageLocaleKey", PICKLIST, "Language", length=40, nillable=False,
             picklist=("en_US", "de", "fr"), sql_default="en_US"),
    FieldDef("EmailEncodingKey", PICKLIST, "Email Encoding", length=40, nillable=False,
             picklist=("UTF-8", "ISO-8859-1"), sql_default="UTF-8"),
    FieldDef("LastLoginDate", DATETIME, "Last Login", createable=False, updateable=False),
    *_audit(),
))  # fmt: skip

LEAD = ObjectDef("Lead", "00Q", "Lead", (
    _id("Lead ID"),
    FieldDef("FirstName", STRING, "First Name", length=40),
    FieldDef("LastName", STRING, "Last Name", length=80, nillable=False),
    FieldDef("Name", STRING, "Full Name", length=121, updateable=False, createable=False),
    FieldDef("Company", STRING, "Company", length=255, nillable=False),
    FieldDef("Title", STRING, "Title", length=128),
    FieldDef("Email", EMAIL, "Email", length=80),
    FieldDef("Industry", PICKLIST, "Industry", length=255, picklist=INDUSTRIES),
    FieldDef("NumberOfEmployees", INT, "Employees", precision=8),
    FieldDef("AnnualRevenue", CURRENCY, "Annual Revenue", precision=18),
    FieldDef("Country", STRING, "Country", length=80),
    FieldDef("LeadSource", PICKLIST, "Lead Source", length=255, picklist=LEAD_SOURCES),
    FieldDef("Status", PICKLIST, "Lead Status", length=255, nillable=False, picklist=LEAD_STATUSES),
    FieldDef("OwnerId", REFERENCE, "Owner ID", length=18, nillable=False,
             reference_to=("Group", "User"), relationship_name="Owner"),
    FieldDef("IsConverted", BOOLEAN, "Converted", updateable=False, nillable=False),
    FieldDef("ConvertedDate", DATE, "Converted Date", updateable=False),
    FieldDef("Budget__c", PICKLIST, "Budget", length=255, custom=True,
             picklist=("Approved", "Planned", "None")),
    FieldDef("Purchase_Timeframe__c", PICKLIST, "Purchase Timeframe", length=255, custom=True,
             picklist=("0-3 months", "3-6 months", "6-12 months", "12+ months", "Unknown")),
    FieldDef("Pain_Points__c", STRING, "Pain Points", length=255, custom=True),
    *OUTPUT_FIELDS,
    *_audit(),
))  # fmt: skip

TASK = ObjectDef("Task", "00T", "Task", (
    _id("Activity ID"),
    FieldDef("WhoId", REFERENCE, "Name ID", length=18, reference_to=("Contact", "Lead"),
             relationship_name="Who"),
    FieldDef("Subject", STRING, "Subject", length=255),
    FieldDef("Type", PICKLIST, "Type", length=255, picklist=("Call", "Email", "Meeting", "Other")),
    FieldDef("TaskSubtype", PICKLIST, "Task Subtype", length=255,
             picklist=("Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn")),
    FieldDef("Status", PICKLIST, "Status", length=255, nillable=False,
             picklist=TASK_STATUSES),
    # The org derives it from Status (TaskStatus.IsClosed: only Completed in a new org).
    FieldDef("IsClosed", BOOLEAN, "Closed", createable=False, updateable=False, nillable=False,
             formula=_IS_CLOSED),
    FieldDef("ActivityDate", DATE, "Due Date Only"),
    FieldDef("OwnerId", REFERENCE, "Assigned To ID", length=18, nillable=False,
             reference_to=("User",), relationship_name="Owner"),
    *_audit(),
))  # fmt: skip

EVENT = ObjectDef("Event", "00U", "Event", (
    _id("Activity ID"),
    FieldDef("WhoId", REFERENCE, "Name ID", length=18, reference_to=("Contact", "Lead"),
             relationship_name="Who"),
    FieldDef("Subject", STRING, "Subject", length=255),
    FieldDef("Type", PICKLIST, "Type", length=255, picklist=("Meeting", "Call", "Other")),
    FieldDef("StartDateTime", DATETIME, "Start Date Time"),
    FieldDef("EndDateTime", DATETIME, "End Date Time"),
    # An invitee's copy of a group event; the sandbox has no invitees, so never.
    FieldDef("IsChild", BOOLEAN, "Is Child", createable=False, updateable=False, nillable=False,
             formula="0"),
    FieldDef("OwnerId", REFERENCE, "Assigned To ID", length=18, nillable=False,
             reference_to=("User",), relationship_name="Owner"),
    *_audit(),
))  # fmt: skip

CAMPAIGN = ObjectDef("Campaign", "701", "Campaign", (
    _id("Campaign ID"),
    FieldDef("Name", STRING, "Campaign Name", length=80, nillable=False),
    FieldDef("Type", PICKLIST, "Type", length=255, picklist=CAMPAIGN_TYPES),
    FieldDef("IsActive", BOOLEAN, "Active", nillable=False),
    FieldDef("StartDate", DATE, "Start Date"),
    *_audit(),
))  # fmt: skip

CAMPAIGN_MEMBER = ObjectDef("CampaignMember", "00v", "Campaign Member", (
    _id("Campaign Member ID"),
    FieldDef("CampaignId", REFERENCE, "Campaign ID", length=18, nillable=False, updateable=False,
             reference_to=("Campaign",), relationship_name="Campaign"),
    FieldDef("LeadId", REFERENCE, "Lead ID", length=18, updateable=False, reference_to=("Lead",),
             relationship_name="Lead"),
    FieldDef("ContactId", REFERENCE, "Contact ID", length=18, updateable=False,
             reference_to=("Contact",), relationship_name="Contact"),
    FieldDef("Status", PICKLIST, "Status", length=40, picklist=("Sent", "Responded", "Registered",
                                                                "Attended")),
    # Derived from Status through the campaign's CampaignMemberStatus rows (sandbox/derived.py).
    FieldDef("HasResponded", BOOLEAN, "Responded", createable=False, updateable=False,
             nillable=False),
    FieldDef("FirstRespondedDate", DATE, "First Responded Date", createable=False,
             updateable=False),
    *_audit(),
))  # fmt: skip

WEB_ACTIVITY = ObjectDef("Web_Activity__c", "a0W", "Web Activity", (
    _id("Record ID"),
    FieldDef("Name", STRING, "Web Activity Name", length=80),
    FieldDef("Lead__c", REFERENCE, "Lead", length=18, custom=True, reference_to=("Lead",),
             relationship_name="Lead__r"),
    FieldDef("Url__c", URL, "URL", length=255, custom=True),
    FieldDef("Visited_At__c", DATETIME, "Visited At", custom=True),
    *_audit(),
), custom=True)  # fmt: skip

# The demo data (sandbox/seed.py writes these), then what every org has (setup_objects.py).
DEMO_OBJECTS = (USER, LEAD, TASK, EVENT, CAMPAIGN, CAMPAIGN_MEMBER, WEB_ACTIVITY)
OBJECTS: dict[str, ObjectDef] = {
    o.name.lower(): o
    for o in (
        *DEMO_OBJECTS,
        ORGANIZATION, PROFILE, PERMISSION_SET, PERMISSION_SET_ASSIGNMENT, GROUP, CONTACT,
        CAMPAIGN_MEMBER_STATUS,
    )
}  # fmt: skip
# The org Id of data directories made before each org got its own (kept for their state).
LEGACY_ORG_ID = "00D000000000000AAA"


# The objects of the org serving the current request: an org whose Lead lacks the output
# fields, or has fields deployed through the Metadata API, differs from OBJECTS (see
# sandbox/metadata.py). Unset outside a request: the static schema above.
_ACTIVE: ContextVar[Mapping[str, ObjectDef] | None] = ContextVar("sandbox_objects", default=None)


@contextmanager
def objects_in_use(objects: Mapping[str, ObjectDef]) -> Iterator[None]:
    """Make `get_object` answer from *objects* (by lower-case name) inside the block."""
    token = _ACTIVE.set(objects)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def active_objects() -> Mapping[str, ObjectDef]:
    """The current org's objects by lower-case name (the static schema outside a request)."""
    return _ACTIVE.get() or OBJECTS


def get_object(name: str) -> ObjectDef | None:
    """Look an object up case-insensitively, as the API does (in the current org's schema)."""
    return (_ACTIVE.get() or OBJECTS).get(name.lower())


def table_ddl(obj: ObjectDef) -> str:
    """The CREATE TABLE statement for one object under the storage contract above."""
    cols = ",\n  ".join(f.column_ddl() for f in obj.fields)
    return f'CREATE TABLE IF NOT EXISTS "{obj.name}" (\n  {cols}\n)'


def index_ddl(obj: ObjectDef) -> list[str]:
    """Indexes the sync's queries need: SystemModstamp for watermarks, lookups to Lead."""
    stmts = [
        f'CREATE INDEX IF NOT EXISTS "ix_{obj.name}_modstamp" ON "{obj.name}" ("SystemModstamp")'
    ]
    stmts += [
        f'CREATE INDEX IF NOT EXISTS "ix_{obj.name}_{f.name}" ON "{obj.name}" ("{f.name}")'
        for f in obj.fields
        if f.type == REFERENCE and f.name not in ("CreatedById", "LastModifiedById")
    ]
    return stmts


def create_tables(conn: object, objects: Mapping[str, ObjectDef] | None = None) -> None:
    """
    Create every object's table and indexes on an open sqlite3 connection (idempotent), and
    add the columns a table made by an earlier version lacks, so an old data directory opens.
    *objects* (by lower-case name) replaces the static schema: an org profile's objects.
    """
    for obj in (OBJECTS if objects is None else objects).values():
        conn.execute(table_ddl(obj))  # type: ignore[attr-defined]
        rows = conn.execute(f'PRAGMA table_xinfo("{obj.name}")').fetchall()  # type: ignore[attr-defined]
        have = {str(r[1]).lower() for r in rows}
        for fdef in obj.fields:
            if fdef.name.lower() not in have:
                conn.execute(f'ALTER TABLE "{obj.name}" ADD COLUMN {fdef.column_ddl()}')  # type: ignore[attr-defined]
        for stmt in index_ddl(obj):
            conn.execute(stmt)  # type: ignore[attr-defined]


__all__ = [
    "BOOLEAN", "CAMPAIGN", "CAMPAIGN_MEMBER", "CAMPAIGN_MEMBER_STATUS", "CAMPAIGN_TYPES",
    "CONTACT", "CURRENCY", "DATE", "DATETIME", "DEMO_OBJECTS", "DOUBLE", "EMAIL", "EVENT", "GROUP", "ID",
    "INDUSTRIES", "INT", "LEAD", "LEAD_SOURCES", "LEAD_STATUSES", "LEGACY_ORG_ID", "OBJECTS",
    "ORGANIZATION", "OUTPUT_FIELDS", "PERMISSION_SET", "PERMISSION_SET_ASSIGNMENT", "PICKLIST",
    "PROFILE", "REFERENCE", "SFS_STATUSES", "STRING", "TASK", "TASK_STATUSES", "TEXTAREA",
    "URL", "USER", "WEB_ACTIVITY", "FieldDef", "ObjectDef", "active_objects", "create_tables",
    "get_object",
    "index_ddl", "objects_in_use", "table_ddl",
]  # fmt: skip

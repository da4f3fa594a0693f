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
from dataclasses import dataclass, field

# Salesforce describe "type" values used here.
ID, STRING, TEXTAREA, EMAIL, PICKLIST, DOUBLE, INT, CURRENCY, BOOLEAN, DATETIME, DATE, REFERENCE, URL = (
    "id", "string", "textarea", "email", "picklist", "double", "int", "currency",
    "boolean", "datetime", "date", "reference", "url",
)  # fmt: skip


@dataclass(frozen=True)
class FieldDef:
    """One field as describe reports it."""

    name: str
    type: str
    label: str = ""
    length: int = 0
    precision: int = 0
    scale: int = 0
    updateable: bool = True
    createable: bool = True
    nillable: bool = True
    custom: bool = False
    picklist: tuple[str, ...] = ()
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None

    @property
    def sql_type(self) -> str:
        """The SQLite column affinity for this field's values."""
        if self.type in (DOUBLE, CURRENCY):
            return "REAL"
        if self.type in (INT, BOOLEAN):
            return "INTEGER"
        return "TEXT"


@dataclass(frozen=True)
class ObjectDef:
    """One sObject: its API name, key prefix and fields (audit fields included)."""

    name: str
    key_prefix: str
    label: str
    fields: tuple[FieldDef, ...]
    custom: bool = False
    by_name: dict[str, FieldDef] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_name.update({f.name.lower(): f for f in self.fields})

    def get(self, name: str) -> FieldDef | None:
        """Look a field up case-insensitively, as SOQL does."""
        return self.by_name.get(name.lower())


def _audit() -> tuple[FieldDef, ...]:
    user = ("User",)
    return (
        FieldDef("IsDeleted", BOOLEAN, "Deleted", updateable=False, createable=False, nillable=False),
        # Audit fields are createable, as in an org with "Set Audit Fields upon Record Creation".
        FieldDef("CreatedDate", DATETIME, "Created Date", updateable=False, nillable=False),
        FieldDef("CreatedById", REFERENCE, "Created By ID", updateable=False, nillable=False,
                 reference_to=user, relationship_name="CreatedBy"),
        FieldDef("LastModifiedDate", DATETIME, "Last Modified Date", updateable=False, nillable=False),
        FieldDef("LastModifiedById", REFERENCE, "Last Modified By ID", updateable=False,
                 createable=False, nillable=False, reference_to=user,
                 relationship_name="LastModifiedBy"),
        FieldDef("SystemModstamp", DATETIME, "System Modstamp", updateable=False, createable=False,
                 nillable=False),
    )  # fmt: skip


def _id(label: str) -> FieldDef:
    return FieldDef("Id", ID, label, length=18, updateable=False, createable=False, nillable=False)


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
    FieldDef("OwnerId", REFERENCE, "Owner ID", length=18, nillable=False, reference_to=("User",),
             relationship_name="Owner"),
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
    FieldDef("WhoId", REFERENCE, "Name ID", length=18, reference_to=("Lead",),
             relationship_name="Who"),
    FieldDef("Subject", STRING, "Subject", length=255),
    FieldDef("Type", PICKLIST, "Type", length=255, picklist=("Call", "Email", "Meeting", "Other")),
    FieldDef("TaskSubtype", PICKLIST, "Task Subtype", length=255,
             picklist=("Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn")),
    FieldDef("Status", PICKLIST, "Status", length=255, nillable=False,
             picklist=("Not Started", "In Progress", "Completed", "Waiting on someone else",
                       "Deferred")),
    FieldDef("ActivityDate", DATE, "Due Date Only"),
    FieldDef("OwnerId", REFERENCE, "Assigned To ID", length=18, nillable=False,
             reference_to=("User",), relationship_name="Owner"),
    *_audit(),
))  # fmt: skip

EVENT = ObjectDef("Event", "00U", "Event", (
    _id("Activity ID"),
    FieldDef("WhoId", REFERENCE, "Name ID", length=18, reference_to=("Lead",),
             relationship_name="Who"),
    FieldDef("Subject", STRING, "Subject", length=255),
    FieldDef("Type", PICKLIST, "Type", length=255, picklist=("Meeting", "Call", "Other")),
    FieldDef("StartDateTime", DATETIME, "Start Date Time"),
    FieldDef("EndDateTime", DATETIME, "End Date Time"),
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
    FieldDef("Status", PICKLIST, "Status", length=40, picklist=("Sent", "Responded", "Registered",
                                                                "Attended")),
    FieldDef("HasResponded", BOOLEAN, "Responded", updateable=False, nillable=False),
    FieldDef("FirstRespondedDate", DATE, "First Responded Date", updateable=False),
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

OBJECTS: dict[str, ObjectDef] = {
    o.name.lower(): o for o in (USER, LEAD, TASK, EVENT, CAMPAIGN, CAMPAIGN_MEMBER, WEB_ACTIVITY)
}
ORG_ID = "00D000000000000AAA"


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


def get_object(name: str) -> ObjectDef | None:
    """Look an object up case-insensitively, as the API does (in the current org's schema)."""
    return (_ACTIVE.get() or OBJECTS).get(name.lower())


def table_ddl(obj: ObjectDef) -> str:
    """The CREATE TABLE statement for one object under the storage contract above."""
    cols = ",\n  ".join(
        f'"{f.name}" {f.sql_type}' + (" PRIMARY KEY" if f.name == "Id" else "") for f in obj.fields
    )
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


def create_tables(conn: object) -> None:
    """Create every object's table and indexes on an open sqlite3 connection (idempotent)."""
    for obj in OBJECTS.values():
        conn.execute(table_ddl(obj))  # type: ignore[attr-defined]
        for stmt in index_ddl(obj):
            conn.execute(stmt)  # type: ignore[attr-defined]

"""
The setup objects every Salesforce org has, which admin tools read before they do anything:
Organization (the sf CLI queries it first), Profile, PermissionSet and
PermissionSetAssignment (`sf org assign permset`), Group (queues own leads), Contact (the
other target of WhoId) and CampaignMemberStatus (what makes a member "responded").

Field lists follow the Object Reference (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/),
cut to the fields clients read. Pure data; `setup_rows` writes the rows an org starts with.
"""

from __future__ import annotations

from sfsync.sandbox.ids import with_checksum
from sfsync.sandbox.sobject import (
    BOOLEAN,
    DATETIME,
    EMAIL,
    INT,
    PICKLIST,
    REFERENCE,
    STRING,
    FieldDef,
    ObjectDef,
    audit_fields,
    id_field,
)

SYSTEM_ADMINISTRATOR_PROFILE_ID = with_checksum("00e5g000000SyAdm")
STANDARD_USER_PROFILE_ID = with_checksum("00e5g000000StdUs")
MARKETING_USER_PROFILE_ID = with_checksum("00e5g000000MktUs")
READ_ONLY_PROFILE_ID = with_checksum("00e5g000000RdOnl")
ALL_INTERNAL_USERS_GROUP_ID = with_checksum("00G5g000000AllIn")

ORGANIZATION_TYPES = ("Developer Edition", "Enterprise Edition", "Unlimited Edition",
                      "Professional Edition", "Base Edition")  # fmt: skip

ORGANIZATION = ObjectDef("Organization", "00D", "Organization", (
    id_field("Organization ID"),
    FieldDef("Name", STRING, "Name", length=80, nillable=False),
    FieldDef("Division", STRING, "Division", length=80),
    FieldDef("Country", STRING, "Country", length=80),
    FieldDef("PrimaryContact", STRING, "Primary Contact", length=80),
    FieldDef("DefaultLocaleSidKey", PICKLIST, "Locale", length=40, nillable=False,
             picklist=("en_US",)),
    FieldDef("LanguageLocaleKey", PICKLIST, "Language", length=40, nillable=False,
             picklist=("en_US",)),
    FieldDef("TimeZoneSidKey", PICKLIST, "Time Zone", length=40, nillable=False,
             picklist=("GMT",)),
    FieldDef("InstanceName", STRING, "Instance Name", length=5, updateable=False),
    FieldDef("IsSandbox", BOOLEAN, "Is Sandbox", updateable=False, nillable=False),
    FieldDef("OrganizationType", PICKLIST, "Edition", length=40, updateable=False,
             picklist=ORGANIZATION_TYPES),
    FieldDef("NamespacePrefix", STRING, "Namespace Prefix", length=15, updateable=False),
    FieldDef("TrialExpirationDate", DATETIME, "Trial Expiration Date", updateable=False),
    *audit_fields(),
), createable=False, updateable=False, deletable=False)  # fmt: skip

PROFILE = ObjectDef("Profile", "00e", "Profile", (
    id_field("Profile ID"),
    FieldDef("Name", STRING, "Name", length=255, nillable=False),
    FieldDef("UserType", PICKLIST, "User Type", length=40, updateable=False,
             picklist=("Standard", "PowerPartner", "CsnOnly")),
    FieldDef("Description", STRING, "Description", length=255),
    FieldDef("PermissionsApiEnabled", BOOLEAN, "API Enabled", nillable=False),
    FieldDef("PermissionsModifyAllData", BOOLEAN, "Modify All Data", nillable=False),
    *audit_fields(),
), createable=False, deletable=False)  # fmt: skip

PERMISSION_SET = ObjectDef("PermissionSet", "0PS", "Permission Set", (
    id_field("Permission Set ID"),
    FieldDef("Name", STRING, "Name", length=80, nillable=False),
    FieldDef("Label", STRING, "Label", length=80, nillable=False),
    FieldDef("Description", STRING, "Description", length=255),
    FieldDef("NamespacePrefix", STRING, "Namespace Prefix", length=15, createable=False,
             updateable=False),
    FieldDef("IsCustom", BOOLEAN, "Custom", createable=False, updateable=False, nillable=False),
    FieldDef("IsOwnedByProfile", BOOLEAN, "Is Owned By Profile", createable=False,
             updateable=False, nillable=False),
    FieldDef("ProfileId", REFERENCE, "Profile ID", length=18, createable=False, updateable=False,
             reference_to=("Profile",), relationship_name="Profile"),
    FieldDef("HasActivationRequired", BOOLEAN, "Session Activation Required", nillable=False),
    FieldDef("PermissionsApiEnabled", BOOLEAN, "API Enabled", nillable=False),
    *audit_fields(),
))  # fmt: skip

PERMISSION_SET_ASSIGNMENT = ObjectDef("PermissionSetAssignment", "0Pa", "Permission Set Assignment", (
    id_field("Permission Set Assignment ID"),
    FieldDef("AssigneeId", REFERENCE, "Assignee ID", length=18, nillable=False,
             updateable=False, reference_to=("User",), relationship_name="Assignee"),
    FieldDef("PermissionSetId", REFERENCE, "Permission Set ID", length=18, nillable=False,
             updateable=False, reference_to=("PermissionSet",),
             relationship_name="PermissionSet"),
    FieldDef("IsActive", BOOLEAN, "Is Active", createable=False, updateable=False,
             nillable=False, formula="1"),
    FieldDef("ExpirationDate", DATETIME, "Expiration Date"),
    *audit_fields(),
))  # fmt: skip

GROUP = ObjectDef("Group", "00G", "Group", (
    id_field("Group ID"),
    FieldDef("Name", STRING, "Name", length=40, nillable=False),
    FieldDef("DeveloperName", STRING, "Developer Name", length=80),
    FieldDef("Type", PICKLIST, "Type", length=40, nillable=False, updateable=False,
             picklist=("Regular", "Queue", "Organization", "Role", "AllCustomerPortal")),
    FieldDef("Email", EMAIL, "Email", length=255),
    *audit_fields(),
))  # fmt: skip

CONTACT = ObjectDef("Contact", "003", "Contact", (
    id_field("Contact ID"),
    FieldDef("FirstName", STRING, "First Name", length=40),
    FieldDef("LastName", STRING, "Last Name", length=80, nillable=False),
    FieldDef("Name", STRING, "Full Name", length=121, updateable=False, createable=False),
    FieldDef("Title", STRING, "Title", length=128),
    FieldDef("Email", EMAIL, "Email", length=80),
    FieldDef("OwnerId", REFERENCE, "Owner ID", length=18, nillable=False, reference_to=("User",),
             relationship_name="Owner"),
    *audit_fields(),
))  # fmt: skip

# https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_campaignmemberstatus.htm
CAMPAIGN_MEMBER_STATUS = ObjectDef("CampaignMemberStatus", "01Y", "Campaign Member Status", (
    id_field("Campaign Member Status ID"),
    FieldDef("CampaignId", REFERENCE, "Campaign ID", length=18, nillable=False, updateable=False,
             reference_to=("Campaign",), relationship_name="Campaign"),
    FieldDef("Label", STRING, "Member Status", length=765, nillable=False, updateable=False),
    FieldDef("SortOrder", INT, "Sort Order", precision=9),
    FieldDef("IsDefault", BOOLEAN, "Default", nillable=False),
    FieldDef("HasResponded", BOOLEAN, "Responded", nillable=False),
    *audit_fields(),
))  # fmt: skip

# (Id, Name, UserType, Description, API enabled, Modify All Data)
PROFILES = (
    (SYSTEM_ADMINISTRATOR_PROFILE_ID, "System Administrator", "Standard",
     "Can configure and customize the org", 1, 1),
    (STANDARD_USER_PROFILE_ID, "Standard User", "Standard",
     "Can create and edit most records", 1, 0),
    (MARKETING_USER_PROFILE_ID, "Marketing User", "Standard",
     "Can manage campaigns and import leads", 1, 0),
    (READ_ONLY_PROFILE_ID, "Read Only", "Standard", "Can view the org's data", 1, 0),
)  # fmt: skip

# The member statuses a new campaign gets (Salesforce: "Sent" is the default, "Responded"
# the responded one), and the label -> responded flag of every status the demo data uses.
DEFAULT_MEMBER_STATUSES = (("Sent", False), ("Responded", True))
KNOWN_MEMBER_STATUSES = {"sent": False, "responded": True, "registered": True, "attended": True}

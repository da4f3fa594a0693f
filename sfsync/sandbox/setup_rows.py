"""
The rows an org has before anyone loads data: its Organization record (with the org's own
Id, made once per data directory), the standard profiles, the all-users group, the profile
of every user, the member statuses of every campaign, and a PermissionSet record for every
permission set deployed through the Metadata API. `ensure_setup_rows` is idempotent and
runs whenever an org opens.
"""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET

from sfsync.sandbox import derived, schema
from sfsync.sandbox.ids import new_id
from sfsync.sandbox.setup_objects import (
    ALL_INTERNAL_USERS_GROUP_ID,
    MARKETING_USER_PROFILE_ID,
    PROFILES,
    SYSTEM_ADMINISTRATOR_PROFILE_ID,
)

ORG_NAME = "sfsync Sandbox Org"
# A production org of the edition most sfsync users have (sf treats IsSandbox orgs as
# source-tracked sandboxes and asks the Tooling API for SourceMember, which this org lacks).
ORG_EDITION = "Enterprise Edition"
INSTANCE_NAME = "LOCAL"
_META_DDL = "CREATE TABLE IF NOT EXISTS _sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
_METADATA_NS = "{http://soap.sforce.com/2006/04/metadata}"


def org_id(conn: sqlite3.Connection) -> str:
    """
    This data directory's org Id: made once (a valid 18-character `00D` Id), then kept. An
    org made before every org had its own keeps the Id it had, so its sfsync state still
    matches.
    """
    conn.execute(_META_DDL)
    row = conn.execute("SELECT value FROM _sandbox_meta WHERE key = 'org_id'").fetchone()
    if row is not None:
        return str(row[0])
    older = conn.execute("SELECT 1 FROM _sandbox_meta WHERE key = 'access_token'").fetchone()
    value = schema.LEGACY_ORG_ID if older else new_id("00D")
    conn.execute("INSERT INTO _sandbox_meta (key, value) VALUES ('org_id', ?)", (value,))
    return value


def ensure_setup_rows(
    conn: sqlite3.Connection,
    *,
    organization_id: str,
    integration_user_id: str,
    marketing_user_id: str,
    stamp: str,
) -> None:
    """Write whatever of the org's standing rows is missing (inside the caller's lock)."""
    audit = (0, stamp, integration_user_id, stamp, integration_user_id, stamp)
    # One Organization row, the org's own (a test may have given the org another Id).
    conn.execute('DELETE FROM "Organization" WHERE Id != ?', (organization_id,))
    audit_cols = (
        "IsDeleted, CreatedDate, CreatedById, LastModifiedDate, LastModifiedById, SystemModstamp"
    )
    conn.execute(
        f'INSERT OR IGNORE INTO "Organization" (Id, Name, Country, DefaultLocaleSidKey,'  # noqa: S608 - fixed names
        f" LanguageLocaleKey, TimeZoneSidKey, InstanceName, IsSandbox, OrganizationType,"
        f" NamespacePrefix, TrialExpirationDate, {audit_cols})"
        " VALUES (?, ?, 'United States', 'en_US', 'en_US', 'GMT', ?, 0, ?, NULL, NULL,"
        " ?, ?, ?, ?, ?, ?)",
        (organization_id, ORG_NAME, INSTANCE_NAME, ORG_EDITION, *audit),
    )
    conn.executemany(
        f'INSERT OR IGNORE INTO "Profile" (Id, Name, UserType, Description,'  # noqa: S608 - fixed names
        f" PermissionsApiEnabled, PermissionsModifyAllData, {audit_cols})"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*profile, *audit) for profile in PROFILES],
    )
    conn.execute(
        f'INSERT OR IGNORE INTO "Group" (Id, Name, DeveloperName, Type, {audit_cols})'  # noqa: S608 - fixed names
        " VALUES (?, 'All Internal Users', 'AllInternalUsers', 'Organization', ?, ?, ?, ?, ?, ?)",
        (ALL_INTERNAL_USERS_GROUP_ID, *audit),
    )
    # The integration user administers the org (it deploys metadata); marketing automation
    # is a marketing user. Rows the seed rewrote got the column defaults back.
    for user_id, profile_id in (
        (integration_user_id, SYSTEM_ADMINISTRATOR_PROFILE_ID),
        (marketing_user_id, MARKETING_USER_PROFILE_ID),
    ):
        conn.execute('UPDATE "User" SET ProfileId = ? WHERE Id = ?', (profile_id, user_id))
    conn.execute(
        "UPDATE \"User\" SET Alias = lower(substr(replace(coalesce(FirstName, '') || LastName,"
        " ' ', ''), 1, 8)) WHERE Alias IS NULL OR Alias = 'user'"
    )
    derived.ensure_member_statuses(conn, stamp=stamp, user_id=integration_user_id)
    ensure_permission_sets(conn, stamp=stamp, user_id=integration_user_id)


def ensure_permission_sets(conn: sqlite3.Connection, *, stamp: str, user_id: str) -> None:
    """A PermissionSet record for every permission set the org holds as deployed metadata."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS _sandbox_metadata (type TEXT NOT NULL, full_name TEXT NOT"
        " NULL, content BLOB NOT NULL, PRIMARY KEY (type, full_name))"
    )
    deployed = conn.execute(
        "SELECT full_name, content FROM _sandbox_metadata WHERE type = 'PermissionSet'"
    ).fetchall()
    for name, content in deployed:
        root = ET.fromstring(bytes(content))  # noqa: S314 - stored by the org itself
        label = (root.findtext(_METADATA_NS + "label") or name).strip()
        description = root.findtext(_METADATA_NS + "description")
        api = any(
            (p.findtext(_METADATA_NS + "name") or "").strip() == "ApiEnabled"
            and (p.findtext(_METADATA_NS + "enabled") or "").strip() == "true"
            for p in root.findall(_METADATA_NS + "userPermissions")
        )
        found = conn.execute(
            'SELECT Id FROM "PermissionSet" WHERE Name = ? AND IsDeleted = 0', (name,)
        ).fetchone()
        if found:
            conn.execute(
                'UPDATE "PermissionSet" SET Label = ?, Description = ?, PermissionsApiEnabled = ?'
                " WHERE Id = ? AND (Label IS NOT ? OR Description IS NOT ?"
                " OR PermissionsApiEnabled IS NOT ?)",
                (label, description, int(api), found[0], label, description, int(api)),
            )
            continue
        conn.execute(
            'INSERT INTO "PermissionSet" (Id, Name, Label, Description, IsCustom,'
            " IsOwnedByProfile, HasActivationRequired, PermissionsApiEnabled, IsDeleted,"
            " CreatedDate, CreatedById, LastModifiedDate, LastModifiedById, SystemModstamp)"
            " VALUES (?, ?, ?, ?, 1, 0, 0, ?, 0, ?, ?, ?, ?, ?)",
            (new_id("0PS"), name, label, description, int(api), stamp, user_id, stamp, user_id,
             stamp),
        )  # fmt: skip

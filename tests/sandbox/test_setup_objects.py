"""The setup objects every org has: Organization, profiles, permission sets and assignments."""

from __future__ import annotations

from pathlib import Path

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sfsync.sandbox import schema
from sfsync.sandbox.ids import normalize_id
from sfsync.sandbox.org import SandboxOrg, WriteOp
from sfsync.sandbox.server import RunningSandbox
from sfsync.sandbox.setup_objects import SYSTEM_ADMINISTRATOR_PROFILE_ID


def test_each_new_org_has_its_own_valid_org_id(tmp_path: Path) -> None:
    """Two data directories get two org Ids, each a checksummed 00D Id that survives a restart."""
    first = SandboxOrg(tmp_path / "a.sqlite3")
    second = SandboxOrg(tmp_path / "b.sqlite3")
    try:
        ids = (first.org_id, second.org_id)
        token_prefixes = (first.access_token[:15], second.access_token[:15])
    finally:
        first.close()
        second.close()
    again = SandboxOrg(tmp_path / "a.sqlite3")
    try:
        assert again.org_id == ids[0]
    finally:
        again.close()

    assert ids[0] != ids[1]
    assert all(i.startswith("00D") and normalize_id(i) == i for i in ids)
    # Salesforce session Ids start with the org's 15-character Id.
    assert token_prefixes == (ids[0][:15], ids[1][:15])


def test_an_org_made_before_org_ids_keeps_the_old_one(tmp_path: Path) -> None:
    """A data directory from before every org had its own Id keeps 00D000000000000AAA."""
    import sqlite3

    db = tmp_path / "org.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE _sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("INSERT INTO _sandbox_meta VALUES ('access_token', '00D000000000000!AQx')")
    org = SandboxOrg(db)
    try:
        assert org.org_id == schema.LEGACY_ORG_ID
    finally:
        org.close()


def test_organization_answers_what_the_sf_cli_asks(sf: Salesforce, sandbox: RunningSandbox) -> None:
    """The sf CLI's first query (@salesforce/core determineOrg) returns the org's one row."""
    result = sf.query(
        "SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix,"
        " OrganizationType FROM Organization"
    )
    (row,) = result["records"]
    assert row["attributes"]["url"].endswith(f"/Organization/{sandbox.org.org_id}")
    assert (row["IsSandbox"], row["TrialExpirationDate"], row["NamespacePrefix"]) == (
        False,
        None,
        None,
    )
    assert row["OrganizationType"] == "Enterprise Edition"
    assert sf.query("SELECT Id FROM Organization")["records"][0]["Id"] == sandbox.org.org_id


def test_organization_and_profiles_are_read_only(sf: Salesforce) -> None:
    """Inserting an Organization or a Profile fails as in a real org."""
    for name in ("Organization", "Profile"):
        with pytest.raises(SalesforceMalformedRequest) as info:
            getattr(sf, name).create({"Name": "Another"})
        assert info.value.content[0]["errorCode"] == "INVALID_TYPE_FOR_OPERATION"


def test_users_carry_the_fields_clients_read(sf: Salesforce, sandbox: RunningSandbox) -> None:
    """The sf CLI's User.REQUIRED_FIELDS query works; the integration user administers the org."""
    username = sandbox.org.integration_username()
    (user,) = sf.query(
        "SELECT Id, Username, LastName, Alias, TimeZoneSidKey, LocaleSidKey, EmailEncodingKey,"
        " ProfileId, LanguageLocaleKey, Email, Profile.Name FROM User"
        f" WHERE Username = '{username}'"
    )["records"]
    assert user["ProfileId"] == SYSTEM_ADMINISTRATOR_PROFILE_ID
    assert user["Profile"]["Name"] == "System Administrator"
    assert all(user[k] for k in ("Alias", "TimeZoneSidKey", "LocaleSidKey", "EmailEncodingKey"))
    profiles = {r["Name"] for r in sf.query("SELECT Name FROM Profile")["records"]}
    assert {"System Administrator", "Standard User"} <= profiles


def test_permission_set_assignment_insert_duplicate_and_delete(
    sf: Salesforce, sandbox: RunningSandbox
) -> None:
    """An assignment is made once; a second is DUPLICATE_VALUE; a deleted one can be made again."""
    created = sf.PermissionSet.create({"Name": "Reporting", "Label": "Reporting"})
    user_id = sandbox.org.user_id
    assignment = {"AssigneeId": user_id, "PermissionSetId": created["id"]}
    first = sf.PermissionSetAssignment.create(assignment)
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.PermissionSetAssignment.create(assignment)
    assert info.value.content[0]["errorCode"] == "DUPLICATE_VALUE"

    rows = sf.query(
        "SELECT Id, Assignee.Username, PermissionSet.Name, IsActive FROM PermissionSetAssignment"
        f" WHERE AssigneeId = '{user_id}'"
    )["records"]
    assert [(r["PermissionSet"]["Name"], r["IsActive"]) for r in rows] == [("Reporting", True)]
    sf.PermissionSetAssignment.delete(first["id"])
    assert (
        sf.query(f"SELECT Id FROM PermissionSetAssignment WHERE Id = '{first['id']}'")["totalSize"]
        == 0
    )
    assert sf.PermissionSetAssignment.create(assignment)["success"]


def test_an_assignment_needs_a_real_user_and_permission_set(
    tmp_path: Path,
) -> None:
    """A PermissionSetAssignment to an unknown permission set fails on that record alone."""
    org = SandboxOrg(tmp_path / "org.sqlite3")
    try:
        (bad,) = org.save(
            [
                WriteOp(
                    "insert",
                    schema.PERMISSION_SET_ASSIGNMENT,
                    None,
                    {"AssigneeId": org.user_id, "PermissionSetId": "0PS5g00000NoSuchAAA"},
                )
            ]
        )
    finally:
        org.close()
    assert [e.status_code for e in bad.errors] in (
        ["INVALID_CROSS_REFERENCE_KEY"],
        ["MALFORMED_ID"],
    )


def test_describe_names_the_real_reference_targets(sf: Salesforce) -> None:
    """WhoId points at Contact or Lead, Lead.OwnerId at Group or User, as in a real org."""
    task = {f["name"]: f for f in sf.Task.describe()["fields"]}
    lead = {f["name"]: f for f in sf.Lead.describe()["fields"]}
    assert task["WhoId"]["referenceTo"] == ["Contact", "Lead"]
    assert lead["OwnerId"]["referenceTo"] == ["Group", "User"]
    assert task["IsClosed"]["updateable"] is False
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert {"Organization", "Profile", "PermissionSet", "PermissionSetAssignment", "Group",
            "Contact", "CampaignMemberStatus"} <= names  # fmt: skip

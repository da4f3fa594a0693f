"""The org's parts on their own: field definitions, saves, write rules, setup rows, answers."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sfsync.sandbox import schema
from sfsync.sandbox.admin import invalid_session
from sfsync.sandbox.aggregate import aggregate_sql
from sfsync.sandbox.columns import column_metadata
from sfsync.sandbox.derived import ensure_member_statuses, member_statuses
from sfsync.sandbox.faults import FaultState
from sfsync.sandbox.identity import identity_url
from sfsync.sandbox.metadata_soap import fault
from sfsync.sandbox.org import SandboxOrg
from sfsync.sandbox.saves import SaveError, SaveResult, WriteOp
from sfsync.sandbox.seed import INTEGRATION_USER_ID, seed_org
from sfsync.sandbox.setup_rows import ensure_setup_rows, org_id
from sfsync.sandbox.sobject import FieldDef, is_groupable, is_long_text
from sfsync.sandbox.soql import Aggregate, parse
from sfsync.sandbox.writes import RecordWriter, get_row

STAMP = "2026-11-20T12:00:00.000+0000"


def _seeded(tmp_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(tmp_path / "org.sqlite3", isolation_level=None)
    schema.create_tables(conn)
    seed_org(conn, leads=40, now=datetime(2026, 11, 20, tzinfo=UTC))
    return conn


def test_field_ddl_and_what_can_be_grouped() -> None:
    """Derived fields are generated columns, defaults are SQL defaults; describe's groupable."""
    closed = schema.TASK.by_name["isclosed"].column_ddl()
    assert closed.endswith(
        """GENERATED ALWAYS AS (CASE WHEN "Status" = 'Completed' THEN 1 ELSE 0 END) VIRTUAL"""
    )
    assert FieldDef("Alias", "string", sql_default="o'k").column_ddl() == (
        "\"Alias\" TEXT DEFAULT 'o''k'"
    )
    reasons = schema.LEAD.by_name["sfs_reasons__c"]
    assert is_long_text(reasons)
    assert not is_groupable(reasons)
    assert not is_groupable(schema.LEAD.by_name["annualrevenue"])
    assert is_groupable(schema.LEAD.by_name["industry"])


def test_save_results_in_salesforce_shapes() -> None:
    """A failed SaveResult has no id and success false; Bulk errors read CODE:message:fields."""
    error = SaveError("INVALID_EMAIL_ADDRESS", "Email: invalid email address: x", ("Email",))
    assert SaveResult(None, [error]).to_json() == {
        "success": False,
        "errors": [error.to_json()],
    }
    assert error.to_bulk() == "INVALID_EMAIL_ADDRESS:Email: invalid email address: x:Email"
    assert SaveError("X", "y").to_bulk() == "X:y:--"


def test_writer_refuses_what_the_object_does_not_allow(tmp_path: Path) -> None:
    """The Organization cannot be inserted; a Contact can, and gets its Name derived."""
    conn = _seeded(tmp_path)
    writer = RecordWriter(conn, FaultState(), INTEGRATION_USER_ID)
    refused = writer.apply(WriteOp("insert", schema.ORGANIZATION, None, {"Name": "x"}), STAMP,
                           auto_assign=False)  # fmt: skip
    assert [e.status_code for e in refused.errors] == ["INVALID_TYPE_FOR_OPERATION"]
    created = writer.apply(
        WriteOp("insert", schema.CONTACT, None, {"FirstName": "Ada", "LastName": "L"}), STAMP,
        auto_assign=False,
    )  # fmt: skip
    assert created.id is not None
    row = get_row(conn, schema.CONTACT, created.id)
    assert row is not None
    assert (row["Name"], row["OwnerId"]) == ("Ada L", INTEGRATION_USER_ID)


def test_member_statuses_follow_the_seeded_members(tmp_path: Path) -> None:
    """Each campaign gets Sent/Responded plus the statuses its members use, once."""
    conn = _seeded(tmp_path)
    added = ensure_member_statuses(conn, stamp=STAMP, user_id=INTEGRATION_USER_ID)
    assert added > 0
    assert ensure_member_statuses(conn, stamp=STAMP, user_id=INTEGRATION_USER_ID) == 0
    webinar = conn.execute(
        "SELECT c.Id FROM Campaign c JOIN CampaignMember m ON m.CampaignId = c.Id"
        " WHERE c.Type = 'Webinar' AND m.Status = 'Attended' LIMIT 1"
    ).fetchone()[0]
    statuses = member_statuses(conn, webinar)
    assert statuses["sent"] == ("Sent", False, True)
    assert statuses["attended"][1] is True


def test_setup_rows_make_one_organization(tmp_path: Path) -> None:
    """The org Id is made once; the Organization table holds exactly that one row."""
    conn = _seeded(tmp_path)
    first = org_id(conn)
    assert org_id(conn) == first
    for _ in range(2):
        ensure_setup_rows(conn, organization_id=first, integration_user_id=INTEGRATION_USER_ID,
                          marketing_user_id=INTEGRATION_USER_ID, stamp=STAMP)  # fmt: skip
    assert conn.execute('SELECT Id FROM "Organization"').fetchall() == [(first,)]


def test_answers_in_salesforce_shapes(tmp_path: Path) -> None:
    """The 401 list body, the SOAP fault, the identity URL, COUNT() metadata, aggregate SQL."""
    assert invalid_session().status == 401
    soap = fault("sf:INVALID_SESSION_ID", "INVALID_SESSION_ID: bad <session>")
    assert soap.status == 500
    assert b"<faultstring>INVALID_SESSION_ID: bad &lt;session&gt;</faultstring>" in soap.body
    org = SandboxOrg(tmp_path / "org.sqlite3")
    try:
        assert identity_url("https://h", org, "005x") == f"https://h/id/{org.org_id}/005x"
    finally:
        org.close()
    assert column_metadata(parse("SELECT COUNT() FROM Lead"))["columnMetadata"] == []
    count = Aggregate("COUNT_DISTINCT", parse("SELECT Id FROM Lead").fields[0])
    assert aggregate_sql(count, 't0."Id"') == 'COUNT(DISTINCT t0."Id")'

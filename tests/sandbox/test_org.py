"""The org's building blocks: Ids, value conversions, the clock and the write rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfsync.sandbox import schema, seed
from sfsync.sandbox.ids import new_id, normalize_id
from sfsync.sandbox.org import SandboxOrg, WriteOp
from sfsync.sandbox.values import (
    ValueTypeError,
    csv_to_storage,
    json_to_csv,
    json_to_storage,
)


def test_ids_match_salesforce_checksums() -> None:
    """18-character Ids carry Salesforce's checksum; 15-character ones expand; bad ones fail."""
    known = seed.make_id("00Q", 12345)
    assert known == normalize_id(known[:15])
    assert normalize_id("00Q5g00000BadIdAAA") is None
    assert normalize_id("short") is None
    fresh = new_id("00Q")
    assert fresh == normalize_id(fresh)


def test_value_conversions() -> None:
    """JSON and CSV values become storage values; wrong types are refused."""
    score = schema.LEAD.get("SFS_Score__c")
    when = schema.LEAD.get("SFS_Last_Touch__c")
    flag = schema.LEAD.get("SFS_Needs_Follow_Up__c")
    assert score is not None
    assert when is not None
    assert flag is not None
    assert json_to_storage(score, "42") == 42.0
    assert json_to_storage(when, "2024-05-01T10:00:00+02:00") == "2024-05-01T08:00:00.000+0000"
    assert csv_to_storage(flag, "true") == 1
    assert csv_to_storage(score, "#N/A") is None
    with pytest.raises(ValueTypeError):
        json_to_storage(flag, "yes")
    with pytest.raises(ValueTypeError):
        csv_to_storage(score, "high")
    assert json_to_csv("2024-05-01T08:00:00.000+0000") == "2024-05-01T08:00:00.000Z"
    assert (json_to_csv(None), json_to_csv(True), json_to_csv(42.0)) == ("", "true", "42.0")


def test_clock_is_strictly_increasing(tmp_path: Path) -> None:
    """tick() never repeats, even within one millisecond, and survives a restart."""
    org = SandboxOrg(tmp_path / "org.sqlite3")
    try:
        stamps = [org.tick() for _ in range(50)]
        assert stamps == sorted(set(stamps))
        (result,) = org.save(
            [WriteOp("insert", schema.LEAD, None, {"LastName": "Z", "Company": "C"})]
        )
        assert result.success
    finally:
        org.close()
    org = SandboxOrg(tmp_path / "org.sqlite3")
    try:
        assert org.tick() > stamps[-1]
    finally:
        org.close()


def test_insert_derives_name_and_keeps_audit_fields(tmp_path: Path) -> None:
    """Inserts derive Name, accept CreatedDate/CreatedById, and refuse read-only fields."""
    org = SandboxOrg(tmp_path / "org.sqlite3")
    try:
        ok, denied = org.save(
            [
                WriteOp(
                    "insert",
                    schema.LEAD,
                    None,
                    {
                        "FirstName": "Grace",
                        "LastName": "Hopper",
                        "Company": "Navy",
                        "CreatedDate": "2020-01-01T00:00:00.000+0000",
                        "CreatedById": seed.MARKETING_USER_ID,
                    },
                ),
                WriteOp(
                    "insert", schema.LEAD, None, {"LastName": "X", "Company": "Y", "Name": "Q"}
                ),
            ],
            auto_assign=False,
        )
        assert ok.id is not None
        row = org.get_row(schema.LEAD, ok.id)
        assert row is not None
        assert (
            row["Name"],
            row["CreatedDate"],
            row["CreatedById"],
        ) == ("Grace Hopper", "2020-01-01T00:00:00.000+0000", seed.MARKETING_USER_ID)
        assert org.user_id == row["OwnerId"]
        assert denied.errors[0].status_code == "INVALID_FIELD_FOR_INSERT_UPDATE"
    finally:
        org.close()

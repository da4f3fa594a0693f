"""
The REST API's parts on their own: the version list and its release names, a JSON record
to storage and back in Salesforce's record shape (tests/fixtures/salesforce/, copies of
/work/shared/salesforce-payloads/), query cursors, and /limits.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sfsync.sandbox import schema
from sfsync.sandbox.org import SandboxOrg
from sfsync.sandbox.protocol import ApiError
from sfsync.sandbox.rest import (
    CURSOR_TTL_SECONDS,
    MAX_CURSORS,
    CallContext,
    QueryCursors,
    _Cursor,
    _release_label,
    is_supported_version,
    limits,
    record_json,
    record_values,
    versions,
)
from tests.sandbox.conftest import payload, raw_request

LEAD_ID = "00Q5g00000AbCdEFGH"


@pytest.mark.parametrize(
    ("major", "label"),
    [(20, "Winter '11"), (31, "Summer '14"), (59, "Winter '24"), (60, "Spring '24"),
     (61, "Summer '24"), (62, "Winter '25"), (64, "Summer '25")],
)  # fmt: skip
def test_release_labels_follow_salesforces_three_releases_a_year(major: int, label: str) -> None:
    """Each API version's release name: Winter, Spring, Summer, with Winter named for the
    next year (v62.0 is Winter '25, shipped in autumn 2024)."""
    assert _release_label(major) == label


def test_versions_lists_every_supported_version() -> None:
    """`GET /services/data/`: v31.0 .. v64.0 in order, each with label, url and version."""
    listed = versions()
    assert listed[0] == {"label": "Summer '14", "url": "/services/data/v31.0", "version": "31.0"}
    assert listed[-1] == {"label": "Summer '25", "url": "/services/data/v64.0", "version": "64.0"}
    assert [v["version"] for v in listed] == [f"{n}.0" for n in range(31, 65)]
    assert all(is_supported_version(v["version"]) for v in listed)


@pytest.mark.parametrize("version", ["30.0", "65.0", "62.1", "62", "v62.0", "sixty.0", ""])
def test_unsupported_version_strings(version: str) -> None:
    """Outside 31.0..64.0, a minor other than .0, or not `NN.0` at all: not served."""
    assert not is_supported_version(version)


def test_record_values_converts_a_json_record_to_storage() -> None:
    """`attributes` and Id (any case) are skipped, names take the field's spelling, a
    checkbox is stored as 0/1, a date-time in Salesforce's format, null stays null."""
    values = record_values(
        schema.LEAD,
        {
            "attributes": {"type": "Lead"},
            "ID": LEAD_ID,
            "company": "Acme",
            "SFS_Needs_Follow_Up__c": True,
            "SFS_Last_Touch__c": "2026-11-20T12:00:00Z",
            "Title": None,
        },
    )
    assert values == {
        "Company": "Acme",
        "SFS_Needs_Follow_Up__c": 1,
        "SFS_Last_Touch__c": "2026-11-20T12:00:00.000+0000",
        "Title": None,
    }


def test_record_values_refuses_an_unknown_field_and_a_wrong_type() -> None:
    """An unknown field is INVALID_FIELD in the wording of Salesforce's write error
    (error_400_invalid_field_write.json); a value of the wrong JSON type is JSON_PARSER_ERROR."""
    with pytest.raises(ApiError) as unknown:
        record_values(schema.LEAD, {"Nope__c": 1})
    recorded = payload("error_400_invalid_field_write.json")[0]
    assert unknown.value.error_code == recorded["errorCode"] == "INVALID_FIELD"
    assert recorded["message"] == "No such column 'foo' on sobject of type Bar"
    assert unknown.value.message == "No such column 'Nope__c' on sobject of type Lead"
    with pytest.raises(ApiError) as wrong:
        record_values(schema.LEAD, {"SFS_Needs_Follow_Up__c": "yes"})
    assert (wrong.value.status, wrong.value.error_code) == (400, "JSON_PARSER_ERROR")
    assert "from VALUE_STRING value yes" in wrong.value.message


def test_record_json_has_salesforces_attributes_and_chosen_fields() -> None:
    """A stored row as a REST record: `attributes` {type, url} as in a query page
    (query_lead_first_page.json), then the fields asked for, checkboxes as booleans."""
    row = {"Id": LEAD_ID, "Company": "Acme", "IsConverted": 0, "Email": None}
    record = record_json(schema.LEAD, row, "59.0", ["Id", "company", "IsConverted", "Email"])
    recorded = payload("query_lead_first_page.json")["records"][0]
    assert recorded["Id"] == LEAD_ID
    assert record["attributes"] == recorded["attributes"]
    assert record == {
        "attributes": recorded["attributes"],
        "Id": LEAD_ID,
        "Company": "Acme",
        "IsConverted": False,
        "Email": None,
    }
    every = record_json(schema.LEAD, row, "62.0")
    assert list(every)[1:] == [f.name for f in schema.LEAD.fields]


def _cursor(rows: int = 3) -> _Cursor:
    return _Cursor([{"n": n} for n in range(rows)], rows, 2000, "query", time.monotonic())


def test_query_cursors_open_get_close() -> None:
    """open() keeps a cursor under a new `01g` locator; get() finds it until close()."""
    cursors = QueryCursors()
    cursor = _cursor()
    locator = cursors.open(cursor)
    assert locator.startswith("01g")
    assert len(locator) == 18
    assert cursors.get(locator) is cursor
    assert cursors.get(cursors.open(_cursor())) is not cursor
    cursors.close(locator)
    assert cursors.get(locator) is None
    cursors.close(locator)  # closing twice is harmless


def test_query_cursors_expire_when_idle_and_the_oldest_go_first() -> None:
    """A cursor untouched for 15 minutes is gone; past MAX_CURSORS open ones the least
    recently used is dropped (a get() counts as use)."""
    cursors = QueryCursors()
    stale = _cursor()
    stale_locator = cursors.open(stale)
    stale.touched = time.monotonic() - CURSOR_TTL_SECONDS - 1
    assert cursors.get(stale_locator) is None
    locators = [cursors.open(_cursor()) for _ in range(MAX_CURSORS)]
    assert cursors.get(locators[0]) is not None  # now the most recently used
    newest = cursors.open(_cursor())
    assert cursors.get(locators[1]) is None
    assert cursors.get(locators[0]) is not None
    assert cursors.get(newest) is not None


@pytest.fixture(name="org")
def _org(tmp_path: Path) -> Iterator[SandboxOrg]:
    org = SandboxOrg(tmp_path / "org.sqlite3", daily_api_limit=1000)
    yield org
    org.close()


def test_limits_report_the_counted_calls(org: SandboxOrg) -> None:
    """`/limits/` has every limit Salesforce lists (limits_response.json) as {Max, Remaining};
    DailyApiRequests' Remaining drops by each counted call."""
    ctx = CallContext(raw_request("GET", "/services/data/v62.0/limits"), org, "62.0")
    org.calls.count()
    org.calls.count()
    answer = limits(ctx)
    assert answer.status == 200
    body = json.loads(answer.body)
    assert set(body) == set(payload("limits_response.json"))
    assert all(set(v) == {"Max", "Remaining"} for v in body.values())
    assert body["DailyApiRequests"] == {"Max": 1000, "Remaining": 998}

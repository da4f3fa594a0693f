"""
Payload contract, second half: the sandbox answers with the recorded Salesforce shapes down to
value types (tests/fixtures/salesforce/), for the payloads test_contract.py checks by keys only
or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from simple_salesforce import Salesforce

from sfsync.sandbox.faults import parse_faults
from sfsync.sandbox.server import RunningSandbox
from tests.sandbox.conftest import FIXTURES, PinnedSession, auth_headers, lead_ids, payload

API = "/services/data/v62.0"
DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000")
# The recorded ingest payloads use sfsync's example output fields; the demo org names them so.
COLUMNS = {
    "Lead_Score__c": "SFS_Score__c",
    "Score_Reasons__c": "SFS_Reasons__c",
    "Sales_Touches__c": "SFS_Touches__c",
}
RECORDED_IDS = ("00Q5g00000AbCdEFGH", "00Q5g00000ZzYyXXAA", "00Q5g00000LoCkEdAA")


def _kind(value: Any) -> str:
    """The JSON type of a decoded value (int and float apart: Salesforce keeps them apart)."""
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list):
        return "array"
    return type(value).__name__


def _same_types(recorded: Mapping[str, Any], actual: Mapping[str, Any]) -> None:
    """Keys non-null in both have the same JSON type (key sets are asserted separately)."""
    shared = [k for k, v in recorded.items() if v is not None and actual.get(k) is not None]
    assert {k: _kind(recorded[k]) for k in shared} == {k: _kind(actual[k]) for k in shared}


def _query(http: PinnedSession, sandbox: RunningSandbox, soql: str) -> Any:
    response = http.get(
        f"{sandbox.url}{API}/query", params={"q": soql}, headers=auth_headers(sandbox)
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()


def _recorded_csv(name: str, ids: list[str]) -> list[str]:
    """A recorded CSV with the demo org's column names and *ids* in place of the recorded Ids."""
    text = (FIXTURES / name).read_text()
    for old, new in (*COLUMNS.items(), *zip(RECORDED_IDS, ids, strict=True)):
        text = text.replace(old, new)
    return text.splitlines()


def test_empty_query_is_the_recorded_body(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """No rows: exactly totalSize 0, done true, an empty records list."""
    body = _query(http, sandbox, "SELECT Id FROM Lead WHERE Email = 'nobody@nowhere.invalid'")
    assert payload("query_empty.json") == body


def test_query_record_values_have_recorded_types(
    http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """Booleans, integers, doubles, datetimes and nested parents come back as recorded."""
    recorded = payload("query_lead_first_page.json")["records"][0]
    body = _query(
        http,
        sandbox,
        "SELECT Id, Email, Status, IsConverted, NumberOfEmployees, SystemModstamp, "
        "SFS_Score__c, Owner.Name FROM Lead WHERE NumberOfEmployees != null "
        "AND SFS_Score__c = null LIMIT 1",
    )
    (record,) = body["records"]
    assert list(record)[:6] == [
        "attributes",
        "Id",
        "Email",
        "Status",
        "IsConverted",
        "NumberOfEmployees",
    ]
    assert {"type": "Lead", "url": f"{API}/sobjects/Lead/{record['Id']}"} == record["attributes"]
    assert type(recorded["IsConverted"]) is type(record["IsConverted"])
    assert type(payload("query_lead_last_page.json")["records"][0]["NumberOfEmployees"]) is type(
        record["NumberOfEmployees"]
    )
    assert DATETIME.fullmatch(recorded["SystemModstamp"])
    assert DATETIME.fullmatch(record["SystemModstamp"])
    assert record["SFS_Score__c"] is None
    assert set(recorded["Owner"]) == set(record["Owner"])
    assert record["Owner"]["attributes"]["url"].startswith(f"{API}/sobjects/User/005")
    lead_id = record["Id"]
    patched = http.patch(
        f"{sandbox.url}{API}/sobjects/Lead/{lead_id}",
        json={"SFS_Score__c": 42},
        headers=auth_headers(sandbox, **{"Sforce-Auto-Assign": "FALSE"}),
    )
    assert patched.status_code == 204
    (scored,) = _query(http, sandbox, f"SELECT SFS_Score__c FROM Lead WHERE Id = '{lead_id}'")[
        "records"
    ]
    assert type(recorded["Lead_Score__c"]) is type(scored["SFS_Score__c"])
    assert scored["SFS_Score__c"] == 42.0


def test_last_page_and_null_parent(
    sf: Salesforce, http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """A last page has no nextRecordsUrl; an empty lookup gives a null parent object."""
    recorded = payload("query_lead_last_page.json")
    created = sf.Task.create({"Subject": "No one", "Status": "Completed", "Type": "Call"})
    body = _query(http, sandbox, f"SELECT Id, Who.Name FROM Task WHERE Id = '{created['id']}'")
    assert list(recorded) == list(body)
    assert (body["totalSize"], body["done"]) == (1, True)
    (record,) = body["records"]
    assert recorded["records"][0]["Owner"] is None
    assert record["Who"] is None


def test_count_field_is_an_aggregate_result(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """An unaliased aggregate is named expr0 in an AggregateResult row without a url."""
    recorded = payload("query_aggregate_group_by.json")["records"][0]
    (row,) = _query(http, sandbox, "SELECT COUNT(Id) FROM Lead")["records"]
    assert recorded["attributes"] == row["attributes"]
    assert type(recorded["expr0"]) is type(row["expr0"])
    assert row["expr0"] > 0


def test_group_by_rows_have_the_recorded_shape(
    http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """GROUP BY answers the recorded AggregateResult rows: group key, exprN, a null group."""
    recorded = payload("query_aggregate_group_by.json")
    body = _query(http, sandbox, "SELECT WhoId, COUNT(Id) FROM Task GROUP BY WhoId")
    assert list(recorded) == list(body)
    assert body["totalSize"] == len(body["records"]) > 1
    for row in body["records"]:
        assert list(recorded["records"][0]) == list(row)
        assert recorded["records"][0]["attributes"] == row["attributes"]
        assert type(row["expr0"]) is int


def test_subqueries_fail_loudly_as_unsupported(
    http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """A child subquery (a recorded shape sfsync never asks for) is refused as unsupported here."""
    response = http.get(
        f"{sandbox.url}{API}/query",
        params={"q": "SELECT Id, (SELECT Id FROM Tasks) FROM Lead"},
        headers=auth_headers(sandbox),
    )
    assert response.status_code == 400
    (error,) = response.json()
    assert set(payload("error_400_malformed_query.json")[0]) == set(error)
    assert error["errorCode"] == "SANDBOX_UNSUPPORTED_QUERY"
    assert "is not supported by the sandbox org" in error["message"]


def test_bulk_job_infos_have_recorded_types(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """Query and ingest job infos carry the recorded keys with the recorded JSON types."""
    headers = auth_headers(sandbox)
    query = f"{sandbox.url}{API}/jobs/query"
    created = http.post(
        query, json=payload("bulk2_query_job_create_request.json"), headers=headers
    ).json()
    _same_types(payload("bulk2_query_job_create_response.json"), created)
    info = http.get(f"{query}/{created['id']}", headers=headers).json()
    _same_types(payload("bulk2_query_job_info_complete.json"), info)
    assert (info["jobType"], info["object"], info["apiVersion"]) == ("V2Query", "Lead", 62.0)
    assert DATETIME.fullmatch(info["createdDate"])
    assert info["id"].startswith("750")

    ingest = f"{sandbox.url}{API}/jobs/ingest"
    job = http.post(
        ingest, json=payload("bulk2_ingest_job_create_request.json"), headers=headers
    ).json()
    _same_types(payload("bulk2_ingest_job_create_response.json"), job)
    (lead_id,) = lead_ids(sandbox, 1)
    http.put(
        f"{sandbox.url}/{job['contentUrl']}",
        data=f"Id,SFS_Touches__c\n{lead_id},3\n",
        headers=auth_headers(sandbox, **{"Content-Type": "text/csv"}),
    )
    http.patch(
        f"{ingest}/{job['id']}",
        json=payload("bulk2_ingest_upload_complete_request.json"),
        headers=headers,
    )
    done = http.get(f"{ingest}/{job['id']}", headers=headers).json()
    _same_types(payload("bulk2_ingest_job_info_complete.json"), done)
    assert (done["jobType"], done["operation"], done["state"]) == (
        "V2Ingest",
        "update",
        "JobComplete",
    )


def test_recorded_upload_gives_the_recorded_result_lists(
    http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """The recorded CSV upload (quotes, `#N/A`) yields the recorded success and failure lists."""
    sandbox.org.install_faults(parse_faults({"lock_row": {"share": 0.3, "seed": 3}}))
    lock = sandbox.org.faults.spec.lock_row
    assert lock is not None
    candidates = lead_ids(sandbox, 60)
    free = [i for i in candidates if not lock.hits(i)][:2]
    ids = [*free, next(i for i in candidates if lock.hits(i))]
    headers = auth_headers(sandbox)
    base = f"{sandbox.url}{API}/jobs/ingest"
    job = http.post(
        base, json=payload("bulk2_ingest_job_create_request.json"), headers=headers
    ).json()
    upload = "\n".join(_recorded_csv("bulk2_ingest_upload_body.csv", ids)) + "\n"
    put = http.put(
        f"{sandbox.url}/{job['contentUrl']}",
        data=upload.encode(),
        headers=auth_headers(sandbox, **{"Content-Type": "text/csv"}),
    )
    assert put.status_code == 201
    http.patch(f"{base}/{job['id']}", json={"state": "UploadComplete"}, headers=headers)
    info = http.get(f"{base}/{job['id']}", headers=headers).json()
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (3, 1)

    def results(kind: str) -> list[str]:
        response = http.get(f"{base}/{job['id']}/{kind}/", headers=headers)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/csv")
        return response.text.splitlines()

    success = results("successfulResults")
    expected = _recorded_csv("bulk2_ingest_successfulResults.csv", ids)
    assert expected[0] == success[0]
    assert sorted(expected[1:]) == sorted(success[1:])  # order is not guaranteed
    assert _recorded_csv("bulk2_ingest_failedResults.csv", ids) == results("failedResults")
    assert _recorded_csv("bulk2_ingest_unprocessedrecords.csv", ids) == results(
        "unprocessedrecords"
    )


def test_describe_field_values_have_recorded_types(sf: Salesforce) -> None:
    """Per-field and picklist-entry values have the recorded types; custom fields say so."""
    recorded = payload("describe_lead_response_trimmed.json")
    described = sf.Lead.describe()
    _same_types({k: v for k, v in recorded.items() if k != "fields"}, described)
    by_name = {f["name"]: f for f in described["fields"]}
    renamed = {**COLUMNS}
    for field in recorded["fields"]:
        actual = by_name[renamed.get(field["name"], field["name"])]
        _same_types(field, actual)
        assert field["type"] == actual["type"] or field["custom"], field["name"]
        assert field["custom"] == actual["custom"], field["name"]
    status = by_name["Status"]["picklistValues"]
    for entry in status:
        _same_types(recorded["fields"][2]["picklistValues"][0], entry)
    assert [e["defaultValue"] for e in status].count(True) == 1


def test_limits_and_limit_info_values(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """Every /limits entry is {Max, Remaining} integers; Sforce-Limit-Info is `api-usage=N/M`."""
    response = http.get(f"{sandbox.url}{API}/limits/", headers=auth_headers(sandbox))
    body = response.json()
    assert set(payload("limits_response.json")) == set(body)
    for name, entry in body.items():
        assert sorted(entry) == ["Max", "Remaining"], name
        assert all(type(v) is int for v in entry.values()), name
        assert 0 <= entry["Remaining"] <= entry["Max"], name
    recorded = payload("sforce_limit_info_headers.json")["simple"]
    pattern = re.compile(r"api-usage=(\d+)/(\d+)")
    assert pattern.fullmatch(recorded)
    match = pattern.fullmatch(response.headers["Sforce-Limit-Info"])
    assert match is not None
    used, maximum = map(int, match.groups())
    daily = body["DailyApiRequests"]
    assert (maximum, used) == (daily["Max"], daily["Max"] - daily["Remaining"])


def test_oauth_token_values_have_recorded_types(
    http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """Every token response value is a string; id is the identity URL; issued_at is epoch ms."""
    org = sandbox.org
    body = http.post(
        f"{sandbox.url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": org.client_id,
            "client_secret": org.client_secret,
        },
    ).json()
    _same_types(payload("oauth_token_success.json"), body)
    assert re.fullmatch(r"\d{13}", body["issued_at"])
    assert body["id"] == f"{sandbox.url}/id/{org.org_id}/{org.user_id}"
    error = http.post(
        f"{sandbox.url}/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
    )
    assert error.status_code == 400
    _same_types(payload("oauth_token_error.json"), error.json())


def test_error_answers_are_json_lists(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """401, 404 and 400 answers are JSON lists of {message, errorCode} with a JSON content type."""
    for path, headers, status, fixture in (
        ("limits/", {}, 401, "error_401_invalid_session_id.json"),
        ("sobjects/Whizbang/describe", auth_headers(sandbox), 404, "error_404_not_found.json"),
        (
            "query?q=SELECT+Id+FROM+Lead+WHERE",
            auth_headers(sandbox),
            400,
            "error_400_malformed_query.json",
        ),
    ):
        response = http.get(f"{sandbox.url}{API}/{path}", headers=headers)
        assert response.status_code == status
        assert response.headers["Content-Type"].startswith("application/json")
        body = response.json()
        assert isinstance(body, list)
        assert len(body) == 1
        _same_types(payload(fixture)[0], body[0])
        assert set(payload(fixture)[0]) == set(body[0])

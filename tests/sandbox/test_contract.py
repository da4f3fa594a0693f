"""Contract tests: simple-salesforce drives the sandbox, and shapes match the recorded payloads."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceOperationError,
    SalesforceResourceNotFound,
)

from sfsync.sandbox.server import RunningSandbox
from tests.sandbox.conftest import (
    FIXTURES,
    SEED_LEADS,
    PinnedSession,
    auth_headers,
    lead_ids,
    lead_row,
    payload,
)


def _keys(items: list[dict[str, Any]]) -> set[str]:
    return {k for item in items for k in item}


def test_query_first_page_matches_recorded_shape(
    sf: Salesforce, http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """A paged REST query answers with totalSize/done/nextRecordsUrl/records like the recording."""
    expected = payload("query_lead_first_page.json")
    response = http.get(
        f"{sandbox.url}/services/data/v62.0/query",
        params={"q": "SELECT Id, Email, Owner.Name FROM Lead"},
        headers=auth_headers(sandbox, **{"Sforce-Query-Options": "batchSize=200"}),
    )
    body = response.json()
    assert response.status_code == 200
    assert list(expected) == list(body)
    assert body["totalSize"] == SEED_LEADS
    assert body["done"] is False
    assert body["nextRecordsUrl"].startswith("/services/data/v62.0/query/01g")
    assert body["nextRecordsUrl"].endswith("-200")
    assert len(body["records"]) == 200
    record = body["records"][0]
    assert {"attributes", "Id", "Email", "Owner"} == set(record)
    assert {"type", "url"} == set(record["attributes"])
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_query_all_iter_pages_through_every_lead(sf: Salesforce) -> None:
    """query_all_iter follows nextRecordsUrl cursors (batchSize=200) until done."""
    ids = [
        r["Id"]
        for r in sf.query_all_iter(
            "SELECT Id FROM Lead", headers={"Sforce-Query-Options": "batchSize=200"}
        )
    ]
    assert len(ids) == SEED_LEADS
    assert len(ids) == len(set(ids))


def test_query_more_by_url_returns_the_rest(sf: Salesforce, sandbox: RunningSandbox) -> None:
    """query_more with the nextRecordsUrl returns the following page and ends with done."""
    # batchSize below Salesforce's minimum of 200 is raised to 200.
    first = sf.query(
        "SELECT Id FROM Lead ORDER BY Id", headers={"Sforce-Query-Options": "batchSize=100"}
    )
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert len(first["records"]) == 200
    assert len(second["records"]) == SEED_LEADS - 200
    assert second["done"] is True
    assert "nextRecordsUrl" not in second
    assert first["records"][-1]["Id"] < second["records"][0]["Id"]


def test_unknown_cursor_is_invalid_query_locator(
    http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """A cursor the server does not hold is 400 INVALID_QUERY_LOCATOR."""
    response = http.get(
        f"{sandbox.url}/services/data/v62.0/query/01g000000000000AAA-2000",
        headers=auth_headers(sandbox),
    )
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_query_all_sees_soft_deleted_records(sf: Salesforce) -> None:
    """A deleted lead disappears from query but stays in queryAll with IsDeleted true."""
    lead_id = sf.query("SELECT Id FROM Lead LIMIT 1")["records"][0]["Id"]
    before = sf.query(f"SELECT SystemModstamp FROM Lead WHERE Id = '{lead_id}'")["records"][0]
    assert sf.Lead.delete(lead_id) == 204
    assert sf.query(f"SELECT Id FROM Lead WHERE Id = '{lead_id}'")["totalSize"] == 0
    rows = sf.query_all(
        f"SELECT Id, IsDeleted, SystemModstamp FROM Lead WHERE Id = '{lead_id}'",
        include_deleted=True,
    )["records"]
    assert len(rows) == 1
    assert rows[0]["IsDeleted"] is True
    assert rows[0]["SystemModstamp"] > before["SystemModstamp"]


def test_soql_errors_have_salesforce_shape(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """Bad SOQL is 400 with [{message, errorCode}] and Salesforce's error codes."""
    for soql, code in (
        ("SELECT Id, Foo__c FROM Lead", "INVALID_FIELD"),
        ("SELECT Id FROM Lead WHERE", "MALFORMED_QUERY"),
    ):
        response = http.get(
            f"{sandbox.url}/services/data/v62.0/query",
            params={"q": soql},
            headers=auth_headers(sandbox),
        )
        assert response.status_code == 400
        body = response.json()
        assert set(payload("error_400_malformed_query.json")[0]) == set(body[0])
        assert code == body[0]["errorCode"]


def test_composite_update_partial_success(sf: Salesforce, sandbox: RunningSandbox) -> None:
    """Collections PATCH returns SaveResults in request order; a malformed Id fails alone."""
    ids = lead_ids(sandbox, 2)
    records = [
        {"attributes": {"type": "Lead"}, "id": ids[0], "SFS_Score__c": 87, "SFS_Reasons__c": "a"},
        {"attributes": {"type": "Lead"}, "id": "00Q5g00000BadIdAAA", "SFS_Score__c": 55},
        {"attributes": {"type": "Lead"}, "id": ids[1], "SFS_Score__c": 12, "SFS_Reasons__c": None},
    ]
    results = sf.restful(
        "composite/sobjects", method="PATCH", json={"allOrNone": False, "records": records}
    )
    recorded = payload("composite_sobjects_update_response_partial.json")
    assert [ids[0], None, ids[1]] == [r.get("id") for r in results]
    assert [r["success"] for r in results] == [True, False, True]
    assert recorded[2] == results[1]
    assert _keys(recorded[0]["errors"] + recorded[1]["errors"]) == _keys(results[1]["errors"])
    assert lead_row(sandbox, ids[0])["SFS_Score__c"] == 87.0
    assert lead_row(sandbox, ids[1])["SFS_Reasons__c"] is None


def test_composite_all_or_none_rolls_back(sf: Salesforce, sandbox: RunningSandbox) -> None:
    """With allOrNone, one bad record rolls back the others (ALL_OR_NONE_OPERATION_ROLLED_BACK)."""
    (good,) = lead_ids(sandbox, 1)
    results = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "allOrNone": True,
            "records": [
                {"attributes": {"type": "Lead"}, "id": good, "SFS_Score__c": 99},
                {"attributes": {"type": "Lead"}, "id": good, "SFS_Grade__c": "TOO LONG"},
            ],
        },
    )
    assert [r["success"] for r in results] == [False, False]
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "STRING_TOO_LONG"
    assert results[1]["errors"][0]["fields"] == ["SFS_Grade__c"]
    assert lead_row(sandbox, good)["SFS_Score__c"] != 99.0


def test_composite_over_200_records_is_rejected(sf: Salesforce, sandbox: RunningSandbox) -> None:
    """More than 200 records in one Collections call is a 400 EXCEEDED_ID_LIMIT."""
    (lead_id,) = lead_ids(sandbox, 1)
    records = [{"attributes": {"type": "Lead"}, "id": lead_id, "SFS_Score__c": 1}] * 201
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.restful(
            "composite/sobjects", method="PATCH", json={"allOrNone": False, "records": records}
        )
    assert info.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_composite_create_returns_ids_in_order(sf: Salesforce, sandbox: RunningSandbox) -> None:
    """Collections POST creates records, derives Name, and fails a record missing LastName alone."""
    results = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "records": [
                {
                    "attributes": {"type": "Lead"},
                    "FirstName": "Ada",
                    "LastName": "Lovelace",
                    "Company": "AE",
                },
                {"attributes": {"type": "Lead"}, "FirstName": "No", "Company": "Missing"},
            ]
        },
    )
    assert results[0]["success"] is True
    assert results[0]["id"].startswith("00Q")
    assert results[1] == {
        "success": False,
        "errors": [
            {
                "statusCode": "REQUIRED_FIELD_MISSING",
                "message": "Required fields are missing: [LastName]",
                "fields": ["LastName"],
            }
        ],
    }
    assert lead_row(sandbox, results[0]["id"])["Name"] == "Ada Lovelace"


def test_sobject_crud_status_codes_and_bodies(sf: Salesforce, sandbox: RunningSandbox) -> None:
    """Create is 201 {id, success, errors}; update and delete are 204; GET honours ?fields=."""
    created = sf.Lead.create(
        {
            "LastName": "Hopper",
            "Company": "Navy",
            "CreatedById": sandbox.org.user_id,
            "CreatedDate": "2020-01-02T03:04:05.000+0000",
        }
    )
    assert set(payload("sobject_create_success.json")) == set(created)
    assert created["success"] is True
    assert sf.Lead.update(created["id"], {"Title": "Rear Admiral"}) == 204
    record = sf.Lead.get(created["id"])
    assert record["Title"] == "Rear Admiral"
    assert record["CreatedDate"] == "2020-01-02T03:04:05.000+0000"
    assert record["IsConverted"] is False
    partial = sf.restful(f"sobjects/Lead/{created['id']}", params={"fields": "Id,Name"})
    assert list(partial) == ["attributes", "Id", "Name"]
    assert sf.Lead.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Lead.get(created["id"])
    assert info.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_not_found_shape(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """An unknown sObject type is the recorded 404 NOT_FOUND body."""
    response = http.get(
        f"{sandbox.url}/services/data/v62.0/sobjects/Whizbang/describe",
        headers=auth_headers(sandbox),
    )
    assert response.status_code == 404
    assert payload("error_404_not_found.json") == response.json()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"foo": 1}, "INVALID_FIELD"),
        ({"Name": "X Y"}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"SFS_Score__c": "high"}, "JSON_PARSER_ERROR"),
        ({"SFS_Score__c": 1000}, "NUMBER_OUTSIDE_VALID_RANGE"),
        ({"Email": "not-an-email"}, "INVALID_EMAIL_ADDRESS"),
        ({"OwnerId": "00Q000000000001EAA"}, "MALFORMED_ID"),
    ],
)
def test_bad_single_updates_are_400(
    sf: Salesforce, sandbox: RunningSandbox, body: dict[str, Any], code: str
) -> None:
    """Bad fields, read-only fields, wrong types and bad values are 400 with Salesforce's codes."""
    (lead_id,) = lead_ids(sandbox, 1)
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Lead.update(lead_id, body)
    assert info.value.status == 400
    assert code == info.value.content[0]["errorCode"]
    if code == "INVALID_FIELD":
        assert (
            payload("error_400_invalid_field_write.json")[0].keys() == info.value.content[0].keys()
        )


def test_converted_lead_rejects_updates(sf: Salesforce, sandbox: RunningSandbox) -> None:
    """Updating a converted lead fails with CANNOT_UPDATE_CONVERTED_LEAD, in both APIs."""
    (converted,) = lead_ids(sandbox, 1, where="IsConverted = 1")
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Lead.update(converted, {"SFS_Score__c": 5})
    assert info.value.content[0]["errorCode"] == "CANNOT_UPDATE_CONVERTED_LEAD"
    assert info.value.content[0]["message"] == "cannot reference converted lead"
    results = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={"records": [{"attributes": {"type": "Lead"}, "id": converted, "SFS_Score__c": 5}]},
    )
    assert [
        {
            "id": converted,
            "success": False,
            "errors": [
                {
                    "statusCode": "CANNOT_UPDATE_CONVERTED_LEAD",
                    "message": "cannot reference converted lead",
                    "fields": [],
                }
            ],
        }
    ] == results


def test_writes_stamp_audit_fields_with_a_strictly_increasing_clock(
    sf: Salesforce, sandbox: RunningSandbox
) -> None:
    """Writes stamp SystemModstamp/LastModifiedDate (always later) and the token's user."""
    ids = lead_ids(sandbox, 3)
    stamps = []
    for lead_id in ids:
        sf.Lead.update(lead_id, {"SFS_Score__c": 1}, headers={"Sforce-Auto-Assign": "FALSE"})
        row = lead_row(sandbox, lead_id)
        stamps.append(row["SystemModstamp"])
        assert row["SystemModstamp"] == row["LastModifiedDate"]
        assert sandbox.org.user_id == row["LastModifiedById"]
    assert sorted(set(stamps)) == stamps


def test_describe_has_recorded_keys(sf: Salesforce) -> None:
    """Lead describe carries every top-level and per-field key of the recorded describe."""
    recorded = payload("describe_lead_response_trimmed.json")
    described = sf.Lead.describe()
    assert set(recorded) <= set(described)
    by_name = {f["name"]: f for f in described["fields"]}
    for field in recorded["fields"]:
        if field["name"] in by_name:
            assert set(field) <= set(by_name[field["name"]]), field["name"]
    status = by_name["Status"]
    assert status["picklistValues"][0]["value"] == "Open - Not Contacted"
    assert set(recorded["fields"][2]["picklistValues"][0]) == set(status["picklistValues"][0])
    recorded_owner = next(f for f in recorded["fields"] if f["name"] == "OwnerId")
    assert by_name["OwnerId"]["referenceTo"] == recorded_owner["referenceTo"] == ["Group", "User"]
    assert by_name["OwnerId"]["relationshipName"] == "Owner"
    assert by_name["SFS_Score__c"]["custom"] is True
    assert described["keyPrefix"] == "00Q"
    global_names = {o["name"] for o in sf.describe()["sobjects"]}
    assert {
        "Lead",
        "Task",
        "Event",
        "CampaignMember",
        "Campaign",
        "User",
        "Web_Activity__c",
    } <= global_names


def test_limits_and_limit_info_header(
    sf: Salesforce, http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """/limits has the recorded names; DailyApiRequests and Sforce-Limit-Info count every call."""
    limits = sf.limits()
    assert set(payload("limits_response.json")) == set(limits)
    used = sandbox.org.api_usage
    assert {"Max": 100000, "Remaining": 100000 - used} == dict(limits["DailyApiRequests"])
    assert (used, 100000) == (sf.api_usage["api-usage"].used, sf.api_usage["api-usage"].total)
    response = http.get(f"{sandbox.url}/services/data/v62.0/", headers=auth_headers(sandbox))
    assert f"api-usage={used + 1}/100000" == response.headers["Sforce-Limit-Info"]
    assert used + 1 == sandbox.org.api_calls


def test_missing_or_wrong_token_is_401(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """Calls without a valid bearer token get the recorded 401 INVALID_SESSION_ID body."""
    for headers in ({}, {"Authorization": "Bearer nope"}):
        response = http.get(f"{sandbox.url}/services/data/v62.0/limits", headers=headers)
        assert response.status_code == 401
        assert payload("error_401_invalid_session_id.json") == response.json()
    assert sandbox.org.api_calls == 0


def test_versions_list(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """GET /services/data/ lists versions with label, url and version."""
    versions = http.get(f"{sandbox.url}/services/data/").json()
    assert {"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"} in versions


def test_oauth_client_credentials(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """The token endpoint issues a working token for client credentials, rejects bad ones."""
    org = sandbox.org
    ok = http.post(
        f"{sandbox.url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": org.client_id,
            "client_secret": org.client_secret,
        },
    )
    assert ok.status_code == 200
    body = ok.json()
    assert set(payload("oauth_token_success.json")) <= set(body)
    assert sandbox.url == body["instance_url"]
    assert body["access_token"] in sandbox.env_file.read_text()
    info = http.get(
        f"{sandbox.url}/services/oauth2/userinfo",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    ).json()
    assert org.user_id == info["user_id"]
    assert info["organization_id"] == org.org_id
    bad = http.post(
        f"{sandbox.url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": org.client_id,
            "client_secret": "wrong",
        },
    )
    assert bad.status_code == 400
    assert set(payload("oauth_token_error.json")) == set(bad.json())


def test_oauth_password_grant(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """The integration user can log in with the client secret as password."""
    org = sandbox.org
    response = http.post(
        f"{sandbox.url}/services/oauth2/token",
        data={
            "grant_type": "password",
            "username": org.integration_username(),
            "password": org.client_secret,
        },
    )
    assert response.status_code == 200
    denied = http.post(
        f"{sandbox.url}/services/oauth2/token",
        data={"grant_type": "password", "username": org.integration_username(), "password": "x"},
    )
    assert denied.json() == {
        "error": "invalid_grant",
        "error_description": "authentication failure",
    }


def test_bulk2_query_csv_pages(
    sf: Salesforce, http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """A Bulk 2.0 query returns CSV pages with relationship columns, null as empty, and locators."""
    pages = list(
        sf.bulk2.Lead.query(
            "SELECT Id, Email, Status, Owner.Name, SystemModstamp FROM Lead",
            max_records=100,
            wait=0,
        )
    )
    rows = [r for page in pages for r in csv.DictReader(io.StringIO(page))]
    recorded_header = (FIXTURES / "bulk2_query_results_page1.csv").read_text().splitlines()[0]
    assert recorded_header == pages[0].splitlines()[0]
    assert len(pages) == 3
    assert len(rows) == SEED_LEADS
    assert all(r["SystemModstamp"].endswith("Z") for r in rows)
    assert all(r["Owner.Name"] for r in rows)


def test_bulk2_query_job_info_and_headers(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """Bulk 2.0 query create/info shapes are as recorded; the last page's locator is `null`."""
    base = f"{sandbox.url}/services/data/v62.0/jobs/query"
    created = http.post(
        base, json=payload("bulk2_query_job_create_request.json"), headers=auth_headers(sandbox)
    ).json()
    assert list(payload("bulk2_query_job_create_response.json")) == list(created)
    assert created["state"] == "UploadComplete"
    info = http.get(f"{base}/{created['id']}", headers=auth_headers(sandbox)).json()
    assert set(payload("bulk2_query_job_info_complete.json")) == set(info)
    assert info["state"] == "JobComplete"
    first = http.get(
        f"{base}/{created['id']}/results", params={"maxRecords": 200}, headers=auth_headers(sandbox)
    )
    headers = payload("bulk2_query_results_headers.json")
    assert headers["first_page"]["Content-Type"] == first.headers["Content-Type"]
    assert first.headers["Sforce-NumberOfRecords"] == "200"
    assert first.headers["Sforce-Locator"] == "MjAw"
    last = http.get(
        f"{base}/{created['id']}/results",
        params={"maxRecords": 200, "locator": first.headers["Sforce-Locator"]},
        headers=auth_headers(sandbox),
    )
    assert last.headers["Sforce-Locator"] == "null"
    assert str(int(info["numberRecordsProcessed"]) - 200) == last.headers["Sforce-NumberOfRecords"]


def test_bulk2_results_before_completion_are_412(
    http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """Results of a job still in progress are the recorded 412 JOB_NOT_COMPLETE."""
    from sfsync.sandbox.faults import FaultSpec

    sandbox.org.install_faults(FaultSpec(bulk_job_delay_seconds=60))
    base = f"{sandbox.url}/services/data/v62.0/jobs/query"
    job = http.post(
        base,
        json={"operation": "query", "query": "SELECT Id FROM Lead"},
        headers=auth_headers(sandbox),
    ).json()
    assert (
        http.get(f"{base}/{job['id']}", headers=auth_headers(sandbox)).json()["state"]
        == "InProgress"
    )
    response = http.get(f"{base}/{job['id']}/results", headers=auth_headers(sandbox))
    assert response.status_code == 412
    assert payload("bulk2_query_results_not_complete_412.json") == response.json()
    aborted = http.patch(
        f"{base}/{job['id']}", json={"state": "Aborted"}, headers=auth_headers(sandbox)
    )
    assert aborted.json()["state"] == "Aborted"


def test_bulk2_update_and_results(sf: Salesforce, sandbox: RunningSandbox, tmp_path: Path) -> None:
    """Bulk 2.0 update applies values (#N/A nulls, empty is unchanged), reports per record."""
    ids = lead_ids(sandbox, 2)
    sf.Lead.update(ids[1], {"SFS_Reasons__c": "keep me"}, headers={"Sforce-Auto-Assign": "FALSE"})
    sf.Lead.update(ids[0], {"SFS_Reasons__c": "drop me"}, headers={"Sforce-Auto-Assign": "FALSE"})
    csv_text = (
        f"Id,SFS_Score__c,SFS_Reasons__c\n{ids[0]},87,#N/A\n{ids[1]},12,\n"
        '00Q5g00000BadIdAAA,55,"Webinar ""Q3"" attendee"\n'
    )
    upload = tmp_path / "leads.csv"
    upload.write_text(csv_text)
    (result,) = sf.bulk2.Lead.update(csv_file=str(upload), wait=0)
    assert (result["numberRecordsProcessed"], result["numberRecordsFailed"]) == (3, 1)
    assert lead_row(sandbox, ids[0])["SFS_Reasons__c"] is None
    assert lead_row(sandbox, ids[1])["SFS_Reasons__c"] == "keep me"
    assert lead_row(sandbox, ids[0])["SFS_Score__c"] == 87.0
    success = sf.bulk2.Lead.get_successful_records(result["job_id"]).splitlines()
    failed = sf.bulk2.Lead.get_failed_records(result["job_id"]).splitlines()
    unprocessed = sf.bulk2.Lead.get_unprocessed_records(result["job_id"]).splitlines()
    assert success[0] == '"sf__Id","sf__Created",Id,SFS_Score__c,SFS_Reasons__c'
    assert f'"{ids[0]}","false",{ids[0]},87,#N/A' == success[1]
    assert failed[0].startswith('"sf__Id","sf__Error",Id')
    assert failed[1].startswith('"","MALFORMED_ID:')
    assert failed[1].endswith(',00Q5g00000BadIdAAA,55,"Webinar ""Q3"" attendee"')
    assert unprocessed == ["Id,SFS_Score__c,SFS_Reasons__c"]


def test_bulk2_ingest_job_info_shapes(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """Ingest: Open with contentUrl, 201 upload, UploadComplete, then the recorded info keys."""
    base = f"{sandbox.url}/services/data/v62.0/jobs/ingest"
    body = {**payload("bulk2_ingest_job_create_request.json")}
    job = http.post(base, json=body, headers=auth_headers(sandbox)).json()
    assert set(payload("bulk2_ingest_job_create_response.json")) == set(job)
    assert f"services/data/v62.0/jobs/ingest/{job['id']}/batches" == job["contentUrl"]
    (lead_id,) = lead_ids(sandbox, 1)
    upload = http.put(
        f"{sandbox.url}/{job['contentUrl']}",
        data=f"Id,SFS_Touches__c\n{lead_id},3\n",
        headers=auth_headers(sandbox, **{"Content-Type": "text/csv"}),
    )
    assert upload.status_code == 201
    assert upload.content == b""
    closed = http.patch(
        f"{base}/{job['id']}",
        json=payload("bulk2_ingest_upload_complete_request.json"),
        headers=auth_headers(sandbox),
    )
    assert closed.json()["state"] == "UploadComplete"
    info = http.get(f"{base}/{job['id']}", headers=auth_headers(sandbox)).json()
    assert set(payload("bulk2_ingest_job_info_complete.json")) == set(info)
    assert (
        info["state"],
        info["numberRecordsProcessed"],
        info["numberRecordsFailed"],
    ) == ("JobComplete", 1, 0)


def test_bulk2_insert_and_unknown_column(sf: Salesforce, sandbox: RunningSandbox) -> None:
    """Bulk insert creates records (sf__Created true); an unknown column fails the whole job."""
    (result,) = sf.bulk2.Lead.insert(records=[{"LastName": "Bulk", "Company": "Co"}], wait=0)
    success = sf.bulk2.Lead.get_successful_records(result["job_id"]).splitlines()
    assert success[1].split(",")[1] == '"true"'
    with pytest.raises(SalesforceOperationError, match="Field name not found : Nope__c"):
        sf.bulk2.Lead.insert(records=[{"LastName": "Bulk", "Nope__c": "x"}], wait=0)


def test_keep_alive_and_content_length(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """Responses carry Content-Length (also 204s) and one connection serves many requests."""
    (lead_id,) = lead_ids(sandbox, 1)
    accepted = sandbox.connections_accepted
    for _ in range(5):
        response = http.patch(
            f"{sandbox.url}/services/data/v62.0/sobjects/Lead/{lead_id}",
            json={"SFS_Score__c": 3},
            headers=auth_headers(sandbox),
        )
        assert response.status_code == 204
        assert response.headers["Content-Length"] == "0"
    assert accepted + 1 == sandbox.connections_accepted


def test_ca_bundle_is_required(sandbox: RunningSandbox) -> None:
    """Clients that do not trust the sandbox CA cannot connect (it is real TLS)."""
    with requests.Session() as session, pytest.raises(requests.exceptions.SSLError):
        session.get(f"{sandbox.url}/services/data/", verify=True)


def test_expired_session_error_type(sandbox: RunningSandbox, http: PinnedSession) -> None:
    """simple-salesforce maps the sandbox's 401 to SalesforceExpiredSession."""
    sf = Salesforce(instance_url=sandbox.url, session_id="bogus", session=http, version="62.0")
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM Lead")

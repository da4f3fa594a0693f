from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import responses
from responses import matchers, registries
from structlog.testing import capture_logs

from sfsync.errors import (
    AuthenticationError,
    DefinitionMismatchError,
    QuotaExceededError,
    RetriableSalesforceError,
    SalesforceError,
)
from sfsync.salesforce.client import SalesforceClient, WriteResult
from sfsync.salesforce.failures import error_from_response
from sfsync.salesforce.retry import build_retrying
from tests.salesforce.conftest import (
    BASE,
    TOKEN,
    FakeSleep,
    SfApi,
    fast_retrying,
    make_sf,
    payload,
)

SOQL = "SELECT Id, Email FROM Lead"
LIMIT_INFO = {"Sforce-Limit-Info": "api-usage=25/5000"}


def _sent_json(call: Any) -> Any:
    return json.loads(call.request.body)


# --- REST query ----------------------------------------------------------------------------


def test_query_follows_next_records_url(sf_api: SfApi, client: SalesforceClient) -> None:
    """Pages are followed until done; attributes are stripped; batch size header is sent."""
    sf_api.query(SOQL, fixture="query_lead_first_page.json", headers=LIMIT_INFO)
    sf_api.add(
        "GET",
        "/services/data/v59.0/query/01gRO0000016PIAYA2-2000",
        fixture="query_lead_last_page.json",
    )
    records = list(client.query(SOQL, batch_size=1000))
    assert [r["Id"] for r in records] == ["00Q5g00000AbCdEFGH", "00Q5g00000ZzYyXXAA"]
    assert records[0]["Owner"] == {"Name": "Alice Owner"}
    assert records[1]["Owner"] is None
    assert all("attributes" not in r for r in records)
    calls = sf_api.rsps.calls
    assert 2 == len(calls) == client.calls
    assert all(c.request.headers["Sforce-Query-Options"] == "batchSize=1000" for c in calls)
    assert f"Bearer {TOKEN}" == calls[0].request.headers["Authorization"]
    assert client.api_usage == (25, 5000)


def test_query_all_uses_query_all_resource(sf_api: SfApi, client: SalesforceClient) -> None:
    """include_deleted sends the query to queryAll so deleted rows are seen."""
    sf_api.query(SOQL, fixture="query_empty.json", resource="queryAll")
    assert list(client.query(SOQL, include_deleted=True)) == []
    assert sf_api.rsps.calls[0].request.url.startswith(BASE + "queryAll/")


def test_query_rejects_bad_batch_size(client: SalesforceClient) -> None:
    """Batch sizes outside Salesforce's 200-2000 are refused before any request."""
    with pytest.raises(ValueError, match="200-2000"):
        client.query(SOQL, batch_size=50)
    assert client.calls == 0


def test_count(sf_api: SfApi, client: SalesforceClient) -> None:
    """count sends SELECT COUNT() and returns totalSize."""
    sf_api.query(
        "SELECT COUNT() FROM Lead WHERE IsConverted = false",
        json_body={"totalSize": 3222, "done": True, "records": []},
    )
    assert client.count("Lead", "IsConverted = false") == 3222


def test_describe_is_cached(sf_api: SfApi, client: SalesforceClient) -> None:
    """A second describe of the same object costs no request."""
    sf_api.describe()
    assert client.describe("Lead")["name"] == "Lead"
    assert client.describe("Lead")["name"] == "Lead"
    assert client.calls == 1


def test_limits_returns_the_json_body(sf_api: SfApi, client: SalesforceClient) -> None:
    """limits returns the JSON body."""
    sf_api.limits()
    assert client.limits()["DailyApiRequests"] == {"Max": 15000, "Remaining": 14998}


# --- Bulk API 2.0 query --------------------------------------------------------------------


def _register_bulk_query(sf_api: SfApi, job: str = "7505g00000QuErY1AA") -> None:
    sf_api.add("POST", "jobs/query", fixture="bulk2_query_job_create_response.json")
    info = payload("bulk2_query_job_info_complete.json")
    sf_api.add("GET", f"jobs/query/{job}", json_body=info | {"state": "InProgress"})
    sf_api.add("GET", f"jobs/query/{job}", json_body=info)
    results = f"jobs/query/{job}/results"
    sf_api.add("GET", results, fixture="bulk2_query_results_not_complete_412.json", status=412)
    sf_api.add(
        "GET",
        results,
        fixture="bulk2_query_results_page1.csv",
        headers={"Sforce-Locator": "MTAwMDA", "Sforce-NumberOfRecords": "2"},
        match=(matchers.query_param_matcher({"maxRecords": "250000"}),),
    )
    sf_api.add(
        "GET",
        results,
        body='"Id","Email","Status","Owner.Name","SystemModstamp"\n'
        '"00Q5g00000LaStPgAA","l@example.com","Working - Contacted","Bob",'
        '"2024-05-01T09:30:00.000Z"\n',
        content_type="text/csv",
        headers={"Sforce-Locator": "null", "Sforce-NumberOfRecords": "1"},
        match=(matchers.query_param_matcher({"maxRecords": "250000", "locator": "MTAwMDA"}),),
    )
    sf_api.describe()
    sf_api.add("GET", "sobjects/Group/describe", fixture="error_404_not_found.json", status=404)
    sf_api.add(
        "GET",
        "sobjects/User/describe",
        json_body={"name": "User", "fields": [{"name": "Name", "type": "string"}]},
    )


def test_bulk_query_pages_and_rest_shape(
    sf_api: SfApi, client: SalesforceClient, sleep: FakeSleep
) -> None:
    """Bulk query polls, survives a 412, follows the locator and returns REST-shaped rows."""
    _register_bulk_query(sf_api)
    rows = list(client.bulk_query("SELECT Id, Email, Status, Owner.Name, SystemModstamp FROM Lead"))
    assert rows == [
        {
            "Id": "00Q5g00000AbCdEFGH",
            "Email": "jane.doe@example.com",
            "Status": "Open - Not Contacted",
            "Owner": {"Name": "Alice Owner"},
            "SystemModstamp": "2024-05-01T09:15:42.000+0000",
        },
        {
            "Id": "00Q5g00000ZzYyXXAA",
            "Email": None,
            "Status": "Working - Contacted",
            "Owner": None,
            "SystemModstamp": "2024-05-01T09:20:03.000+0000",
        },
        {
            "Id": "00Q5g00000LaStPgAA",
            "Email": "l@example.com",
            "Status": "Working - Contacted",
            "Owner": {"Name": "Bob"},
            "SystemModstamp": "2024-05-01T09:30:00.000+0000",
        },
    ]
    create = _sent_json(sf_api.rsps.calls[0])
    assert {
        "operation": "query",
        "contentType": "CSV",
        "columnDelimiter": "COMMA",
        "lineEnding": "LF",
    }.items() <= create.items()
    assert sleep.waits  # it waited between polls instead of spinning


def test_bulk_query_failed_job_raises(sf_api: SfApi, client: SalesforceClient) -> None:
    """A job that ends Failed raises SalesforceError with the job's message."""
    sf_api.add("POST", "jobs/query", fixture="bulk2_query_job_create_response.json")
    sf_api.add(
        "GET",
        "jobs/query/7505g00000QuErY1AA",
        json_body={
            "id": "7505g00000QuErY1AA",
            "state": "Failed",
            "errorMessage": "INVALID_FIELD: No such column",
        },
    )
    with pytest.raises(SalesforceError, match="No such column") as info:
        list(client.bulk_query("SELECT Id FROM Lead", include_deleted=True))
    assert _sent_json(sf_api.rsps.calls[0])["operation"] == "queryAll"
    assert info.value.error_code == "FAILED"


def test_read_uses_rest_at_or_below_threshold(sf_api: SfApi, sleep: FakeSleep) -> None:
    """read probes with LIMIT threshold+1: a small result is read from that query, no COUNT."""
    last_page = payload("query_lead_last_page.json") | {"totalSize": 1}
    sf_api.query("SELECT Id FROM Lead LIMIT 3", json_body=last_page)
    with SalesforceClient(
        make_sf(), retrying=fast_retrying(), bulk_read_threshold=2, sleep=sleep
    ) as client:
        assert [r["Id"] for r in client.read("Lead", ["Id"])] == ["00Q5g00000ZzYyXXAA"]
    assert len(sf_api.rsps.calls) == 1


def test_read_uses_bulk_above_threshold(sf_api: SfApi, sleep: FakeSleep) -> None:
    """read switches to Bulk API 2.0 when the probe's totalSize exceeds the threshold."""
    sf_api.query(
        "SELECT Id, Email, Status, Owner.Name, SystemModstamp FROM Lead LIMIT 3",
        json_body={"totalSize": 3, "done": True, "records": []},
    )
    _register_bulk_query(sf_api)
    with SalesforceClient(
        make_sf(), retrying=fast_retrying(), bulk_read_threshold=2, sleep=sleep
    ) as client:
        fields = ["Id", "Email", "Status", "Owner.Name", "SystemModstamp"]
        assert len(list(client.read("Lead", fields))) == 3
    assert (
        _sent_json(sf_api.rsps.calls[1])["query"]
        == "SELECT Id, Email, Status, Owner.Name, SystemModstamp FROM Lead"
    )


# --- sObject Collections -------------------------------------------------------------------

RECORDS = [
    {"Id": "00Q5g00000AbCdEFGH", "Lead_Score__c": 87},
    {"Id": "00Q5g00000ZzYyXXAA", "Lead_Score__c": 12, "Score_Reasons__c": None},
    {"Id": "00Q5g00000BadIdAAA", "Lead_Score__c": 55},
]


def test_update_partial_failure_and_lock_retry(
    sf_api: SfApi, client: SalesforceClient, sleep: FakeSleep
) -> None:
    """Results map by position; the locked record is sent again alone and then succeeds."""
    sf_api.add(
        "PATCH", "composite/sobjects", fixture="composite_sobjects_update_response_partial.json"
    )
    sf_api.add(
        "PATCH",
        "composite/sobjects",
        json_body=[{"id": "00Q5g00000ZzYyXXAA", "success": True, "errors": []}],
    )
    results = client.update("Lead", RECORDS)
    assert [
        WriteResult("00Q5g00000AbCdEFGH", True),
        WriteResult("00Q5g00000ZzYyXXAA", True),
        WriteResult(
            "00Q5g00000BadIdAAA",
            False,
            "MALFORMED_ID",
            "Lead ID: id value of incorrect type: 00Q5g00000BadIdAAA",
            ("Id",),
        ),
    ] == results
    first, second = (_sent_json(c) for c in sf_api.rsps.calls)
    assert first == {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Lead"}, "id": "00Q5g00000AbCdEFGH", "Lead_Score__c": 87},
            {
                "attributes": {"type": "Lead"},
                "id": "00Q5g00000ZzYyXXAA",
                "Lead_Score__c": 12,
                "Score_Reasons__c": None,
            },
            {"attributes": {"type": "Lead"}, "id": "00Q5g00000BadIdAAA", "Lead_Score__c": 55},
        ],
    }
    assert [r["id"] for r in second["records"]] == ["00Q5g00000ZzYyXXAA"]
    assert len(sleep.waits) == 1
    headers = sf_api.rsps.calls[0].request.headers
    assert headers["Sforce-Auto-Assign"] == "FALSE"
    assert headers["User-Agent"].startswith("sfsync/")


def test_update_lock_retry_halves_then_gives_up(sf_api: SfApi, client: SalesforceClient) -> None:
    """Persistently locked rows are retried in halved batches, then reported failed."""
    lock = payload("error_400_unable_to_lock_row.json")[0]
    locked = {
        "success": False,
        "errors": [{"statusCode": lock["errorCode"], "message": lock["message"], "fields": []}],
    }

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        records = json.loads(request.body or b"{}")["records"]
        sizes.append(len(records))
        return 200, {}, json.dumps([locked] * len(records))

    sizes: list[int] = []
    sf_api.rsps.add_callback("PATCH", BASE + "composite/sobjects", callback=answer)
    records = [{"Id": f"00Q5g0000000000{i:03d}", "X__c": i} for i in range(4)]
    results = client.update("Lead", records)
    assert sizes == [4, 2, 2, 1, 1, 1, 1]
    assert all(r.error_code == "UNABLE_TO_LOCK_ROW" and not r.success for r in results)
    assert [r["Id"] for r in records] == [r.id for r in results]


def test_update_splits_into_collections_of_200(sf_api: SfApi, client: SalesforceClient) -> None:
    """More than 200 records take several requests, in order."""

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        records = json.loads(request.body or b"{}")["records"]
        return (
            200,
            {},
            json.dumps([{"id": r["id"], "success": True, "errors": []} for r in records]),
        )

    sf_api.rsps.add_callback("PATCH", BASE + "composite/sobjects", callback=answer)
    records = [{"Id": f"00Q{i:015d}", "X__c": 1} for i in range(450)]
    results = client.update("Lead", records)
    assert [r["Id"] for r in records] == [r.id for r in results]
    assert client.calls == 3


def test_update_requires_ids(client: SalesforceClient) -> None:
    """A record without an Id is a programming error, caught before any request."""
    with pytest.raises(ValueError, match="Id"):
        client.update("Lead", [{"X__c": 1}])
    assert client.calls == 0


# --- Bulk API 2.0 ingest -------------------------------------------------------------------

INGEST_RECORDS = [
    {
        "Id": "00Q5g00000AbCdEFGH",
        "Lead_Score__c": 87,
        "Score_Reasons__c": "Visited pricing page; 2 completed calls",
        "Sales_Touches__c": 2,
    },
    {
        "Id": "00Q5g00000ZzYyXXAA",
        "Lead_Score__c": 12,
        "Score_Reasons__c": None,
        "Sales_Touches__c": 0,
    },
    {
        "Id": "00Q5g00000LoCkEdAA",
        "Lead_Score__c": 55,
        "Score_Reasons__c": 'Webinar "Q3" attendee',
        "Sales_Touches__c": 1,
    },
]


def _register_ingest(sf_api: SfApi, job: str = "7505g00000InGeSt1A") -> None:
    sf_api.add("POST", "jobs/ingest", fixture="bulk2_ingest_job_create_response.json")
    sf_api.add("PUT", f"/services/data/v59.0/jobs/ingest/{job}/batches", status=201)
    sf_api.add("PATCH", f"jobs/ingest/{job}", json_body={"id": job, "state": "UploadComplete"})
    sf_api.add("GET", f"jobs/ingest/{job}", json_body={"id": job, "state": "InProgress"})
    sf_api.add("GET", f"jobs/ingest/{job}", fixture="bulk2_ingest_job_info_complete.json")
    sf_api.add(
        "GET", f"jobs/ingest/{job}/successfulResults/", fixture="bulk2_ingest_successfulResults.csv"
    )
    sf_api.add("GET", f"jobs/ingest/{job}/failedResults/", fixture="bulk2_ingest_failedResults.csv")


def test_bulk_update_maps_failed_rows(sf_api: SfApi, sleep: FakeSleep) -> None:
    """Ingest uploads our CSV, maps results by Id, and reports failed rows with their error."""
    _register_ingest(sf_api)
    with SalesforceClient(
        make_sf(), retrying=fast_retrying(), sleep=sleep, lock_retries=0, bulk_write_threshold=0
    ) as client:
        results = client.bulk_update("Lead", INGEST_RECORDS)
    assert [
        WriteResult("00Q5g00000AbCdEFGH", True),
        WriteResult("00Q5g00000ZzYyXXAA", True),
        WriteResult(
            "00Q5g00000LoCkEdAA",
            False,
            "UNABLE_TO_LOCK_ROW",
            "unable to obtain exclusive access to this record or 1 records: 00Q5g00000LoCkEdAA",
        ),
    ] == results
    calls = sf_api.rsps.calls
    assert payload("bulk2_ingest_job_create_request.json") == _sent_json(calls[0])
    upload = calls[1].request
    assert upload.headers["Content-Type"] == "text/csv"
    assert upload.body.decode().startswith("Id,Lead_Score__c,Score_Reasons__c,Sales_Touches__c\n")
    assert "00Q5g00000ZzYyXXAA,12,#N/A,0\n" in upload.body.decode()
    assert payload("bulk2_ingest_upload_complete_request.json") == _sent_json(calls[2])


def test_bulk_update_retries_locked_rows_through_collections(
    sf_api: SfApi, sleep: FakeSleep
) -> None:
    """Rows locked during the job get one more try through sObject Collections."""
    _register_ingest(sf_api)
    sf_api.add(
        "PATCH",
        "composite/sobjects",
        json_body=[{"id": "00Q5g00000LoCkEdAA", "success": True, "errors": []}],
    )
    with SalesforceClient(
        make_sf(), retrying=fast_retrying(), sleep=sleep, bulk_write_threshold=2
    ) as client:
        results = client.write("Lead", INGEST_RECORDS)
    assert [r.success for r in results] == [True, True, True]
    assert "composite/sobjects" in sf_api.rsps.calls[-1].request.url


def test_bulk_update_unprocessed_rows(sf_api: SfApi, client: SalesforceClient) -> None:
    """Records in neither result list are read from unprocessedrecords and reported failed."""
    job = "7505g00000InGeSt1A"
    sf_api.add("POST", "jobs/ingest", fixture="bulk2_ingest_job_create_response.json")
    sf_api.add("PUT", f"/services/data/v59.0/jobs/ingest/{job}/batches", status=201)
    sf_api.add("PATCH", f"jobs/ingest/{job}", json_body={})
    sf_api.add(
        "GET",
        f"jobs/ingest/{job}",
        json_body={"id": job, "state": "Aborted", "errorMessage": "aborted by admin"},
    )
    sf_api.add("GET", f"jobs/ingest/{job}/successfulResults/", body="sf__Id,sf__Created,Id\n")
    sf_api.add("GET", f"jobs/ingest/{job}/failedResults/", body="sf__Id,sf__Error,Id\n")
    sf_api.add("GET", f"jobs/ingest/{job}/unprocessedrecords/", body="Id\n00Q5g00000AbCdEFGH\n")
    results = client.bulk_update("Lead", INGEST_RECORDS[:1])
    assert [WriteResult("00Q5g00000AbCdEFGH", False, "UNPROCESSED", "aborted by admin")] == results


def test_bulk_upload_failure_aborts_job(sf_api: SfApi, client: SalesforceClient) -> None:
    """When the upload is refused, the open job is aborted and the error raised."""
    job = "7505g00000InGeSt1A"
    sf_api.add("POST", "jobs/ingest", fixture="bulk2_ingest_job_create_response.json")
    sf_api.add(
        "PUT",
        f"/services/data/v59.0/jobs/ingest/{job}/batches",
        status=400,
        json_body=[{"errorCode": "INVALIDJOB", "message": "bad csv"}],
    )
    abort = sf_api.add("PATCH", f"jobs/ingest/{job}", json_body={})
    with pytest.raises(SalesforceError, match="INVALIDJOB"):
        client.bulk_update("Lead", INGEST_RECORDS[:1])
    assert json.loads(abort.calls[0].request.body) == {"state": "Aborted"}


def test_write_uses_collections_at_or_below_threshold(sf_api: SfApi, sleep: FakeSleep) -> None:
    """write picks sObject Collections for small batches."""
    sf_api.add(
        "PATCH",
        "composite/sobjects",
        json_body=[{"id": "00Q5g00000AbCdEFGH", "success": True, "errors": []}],
    )
    with SalesforceClient(
        make_sf(), retrying=fast_retrying(), sleep=sleep, bulk_write_threshold=1
    ) as client:
        assert [WriteResult("00Q5g00000AbCdEFGH", True)] == client.write("Lead", RECORDS[:1])


# --- errors, retries, re-login -------------------------------------------------------------


@responses.activate(registry=registries.OrderedRegistry)
def test_503_503_200_is_retried() -> None:
    """Two 503s then a 200: three requests, one answer, two retry events."""
    url = BASE + "limits/"
    first = responses.get(url, status=503, body="Service Unavailable")
    second = responses.get(url, status=503, body="Service Unavailable")
    third = responses.get(url, json=payload("limits_response.json"))
    retrying = build_retrying().copy(sleep=lambda _: None)
    with capture_logs() as logs, SalesforceClient(make_sf(), retrying=retrying) as client:
        assert client.limits()["DailyApiRequests"]["Max"] == 15000
    assert (first.call_count, second.call_count, third.call_count) == (1, 1, 1)
    assert client.calls == 3
    assert [e["event"] for e in logs] == ["sfsync.salesforce.retry_scheduled"] * 2


@responses.activate(registry=registries.OrderedRegistry)
def test_retries_run_out() -> None:
    """Persistent 5xx ends in RetriableSalesforceError after the allowed attempts."""
    for _ in range(3):
        responses.get(
            BASE + "limits/",
            status=500,
            json=[{"errorCode": "UNKNOWN_EXCEPTION", "message": "boom"}],
        )
    with (
        SalesforceClient(make_sf(), retrying=fast_retrying(3)) as client,
        pytest.raises(RetriableSalesforceError, match="UNKNOWN_EXCEPTION") as info,
    ):
        client.limits()
    assert (info.value.status, info.value.resource) == (500, "limits")


def test_connection_errors_are_retriable(sf_api: SfApi, client: SalesforceClient) -> None:
    """Connection resets and timeouts are retried, then surface as retriable."""
    sf_api.rsps.add("GET", BASE + "limits/", body=requests.exceptions.ConnectionError("reset"))
    sf_api.rsps.add("GET", BASE + "limits/", body=requests.exceptions.ReadTimeout("slow"))
    sf_api.rsps.add("GET", BASE + "limits/", json={"DailyApiRequests": {"Max": 1, "Remaining": 1}})
    assert client.limits() == {"DailyApiRequests": {"Max": 1, "Remaining": 1}}
    assert client.calls == 3


def test_client_narrows_a_catch_all_retry_policy(sf_api: SfApi, client: SalesforceClient) -> None:
    """Even with a policy that retries everything, a 400 is sent once and raised."""
    sf_api.query(
        "SELECT Foo__c FROM Lead", fixture="error_400_invalid_field_query.json", status=400
    )
    with pytest.raises(SalesforceError) as info:
        list(client.query("SELECT Foo__c FROM Lead"))
    assert type(info.value) is DefinitionMismatchError  # the field is missing: not retried
    assert (info.value.status, info.value.resource, info.value.error_code) == (
        400,
        "query",
        "INVALID_FIELD",
    )
    assert client.calls == 1


def test_401_reauthenticates_once_and_retries(sf_api: SfApi) -> None:
    """An expired session triggers one re-login and the call goes through with the new token."""
    sf_api.add("GET", "limits/", fixture="error_401_invalid_session_id.json", status=401)
    sf_api.add("GET", "limits/", json_body={})
    logins: list[int] = []

    def reauthenticate() -> Any:
        logins.append(1)
        return make_sf(token="NEW-TOKEN")

    with SalesforceClient(
        make_sf(), retrying=fast_retrying(), reauthenticate=reauthenticate
    ) as client:
        assert client.limits() == {}
        client.sf.session.close()  # the first handle's session
    assert len(logins) == 1
    assert sf_api.rsps.calls[1].request.headers["Authorization"] == "Bearer NEW-TOKEN"


def test_401_twice_is_authentication_error(sf_api: SfApi) -> None:
    """If the new session is refused too, AuthenticationError ends the run."""
    sf_api.add("GET", "limits/", fixture="error_401_session_not_valid_for_rest.json", status=401)
    logins: list[int] = []

    def reauthenticate() -> Any:
        logins.append(1)
        return make_sf(token="NEW-TOKEN")

    with (
        SalesforceClient(
            make_sf(), retrying=fast_retrying(), reauthenticate=reauthenticate
        ) as client,
        pytest.raises(AuthenticationError, match="still invalid after one re-login") as info,
    ):
        client.limits()
    assert len(logins) == 1
    assert info.value.status == 401
    assert len(sf_api.rsps.calls) == 2


def test_401_without_reauthenticate(sf_api: SfApi, client: SalesforceClient) -> None:
    """Session mode cannot log in again: the 401 becomes AuthenticationError at once."""
    sf_api.add("GET", "limits/", fixture="error_401_invalid_session_id.json", status=401)
    with pytest.raises(AuthenticationError, match="cannot log in again"):
        client.limits()
    assert client.calls == 1


def test_403_request_limit_is_quota_error_without_retry(
    sf_api: SfApi, client: SalesforceClient, sleep: FakeSleep
) -> None:
    """REQUEST_LIMIT_EXCEEDED ends the run with QuotaExceededError; nothing sleeps."""
    sf_api.add("GET", "limits/", fixture="error_403_request_limit_exceeded.json", status=403)
    with pytest.raises(QuotaExceededError, match="TotalRequests") as info:
        client.limits()
    assert info.value.error_code == "REQUEST_LIMIT_EXCEEDED"
    assert client.calls == 1
    assert sleep.waits == []


def test_concurrent_request_limit_is_retriable(sf_api: SfApi, client: SalesforceClient) -> None:
    """The short-lived concurrent-request limit is retried, unlike the daily quota."""
    sf_api.add(
        "GET",
        "limits/",
        status=403,
        json_body=[
            {
                "errorCode": "REQUEST_LIMIT_EXCEEDED",
                "message": "ConcurrentPerOrgLongTxn Limit exceeded.",
            }
        ],
    )
    sf_api.add("GET", "limits/", json_body={})
    assert client.limits() == {}


def test_404_is_salesforce_error(sf_api: SfApi, client: SalesforceClient) -> None:
    """Other 4xx answers carry status, resource and error code."""
    sf_api.add("GET", "sobjects/Nope__c/describe", fixture="error_404_not_found.json", status=404)
    with pytest.raises(SalesforceError) as info:
        client.describe("Nope__c")
    assert (info.value.status, info.value.resource, info.value.error_code) == (
        404,
        "sobjects/Nope__c/describe",
        "NOT_FOUND",
    )


# --- budget --------------------------------------------------------------------------------


def test_budget_stops_the_run(sf_api: SfApi, sleep: FakeSleep) -> None:
    """Once this run spent more than its share, the next call raises before sending."""
    sf_api.limits(max_=1000, remaining=900)  # 100 used at start
    sf_api.add(
        "GET", "sobjects/", json_body={}, headers={"Sforce-Limit-Info": "api-usage=350/1000"}
    )
    sf_api.add(
        "GET", "sobjects/", json_body={}, headers={"Sforce-Limit-Info": "api-usage=351/1000"}
    )
    with SalesforceClient(
        make_sf(), retrying=fast_retrying(), budget_pct=25.0, sleep=sleep
    ) as client:
        assert client.start_budget() == (100, 1000)
        client.request_json(
            "GET", "sobjects/", name="sobjects"
        )  # 250 spent: exactly the budget, still allowed
        assert client.api_usage == (350, 1000)
        client.request_json("GET", "sobjects/", name="sobjects")
        assert client.api_usage == (351, 1000)
        with pytest.raises(QuotaExceededError, match="this run used 251"):
            client.request_json("GET", "sobjects/", name="sobjects")
    assert client.calls == 3


def test_start_budget_refuses_an_org_below_the_floor(
    sf_api: SfApi, client: SalesforceClient
) -> None:
    """An org with under 5 % of its daily requests left is not touched further."""
    sf_api.limits(max_=1000, remaining=10)
    with pytest.raises(QuotaExceededError):
        client.start_budget()


# --- identity ------------------------------------------------------------------------------


def test_user_id_from_identity_url(sleep: FakeSleep) -> None:
    """The OAuth identity URL gives the user Id without a request."""
    identity = payload("oauth_token_success.json")["id"]
    with SalesforceClient(make_sf(), retrying=fast_retrying(), identity_url=identity) as client:
        assert client.user_id() == "005x00000012Q9P"
        assert client.calls == 0


@pytest.mark.parametrize(
    ("token", "identity", "org"),
    [
        ("00D000000000000!AQsessiontoken", None, "00D000000000000EAA"),
        ("00Dx0000000BV7zEAG!AQsession", None, "00Dx0000000BV7zEAG"),
        ("00Dx0000000BV7z!AQsession", None, "00Dx0000000BV7zEAG"),
        ("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIwMDUifQ.c2ln", None, None),
        ("00D000000000000!AQx", "https://login.salesforce.com/id/00Dx0000000BV7zEAG/005x0",
         "00Dx0000000BV7zEAG"),
    ],
    ids=["session-id-15", "session-id-18", "checksum-added", "jwt-token", "identity-url-wins"],
)  # fmt: skip
def test_org_id_costs_no_request(
    sleep: FakeSleep, token: str, identity: str | None, org: str | None
) -> None:
    """The org Id comes from the identity URL, else the session Id's 00D prefix; no call."""
    with SalesforceClient(
        make_sf(token=token), retrying=fast_retrying(), identity_url=identity
    ) as client:
        assert client.org_id() == org
        assert client.calls == 0


def test_user_id_from_userinfo(sf_api: SfApi, client: SalesforceClient) -> None:
    """Without an identity URL, /services/oauth2/userinfo answers, once."""
    sf_api.add("GET", "/services/oauth2/userinfo", json_body={"user_id": "005000000000001AAA"})
    assert client.user_id() == "005000000000001AAA"
    assert client.user_id() == "005000000000001AAA"
    assert client.calls == 1


def test_user_id_falls_back_to_username_query(sf_api: SfApi, client: SalesforceClient) -> None:
    """When userinfo is unavailable, the configured username is looked up."""
    sf_api.add("GET", "/services/oauth2/userinfo", fixture="error_404_not_found.json", status=404)
    sf_api.query(
        "SELECT Id FROM User WHERE Username = 'integration@example.com' LIMIT 1",
        json_body={
            "totalSize": 1,
            "done": True,
            "records": [{"attributes": {"type": "User"}, "Id": "005000000000002AAA"}],
        },
    )
    assert client.user_id() == "005000000000002AAA"


def test_a_long_org_message_keeps_its_last_line() -> None:
    """INVALID_FIELD quotes the whole query first; the field it names is on the last line."""
    fields = ", ".join(f"Field_{n}__c" for n in range(200))
    message = (
        f"\n{fields}\n       ^\nERROR at Row:1:Column:12\n"
        "No such column 'Budget__c' on entity 'Lead'."
    )
    response = requests.Response()
    response.status_code = 400
    response._content = json.dumps([{"errorCode": "INVALID_FIELD", "message": message}]).encode()

    error = error_from_response(response, method="GET", resource="query")

    assert "No such column 'Budget__c' on entity 'Lead'." in str(error)
    assert len(str(error)) < 600
    assert error.error_code == "INVALID_FIELD"

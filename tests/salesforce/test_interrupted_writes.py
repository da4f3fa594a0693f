"""
What a stop request does to a write (issue 14), and error answers cut to what a person
needs: a Collections write ends after the request in flight, a Bulk job is aborted if it
was not closed yet, journaled before it is closed, and finished by the next run.
"""

from __future__ import annotations

import json

import pytest
import requests

from sfsync.errors import AccessDeniedError, RetriableSalesforceError, StopRequestedError
from sfsync.salesforce.client import SalesforceClient
from sfsync.salesforce.failures import error_from_response
from sfsync.salesforce.records import WriteResult
from sfsync.stop import Stop
from tests.salesforce.conftest import FakeSleep, SfApi, fast_retrying, make_sf

JOB = "7505g00000InGeSt1A"
LEADS = [{"Id": f"00Q5g00000AbC{n:05d}", "SFS_Score__c": n} for n in range(450)]


def _client(stop: Stop, **options: int) -> SalesforceClient:
    return SalesforceClient(
        make_sf(), retrying=fast_retrying(), sleep=FakeSleep(), stop=stop, **options
    )


def _ok(n: int, start: int = 0) -> list[dict[str, object]]:
    return [{"id": LEADS[start + i]["Id"], "success": True, "errors": []} for i in range(n)]


def test_a_stop_during_a_collections_write_ends_it_after_the_request_in_flight(
    sf_api: SfApi,
) -> None:
    """450 records are three requests; a stop during the first returns its 200 results."""
    stop = Stop()

    def first_batch(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        stop.set("SIGINT received")  # arrives while the org works on the first request
        return 200, {}, json.dumps(_ok(200))

    sf_api.rsps.add_callback("PATCH", sf_api.url("composite/sobjects"), callback=first_batch)
    results = _client(stop).write("Lead", LEADS)

    assert [WriteResult(r["Id"], True) for r in LEADS[:200]] == list(results)
    assert 1 == len(sf_api.rsps.calls)


def test_a_stop_before_the_ingest_job_is_closed_aborts_it(sf_api: SfApi) -> None:
    """Uploaded but not closed: the job is aborted, nothing is applied, nothing journaled."""
    stop = Stop()
    journaled: list[tuple[str, int, int]] = []

    def upload(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        stop.set("SIGINT received")
        return 201, {}, ""

    sf_api.add("POST", "jobs/ingest", fixture="bulk2_ingest_job_create_response.json")
    sf_api.rsps.add_callback(
        "PUT", sf_api.url(f"/services/data/v59.0/jobs/ingest/{JOB}/batches"), callback=upload
    )
    abort = sf_api.add("PATCH", f"jobs/ingest/{JOB}", json_body={})

    with pytest.raises(StopRequestedError):
        _client(stop, bulk_write_threshold=0).write(
            "Lead", LEADS[:3], on_job=lambda *job: journaled.append(job)
        )
    assert {"state": "Aborted"} == json.loads(abort.calls[0].request.body)
    assert [] == journaled


def test_a_closed_job_is_journaled_first_then_waited_for_despite_the_stop(sf_api: SfApi) -> None:
    """The caller hears of the job before UploadComplete; a stop after the close still waits
    for the org and returns every result."""
    stop = Stop()
    order: list[str] = []

    def close(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        order.append("close")
        stop.set("SIGINT received")
        return 200, {}, json.dumps({"id": JOB, "state": "UploadComplete"})

    sf_api.add("POST", "jobs/ingest", fixture="bulk2_ingest_job_create_response.json")
    sf_api.add("PUT", f"/services/data/v59.0/jobs/ingest/{JOB}/batches", status=201)
    sf_api.rsps.add_callback("PATCH", sf_api.url(f"jobs/ingest/{JOB}"), callback=close)
    sf_api.add("GET", f"jobs/ingest/{JOB}", json_body={"id": JOB, "state": "InProgress"})
    done = {"id": JOB, "state": "JobComplete", "numberRecordsProcessed": 3}
    sf_api.add("GET", f"jobs/ingest/{JOB}", json_body=done | {"numberRecordsFailed": 0})

    results = _client(stop, bulk_write_threshold=0).write(
        "Lead", LEADS[:3], on_job=lambda job, start, end: order.append(f"{job} {start}-{end}")
    )

    assert [f"{JOB} 0-3", "close"] == order
    assert [True, True, True] == [r.success for r in results]


def test_the_next_run_finishes_a_journaled_job_without_sending_it_again(sf_api: SfApi) -> None:
    """`resume_update` waits for the org and reads the job's failures; nothing is uploaded."""
    sf_api.add("GET", f"jobs/ingest/{JOB}", json_body={"id": JOB, "state": "InProgress"})
    info = {"id": JOB, "state": "JobComplete", "numberRecordsProcessed": 3}
    sf_api.add("GET", f"jobs/ingest/{JOB}", json_body=info | {"numberRecordsFailed": 1})
    sf_api.add(
        "GET",
        f"jobs/ingest/{JOB}/failedResults/",
        body=f'"sf__Id","sf__Error","Id"\n"","FIELD_CUSTOM_VALIDATION_EXCEPTION:no:--","{LEADS[1]["Id"]}"\n',
    )

    results = _client(Stop()).resume_update("Lead", LEADS[:3], JOB, 0, 3)

    assert results is not None
    assert [True, False, True] == [results[i].success for i in range(3)]
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" == results[1].error_code
    assert all(c.request.method == "GET" for c in sf_api.rsps.calls)


def test_a_journaled_job_the_org_never_got_is_aborted_and_left_to_the_pass(sf_api: SfApi) -> None:
    """Still Open (the run died before closing it): abort it; the pass writes those leads."""
    sf_api.add("GET", f"jobs/ingest/{JOB}", json_body={"id": JOB, "state": "Open"})
    abort = sf_api.add("PATCH", f"jobs/ingest/{JOB}", json_body={})
    assert _client(Stop()).resume_update("Lead", LEADS[:3], JOB, 0, 3) is None
    assert {"state": "Aborted"} == json.loads(abort.calls[0].request.body)


def _answer(status: int, body: str, content_type: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    response.headers["Content-Type"] = content_type
    return response


def test_an_html_error_page_is_cut_to_its_title() -> None:
    """A load balancer's 503 page becomes its title, never the page."""
    page = (
        "<html><head><title>Service Unavailable</title></head><body><h1>Service Unavailable"
        "</h1><p>The server is temporarily unable to service your request.</p></body></html>"
    )
    error = error_from_response(_answer(503, page, "text/html"), method="GET", resource="limits")
    assert isinstance(error, RetriableSalesforceError)
    assert "GET limits: HTTP 503: Service Unavailable" == str(error)


@pytest.mark.parametrize(
    ("status", "code"),
    [(403, "API_DISABLED_FOR_ORG"), (403, "INSUFFICIENT_ACCESS"), (400, "INSUFFICIENT_ACCESS")],
)
def test_a_refused_permission_is_access_denied(status: int, code: str) -> None:
    """What the integration user may not do is a person's fix (exit 2), not an outage."""
    body = json.dumps([{"errorCode": code, "message": "not for this user"}])
    error = error_from_response(
        _answer(status, body, "application/json"), method="GET", resource="query"
    )
    assert isinstance(error, AccessDeniedError)
    assert f"GET query: HTTP {status} {code}: not for this user" == str(error)

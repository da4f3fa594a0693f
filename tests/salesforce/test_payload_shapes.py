"""
Payload contract, client side: every recorded Salesforce shape in tests/fixtures/salesforce/
that test_client.py does not feed verbatim is fed here to sfsync.salesforce, exactly as recorded.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from responses import matchers

from sfsync.errors import (
    AuthenticationError,
    DefinitionMismatchError,
    QuotaExceededError,
    SalesforceError,
)
from sfsync.salesforce.client import SalesforceClient
from sfsync.salesforce.failures import SessionExpiredError, error_from_response
from tests.salesforce.conftest import FIXTURES, SfApi, payload, payload_text

QUERY_JOB = "7505g00000QuErY1AA"


def _response(status: int, body: Any) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    return response


ERRORS: list[tuple[str, type[SalesforceError]]] = [
    ("error_300_external_id_multiple.json", SalesforceError),
    ("error_400_invalid_field_query.json", DefinitionMismatchError),
    ("error_400_invalid_field_write.json", DefinitionMismatchError),
    ("error_400_malformed_query.json", SalesforceError),
    ("error_400_unable_to_lock_row.json", SalesforceError),
    ("error_401_invalid_session_id.json", SessionExpiredError),
    ("error_401_session_not_valid_for_rest.json", SessionExpiredError),
    ("error_403_request_limit_exceeded.json", QuotaExceededError),
    ("error_404_not_found.json", SalesforceError),
]


@pytest.mark.parametrize(("fixture", "cls"), ERRORS)
def test_every_recorded_error_body_maps_to_a_clear_error(
    fixture: str, cls: type[SalesforceError]
) -> None:
    """Each recorded error (status from its file name) gives its code and message, no traceback."""
    body = payload(fixture)
    status = int(fixture.split("_")[1])
    error = error_from_response(_response(status, body), method="GET", resource="query")
    assert type(error) is cls
    assert (error.status, error.resource) == (status, "query")
    text = str(error)
    assert text.startswith(f"GET query: HTTP {status}")
    if isinstance(body[0], dict):
        assert body[0]["errorCode"] == error.error_code
        assert body[0]["message"].rsplit("\n", 1)[-1] in text
    else:  # 300: an external Id matched several records; the body lists their URLs
        assert error.error_code is None
        assert all(url in text for url in body)


def test_every_error_fixture_is_covered() -> None:
    """A new recorded error body must be added to the table above."""
    names = {p.name for p in FIXTURES.glob("error_*.json")}
    assert names == {fixture for fixture, _ in ERRORS}


def test_session_not_valid_for_rest_ends_after_one_relogin(sf_api: SfApi) -> None:
    """The REST-invalid session variant is re-logged once, then AuthenticationError."""
    from tests.salesforce.conftest import fast_retrying, make_sf

    sf_api.add("GET", "limits/", fixture="error_401_session_not_valid_for_rest.json", status=401)
    with (
        SalesforceClient(
            make_sf(), retrying=fast_retrying(), reauthenticate=lambda: make_sf(token="NEW")
        ) as client,
        pytest.raises(AuthenticationError, match="not valid for use with the REST API"),
    ):
        client.limits()


def test_collections_request_is_the_recorded_body(sf_api: SfApi, client: SalesforceClient) -> None:
    """Records with an Id (null kept, attributes added) are sent exactly as the recorded request."""
    recorded = payload("composite_sobjects_update_request.json")
    sf_api.add(
        "PATCH",
        "composite/sobjects",
        json_body=[{"id": r["id"], "success": True, "errors": []} for r in recorded["records"]],
    )
    records = [
        {"Id": r["id"], **{k: v for k, v in r.items() if k not in {"attributes", "id"}}}
        for r in recorded["records"]
    ]
    results = client.update("Lead", records)
    assert [r.id for r in results] == [r["id"] for r in recorded["records"]]
    assert recorded == json.loads(sf_api.rsps.calls[0].request.body or b"")


def test_query_job_request_and_result_headers_as_recorded(
    sf_api: SfApi, client: SalesforceClient
) -> None:
    """The job create body has the recorded keys; Sforce-Locator is followed until `null`."""
    recorded_request = payload("bulk2_query_job_create_request.json")
    pages = payload("bulk2_query_results_headers.json")
    sf_api.add("POST", "jobs/query", fixture="bulk2_query_job_create_response.json")
    info = payload("bulk2_query_job_info_complete.json") | {"id": QUERY_JOB}
    sf_api.add("GET", f"jobs/query/{QUERY_JOB}", json_body=info)
    results = f"jobs/query/{QUERY_JOB}/results"
    first, last = pages["first_page"], pages["last_page"]
    sf_api.add(
        "GET",
        results,
        body=payload_text("bulk2_query_results_page1.csv"),
        status=first["status"],
        content_type=first["Content-Type"],
        headers={k: v for k, v in first.items() if k.startswith("Sforce-")},
        match=(matchers.query_param_matcher({"maxRecords": "250000"}),),
    )
    sf_api.add(
        "GET",
        results,
        body='"Id","Email","Status","Owner.Name","SystemModstamp"\n'
        '"00Q5g00000LaStPgAA","","Working - Contacted","","2024-05-01T09:30:00.000Z"\n',
        status=last["status"],
        content_type=last["Content-Type"],
        headers={k: v for k, v in last.items() if k.startswith("Sforce-")},
        match=(
            matchers.query_param_matcher(
                {"maxRecords": "250000", "locator": first["Sforce-Locator"]}
            ),
        ),
    )
    sf_api.describe()
    sf_api.add("GET", "sobjects/Group/describe", fixture="error_404_not_found.json", status=404)
    sf_api.add(
        "GET",
        "sobjects/User/describe",
        json_body={"name": "User", "fields": [{"name": "Name", "type": "string"}]},
    )
    rows = list(client.bulk_query(recorded_request["query"]))
    assert int(first["Sforce-NumberOfRecords"]) + int(last["Sforce-NumberOfRecords"]) == len(rows)
    assert [r["Id"] for r in rows][-1] == "00Q5g00000LaStPgAA"
    assert rows[-1]["Owner"] is None
    assert rows[-1]["Email"] is None
    assert recorded_request == json.loads(sf_api.rsps.calls[0].request.body or b"")
    result_calls = [c for c in sf_api.rsps.calls if "/results" in str(c.request.url)]
    assert len(result_calls) == 2  # the `null` locator ends the paging


def test_aggregate_and_child_rows_pass_through_query(
    sf_api: SfApi, client: SalesforceClient
) -> None:
    """AggregateResult rows keep expr0 and null groups; child lists keep their shape."""
    header = payload("sforce_query_options_request_header.json")
    soql = "SELECT WhoId, COUNT(Id) FROM Task GROUP BY WhoId"
    sf_api.query(soql, fixture="query_aggregate_group_by.json")
    rows = list(client.query(soql, batch_size=int(header["Sforce-Query-Options"].split("=")[1])))
    assert rows == [
        {"WhoId": "00Q5g00000AbCdEFGH", "expr0": 3},
        {"WhoId": None, "expr0": 7},
    ]
    sent = sf_api.rsps.calls[0].request.headers
    assert header["Sforce-Query-Options"] == sent["Sforce-Query-Options"]
    child_soql = "SELECT Id, (SELECT Id FROM Tasks) FROM Lead"
    sf_api.query(child_soql, fixture="query_lead_with_child_tasks.json")
    (lead,) = client.query(child_soql)
    assert (lead["Tasks"]["totalSize"], lead["Tasks"]["done"]) == (2, True)
    assert [t["TaskSubtype"] for t in lead["Tasks"]["records"]] == ["Call", "Email"]
    assert all("attributes" not in t for t in lead["Tasks"]["records"])


@pytest.mark.parametrize(
    ("key", "expected"),
    [("simple", (18, 5000)), ("with_per_app_quota", (25, 5000)), ("with_bursts", (10018, 100000))],
)
def test_limit_info_header_variants_set_api_usage(
    sf_api: SfApi, client: SalesforceClient, key: str, expected: tuple[int, int]
) -> None:
    """Every recorded Sforce-Limit-Info form updates the client's API usage."""
    header = payload("sforce_limit_info_headers.json")[key]
    sf_api.add("GET", "sobjects/", json_body={}, headers={"Sforce-Limit-Info": header})
    client.request_json("GET", "sobjects/", name="sobjects")
    assert client.api_usage == expected

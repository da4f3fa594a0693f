"""One request to the org: API usage from headers, the budget, one re-login, bodies streamed."""

from __future__ import annotations

import csv

import pytest
import requests
from simple_salesforce.api import Salesforce

from sfsync.errors import AuthenticationError, QuotaExceededError
from sfsync.salesforce.streams import stream_text
from sfsync.salesforce.transport import Transport
from tests.salesforce.conftest import SfApi, fast_retrying, make_sf


def test_usage_comes_from_sforce_limit_info_and_the_budget_stops_the_run(sf_api: SfApi) -> None:
    """Each answer's Sforce-Limit-Info updates usage; past the budget, calls are refused."""
    sf_api.add("GET", "limits/", json_body={"DailyApiRequests": {"Max": 1000, "Remaining": 900}})
    sf_api.add(
        "GET", "sobjects/", json_body={}, headers={"Sforce-Limit-Info": "api-usage=400/1000"}
    )
    transport = Transport(make_sf(), retrying=fast_retrying(), budget_pct=25.0)

    assert (100, 1000) == transport.start_budget()
    transport.request_json("GET", "sobjects/", name="sobjects")

    assert (400, 1000) == transport.api_usage
    with pytest.raises(QuotaExceededError, match="this run used 300"):
        transport.request_json("GET", "sobjects/", name="sobjects")
    assert 2 == transport.calls


def test_an_expired_session_logs_in_again_once(sf_api: SfApi) -> None:
    """401 INVALID_SESSION_ID: one re-login, then the request again; twice is an error."""
    expired = [{"errorCode": "INVALID_SESSION_ID", "message": "Session expired"}]
    sf_api.add("GET", "limits/", json_body=expired, status=401)
    sf_api.add("GET", "limits/", json_body={"ok": 1})
    logins: list[Salesforce] = []

    def relogin() -> Salesforce:
        logins.append(make_sf())
        return logins[-1]

    transport = Transport(make_sf(), retrying=fast_retrying(), reauthenticate=relogin)
    assert {"ok": 1} == transport.limits()
    assert (1, 2) == (len(logins), transport.calls)

    sf_api.add("GET", "limits/", json_body=expired, status=401)
    sf_api.add("GET", "limits/", json_body=expired, status=401)
    with pytest.raises(AuthenticationError, match="still invalid after one re-login"):
        transport.limits()


class _Chunked(requests.Response):
    def __init__(self, chunks: list[bytes]) -> None:
        super().__init__()
        self._chunks = chunks

    def iter_content(self, chunk_size: int | None = 1, decode_unicode: bool = False):  # type: ignore[no-untyped-def,override]
        return iter(self._chunks)


def test_csv_bodies_are_decoded_while_they_stream_in() -> None:
    """A UTF-8 character split across chunks, a BOM and a quoted line break all survive."""
    body = '\ufeffId,Name\n1,"Zoë\nTwo"\n'.encode()
    split = body.index("ë".encode()) + 1
    rows = list(csv.DictReader(stream_text(_Chunked([body[:split], body[split:]]))))
    assert [{"Id": "1", "Name": "Zoë\nTwo"}] == rows

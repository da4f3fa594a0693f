from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses
import tenacity
from responses import matchers
from simple_salesforce.api import Salesforce

from sfsync.salesforce.client import SalesforceClient
from sfsync.salesforce.session import build_session

FIXTURES = Path(__file__).parent.parent / "fixtures" / "salesforce"
INSTANCE = "https://example.my.salesforce.com"
VERSION = "62.0"
BASE = f"{INSTANCE}/services/data/v{VERSION}/"
TOKEN = "00D000000000000AAA!SECRET-ACCESS-TOKEN"


def payload(name: str) -> Any:
    """Load a canned JSON payload from tests/fixtures/salesforce/."""
    return json.loads((FIXTURES / name).read_text())


def payload_text(name: str) -> str:
    """Load a canned text payload (CSV) from tests/fixtures/salesforce/."""
    return (FIXTURES / name).read_text()


class SfApi:
    """Register canned Salesforce answers on a responses mock, by resource and verb."""

    def __init__(self, rsps: responses.RequestsMock) -> None:
        self.rsps = rsps

    @staticmethod
    def url(path: str) -> str:
        if path.startswith("https://"):
            return path
        return INSTANCE + path if path.startswith("/") else BASE + path

    def add(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        fixture: str | None = None,
        body: str | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
        match: tuple[Any, ...] = (),
        content_type: str | None = None,
    ) -> responses.BaseResponse:
        kwargs: dict[str, Any] = {"status": status, "headers": headers or {}, "match": match}
        if fixture is not None and fixture.endswith(".json"):
            json_body = payload(fixture)
        elif fixture is not None:
            body = payload_text(fixture)
            content_type = content_type or "text/csv"
        if json_body is not None:
            kwargs["json"] = json_body
        else:
            kwargs["body"] = body or ""
            if content_type:
                kwargs["content_type"] = content_type
        return self.rsps.add(method, self.url(path), **kwargs)

    def query(
        self,
        soql: str,
        *,
        fixture: str | None = None,
        json_body: Any = None,
        resource: str = "query",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> responses.BaseResponse:
        return self.add(
            "GET",
            f"{resource}/",
            fixture=fixture,
            json_body=json_body,
            status=status,
            headers=headers,
            match=(matchers.query_param_matcher({"q": soql}),),
        )

    def describe(self, sobject: str = "Lead", fixture: str = "describe_lead_response_trimmed.json"):
        return self.add("GET", f"sobjects/{sobject}/describe", fixture=fixture)

    def limits(self, *, max_: int = 15000, remaining: int = 14998) -> responses.BaseResponse:
        body = payload("limits_response.json")
        body["DailyApiRequests"] = {"Max": max_, "Remaining": remaining}
        return self.add(
            "GET",
            "limits/",
            json_body=body,
            headers={"Sforce-Limit-Info": f"api-usage={max_ - remaining + 1}/{max_}"},
        )


def fast_retrying(attempts: int = 3) -> tenacity.Retrying:
    """A retry policy that never sleeps, as STYLE §6 suggests for tests."""
    return tenacity.Retrying(
        wait=tenacity.wait_none(), stop=tenacity.stop_after_attempt(attempts), reraise=True
    )


def make_sf(token: str = TOKEN, instance_url: str = INSTANCE) -> Salesforce:
    """A simple-salesforce handle in direct mode over sfsync's session; no login happens."""
    return Salesforce(
        session_id=token,
        instance_url=instance_url,
        version=VERSION,
        session=build_session(timeout=7.5),
    )


@pytest.fixture(name="rsps")
def _rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture(name="sf_api")
def _sf_api(rsps: responses.RequestsMock) -> SfApi:
    return SfApi(rsps)


class FakeSleep:
    """Record requested sleeps instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture(name="sleep")
def _sleep() -> FakeSleep:
    return FakeSleep()


@pytest.fixture(name="client")
def _client(sleep: FakeSleep) -> Iterator[SalesforceClient]:
    with SalesforceClient(
        make_sf(), retrying=fast_retrying(), sleep=sleep, username="integration@example.com"
    ) as client:
        yield client

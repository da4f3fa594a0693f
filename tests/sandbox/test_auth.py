"""
The sandbox org's OAuth token endpoint on its own: the bearer header it reads, the grants it
accepts, and its refusals in Salesforce's OAuth error shape
(tests/fixtures/salesforce/oauth_token_error.json, a copy of
/work/shared/salesforce-payloads/oauth_token_error.json: `{"error", "error_description"}`).
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

import pytest

from sfsync.sandbox.auth import JWT_BEARER, bearer_token, token
from sfsync.sandbox.org import SandboxOrg
from sfsync.sandbox.protocol import Response
from tests.sandbox.conftest import payload, raw_request

INSTANCE = "https://127.0.0.1:8443"
FORM = "application/x-www-form-urlencoded"


def _token(org: SandboxOrg, form: dict[str, str], **headers: str) -> tuple[int, Any]:
    request = raw_request(
        "POST",
        "/services/oauth2/token",
        body=urlencode(form).encode(),
        headers={"Content-Type": FORM, **headers},
    )
    answer: Response = token(request, org, INSTANCE)
    return answer.status, json.loads(answer.body)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer 00Dabc!AQ0", "00Dabc!AQ0"),
        ("OAuth 00Dabc!AQ0", "00Dabc!AQ0"),  # Salesforce's older scheme name
        ("bearer   00Dabc!AQ0  ", "00Dabc!AQ0"),
        ("Basic dXNlcjpwYXNz", None),
        ("Bearer ", None),
        ("00Dabc!AQ0", None),
        (None, None),
    ],
)
def test_bearer_token_reads_bearer_and_oauth_headers_only(
    header: str | None, expected: str | None
) -> None:
    """`Authorization: Bearer <t>` or `OAuth <t>` (any case) gives the token; any other
    scheme, an empty token or no header gives None."""
    headers = {} if header is None else {"Authorization": header}
    assert bearer_token(raw_request("GET", "/services/data/v62.0/", headers=headers)) == expected


def test_password_grant_issues_a_session_in_salesforce_shape(org: SandboxOrg) -> None:
    """The integration user's Username and the client secret give a live token; the body
    has every key of Salesforce's answer (oauth_token_success.json) and is a Bearer token."""
    status, body = _token(
        org,
        {"grant_type": "password", "username": org.integration_username().upper(),
         "password": org.client_secret},
    )  # fmt: skip
    assert status == 200
    assert set(payload("oauth_token_success.json")) <= set(body)
    assert (body["token_type"], body["instance_url"]) == ("Bearer", INSTANCE)
    assert body["id"] == f"{INSTANCE}/id/{org.org_id}/{org.user_id}"
    assert body["issued_at"].isdigit()
    assert org.token_is_valid(body["access_token"])


def test_client_credentials_by_form_or_http_basic(org: SandboxOrg) -> None:
    """client_credentials takes the client id and secret as form fields or HTTP Basic."""
    by_form = {"grant_type": "client_credentials", "client_id": org.client_id,
               "client_secret": org.client_secret}  # fmt: skip
    assert _token(org, by_form)[0] == 200
    basic = base64.b64encode(f"{org.client_id}:{org.client_secret}".encode()).decode()
    status, body = _token(org, {"grant_type": "client_credentials"}, Authorization=f"Basic {basic}")
    assert status == 200
    assert org.token_is_valid(body["access_token"])


def test_refusals_have_salesforces_oauth_error_shape(org: SandboxOrg) -> None:
    """A wrong password, a bad client secret or id, an unknown or missing grant type, and a
    JWT grant before the org has a Connected App: 400 with `error` and `error_description`
    only, the keys of oauth_token_error.json."""
    good = org.client_secret
    cases = {
        ("invalid_grant", "authentication failure"): {
            "grant_type": "password", "username": org.integration_username(), "password": "x"},
        ("invalid_client", "invalid client credentials"): {
            "grant_type": "client_credentials", "client_id": org.client_id,
            "client_secret": good + "x"},
        ("invalid_client_id", "client identifier invalid"): {
            "grant_type": "client_credentials", "client_id": "3MVG9other", "client_secret": good},
        ("unsupported_grant_type", "grant type not supported"): {
            "grant_type": "authorization_code", "code": "abc"},
        ("invalid_request", "grant type not provided"): {"client_id": org.client_id},
        ("invalid_grant", "invalid assertion"): {"grant_type": JWT_BEARER, "assertion": "a.b.c"},
    }  # fmt: skip
    shape = set(payload("oauth_token_error.json"))
    for (error, description), form in cases.items():
        status, body = _token(org, form)
        assert (status, body) == (400, {"error": error, "error_description": description}), form
        assert set(body) == shape

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from structlog.testing import capture_logs

from sfsync.config import Settings
from sfsync.errors import SfsyncError
from sfsync.salesforce.auth import authenticate
from sfsync.salesforce.client import SalesforceClient, connect
from sfsync.salesforce.retry import build_retrying
from tests.salesforce.conftest import BASE, INSTANCE, make_sf, payload

ACCESS_TOKEN = "00D000000000000AAA!ACCESS-TOKEN-s3cr3t"
CLIENT_SECRET = "CLIENT-SECRET-s3cr3t"
PASSWORD = "PASSWORD-s3cr3t"
SECURITY_TOKEN = "SECURITY-TOKEN-s3cr3t"
KEY_CONTENT = "KEY-CONTENT-s3cr3t"
SECRETS = [ACCESS_TOKEN, CLIENT_SECRET, PASSWORD, SECURITY_TOKEN, KEY_CONTENT]
TOKEN_URL = INSTANCE + "/services/oauth2/token"


def _retrying() -> Any:
    return build_retrying(attempts=2).copy(sleep=lambda _: None)


def _echo_error(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
    # A hostile endpoint that echoes what it got (body and auth header) in its error.
    body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
    return (
        400,
        {},
        f'{{"error": "invalid_client", "error_description": "{body} '
        f'{request.headers.get("Authorization", "")}"}}',
    )


def _client_credentials(rsps: responses.RequestsMock, tmp_path: Path) -> None:
    rsps.add_callback("POST", TOKEN_URL, callback=_echo_error)
    authenticate(
        Settings(
            sf_auth="client_credentials",
            sf_instance_url=INSTANCE,
            sf_client_id="cid",
            sf_client_secret=CLIENT_SECRET,
        )
    )


def _client_credentials_5xx(rsps: responses.RequestsMock, tmp_path: Path) -> None:
    rsps.add("POST", TOKEN_URL, status=503, body=CLIENT_SECRET)
    authenticate(
        Settings(
            sf_auth="client_credentials",
            sf_instance_url=INSTANCE,
            sf_client_id="cid",
            sf_client_secret=CLIENT_SECRET,
        ),
        retrying=_retrying(),
    )


def _password_soap_fault(rsps: responses.RequestsMock, tmp_path: Path) -> None:
    fault = (
        f"<soapenv:Envelope><soapenv:Body><soapenv:Fault><faultcode>INVALID_LOGIN"
        f"</faultcode><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>"
        f"<sf:exceptionMessage>bad {PASSWORD}{SECURITY_TOKEN}</sf:exceptionMessage>"
        f"</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    rsps.add("POST", "https://login.salesforce.com/services/Soap/u/62.0", status=500, body=fault)
    authenticate(
        Settings(
            sf_auth="password",
            sf_username="u",
            sf_password=PASSWORD,
            sf_security_token=SECURITY_TOKEN,
        )
    )


def _jwt_bad_key(rsps: responses.RequestsMock, tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    key.write_text(f"-----BEGIN PRIVATE KEY-----\n{KEY_CONTENT}\n-----END PRIVATE KEY-----\n")
    authenticate(
        Settings(sf_auth="jwt", sf_username="u", sf_client_id="c", sf_private_key_file=key)
    )


def _session_reauth(rsps: responses.RequestsMock, tmp_path: Path) -> None:
    rsps.add("GET", BASE + "limits/", status=401, json=payload("error_401_invalid_session_id.json"))
    settings = Settings(sf_auth="session", sf_instance_url=INSTANCE, sf_access_token=ACCESS_TOKEN)
    with connect(settings, retrying=_retrying()) as client:
        client.limits()


def _client_call(
    status: int, body: Any = None, exc: Exception | None = None
) -> Callable[..., None]:
    def run(rsps: responses.RequestsMock, tmp_path: Path) -> None:
        if exc is not None:
            rsps.add("GET", BASE + "limits/", body=exc)
        else:
            rsps.add("GET", BASE + "limits/", status=status, json=body)
        with SalesforceClient(
            make_sf(token=ACCESS_TOKEN),
            retrying=_retrying(),
            reauthenticate=lambda: make_sf(token=ACCESS_TOKEN),
        ) as client:
            client.limits()

    return run


@pytest.mark.parametrize(
    "scenario",
    [
        _client_credentials,
        _client_credentials_5xx,
        _password_soap_fault,
        _jwt_bad_key,
        _session_reauth,
        _client_call(401, payload("error_401_invalid_session_id.json")),
        _client_call(403, payload("error_403_request_limit_exceeded.json")),
        _client_call(500, [{"errorCode": "UNKNOWN_EXCEPTION", "message": "x"}]),
        _client_call(400, payload("error_400_malformed_query.json")),
        _client_call(
            0,
            exc=requests.exceptions.ConnectionError(
                "HTTPSConnectionPool(host='example.my.salesforce.com', port=443): reset"
            ),
        ),
    ],
    ids=[
        "cc-refused",
        "cc-5xx",
        "password-fault",
        "jwt-bad-key",
        "session-reauth",
        "401x2",
        "403",
        "500",
        "400",
        "connection",
    ],
)
def test_failures_never_reveal_secrets(scenario: Callable[..., None], tmp_path: Path) -> None:
    """Every failure path raises an SfsyncError and logs nothing that contains a secret."""
    with (
        capture_logs() as logs,
        responses.RequestsMock(assert_all_requests_are_fired=False) as rsps,
        pytest.raises(SfsyncError) as info,
    ):
        scenario(rsps, tmp_path)
    texts = [str(info.value), repr(info.value), repr(logs)]
    cause = info.value.__cause__
    while cause is not None:
        texts.append(str(cause))
        cause = cause.__cause__
    for secret in SECRETS:
        assert all(secret not in text for text in texts), secret

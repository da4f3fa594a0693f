from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
import pytest
import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from structlog.testing import capture_logs

from sfsync.config import Settings
from sfsync.errors import AuthenticationError, ConfigError, RetriableSalesforceError
from sfsync.salesforce.auth import authenticate
from sfsync.salesforce.client import connect
from sfsync.salesforce.session import build_session
from tests.salesforce.conftest import INSTANCE, fast_retrying, payload

TOKEN_BODY = payload("oauth_token_success.json")
SOAP_OK = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<loginResponse><result><serverUrl>https://na1.salesforce.com/services/Soap/u/62.0/00D</serverUrl>
<sessionId>SOAP-SESSION-ID</sessionId><userId>005x00000012Q9P</userId></result></loginResponse>
</soapenv:Body></soapenv:Envelope>"""


@pytest.fixture(name="key_pair")
def _key_pair(tmp_path: Path) -> tuple[Path, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "server.key"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return path, public


@pytest.fixture(name="session")
def _session() -> Iterator[requests.Session]:
    with build_session(timeout=5) as session:
        yield session


def _settings(**kwargs: Any) -> Settings:
    return Settings(**kwargs)


def _form(call: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(call.request.body).items()}


def test_session_mode_makes_no_request(
    rsps: responses.RequestsMock, session: requests.Session
) -> None:
    """Session mode builds a direct handle from the instance URL and token."""
    login = authenticate(
        _settings(
            sf_auth="session",
            sf_instance_url="https://127.0.0.1:8443",
            sf_access_token="tok",
            sf_api_version="v61.0",
        ),
        session=session,
    )
    assert login.sf.base_url == "https://127.0.0.1:8443/services/data/v61.0/"
    assert login.sf.headers["Authorization"] == "Bearer tok"
    assert login.sf.session is session
    assert len(rsps.calls) == 0
    with pytest.raises(AuthenticationError, match="cannot log in again"):
        login.reauthenticate()


@pytest.mark.parametrize(
    ("settings", "variables"),
    [
        ({"sf_auth": "session"}, ["SFSYNC_SF_INSTANCE_URL", "SFSYNC_SF_ACCESS_TOKEN"]),
        ({"sf_auth": "client_credentials", "sf_client_id": "id"}, ["SFSYNC_SF_CLIENT_SECRET"]),
        (
            {"sf_auth": "jwt", "sf_username": "u"},
            ["SFSYNC_SF_CLIENT_ID", "SFSYNC_SF_PRIVATE_KEY_FILE"],
        ),
        ({"sf_auth": "password"}, ["SFSYNC_SF_USERNAME", "SFSYNC_SF_PASSWORD"]),
    ],
)
def test_missing_settings_name_the_variables(
    settings: dict[str, Any], variables: list[str], session: requests.Session
) -> None:
    """Each mode names exactly the SFSYNC_ variables it still needs."""
    with pytest.raises(ConfigError) as info:
        authenticate(_settings(**settings), session=session)
    assert f"SFSYNC_SF_AUTH={settings['sf_auth']} needs {', '.join(variables)}" == str(info.value)


@pytest.mark.parametrize(
    ("settings", "needle"),
    [
        (
            {"sf_auth": "session", "sf_instance_url": "http://x", "sf_access_token": "t"},
            "SFSYNC_SF_INSTANCE_URL",
        ),
        (
            {"sf_auth": "client_credentials", "sf_client_id": "i", "sf_client_secret": "s"},
            "My Domain",
        ),
        (
            {
                "sf_auth": "jwt",
                "sf_username": "u",
                "sf_client_id": "i",
                "sf_private_key_file": "/nonexistent.key",
            },
            "SFSYNC_SF_PRIVATE_KEY_FILE",
        ),
    ],
)
def test_invalid_settings(settings: dict[str, Any], needle: str, session: requests.Session) -> None:
    """Plain-http URLs, generic login hosts for client credentials and missing keys are refused."""
    with pytest.raises(ConfigError, match=needle):
        authenticate(_settings(**settings), session=session)


def test_client_credentials(rsps: responses.RequestsMock, session: requests.Session) -> None:
    """Client credentials posts to the My Domain token endpoint through our session."""
    rsps.add("POST", INSTANCE + "/services/oauth2/token", json=TOKEN_BODY)
    login = authenticate(
        _settings(
            sf_auth="client_credentials",
            sf_instance_url=INSTANCE,
            sf_client_id="cid",
            sf_client_secret="csecret",
        ),
        session=session,
    )
    assert _form(rsps.calls[0]) == {
        "grant_type": "client_credentials",
        "client_id": "cid",
        "client_secret": "csecret",
    }
    assert rsps.calls[0].request.req_kwargs["timeout"] == 5
    assert login.sf.base_url == "https://na1.salesforce.com/services/data/v62.0/"
    assert TOKEN_BODY["access_token"] == login.sf.session_id
    assert TOKEN_BODY["id"] == login.identity_url
    login.reauthenticate()
    assert len(rsps.calls) == 2


def test_client_credentials_refused(
    rsps: responses.RequestsMock, session: requests.Session
) -> None:
    """A token-endpoint error becomes AuthenticationError with Salesforce's reason."""
    rsps.add(
        "POST",
        INSTANCE + "/services/oauth2/token",
        json=payload("oauth_token_error.json"),
        status=400,
    )
    with pytest.raises(AuthenticationError) as info:
        authenticate(
            _settings(
                sf_auth="client_credentials",
                sf_instance_url=INSTANCE,
                sf_client_id="cid",
                sf_client_secret="csecret",
            ),
            session=session,
        )
    assert str(info.value) == (
        "client_credentials login failed: invalid_grant: authentication failure - Invalid Password"
    )
    assert info.value.error_code == "invalid_grant"


def test_token_endpoint_5xx_is_retried(
    rsps: responses.RequestsMock, session: requests.Session
) -> None:
    """A 503 from the token endpoint is retried with the given policy."""
    url = INSTANCE + "/services/oauth2/token"
    rsps.add("POST", url, status=503)
    rsps.add("POST", url, json=TOKEN_BODY)
    authenticate(
        _settings(
            sf_auth="client_credentials",
            sf_instance_url=INSTANCE,
            sf_client_id="cid",
            sf_client_secret="s",
        ),
        session=session,
        retrying=fast_retrying(),
    )
    assert len(rsps.calls) == 2
    rsps.replace("POST", url, status=502)
    with pytest.raises(RetriableSalesforceError):
        authenticate(
            _settings(
                sf_auth="client_credentials",
                sf_instance_url=INSTANCE,
                sf_client_id="cid",
                sf_client_secret="s",
            ),
            session=session,
        )


def test_jwt_via_simple_salesforce(
    rsps: responses.RequestsMock, session: requests.Session, key_pair: tuple[Path, bytes]
) -> None:
    """On a salesforce.com login host, simple-salesforce's JWT flow runs over our session."""
    rsps.add("POST", "https://test.salesforce.com/services/oauth2/token", json=TOKEN_BODY)
    key_file, public = key_pair
    login = authenticate(
        _settings(
            sf_auth="jwt",
            sf_login_url="https://test.salesforce.com",
            sf_username="int@example.com",
            sf_client_id="ckey",
            sf_private_key_file=key_file,
        ),
        session=session,
    )
    form = _form(rsps.calls[0])
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    claims = jwt.decode(
        form["assertion"], public, algorithms=["RS256"], audience="https://test.salesforce.com"
    )
    assert (claims["iss"], claims["sub"]) == ("ckey", "int@example.com")
    assert rsps.calls[0].request.headers["Sforce-Auto-Assign"] == "FALSE"
    assert login.sf.sf_instance == "na1.salesforce.com"


def test_jwt_on_other_host_signs_locally(
    rsps: responses.RequestsMock, session: requests.Session, key_pair: tuple[Path, bytes]
) -> None:
    """On a non-salesforce.com host (the sandbox) the same assertion is posted to that host."""
    rsps.add(
        "POST",
        "https://127.0.0.1:8443/services/oauth2/token",
        json=TOKEN_BODY | {"instance_url": "https://127.0.0.1:8443"},
    )
    key_file, public = key_pair
    login = authenticate(
        _settings(
            sf_auth="jwt",
            sf_login_url="https://127.0.0.1:8443/",
            sf_username="int@example.com",
            sf_client_id="ckey",
            sf_private_key_file=key_file,
        ),
        session=session,
    )
    claims = jwt.decode(
        _form(rsps.calls[0])["assertion"],
        public,
        algorithms=["RS256"],
        audience="https://127.0.0.1:8443",
    )
    assert claims["sub"] == "int@example.com"
    assert login.sf.sf_instance == "127.0.0.1:8443"
    assert TOKEN_BODY["id"] == login.identity_url


def test_jwt_bad_key_is_config_error(session: requests.Session, tmp_path: Path) -> None:
    """An unreadable private key is a configuration problem, reported without its contents."""
    key_file = tmp_path / "bad.key"
    key_file.write_text(
        "-----BEGIN PRIVATE KEY-----\nNOT-A-KEY-SECRET\n-----END PRIVATE KEY-----\n"
    )
    for login_url in ("https://login.salesforce.com", "https://127.0.0.1:8443"):
        with pytest.raises(ConfigError, match="SFSYNC_SF_PRIVATE_KEY_FILE") as info:
            authenticate(
                _settings(
                    sf_auth="jwt",
                    sf_login_url=login_url,
                    sf_username="u",
                    sf_client_id="c",
                    sf_private_key_file=key_file,
                ),
                session=session,
            )
        assert "NOT-A-KEY-SECRET" not in str(info.value)


def test_password_mode_warns_and_logs_in(
    rsps: responses.RequestsMock, session: requests.Session
) -> None:
    """Password mode logs the deprecation event and uses simple-salesforce's SOAP login."""
    rsps.add("POST", "https://login.salesforce.com/services/Soap/u/62.0", body=SOAP_OK)
    with capture_logs() as logs:
        login = authenticate(
            _settings(
                sf_auth="password",
                sf_username="u@example.com",
                sf_password="pw",
                sf_security_token="tok",
            ),
            session=session,
        )
    assert [e["event"] for e in logs] == ["sfsync.salesforce.password_auth_deprecated"]
    assert "SOAP" in logs[0]["detail"]
    assert login.sf.session_id == "SOAP-SESSION-ID"
    assert login.sf.sf_instance == "na1.salesforce.com"


def test_password_mode_on_other_host_uses_oauth(
    rsps: responses.RequestsMock, session: requests.Session
) -> None:
    """On a non-salesforce.com login URL (no SOAP there) the OAuth password grant is used."""
    rsps.add("POST", "https://127.0.0.1:8443/services/oauth2/token", json=TOKEN_BODY)
    with capture_logs() as logs:
        login = authenticate(
            _settings(
                sf_auth="password",
                sf_login_url="https://127.0.0.1:8443",
                sf_username="u",
                sf_password="pw",
                sf_security_token="tok",
            ),
            session=session,
        )
    assert _form(rsps.calls[0]) == {"grant_type": "password", "username": "u", "password": "pwtok"}
    assert login.identity_url == TOKEN_BODY["id"]
    assert [e["event"] for e in logs] == ["sfsync.salesforce.password_auth_deprecated"]


def test_connect_builds_a_configured_client(rsps: responses.RequestsMock) -> None:
    """connect logs in, and the client re-logs in after a 401 with the same flow."""
    rsps.add("POST", INSTANCE + "/services/oauth2/token", json=TOKEN_BODY)
    base = "https://na1.salesforce.com/services/data/v62.0/limits/"
    rsps.add("GET", base, status=401, json=payload("error_401_invalid_session_id.json"))
    rsps.add("GET", base, json={})
    settings = _settings(
        sf_auth="client_credentials",
        sf_instance_url=INSTANCE,
        sf_client_id="cid",
        sf_client_secret="s",
    )
    with connect(settings, retrying=fast_retrying()) as client:
        assert client.limits() == {}
        assert client.user_id() == "005x00000012Q9P"
    assert [c.request.method for c in rsps.calls] == ["POST", "GET", "POST", "GET"]

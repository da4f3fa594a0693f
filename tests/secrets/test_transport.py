"""
The transport around the secrets: the sandbox listens on loopback only and refuses wrong
tokens; TLS verification stays on whatever the environment says, unless
SFSYNC_SF_INSECURE_SKIP_TLS_VERIFY is set, which logs a warning.
"""

from __future__ import annotations

import json
from pathlib import Path

import certifi
import pytest
import requests

from sfsync.errors import ConfigError
from sfsync.sandbox.server import check_loopback, start_sandbox
from tests.reliability.orgkit import NOW_ARG, CliResult, run_cli
from tests.secrets.conftest import TOKEN, WRONG_TOKEN, Org

pytestmark = pytest.mark.e2e


def _http(org: Org) -> requests.Session:
    session = requests.Session()
    session.verify = str(org.sandbox.ca_file)
    session.trust_env = False
    return session


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.com", "10.0.0.1"])
def test_sandbox_refuses_a_non_loopback_host(host: str, tmp_path: Path) -> None:
    """Neither the library nor `sfsync sandbox serve` binds anything but loopback."""
    with pytest.raises(ConfigError, match="only listens on loopback"):
        check_loopback(host)
    with pytest.raises(ConfigError, match="only listens on loopback"):
        start_sandbox(tmp_path / "org", host=host)
    result = run_cli(["sandbox", "serve", "--data-dir", str(tmp_path / "cli"), "--host", host])
    assert result.returncode == 2, result.describe()
    assert "only listens on loopback" in result.stderr
    assert not (tmp_path / "cli" / "connection.env").exists()


def test_running_sandbox_is_bound_to_loopback(org: Org) -> None:
    """The listening socket is 127.0.0.1."""
    assert org.sandbox.url.startswith("https://127.0.0.1:")


@pytest.mark.parametrize(
    "authorization",
    [None, f"Bearer {WRONG_TOKEN}", "Bearer ", f"Basic {TOKEN}", f"Bearer {TOKEN}x"],
)
@pytest.mark.parametrize("path", ["/services/data/v62.0/limits/", "/__sandbox/calls"])
def test_wrong_tokens_get_401_invalid_session_id(
    org: Org, authorization: str | None, path: str
) -> None:
    """No token, a wrong one, or the right one in the wrong scheme: 401 INVALID_SESSION_ID."""
    headers = {"Authorization": authorization} if authorization else {}
    response = _http(org).get(org.sandbox.url + path, headers=headers)
    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    assert TOKEN not in response.text


def test_right_token_is_accepted(org: Org) -> None:
    """The control: the known token reaches the same resources."""
    for path in ("/services/data/v62.0/limits/", "/__sandbox/calls"):
        response = _http(org).get(
            org.sandbox.url + path, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert response.status_code == 200, response.text


def test_token_endpoint_refuses_a_wrong_client_secret(org: Org) -> None:
    """client_credentials with a wrong secret: 400 invalid_client, no token issued."""
    response = _http(org).post(
        org.sandbox.url + "/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": org.sandbox.org.client_id,
            "client_secret": "not-the-secret",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"
    assert "access_token" not in response.json()


def _env_file(org: Org, tmp_path: Path, **settings: str) -> Path:
    values = {
        "SFSYNC_SF_AUTH": "session",
        "SFSYNC_SF_INSTANCE_URL": org.sandbox.url,
        "SFSYNC_SF_ACCESS_TOKEN": TOKEN,
        "SFSYNC_STATE_PATH": str(tmp_path / "state.sqlite3"),
        **settings,
    }
    path = tmp_path / "tls.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items() if v), "utf-8")
    return path


def _sync(env_file: Path, env: dict[str, str]) -> CliResult:
    return run_cli(
        ["--env-file", str(env_file), "--log-format", "json", "sync", "--json", "--now", NOW_ARG],
        env=env,
    )


PUBLIC_CAS = {"REQUESTS_CA_BUNDLE": certifi.where(), "CURL_CA_BUNDLE": certifi.where()}


@pytest.mark.parametrize(
    "env",
    [
        PUBLIC_CAS,
        # requests treats an empty bundle variable as "not set", never as "don't verify".
        {"REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": "", "SSL_CERT_FILE": certifi.where()},
        {**PUBLIC_CAS, "PYTHONHTTPSVERIFY": "0"},
    ],
    ids=["public-cas", "empty-bundle-variables", "pythonhttpsverify-0"],
)
def test_tls_is_verified_whatever_the_environment_says(
    org: Org, tmp_path: Path, env: dict[str, str]
) -> None:
    """Without the sandbox's CA the connection fails (exit 1) and names the setting to use."""
    result = _sync(_env_file(org, tmp_path), env)
    assert result.returncode == 1, result.describe()
    assert "TLS verification" in result.stderr
    assert "SFSYNC_SF_CA_BUNDLE" in result.stderr
    assert "Traceback" not in result.stderr


def test_configured_ca_bundle_wins_over_requests_ca_bundle(org: Org, tmp_path: Path) -> None:
    """SFSYNC_SF_CA_BUNDLE is used even when REQUESTS_CA_BUNDLE names another bundle."""
    env_file = _env_file(org, tmp_path, SFSYNC_SF_CA_BUNDLE=str(org.sandbox.ca_file))
    result = _sync(env_file, PUBLIC_CAS)
    assert result.returncode == 0, result.describe()


def test_insecure_skip_is_explicit_and_loud(org: Org, tmp_path: Path) -> None:
    """Only SFSYNC_SF_INSECURE_SKIP_TLS_VERIFY turns verification off, with a warning."""
    env_file = _env_file(org, tmp_path, SFSYNC_SF_INSECURE_SKIP_TLS_VERIFY="true")
    result = _sync(env_file, PUBLIC_CAS)
    assert result.returncode == 0, result.describe()
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    warnings = [e for e in events if e["event"] == "sfsync.salesforce.tls_verification_disabled"]
    assert len(warnings) == 1, result.describe()
    assert warnings[0]["level"] == "warning"
    assert "never use this against a real org" in warnings[0]["detail"]
    # Said once, as a structured event: no plain-text warning per request breaks the JSON.
    assert len(events) == len(result.stderr.splitlines()), result.describe()

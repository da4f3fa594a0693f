"""Identity URL, userinfo and the Connected App's JWT bearer and client-credentials logins."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from sfsync.sandbox import schema, seed
from sfsync.sandbox.connected_app import CERT_FILE, KEY_FILE
from sfsync.sandbox.server import RunningSandbox
from tests.sandbox.conftest import PinnedSession, auth_headers, payload

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _assertion(sandbox: RunningSandbox, **claims: Any) -> str:
    """An assertion signed with the key `sandbox serve` wrote, as a JWT client makes it."""
    body = {
        "iss": sandbox.org.client_id,
        "sub": sandbox.org.integration_username(),
        "aud": sandbox.url,
        "exp": int(time.time()) + 180,
        **claims,
    }
    key = (sandbox.data_dir / KEY_FILE).read_bytes()
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm="RS256")


def _token(http: PinnedSession, sandbox: RunningSandbox, **data: str) -> Any:
    return http.post(f"{sandbox.url}/services/oauth2/token", data=data)


def test_connected_app_files_are_written_private(sandbox: RunningSandbox) -> None:
    """The key pair sits in the data dir, the key mode 0600; connection.env names it for jwt."""
    key = sandbox.data_dir / KEY_FILE
    assert key.stat().st_mode & 0o777 == 0o600
    assert (sandbox.data_dir / CERT_FILE).read_text().startswith("-----BEGIN CERTIFICATE-----")
    env = sandbox.env_file.read_text()
    assert f"SFSYNC_SF_PRIVATE_KEY_FILE={key.resolve()}" in env
    assert f"SFSYNC_SF_USERNAME={sandbox.org.integration_username()}" in env
    assert "SFSYNC_SF_AUTH=session" in env


def test_jwt_bearer_issues_a_session_in_salesforce_shape(
    http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """A good assertion gets a token with the recorded keys and the identity URL as id."""
    response = _token(http, sandbox, grant_type=JWT_GRANT, assertion=_assertion(sandbox))
    body = response.json()
    assert response.status_code == 200, body
    assert set(payload("oauth_token_success.json")) <= set(body)
    assert body["id"] == f"{sandbox.url}/id/{sandbox.org.org_id}/{sandbox.org.user_id}"
    assert body["access_token"].startswith(sandbox.org.org_id[:15] + "!")
    ok = http.get(
        f"{sandbox.url}/services/data/v62.0/limits",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("claims", "error", "description"),
    [
        ({"iss": "3MVG9someoneelse"}, "invalid_client_id", "client identifier invalid"),
        ({"aud": "https://test.salesforce.com"}, "invalid_grant", "audience is invalid"),
        ({"exp": int(time.time()) - 5}, "invalid_grant", "expired authorization code"),
        ({"exp": None}, "invalid_grant", "invalid assertion"),
        ({"sub": "nobody@demo-org.example"}, "invalid_grant",
         "user hasn't approved this consumer"),
        ({"sub": "MARKETING"}, "invalid_grant", "user hasn't approved this consumer"),
    ],
    ids=["issuer", "audience", "expired", "no-exp", "unknown-user", "not-preauthorized"],
)  # fmt: skip
def test_jwt_bearer_refusals_match_salesforce(
    http: PinnedSession,
    sandbox: RunningSandbox,
    claims: dict[str, Any],
    error: str,
    description: str,
) -> None:
    """Each broken claim gets the error and description a real org gives, status 400."""
    if claims.get("sub") == "MARKETING":  # a real user of the org the app is not approved for
        row = sandbox.org.get_row(schema.USER, seed.MARKETING_USER_ID)
        assert row is not None
        claims = {"sub": row["Username"]}
    response = _token(http, sandbox, grant_type=JWT_GRANT, assertion=_assertion(sandbox, **claims))
    assert (response.status_code, response.json()) == (
        400,
        {"error": error, "error_description": description},
    )


def test_jwt_signed_with_another_key_or_algorithm_is_invalid(
    http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """A signature the app's certificate does not verify, or HS256, is an invalid assertion."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    claims = jwt.decode(_assertion(sandbox), options={"verify_signature": False})
    for assertion in (
        jwt.encode(claims, other, algorithm="RS256"),
        jwt.encode(claims, sandbox.org.client_secret, algorithm="HS256"),
        "not.a.jwt",
    ):
        response = _token(http, sandbox, grant_type=JWT_GRANT, assertion=assertion)
        assert response.json() == {
            "error": "invalid_grant",
            "error_description": "invalid assertion",
        }


def test_jwt_accepts_what_the_sf_cli_signs(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """The sf CLI's audience (login.salesforce.com) and its exp in milliseconds work, as in orgs."""
    assertion = _assertion(
        sandbox, aud="https://login.salesforce.com", exp=int(time.time() * 1000) + 300
    )
    assert _token(http, sandbox, grant_type=JWT_GRANT, assertion=assertion).status_code == 200


def test_identity_url_answers_the_token_user(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """The identity URL the API advertises answers the user and org in Salesforce's shape."""
    resources = http.get(
        f"{sandbox.url}/services/data/v62.0/", headers=auth_headers(sandbox)
    ).json()
    response = http.get(resources["identity"], headers=auth_headers(sandbox))
    body = response.json()
    assert response.status_code == 200
    assert (body["user_id"], body["organization_id"]) == (sandbox.org.user_id, sandbox.org.org_id)
    assert body["username"] == sandbox.org.integration_username()
    assert body["urls"]["rest"] == f"{sandbox.url}/services/data/v{{version}}/"
    assert {"id", "asserted_user", "display_name", "email", "active", "user_type",
            "is_lightning_login_user", "photos", "status", "urls"} <= set(body)  # fmt: skip
    assert "Sforce-Limit-Info" not in response.headers
    denied = http.get(resources["identity"], headers={"Authorization": "Bearer nope"})
    assert (denied.status_code, denied.text) == (403, "Bad_OAuth_Token")
    missing = http.get(
        f"{sandbox.url}/id/{sandbox.org.org_id}/005000000000000AAA", headers=auth_headers(sandbox)
    )
    assert missing.status_code == 404


def test_userinfo_names_user_and_org(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """userinfo carries the OpenID claims with user_id and organization_id."""
    body = http.get(f"{sandbox.url}/services/oauth2/userinfo", headers=auth_headers(sandbox)).json()
    assert (body["user_id"], body["organization_id"]) == (sandbox.org.user_id, sandbox.org.org_id)
    assert body["sub"] == f"{sandbox.url}/id/{sandbox.org.org_id}/{sandbox.org.user_id}"
    assert body["preferred_username"] == sandbox.org.integration_username()

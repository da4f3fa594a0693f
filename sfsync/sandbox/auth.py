"""
The sandbox org's OAuth 2.0 token endpoint, `POST /services/oauth2/token`, for its Connected
App (sandbox/connected_app.py): the JWT bearer flow and client credentials (the production
paths), and the password flow for the integration user. Every grant runs as the integration
user, the one user the app is pre-authorized for. The answer has Salesforce's shape
(tests/fixtures/salesforce/oauth_token_success.json), with the identity URL as `id`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs

from sfsync.sandbox.connected_app import (
    PRODUCTION_AUDIENCE,
    AssertionRejectedError,
    verify_assertion,
)
from sfsync.sandbox.identity import identity_url
from sfsync.sandbox.org import INTEGRATION_USER_ID, SandboxOrg
from sfsync.sandbox.protocol import Request, Response, json_response

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` (or Salesforce's `OAuth <token>`) header."""
    value = request.header("Authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() in ("bearer", "oauth") and token.strip():
        return token.strip()
    return None


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    return json_response(status, {"error": error, "error_description": description})


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str | None, str | None]:
    header = request.header("Authorization") or ""
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(value.strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None, None
        return client_id, secret
    return form.get("client_id"), form.get("client_secret")


def token(request: Request, org: SandboxOrg, instance_url: str) -> Response:
    """
    Issue a new session, as Salesforce's token endpoint does.

    grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer: an assertion signed with the key
    in connection-app.key (`verify_assertion`), its sub the integration user's Username.
    grant_type=client_credentials: client id and secret from connection.env (form fields or
    HTTP Basic). grant_type=password: the integration user's Username, and the client secret
    from connection.env as the password (client id/secret optional). A new token replaces
    connection.env's SFSYNC_SF_ACCESS_TOKEN; earlier live tokens stay valid.
    """
    raw = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
    raw.update({k: v for k, v in request.query.items() if k not in raw})
    form = {k: v[0] for k, v in raw.items() if v}
    grant = form.get("grant_type")
    client_id, secret = _client_credentials(request, form)
    if grant == JWT_BEARER:
        refused = _jwt_refusal(request, form, org, instance_url)
        if refused is not None:
            return refused
    elif grant == "client_credentials":
        if client_id != org.client_id:
            return _oauth_error("invalid_client_id", "client identifier invalid")
        if secret is None or not hmac.compare_digest(secret, org.client_secret):
            return _oauth_error("invalid_client", "invalid client credentials")
    elif grant == "password":
        if client_id is not None and client_id != org.client_id:
            return _oauth_error("invalid_client_id", "client identifier invalid")
        username = (form.get("username") or "").lower()
        password = form.get("password") or ""
        if username != org.integration_username().lower() or not hmac.compare_digest(
            password, org.client_secret
        ):
            return _oauth_error("invalid_grant", "authentication failure")
    elif grant is None:
        return _oauth_error("invalid_request", "grant type not provided")
    else:
        return _oauth_error("unsupported_grant_type", "grant type not supported")
    access_token = org.issue_token()
    issued_at = str(int(time.time() * 1000))
    identity = identity_url(instance_url, org, INTEGRATION_USER_ID)
    digest = hmac.new(org.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256)
    return json_response(
        200,
        {
            "access_token": access_token,
            "signature": base64.b64encode(digest.digest()).decode(),
            "scope": "api",
            "instance_url": instance_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
        },
    )


def _jwt_refusal(
    request: Request, form: dict[str, str], org: SandboxOrg, instance_url: str
) -> Response | None:
    """None when the JWT bearer assertion is good, else the error answer a real org gives."""
    app = org.connected_app
    assertion = form.get("assertion")
    if app is None:
        return _oauth_error("invalid_grant", "invalid assertion")
    if not assertion:
        return _oauth_error("invalid_request", "assertion is required")
    host = request.header("Host")
    audiences = {instance_url, PRODUCTION_AUDIENCE}
    if host:
        audiences.add(f"https://{host}")
    try:
        claims = verify_assertion(
            assertion,
            app=app,
            consumer_key=org.client_id,
            audiences=audiences,
            now=datetime.now(UTC),
        )
    except AssertionRejectedError as exc:
        return _oauth_error(exc.error, exc.description)
    subject = str(claims.get("sub") or "")
    with org.lock:
        row = org.conn.execute(
            'SELECT Id, IsActive FROM "User" WHERE Username = ? COLLATE NOCASE AND IsDeleted = 0',
            (subject,),
        ).fetchone()
    # "inactive user": restforce/restforce#303 (captured answer).
    if row is None or row[0] != INTEGRATION_USER_ID:
        # Only pre-authorized users get a token; Salesforce says the same for unknown ones.
        return _oauth_error("invalid_grant", "user hasn't approved this consumer")
    if not row[1]:
        return _oauth_error("invalid_grant", "inactive user")
    return None

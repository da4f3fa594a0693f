"""
The OAuth 2.0 endpoints of the sandbox org: `POST /services/oauth2/token` (client credentials,
and password for the integration user) and `GET /services/oauth2/userinfo`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import parse_qs

from sfsync.sandbox import schema
from sfsync.sandbox.org import INTEGRATION_USER_ID, SandboxOrg
from sfsync.sandbox.protocol import Request, Response, json_response


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
    if grant == "client_credentials":
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
    identity = f"{instance_url}/id/{schema.ORG_ID}/{INTEGRATION_USER_ID}"
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


def userinfo(request: Request, org: SandboxOrg, instance_url: str) -> Response:
    """The OpenID Connect userinfo of the token's user (the integration user)."""
    access_token = bearer_token(request)
    if access_token is None or not org.token_is_valid(access_token):
        return Response(403, b"Bad_OAuth_Token", "text/plain;charset=UTF-8")
    with org.lock:
        row = org.get_row(schema.USER, INTEGRATION_USER_ID) or {}
    identity = f"{instance_url}/id/{schema.ORG_ID}/{INTEGRATION_USER_ID}"
    return json_response(
        200,
        {
            "sub": identity,
            "user_id": INTEGRATION_USER_ID,
            "organization_id": schema.ORG_ID,
            "preferred_username": row.get("Username"),
            "nickname": (row.get("Username") or "").split("@")[0],
            "name": row.get("Name"),
            "email": row.get("Email"),
            "email_verified": True,
            "given_name": row.get("FirstName"),
            "family_name": row.get("LastName"),
            "zoneinfo": "Etc/UTC",
            "active": True,
            "user_type": "STANDARD",
            "language": "en_US",
            "locale": "en_US",
            "utcOffset": 0,
            "updated_at": row.get("LastModifiedDate"),
            "is_app_installed": True,
        },
    )

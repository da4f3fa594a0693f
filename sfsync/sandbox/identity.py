"""
Who a session belongs to, as Salesforce's identity service answers it:

- the identity URL `GET /id/{orgId}/{userId}` (returned as `id` by the token endpoint and as
  `identity` by `GET /services/data/vXX.X/`; jsforce's `identity()` follows it), shaped as in
  https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_openid.htm and a captured
  answer (prismatic.io docs/example-payloads/salesforce/actions/getCurrentUser.json);
- the OpenID Connect `GET /services/oauth2/userinfo`
  (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_userinfo_endpoint.htm).

Both take the access token as `Authorization: Bearer` (or `oauth_token=`), are not API calls
(no Sforce-Limit-Info), and answer 403 `Bad_OAuth_Token` for a token the org did not issue.
"""

from __future__ import annotations

from typing import Any

from sfsync.sandbox import schema
from sfsync.sandbox.ids import with_checksum
from sfsync.sandbox.org import SandboxOrg
from sfsync.sandbox.protocol import Request, Response, json_response

_LATEST = "64.0"


def identity_url(instance_url: str, org: SandboxOrg, user_id: str) -> str:
    """`https://host/id/<orgId>/<userId>`."""
    return f"{instance_url}/id/{org.org_id}/{user_id}"


def _token(request: Request) -> str | None:
    value = request.header("Authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() in ("bearer", "oauth") and token.strip():
        return token.strip()
    return request.param("oauth_token")


def _user(org: SandboxOrg, user_id: str) -> dict[str, Any] | None:
    with org.lock:
        return org.get_row(schema.USER, user_id)


def _urls(instance_url: str, org: SandboxOrg, user_id: str, version: str | None) -> dict[str, str]:
    v = version or "{version}"
    org15 = org.org_id[:15]
    data = f"{instance_url}/services/data/v{v}"
    return {
        "enterprise": f"{instance_url}/services/Soap/c/{v}/{org15}",
        "metadata": f"{instance_url}/services/Soap/m/{v}/{org15}",
        "partner": f"{instance_url}/services/Soap/u/{v}/{org15}",
        "rest": f"{data}/",
        "sobjects": f"{data}/sobjects/",
        "search": f"{data}/search/",
        "query": f"{data}/query/",
        "recent": f"{data}/recent/",
        "tooling_soap": f"{instance_url}/services/Soap/T/{v}/{org15}",
        "tooling_rest": f"{data}/tooling/",
        "profile": f"{instance_url}/{user_id}",
        "feeds": f"{data}/chatter/feeds",
        "groups": f"{data}/chatter/groups",
        "users": f"{data}/chatter/users",
        "feed_items": f"{data}/chatter/feed-items",
        "feed_elements": f"{data}/chatter/feed-elements",
        "custom_domain": instance_url,
    }


def _version(request: Request) -> str | None:
    value = request.param("version")
    if value == "latest":
        return _LATEST
    return value if value and value.replace(".", "").isdigit() else None


def identity(request: Request, org: SandboxOrg, instance_url: str, path: str) -> Response:
    """`GET /id/{orgId}/{userId}`: the user and org behind the token, with API URLs."""
    token = _token(request)
    if token is None or not org.token_is_valid(token):
        return Response(403, b"Bad_OAuth_Token", "text/plain;charset=UTF-8")
    parts = [p for p in path.split("/") if p]
    row = None
    if len(parts) == 3 and parts[1][:15] == org.org_id[:15]:
        # The integration user administers the org, so its token reads any user's identity.
        row = _user(org, with_checksum(parts[2][:15])) if len(parts[2]) in (15, 18) else None
    if row is None:
        return Response(404, b"Bad_Id", "text/plain;charset=UTF-8")
    user_id = str(row["Id"])
    first, last = row.get("FirstName"), row.get("LastName")
    body = {
        "id": identity_url(instance_url, org, user_id),
        "asserted_user": True,
        "user_id": user_id,
        "organization_id": org.org_id,
        "username": row.get("Username"),
        "nick_name": (row.get("Username") or "").split("@")[0],
        "display_name": row.get("Name"),
        "email": row.get("Email"),
        "email_verified": True,
        "first_name": first,
        "last_name": last,
        "timezone": row.get("TimeZoneSidKey") or "GMT",
        "photos": {
            "picture": f"{instance_url}/profilephoto/005/F",
            "thumbnail": f"{instance_url}/profilephoto/005/T",
        },
        "addr_street": None,
        "addr_city": None,
        "addr_state": None,
        "addr_country": "US",
        "addr_zip": None,
        "mobile_phone": None,
        "mobile_phone_verified": False,
        "is_lightning_login_user": False,
        "status": {"created_date": None, "body": None},
        **_session_facts(request, org, instance_url, row),
        "last_modified_date": row.get("LastModifiedDate"),
    }
    return json_response(200, body)


def _session_facts(
    request: Request, org: SandboxOrg, instance_url: str, row: dict[str, Any]
) -> dict[str, Any]:
    """What identity and userinfo both answer about the user's API access and locale."""
    return {
        "urls": _urls(instance_url, org, str(row.get("Id") or org.user_id), _version(request)),
        "active": bool(row.get("IsActive", True)),
        "user_type": "STANDARD",
        "language": row.get("LanguageLocaleKey") or "en_US",
        "locale": row.get("LocaleSidKey") or "en_US",
        "utcOffset": 0,
        "is_app_installed": True,
    }


def userinfo(request: Request, org: SandboxOrg, instance_url: str) -> Response:
    """`GET /services/oauth2/userinfo`: the OpenID Connect claims of the token's user."""
    token = _token(request)
    if token is None or not org.token_is_valid(token):
        return Response(403, b"Bad_OAuth_Token", "text/plain;charset=UTF-8")
    row = _user(org, org.user_id) or {}
    body = {
        "sub": identity_url(instance_url, org, org.user_id),
        "user_id": org.user_id,
        "organization_id": org.org_id,
        "preferred_username": row.get("Username"),
        "nickname": (row.get("Username") or "").split("@")[0],
        "name": row.get("Name"),
        "email": row.get("Email"),
        "email_verified": True,
        "given_name": row.get("FirstName"),
        "family_name": row.get("LastName"),
        "zoneinfo": row.get("TimeZoneSidKey") or "GMT",
        "photos": {
            "picture": f"{instance_url}/profilephoto/005/F",
            "thumbnail": f"{instance_url}/profilephoto/005/T",
        },
        "profile": f"{instance_url}/{org.user_id}",
        "picture": f"{instance_url}/profilephoto/005/F",
        "address": {"country": "US"},
        "is_salesforce_integration_user": False,
        **_session_facts(request, org, instance_url, row),
        "updated_at": row.get("LastModifiedDate"),
    }
    return json_response(200, body)

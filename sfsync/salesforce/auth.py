"""
Log in to Salesforce from Settings and hand back a ready `simple_salesforce.Salesforce`.

Every mode ends in simple-salesforce's "direct" mode (access token + instance URL), so
simple-salesforce never re-logs in behind our back (its built-in re-login replays requests
up to three times, which is unsafe for writes). Re-login is explicit: `Login.reauthenticate`.

Modes (`SFSYNC_SF_AUTH`):
- `jwt` (recommended for daemons): OAuth 2.0 JWT bearer flow.
- `client_credentials`: OAuth 2.0 client credentials flow against the org's My Domain.
- `session`: a given access token and instance URL (tests, the sandbox org); no re-login.
- `password`: legacy username/password login (SOAP `login()`, or the OAuth username-password
  flow with a connected app or on a non-salesforce.com host); Salesforce is retiring both,
  so it logs a deprecation event.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import jwt
import requests
import structlog
import tenacity
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed
from simple_salesforce.login import SalesforceLogin

from sfsync.config import Settings
from sfsync.errors import (
    AuthenticationError,
    ConfigError,
    MissingSettingError,
    RetriableSalesforceError,
    SalesforceError,
)
from sfsync.salesforce.session import build_session

log = structlog.get_logger(__name__)

T = TypeVar("T")

_GENERIC_LOGIN_HOSTS = {"login.salesforce.com", "test.salesforce.com"}
_JWT_LIFETIME_SECONDS = 180


@dataclass(frozen=True)
class Login:
    """
    The result of logging in: the Salesforce handle, how to get a fresh one, and who we are.

    `identity_url` is the OAuth identity URL (`…/id/<orgId>/<userId>`) when the flow
    returned one; `username` is the configured user, if any.
    """

    sf: Salesforce
    reauthenticate: Callable[[], Salesforce]
    identity_url: str | None = None
    username: str | None = None


@dataclass(frozen=True)
class _Token:
    access_token: str
    instance_url: str
    identity_url: str | None = None


def authenticate(
    settings: Settings,
    *,
    session: requests.Session | None = None,
    retrying: tenacity.Retrying | None = None,
) -> Login:
    """
    Log in the way `settings.sf_auth` says and return the Salesforce handle.

    *session* defaults to `build_session(...)` from the settings (timeouts, CA bundle,
    Sforce-Auto-Assign). *retrying*, when given, wraps each login attempt (network errors
    and 5xx answers from the token endpoint are retriable).

    Raises:
        ConfigError: a required setting is missing; the message names the SFSYNC_ variable.
        AuthenticationError: Salesforce refused the credentials (no secret in the message).
        RetriableSalesforceError: the login endpoint was unreachable or answered 5xx.
    """
    if session is None:
        session = build_session(
            timeout=settings.http_timeout_seconds,
            connect_timeout=settings.http_connect_timeout_seconds,
            ca_bundle=settings.sf_ca_bundle,
            insecure_skip_tls_verify=settings.sf_insecure_skip_tls_verify,
        )
    version = settings.sf_api_version.removeprefix("v")
    fetch = _token_fetcher(settings, session, version)
    secrets = _secrets(settings)

    def login() -> _Token:
        try:
            if retrying is None:
                return fetch()
            return retrying.copy()(fetch)
        except SalesforceError as exc:
            raise _scrubbed(exc, secrets) from None

    def reauthenticate() -> Salesforce:
        token = login()
        log.info("sfsync.salesforce.session_renewed", auth=settings.sf_auth)
        return _direct(token, version, session)

    token = login()
    return Login(
        sf=_direct(token, version, session),
        reauthenticate=reauthenticate,
        identity_url=token.identity_url,
        username=settings.sf_username,
    )


def check_login_settings(settings: Settings) -> None:
    """
    Raise what a login with *settings* would raise about the settings themselves (a
    missing or malformed setting, a key file that is not there), without logging in.

    Raises:
        ConfigError: as `authenticate` would; MissingSettingError names the variables.
    """
    with requests.Session() as unused:
        _token_fetcher(settings, unused, settings.sf_api_version.removeprefix("v"))


def _token_fetcher(
    settings: Settings, session: requests.Session, version: str
) -> Callable[[], _Token]:
    mode = settings.sf_auth
    if mode == "session":
        return _session_mode(settings)
    if mode == "client_credentials":
        return _client_credentials_mode(settings, session)
    if mode == "jwt":
        return _jwt_mode(settings, session)
    if mode == "password":
        return _password_mode(settings, session, version)
    msg = f"SFSYNC_SF_AUTH: unknown mode {mode!r}"  # pragma: no cover (Literal-typed)
    raise ConfigError(msg)  # pragma: no cover


def _session_mode(settings: Settings) -> Callable[[], _Token]:
    _require(
        settings,
        sf_instance_url=settings.sf_instance_url,
        sf_access_token=settings.sf_access_token,
    )
    assert settings.sf_instance_url is not None
    assert settings.sf_access_token is not None
    instance_url = _https_url("SFSYNC_SF_INSTANCE_URL", settings.sf_instance_url)
    token = settings.sf_access_token.get_secret_value()
    state = {"used": False}

    def fetch() -> _Token:
        if state["used"]:
            msg = (
                "the access token in SFSYNC_SF_ACCESS_TOKEN is expired or invalid and "
                "SFSYNC_SF_AUTH=session cannot log in again; supply a fresh token or use "
                "SFSYNC_SF_AUTH=jwt / client_credentials"
            )
            raise AuthenticationError(msg, status=401, resource="login")
        state["used"] = True
        return _Token(token, instance_url)

    return fetch


def _client_credentials_mode(settings: Settings, session: requests.Session) -> Callable[[], _Token]:
    _require(
        settings,
        sf_client_id=settings.sf_client_id,
        sf_client_secret=settings.sf_client_secret,
    )
    assert settings.sf_client_id is not None
    assert settings.sf_client_secret is not None
    # The client credentials flow only works on the org's My Domain, never on the generic
    # login hosts: https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm
    base = settings.sf_instance_url or settings.sf_login_url
    base = _https_url(
        "SFSYNC_SF_INSTANCE_URL" if settings.sf_instance_url else "SFSYNC_SF_LOGIN_URL", base
    )
    if urlsplit(base).hostname in _GENERIC_LOGIN_HOSTS:
        msg = (
            "SFSYNC_SF_INSTANCE_URL: the client_credentials flow needs the org's My Domain "
            f"URL (https://<domain>.my.salesforce.com), not {base}"
        )
        raise ConfigError(msg)
    data = {
        "grant_type": "client_credentials",
        "client_id": settings.sf_client_id,
        "client_secret": settings.sf_client_secret.get_secret_value(),
    }
    return lambda: _post_token(session, base, data, flow="client_credentials")


def _jwt_mode(settings: Settings, session: requests.Session) -> Callable[[], _Token]:
    _require(
        settings,
        sf_username=settings.sf_username,
        sf_client_id=settings.sf_client_id,
        sf_private_key_file=settings.sf_private_key_file,
    )
    assert settings.sf_username is not None
    assert settings.sf_client_id is not None
    assert settings.sf_private_key_file is not None
    key_file: Path = settings.sf_private_key_file
    if not key_file.is_file():
        msg = f"SFSYNC_SF_PRIVATE_KEY_FILE: {key_file} is not a file"
        raise ConfigError(msg)
    username, client_id = settings.sf_username, settings.sf_client_id
    login_url = _https_url("SFSYNC_SF_LOGIN_URL", settings.sf_login_url)
    domain = _salesforce_domain(login_url)

    if domain is not None:
        # A real login host: simple-salesforce's own JWT bearer flow, over our session.
        def fetch_via_simple_salesforce() -> _Token:
            access_token, instance = _simple_salesforce_login(
                flow="jwt",
                username=username,
                consumer_key=client_id,
                privatekey_file=str(key_file),
                domain=domain,
                session=session,
            )
            return _Token(access_token, "https://" + instance)

        return fetch_via_simple_salesforce

    # Any other host (the local sandbox org): simple-salesforce would append
    # ".salesforce.com" to it, so sign the same assertion here and post it ourselves.
    def fetch_locally_signed() -> _Token:
        assertion = _jwt_assertion(key_file, client_id, username, login_url)
        data = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
        return _post_token(session, login_url, data, flow="jwt")

    return fetch_locally_signed


def _password_mode(
    settings: Settings, session: requests.Session, version: str
) -> Callable[[], _Token]:
    _require(settings, sf_username=settings.sf_username, sf_password=settings.sf_password)
    assert settings.sf_username is not None
    assert settings.sf_password is not None
    log.warning(
        "sfsync.salesforce.password_auth_deprecated",
        detail=(
            "SFSYNC_SF_AUTH=password uses the SOAP login() call, which Salesforce is "
            "retiring; switch to SFSYNC_SF_AUTH=jwt or client_credentials"
        ),
    )
    login_url = _https_url("SFSYNC_SF_LOGIN_URL", settings.sf_login_url)
    domain = _salesforce_domain(login_url)
    username, password = settings.sf_username, settings.sf_password
    security_token = settings.sf_security_token
    token_text = security_token.get_secret_value() if security_token else ""

    if domain is None or (settings.sf_client_id and settings.sf_client_secret):
        # OAuth username-password flow: with a connected app, or on a non-salesforce.com
        # host (the local sandbox org), which has no SOAP endpoint.
        data = {"grant_type": "password", "username": username}
        if settings.sf_client_id:
            data["client_id"] = settings.sf_client_id
        if settings.sf_client_secret:
            data["client_secret"] = settings.sf_client_secret.get_secret_value()

        def fetch_oauth() -> _Token:
            form = data | {"password": password.get_secret_value() + token_text}
            return _post_token(session, login_url, form, flow="password")

        return fetch_oauth

    def fetch_soap() -> _Token:
        access_token, instance = _simple_salesforce_login(
            flow="password",
            username=username,
            password=password.get_secret_value(),
            security_token=token_text or None,
            sf_version=version,
            domain=domain,
            session=session,
        )
        return _Token(access_token, "https://" + instance)

    return fetch_soap


def _simple_salesforce_login(*, flow: str, **kwargs: Any) -> tuple[str, str]:
    try:
        access_token, instance = SalesforceLogin(**kwargs)
    except SalesforceAuthenticationFailed as exc:
        msg = f"{flow} login failed: {exc.code}: {exc.auth_message}"
        raise AuthenticationError(msg, status=exc.status, resource="login") from None
    except requests.exceptions.SSLError as exc:
        raise _tls_error(exc) from None
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        msg = f"{flow} login: Salesforce unreachable ({type(exc).__name__})"
        raise RetriableSalesforceError(msg, resource="login") from None
    except (ValueError, TypeError, jwt.exceptions.PyJWTError) as exc:
        # Never echo the exception text: it may quote key material.
        msg = f"{flow} login: could not sign the JWT assertion ({type(exc).__name__})"
        raise ConfigError(f"SFSYNC_SF_PRIVATE_KEY_FILE: {msg}") from None
    return str(access_token), str(instance)


def _jwt_assertion(key_file: Path, client_id: str, username: str, audience: str) -> str:
    """Sign the JWT bearer assertion the way simple-salesforce does (RS256, 3 minutes)."""
    payload = {
        "iss": client_id,
        "sub": username,
        "aud": audience.rstrip("/"),
        "exp": int(time.time()) + _JWT_LIFETIME_SECONDS,
    }
    try:
        return jwt.encode(payload, key_file.read_bytes(), algorithm="RS256")
    except (ValueError, TypeError, jwt.exceptions.PyJWTError) as exc:
        msg = (
            f"SFSYNC_SF_PRIVATE_KEY_FILE: could not sign the JWT assertion with {key_file} "
            f"({type(exc).__name__})"
        )
        raise ConfigError(msg) from None


def _post_token(
    session: requests.Session, base_url: str, data: dict[str, str], *, flow: str
) -> _Token:
    url = base_url.rstrip("/") + "/services/oauth2/token"
    try:
        response = session.post(url, data=data, headers={"Accept": "application/json"})
    except requests.exceptions.SSLError as exc:
        raise _tls_error(exc) from None
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        msg = f"{flow} login: {url} unreachable ({type(exc).__name__})"
        raise RetriableSalesforceError(msg, resource="oauth2/token") from None
    if response.status_code >= 500:
        msg = f"{flow} login: {url} answered HTTP {response.status_code}"
        raise RetriableSalesforceError(msg, status=response.status_code, resource="oauth2/token")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        msg = f"{flow} login: {url} answered HTTP {response.status_code} without a JSON body"
        raise AuthenticationError(msg, status=response.status_code, resource="oauth2/token")
    if response.status_code != 200 or "access_token" not in body:
        code = body.get("error", "unknown_error")
        description = body.get("error_description", "")
        msg = f"{flow} login failed: {code}: {description}"
        raise AuthenticationError(
            msg, status=response.status_code, resource="oauth2/token", error_code=str(code)
        )
    instance_url = str(body.get("instance_url") or base_url)
    identity = body.get("id")
    return _Token(str(body["access_token"]), instance_url, str(identity) if identity else None)


def _direct(token: _Token, version: str, session: requests.Session) -> Salesforce:
    return Salesforce(
        session_id=token.access_token,
        instance_url=token.instance_url,
        version=version,
        session=session,
    )


def _require(settings: Settings, **values: object) -> None:
    missing = [f"SFSYNC_{name.upper()}" for name, value in values.items() if not value]
    if missing:
        msg = f"SFSYNC_SF_AUTH={settings.sf_auth} needs {', '.join(missing)}"
        raise MissingSettingError(msg, names=missing)


def _https_url(variable: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        msg = f"{variable}: expected an https:// URL, got {url!r}"
        raise ConfigError(msg)
    return url.rstrip("/")


def _salesforce_domain(login_url: str) -> str | None:
    """`https://test.salesforce.com` -> `test`; `https://acme.my.salesforce.com` -> `acme.my`."""
    parts = urlsplit(login_url)
    host = parts.hostname or ""
    if parts.port not in (None, 443) or not host.endswith(".salesforce.com"):
        return None
    return host.removesuffix(".salesforce.com")


def _tls_error(exc: requests.exceptions.SSLError) -> SalesforceError:
    msg = (
        f"TLS verification of Salesforce failed ({type(exc).__name__}); for a private CA set "
        "SFSYNC_SF_CA_BUNDLE to its certificate bundle"
    )
    return SalesforceError(msg, resource="login")


def _secrets(settings: Settings) -> list[str]:
    values = [
        settings.sf_access_token,
        settings.sf_client_secret,
        settings.sf_password,
        settings.sf_security_token,
    ]
    return [v.get_secret_value() for v in values if v is not None and v.get_secret_value()]


def _scrubbed(exc: SalesforceError, secrets: Iterable[str]) -> SalesforceError:
    """Return *exc* again, or a copy whose message has every known secret masked."""
    text = str(exc)
    clean = text
    for secret in secrets:
        clean = clean.replace(secret, "***")
    if clean == text:
        return exc
    return type(exc)(clean, status=exc.status, resource=exc.resource, error_code=exc.error_code)

"""
The requests Session every Salesforce call goes through: timeouts, headers and CA bundle.

simple-salesforce sets no timeout, so a stalled connection would hang a daemon forever; it
also sends nothing that stops lead assignment rules from re-owning the leads we update.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
import structlog
import urllib3
from requests.adapters import HTTPAdapter

from sfsync import __version__
from sfsync.errors import ConfigError

if TYPE_CHECKING:
    from requests.sessions import _Cert, _Settings, _TextMapping, _Verify

log = structlog.get_logger(__name__)

USER_AGENT = f"sfsync/{__version__}"

# Without this header, an update that reaches a Lead fires the org's active assignment
# rule and can re-own the lead; sfsync only writes scores.
# https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_autoassign.htm
AUTO_ASSIGN_HEADER = "Sforce-Auto-Assign"

_TimeoutArg = float | tuple[float, float] | tuple[float, None] | None


class TimeoutHTTPAdapter(HTTPAdapter):
    """
    An HTTPAdapter that applies *timeout* to every request sent without one.

    simple-salesforce never passes a timeout, and `Session.request` hands `timeout=None`
    down to the adapter, so the adapter is the one place every request passes through.
    """

    def __init__(self, timeout: float | tuple[float, float], **kwargs: Any) -> None:
        self.timeout = timeout
        super().__init__(**kwargs)

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: _TimeoutArg = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        return super().send(
            request,
            stream=stream,
            timeout=self.timeout if timeout is None else timeout,
            verify=verify,
            cert=cert,
            proxies=proxies,
        )


class SalesforceSession(requests.Session):
    """
    A Session whose configured `verify` (CA bundle path, or False) wins over the
    REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE environment variables.

    requests' `merge_environment_settings` replaces a per-request `verify=None` with the
    environment's bundle *before* merging the session's own `verify`, so with
    `trust_env` on (needed for HTTPS_PROXY / NO_PROXY) the environment silently overrides
    `Session.verify`. Here an explicitly configured value is passed in as the request's
    value, which requests keeps; proxies still come from the environment.
    """

    def __init__(self, *, verify_override: str | bool | None = None) -> None:
        super().__init__()
        self.verify_override = verify_override
        if verify_override is not None:
            self.verify = verify_override

    def merge_environment_settings(
        self,
        url: str | bytes | None,
        proxies: _TextMapping | None,
        stream: bool | None,
        verify: _Verify | None,
        cert: _Cert | None,
    ) -> _Settings:
        if verify is None and self.verify_override is not None:
            verify = self.verify_override
        return super().merge_environment_settings(url, proxies, stream, verify, cert)


def build_session(
    *,
    timeout: float,
    connect_timeout: float | None = None,
    ca_bundle: Path | None = None,
    insecure_skip_tls_verify: bool = False,
) -> SalesforceSession:
    """
    Build the Session for one Salesforce org.

    Every request that sets no timeout of its own may take *connect_timeout* seconds to
    connect and then *timeout* seconds of silence waiting for the answer (requests'
    `(connect, read)` timeout; *timeout* for both without *connect_timeout*), and gets the
    headers
    `Sforce-Auto-Assign: FALSE` and `User-Agent: sfsync/<version>`, and TLS verification
    against *ca_bundle* when given (else the environment's or certifi's bundle). Turning
    verification off needs *insecure_skip_tls_verify* and logs a warning.

    Raises:
        ConfigError: when *ca_bundle* does not exist, or both options are set.
    """
    verify: str | bool | None = None
    if ca_bundle is not None and insecure_skip_tls_verify:
        msg = (
            "SFSYNC_SF_CA_BUNDLE and SFSYNC_SF_INSECURE_SKIP_TLS_VERIFY are both set; set only one"
        )
        raise ConfigError(msg)
    if ca_bundle is not None:
        if not ca_bundle.is_file():
            msg = f"SFSYNC_SF_CA_BUNDLE: {ca_bundle} is not a file"
            raise ConfigError(msg)
        verify = str(ca_bundle)
    elif insecure_skip_tls_verify:
        verify = False
        # urllib3 would also print a plain-text InsecureRequestWarning on every request,
        # breaking JSON log lines; this structured warning says it once per session instead.
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        log.warning(
            "sfsync.salesforce.tls_verification_disabled",
            detail=(
                "SFSYNC_SF_INSECURE_SKIP_TLS_VERIFY is on: certificates are not checked and "
                "anyone on the network path can read the access token; never use this "
                "against a real org"
            ),
        )
    session = SalesforceSession(verify_override=verify)
    adapter = TimeoutHTTPAdapter(timeout if connect_timeout is None else (connect_timeout, timeout))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.headers[AUTO_ASSIGN_HEADER] = "FALSE"
    return session

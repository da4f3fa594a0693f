from __future__ import annotations

from pathlib import Path

import pytest
import requests
import responses
from structlog.testing import capture_logs

from sfsync import __version__
from sfsync.errors import ConfigError
from sfsync.salesforce.session import build_session

URL = "https://example.my.salesforce.com/services/data/v62.0/limits/"


@pytest.fixture(name="bundle")
def _bundle(tmp_path: Path) -> Path:
    path = tmp_path / "sandbox-ca.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n")
    return path


def _send(session: requests.Session, **kwargs: object) -> dict[str, object]:
    with responses.RequestsMock() as rsps:
        rsps.add("GET", URL, json={})
        session.get(URL, **kwargs)  # type: ignore[arg-type]
        request = rsps.calls[0].request
        return {"headers": request.headers, **request.req_kwargs}  # type: ignore[attr-defined]


def test_default_timeout_applied() -> None:
    """A request without a timeout gets the configured one; an explicit one wins."""
    with build_session(timeout=7.5) as session:
        assert _send(session)["timeout"] == 7.5
        assert _send(session, timeout=2)["timeout"] == 2


def test_headers_sent() -> None:
    """Every request carries Sforce-Auto-Assign: FALSE and sfsync's User-Agent."""
    with build_session(timeout=5) as session:
        headers = _send(session)["headers"]
    assert headers["Sforce-Auto-Assign"] == "FALSE"  # type: ignore[index]
    assert f"sfsync/{__version__}" == headers["User-Agent"]  # type: ignore[index]


def test_configured_ca_bundle_beats_requests_ca_bundle(
    monkeypatch: pytest.MonkeyPatch, bundle: Path, tmp_path: Path
) -> None:
    """With REQUESTS_CA_BUNDLE set, the configured bundle is still the one verified against."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "corporate.pem"))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(tmp_path / "curl.pem"))
    with build_session(timeout=5, ca_bundle=bundle) as session:
        assert str(bundle) == _send(session)["verify"]
        # a plain requests.Session shows the problem being solved
        with requests.Session() as plain:
            plain.verify = str(bundle)
            assert str(tmp_path / "corporate.pem") == _send(plain)["verify"]


def test_environment_proxies_kept_with_configured_bundle(
    monkeypatch: pytest.MonkeyPatch, bundle: Path
) -> None:
    """Overriding verify does not drop HTTPS_PROXY from the environment."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/corporate.pem")
    with build_session(timeout=5, ca_bundle=bundle) as session:
        sent = _send(session)
    assert sent["proxies"]["https"] == "http://proxy.example:3128"  # type: ignore[index]
    assert str(bundle) == sent["verify"]


def test_without_configured_bundle_environment_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no configured bundle, REQUESTS_CA_BUNDLE keeps working as usual."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/corporate.pem")
    with build_session(timeout=5) as session:
        assert _send(session)["verify"] == "/etc/corporate.pem"


def test_insecure_disables_verification_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the explicit option turns verification off, with a warning event."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/corporate.pem")
    with capture_logs() as logs, build_session(timeout=5, insecure_skip_tls_verify=True) as s:
        assert _send(s)["verify"] is False
    assert [e["event"] for e in logs] == ["sfsync.salesforce.tls_verification_disabled"]
    assert logs[0]["log_level"] == "warning"


def test_missing_bundle_is_config_error(tmp_path: Path) -> None:
    """A CA bundle path that does not exist names the variable."""
    with pytest.raises(ConfigError, match="SFSYNC_SF_CA_BUNDLE"):
        build_session(timeout=5, ca_bundle=tmp_path / "nope.pem")


def test_bundle_and_insecure_conflict(bundle: Path) -> None:
    """Setting both TLS options is refused instead of guessing."""
    with pytest.raises(ConfigError, match="only one"):
        build_session(timeout=5, ca_bundle=bundle, insecure_skip_tls_verify=True)

"""
sfsync under a supervisor (issue 14), with the real CLI against the sandbox org:

- every credential failure — a wrong client secret or id (the org's `invalid_client`
  answers), a wrong password, a JWT signed with a key the Connected App does not hold or for
  a user it has not pre-authorized (`invalid_grant`), a revoked token (401
  INVALID_SESSION_ID), a user without the API Enabled permission (403 API_DISABLED_FOR_ORG),
  a field the org lacks — exits 2 from `check`, `sync`,
  `backfill --apply` and `daemon`, with the fix, and the shipped systemd unit's own
  exit-code settings (parsed from deploy/sfsync.service) do not restart it;
- an outage never ends the daemon: it keeps trying, stays live, and reports not ready;
- an org that accepts connections and never answers gets a verdict from `check` within 40 s
  with the default settings, and ends `sync` within its stated deadline.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sfsync.sandbox.faults import FaultSpec
from tests.e2e.conftest import Org
from tests.e2e.test_daemon import free_port, http_get
from tests.test_exit_codes import ROOT, SystemdUnit

UNIT = SystemdUnit.parse(ROOT / "deploy" / "sfsync.service")
COMMANDS = {
    "check": ("check",),
    "sync": ("sync",),
    "backfill --apply": ("backfill", "--apply"),
    "daemon": ("daemon",),
}


def _missing_field_definition(tmp: Path) -> Path:
    text = (ROOT / "mappings" / "default.yaml").read_text(encoding="utf-8")
    path = tmp / "definition.yaml"
    text = text.replace("score: SFS_Score__c", "score: SFS_Lead_Score__c")
    # A new version for new content, or the version guard refuses it before the org is read.
    text = re.sub(r'^version: "?([^"\n]+)"?$', r'version: "\1-renamed"', text, count=1, flags=re.M)
    path.write_text(text, "utf-8")
    return path


def _another_key(tmp: Path) -> Path:
    """A private key whose certificate the org's Connected App does not hold."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp / "other.key"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def _credentials(org: Org, case: str, tmp: Path) -> tuple[dict[str, str], str]:
    """The settings (over connection.env's) for *case*, and words its message must hold."""
    if case == "wrong client secret":
        return {
            "SFSYNC_SF_AUTH": "client_credentials",
            "SFSYNC_SF_CLIENT_SECRET": "not-the-secret",
        }, "invalid_client"
    if case == "unknown client id":
        return {
            "SFSYNC_SF_AUTH": "client_credentials",
            "SFSYNC_SF_CLIENT_ID": "3MVG9notAConsumerKey",
        }, "invalid_client_id"
    if case == "wrong password":
        return {
            "SFSYNC_SF_AUTH": "password",
            "SFSYNC_SF_USERNAME": org.sandbox.org.integration_username(),
            "SFSYNC_SF_PASSWORD": "not-the-password",
        }, "invalid_grant"
    if case == "revoked token":  # the org's own Id before the "!", as its tokens have
        token = org.sandbox.token.split("!", 1)[0] + "!revoked"
        return {"SFSYNC_SF_ACCESS_TOKEN": token}, "ACCESS_TOKEN is expired"
    if case == "JWT key not on the Connected App":
        return {
            "SFSYNC_SF_AUTH": "jwt",
            "SFSYNC_SF_PRIVATE_KEY_FILE": str(_another_key(tmp)),
        }, "invalid_grant: invalid assertion"
    if case == "JWT user not pre-authorized":
        return {
            "SFSYNC_SF_AUTH": "jwt",
            "SFSYNC_SF_USERNAME": "someone.else@example.com",
        }, "invalid_grant"
    if case == "missing permission (API Enabled)":  # the org refuses every API call with 403
        org.sandbox.org.install_faults(FaultSpec(api_disabled=True))
        return {}, "API_DISABLED_FOR_ORG"
    assert case == "missing field"
    return {"SFSYNC_DEFINITION": str(_missing_field_definition(tmp))}, "SFS_Lead_Score__c"


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize(
    "case",
    [
        "wrong client secret",
        "unknown client id",
        "wrong password",
        "revoked token",
        "JWT key not on the Connected App",
        "JWT user not pre-authorized",
        "missing permission (API Enabled)",
        "missing field",
    ],
)
def test_a_credential_failure_exits_2_everywhere_and_systemd_does_not_restart(
    synced_org: Org, tmp_path: Path, case: str, command: str
) -> None:
    """Exit 2 with the fix, from every command; the unit's logic says: do not restart."""
    settings, words = _credentials(synced_org, case, tmp_path)
    result = synced_org.cli(*COMMANDS[command], SFSYNC_REQUEST_DEADLINE_SECONDS="20", **settings)

    assert 2 == result.returncode, f"{case} / {command}\n{result.stdout}\n{result.stderr}"
    assert words in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    if case == "missing permission (API Enabled)":
        assert "SFSync_Integration" in result.stdout + result.stderr  # what to fix
    elif case != "missing field":
        assert "credentials" in result.stdout + result.stderr  # what to fix
    assert not UNIT.restarts_after(result.returncode)


def _run(tmp: Path, *args: str, **env: str) -> tuple[subprocess.CompletedProcess[str], float]:
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp), "COLUMNS": "200"}
    settings = {
        "SFSYNC_SF_AUTH": "session",
        "SFSYNC_SF_ACCESS_TOKEN": "00D000000000000!token",
        "SFSYNC_STATE_PATH": str(tmp / "state.sqlite3"),
        **env,
    }
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "sfsync", *args],
        capture_output=True,
        text=True,
        env=base | settings,
        cwd=tmp,
        timeout=300,
        check=False,
    )
    return proc, time.monotonic() - started


def test_check_gives_a_verdict_on_a_silent_org_within_40_seconds(
    silent_port: int, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    """Default settings: short deadlines for check; exit 1 (an outage), the fix named."""
    proc, took = _run(tmp_path, "check", SFSYNC_SF_INSTANCE_URL=f"https://127.0.0.1:{silent_port}")
    record_property("seconds", round(took, 1))
    assert took < 40, took
    assert 1 == proc.returncode, proc.stdout + proc.stderr
    assert "did not answer in 5." in proc.stdout  # the connect timeout holds the handshake
    assert "gave up after 2 attempts" in proc.stdout
    assert "status.salesforce.com" in proc.stdout
    assert not (tmp_path / "state.sqlite3").exists()


def test_sync_ends_within_its_stated_deadline_on_a_silent_org(
    silent_port: int, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    """SFSYNC_REQUEST_DEADLINE_SECONDS bounds the whole request, retries included."""
    proc, took = _run(
        tmp_path,
        "--log-format",
        "console",
        "sync",
        SFSYNC_SF_INSTANCE_URL=f"https://127.0.0.1:{silent_port}",
        SFSYNC_HTTP_CONNECT_TIMEOUT_SECONDS="2",
        SFSYNC_HTTP_TIMEOUT_SECONDS="2",
        SFSYNC_REQUEST_DEADLINE_SECONDS="6",
    )
    record_property("seconds", round(took, 1))
    assert took < 6 + 2 + 5, took  # the deadline, one last attempt's timeout, start-up
    assert 1 == proc.returncode, proc.stderr
    assert "did not answer in 2." in proc.stderr
    assert "(deadline 6 s)" in proc.stderr
    # For a person: the retry warnings and the verdict, no info-level events.
    assert "sfsync.sync.completed" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("sfsync: GET limits: 127.0.0.1")


def test_an_outage_never_ends_the_daemon_it_stays_live_and_reports_not_ready(
    tmp_path: Path,
) -> None:
    """An unreachable org: the daemon retries tick after tick, /healthz 200, /readyz 503."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = closed.getsockname()[1]  # nothing listens here once closed
    port = free_port()
    env = {
        "SFSYNC_SF_AUTH": "session",
        "SFSYNC_SF_ACCESS_TOKEN": "00D000000000000!token",
        "SFSYNC_SF_INSTANCE_URL": f"https://127.0.0.1:{dead}",
        "SFSYNC_STATE_PATH": str(tmp_path / "state.sqlite3"),
        "SFSYNC_INTERVAL_MINUTES": "0.01",
        "SFSYNC_REQUEST_DEADLINE_SECONDS": "1",
        "SFSYNC_FIRST_PASS_GRACE_MINUTES": "0",
        "SFSYNC_HEALTH_PORT": str(port),
        "SFSYNC_LOG_FORMAT": "json",
        "PATH": "/usr/bin:/bin",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "sfsync", "daemon"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        live = ready = None
        while time.monotonic() < deadline:
            assert proc.poll() is None, "an outage ended the daemon:\n" + proc.communicate()[1]
            try:
                live = http_get(f"http://127.0.0.1:{port}/healthz")
                ready = http_get(f"http://127.0.0.1:{port}/readyz")
            except OSError:
                time.sleep(0.2)
                continue
            if json.loads(ready[1])["last_pass"]:
                break
            time.sleep(0.2)
        time.sleep(2)  # a few more ticks against the dead org, past three intervals
        assert proc.poll() is None
        live = http_get(f"http://127.0.0.1:{port}/healthz")
        ready = http_get(f"http://127.0.0.1:{port}/readyz")
        assert (200, 503) == (live[0], ready[0])
        status = json.loads(ready[1])
        assert ("failed", False) == (status["last_pass"]["outcome"], status["ready"])
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert 0 == proc.returncode, err
    events = [json.loads(line)["event"] for line in err.splitlines() if line.startswith("{")]
    assert events.count("sfsync.daemon.salesforce_unavailable") >= 2
    assert "sfsync.daemon.stopped" == events[-1]

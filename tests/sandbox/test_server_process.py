"""
Start/stop: `python -m sfsync sandbox serve` writes connection.env, restarts with the same CA
and data, and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sfsync.config import Settings
from sfsync.sandbox.server import start_sandbox
from tests.sandbox.conftest import PinnedSession

REPO = Path(__file__).resolve().parents[2]


def _serve(data_dir: Path, *extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SFSYNC_")}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sfsync",
            "--log-format",
            "json",
            "sandbox",
            "serve",
            "--data-dir",
            str(data_dir),
            *extra,
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_ready(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert "https://127.0.0.1:" in line, line
    return line


def _stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    return proc.returncode, err


def _lead_count(env_file: Path) -> tuple[int, str]:
    settings = Settings(_env_file=env_file)  # type: ignore[call-arg]
    assert settings.sf_instance_url is not None
    assert settings.sf_access_token is not None
    with PinnedSession(Path(str(settings.sf_ca_bundle))) as http:
        response = http.get(
            f"{settings.sf_instance_url}/services/data/v62.0/query",
            params={"q": "SELECT COUNT() FROM Lead"},
            headers={"Authorization": f"Bearer {settings.sf_access_token.get_secret_value()}"},
        )
    assert response.status_code == 200
    return response.json()["totalSize"], settings.sf_instance_url


def test_serve_writes_env_restarts_and_stops_on_sigterm(tmp_path: Path) -> None:
    """The org is reachable via connection.env, keeps CA/data on restart, exits 0 on SIGTERM."""
    data_dir = tmp_path / "org"
    seeded = subprocess.run(
        [
            sys.executable,
            "-m",
            "sfsync",
            "sandbox",
            "seed",
            "--data-dir",
            str(data_dir),
            "--leads",
            "30",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr
    proc = _serve(data_dir)
    try:
        line = _wait_ready(proc)
        env_file = data_dir / "connection.env"
        assert str(env_file) in line
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        text = env_file.read_text()
        for name in (
            "SFSYNC_SF_AUTH=session",
            "SFSYNC_SF_INSTANCE_URL=https://127.0.0.1:",
            "SFSYNC_SF_ACCESS_TOKEN=",
            f"SFSYNC_SF_CA_BUNDLE={data_dir / 'ca.pem'}",
            "SFSYNC_SF_LOGIN_URL=https://127.0.0.1:",
            "SFSYNC_SF_CLIENT_ID=",
            "SFSYNC_SF_CLIENT_SECRET=",
        ):
            assert name in text
        count, _ = _lead_count(env_file)
        assert count == 30
        ca_before = (data_dir / "ca.pem").read_bytes()
        token_before = Settings(_env_file=env_file).sf_access_token  # type: ignore[call-arg]
    finally:
        code, err = _stop(proc)
    assert code == 0, err
    assert "sfsync.sandbox.started" in err
    assert "sfsync.sandbox.stopped" in err

    proc = _serve(data_dir)
    try:
        _wait_ready(proc)
        assert ca_before == (data_dir / "ca.pem").read_bytes()
        assert token_before == Settings(_env_file=env_file).sf_access_token  # type: ignore[call-arg]
        count, _ = _lead_count(env_file)
        assert count == 30
    finally:
        code, err = _stop(proc)
    assert code == 0, err


def test_serve_refuses_non_loopback_hosts(tmp_path: Path) -> None:
    """A non-loopback --host is a usage error (exit 2) naming the option."""
    proc = _serve(tmp_path / "org", "--host", "0.0.0.0")
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 2
    assert "loopback" in err


def test_stop_waits_for_in_flight_requests(data_dir: Path) -> None:
    """stop() lets an in-flight request finish and closes idle keep-alive connections."""
    import threading

    running = start_sandbox(data_dir)
    results: list[int] = []
    with PinnedSession(running.ca_file) as http:
        http.get(f"{running.url}/services/data/")  # an idle keep-alive connection stays open
        original = running.app.handle

        def slow(request):  # type: ignore[no-untyped-def]
            time.sleep(0.3)
            return original(request)

        running.app.handle = slow  # type: ignore[method-assign]

        def call() -> None:
            with PinnedSession(running.ca_file) as other:
                results.append(other.get(f"{running.url}/services/data/").status_code)

        worker = threading.Thread(target=call)
        worker.start()
        time.sleep(0.1)
        started = time.monotonic()
        running.stop()
        worker.join()
    assert results == [200]
    assert time.monotonic() - started < 5
    with pytest.raises(Exception):  # noqa: B017 - the database is closed
        running.org.conn.execute("SELECT 1")

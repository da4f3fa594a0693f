"""
`sfsync daemon`: --once, and a real daemon process with a short interval, its /healthz and
/metrics, the one-daemon-per-org lock and a clean stop on SIGTERM.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import Org, assert_no_secrets, read_rows

pytestmark = pytest.mark.e2e

# Generous: only reached when something is broken (the daemon never got that far).
DEADLINE_SECONDS = 60


def runs(org: Org) -> list[dict[str, object]]:
    return read_rows(
        org.state_path, "SELECT kind, dry_run, outcome, finished_at FROM run ORDER BY seq"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read().decode()


def wait_until(condition: Callable[[], bool], proc: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert proc.poll() is None, f"the daemon exited ({proc.returncode}) before {what}"
        assert time.monotonic() < deadline, f"no {what} within {DEADLINE_SECONDS} s"
        time.sleep(0.1)


def passes(metrics: str, outcome: str) -> float:
    prefix = f'sfsync_passes_total{{outcome="{outcome}"}} '
    for line in metrics.splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix) :])
    return 0.0


def test_daemon_once_runs_the_nightly_rescore_first_then_incremental(synced_org: Org) -> None:
    org = synced_org
    before = len(runs(org))

    first = org.cli("daemon", "--once")
    second = org.cli("daemon", "--once")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    new = runs(org)[before:]
    assert [(r["kind"], r["outcome"]) for r in new] == [
        ("rescore", "success"),
        ("incremental", "success"),
    ]


def test_daemon_serves_health_and_metrics_holds_the_lock_and_stops_on_sigterm(
    synced_org: Org, tmp_path: Path
) -> None:
    org = synced_org
    port = free_port()
    env = org.cli_env(SFSYNC_INTERVAL_MINUTES="0.01", SFSYNC_HEALTH_PORT=str(port))
    base = f"http://127.0.0.1:{port}"
    stdout_path, stderr_path = tmp_path / "daemon.out", tmp_path / "daemon.err"
    with stdout_path.open("w") as out, stderr_path.open("w") as err:
        proc = subprocess.Popen(
            org.cli_args("--log-format", "json", "daemon"),
            env=env,
            cwd=org.dir,
            stdout=out,
            stderr=err,
            text=True,
        )
        try:
            metrics = ""

            def two_passes() -> bool:
                nonlocal metrics
                try:
                    status, metrics = http_get(f"{base}/metrics")
                except OSError:
                    return False
                return status == 200 and passes(metrics, "success") >= 2

            wait_until(two_passes, proc, "two successful passes in /metrics")
            status, body = http_get(f"{base}/healthz")
            live = json.loads(body)
            assert (200, True) == (status, live["live"])
            status, body = http_get(f"{base}/readyz")
            ready = json.loads(body)
            assert (200, True, "success") == (status, ready["ready"], ready["last_pass"]["outcome"])
            assert "sfsync_api_calls_total" in metrics
            assert "sfsync_leads_written_total" in metrics
            assert "sfsync_ready 1.0" in metrics
            assert http_get(f"{base}/nope")[0] == 404

            rival = org.cli("daemon", "--once")
            assert rival.returncode == 2
            assert "already running" in rival.stderr
            assert f"pid {proc.pid}" in rival.stderr
            assert "Traceback" not in rival.stderr

            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=DEADLINE_SECONDS) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    logs = [json.loads(line) for line in stderr_path.read_text().splitlines() if line.strip()]
    events = [line["event"] for line in logs]
    assert "sfsync.daemon.stop_requested" in events
    assert events[-1] == "sfsync.daemon.stopped"
    assert_no_secrets(stdout_path.read_text() + stderr_path.read_text(), org.secrets)
    recorded = runs(org)
    assert len(recorded) >= 3  # the template's first sync and the daemon's passes
    assert all(r["outcome"] is not None and r["finished_at"] is not None for r in recorded)
    assert recorded[-1]["outcome"] in ("success", "interrupted")
    # The run lock is released: the next daemon starts at once.
    assert org.cli("daemon", "--once").returncode == 0

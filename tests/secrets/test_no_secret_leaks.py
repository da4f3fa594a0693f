"""
Every command, on its success path and on each failure path (401, wrong client secret or
password, JWT refused, damaged key, 5xx until retries run out, session expiry, budget and
limit stops, unreachable org, bad settings), run by the real CLI with known secret values:
none of them appears in stdout, stderr (JSON and console logs, exception text), the state
store's bytes, or any file the command writes.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest

from tests.reliability.orgkit import NOW_ARG, ROOT, CliResult, install_faults, run_cli
from tests.secrets.conftest import (
    CLIENT_SECRET,
    PASSWORD,
    SECURITY_TOKEN,
    TOKEN,
    WRONG_TOKEN,
    Leaks,
    Org,
)

pytestmark = pytest.mark.e2e

EXPIRED = "SFSYNC_SF_ACCESS_TOKEN is expired or invalid"
ALWAYS_503 = {"http_errors": [{"status": 503, "path": "^/services/", "body": "json"}]}


@dataclass(frozen=True)
class Scenario:
    """One command run: its arguments, credentials, faults, and the exit code it must give."""

    argv: tuple[str, ...]
    auth: str = "session"
    exit: int = 0
    expect: str | None = None
    faults: dict[str, Any] | None = None
    env: dict[str, str] = field(default_factory=dict)
    log_format: str = "json"
    synced: bool = True
    via_environment: bool = False


SYNC = ("sync", "--json", "--now", NOW_ARG)
SCENARIOS: dict[str, Scenario] = {
    # --- success -------------------------------------------------------------------------
    "check": Scenario(("check",)),
    "sync_first": Scenario(SYNC, synced=False),
    "sync_again": Scenario(SYNC),
    "sync_dry_run": Scenario(("sync", "--dry-run", "--json")),
    "sync_full_debug_logs": Scenario(("-v", "sync", "--full")),
    "sync_console_logs": Scenario(("sync",), log_format="console"),
    "sync_settings_from_environment": Scenario(SYNC, via_environment=True),
    "explain": Scenario(("explain", "{lead}", "--now", NOW_ARG)),
    "explain_live_json": Scenario(("explain", "{lead}", "--live", "--json")),
    "daemon_once": Scenario(("daemon", "--once")),
    "backfill_dry_run": Scenario(("backfill", "--json", "--report", "{out}/changes.csv")),
    "backfill_apply": Scenario(("backfill", "--apply", "--json"), synced=False),
    "report": Scenario(("report", "--out", "{out}/report.html", "--now", "2026-11-20")),
    "fields": Scenario(("fields", "--out", "{out}/fields")),
    "fields_deploy_check_only": Scenario(("fields", "--deploy", "--dry-run")),
    "client_credentials_sync": Scenario(SYNC, auth="client_credentials", synced=False),
    "client_credentials_relogin": Scenario(
        SYNC, auth="client_credentials", faults={"session_expires_after": 3}
    ),
    "password_sync": Scenario(SYNC, auth="password", synced=False),
    "definition_lint": Scenario(("definition", "lint", "mappings/default.yaml")),
    # The fixture holds a line that is not JSON and a lead without an Id: exit 3 (partial).
    "score": Scenario(
        ("score", "--input", "tests/fixtures/leads/small.jsonl", "--output", "{out}/scores.jsonl"),
        exit=3,
    ),
    # --- failure -------------------------------------------------------------------------
    "sync_401": Scenario(SYNC, auth="wrong_token", exit=2, expect=EXPIRED),
    "check_401": Scenario(("check",), auth="wrong_token", exit=2, expect=EXPIRED),
    "explain_live_401": Scenario(
        ("explain", "{lead}", "--live"), auth="wrong_token", exit=2, expect=EXPIRED
    ),
    "daemon_401": Scenario(("daemon", "--once"), auth="wrong_token", exit=2),
    "backfill_401": Scenario(("backfill",), auth="wrong_token", exit=2),
    "fields_deploy_401": Scenario(("fields", "--deploy"), auth="wrong_token", exit=2),
    "wrong_client_secret": Scenario(
        SYNC, auth="wrong_client_secret", exit=2, expect="invalid_client"
    ),
    "wrong_password": Scenario(SYNC, auth="wrong_password", exit=2, expect="invalid_grant"),
    "jwt_refused": Scenario(SYNC, auth="jwt", exit=2, expect="invalid_grant: invalid assertion"),
    "jwt_damaged_key": Scenario(SYNC, auth="jwt_damaged_key", exit=2, expect="could not sign"),
    "sync_5xx": Scenario(SYNC, exit=1, expect="503", faults=ALWAYS_503),
    "check_5xx": Scenario(("check",), exit=1, expect="503", faults=ALWAYS_503),
    "daemon_5xx": Scenario(("daemon", "--once"), exit=1, expect="503", faults=ALWAYS_503),
    "backfill_5xx": Scenario(("backfill",), exit=1, expect="503", faults=ALWAYS_503),
    "session_expired": Scenario(
        SYNC, exit=2, expect="cannot log in again", faults={"session_expires_after": 3}
    ),
    "budget_stop": Scenario(
        SYNC, exit=3, expect="API budget spent", env={"SFSYNC_API_BUDGET_PCT": "0.001"}
    ),
    "daily_limit": Scenario(
        SYNC, exit=3, expect="REQUEST_LIMIT_EXCEEDED", faults={"request_limit_after": 0}
    ),
    "unreachable": Scenario(SYNC, auth="unreachable", exit=1, expect="ConnectionError"),
    "bad_setting": Scenario(SYNC, exit=2, expect="SFSYNC_TIMEZONE", env={"SFSYNC_TIMEZONE": "X"}),
}


def settings_for(org: Org, auth: str, state: Path) -> dict[str, str]:
    """SFSYNC_* settings that reach the org with the given credentials."""
    sandbox = org.sandbox
    base = {
        "SFSYNC_SF_INSTANCE_URL": sandbox.url,
        "SFSYNC_SF_LOGIN_URL": sandbox.url,
        "SFSYNC_SF_CA_BUNDLE": str(sandbox.ca_file),
        "SFSYNC_SF_CLIENT_ID": sandbox.org.client_id,
        "SFSYNC_STATE_PATH": str(state),
    }
    modes: dict[str, dict[str, str]] = {
        "session": {"SFSYNC_SF_AUTH": "session", "SFSYNC_SF_ACCESS_TOKEN": TOKEN},
        "wrong_token": {"SFSYNC_SF_AUTH": "session", "SFSYNC_SF_ACCESS_TOKEN": WRONG_TOKEN},
        "unreachable": {
            "SFSYNC_SF_AUTH": "session",
            "SFSYNC_SF_ACCESS_TOKEN": TOKEN,
            "SFSYNC_SF_INSTANCE_URL": "https://127.0.0.1:9",
        },
        "client_credentials": {
            "SFSYNC_SF_AUTH": "client_credentials",
            "SFSYNC_SF_CLIENT_SECRET": CLIENT_SECRET,
        },
        "wrong_client_secret": {
            "SFSYNC_SF_AUTH": "client_credentials",
            "SFSYNC_SF_CLIENT_SECRET": PASSWORD,
        },
        # The sandbox's integration user logs in with the client secret as its password.
        "password": {
            "SFSYNC_SF_AUTH": "password",
            "SFSYNC_SF_USERNAME": org.username,
            "SFSYNC_SF_PASSWORD": CLIENT_SECRET,
        },
        "wrong_password": {
            "SFSYNC_SF_AUTH": "password",
            "SFSYNC_SF_USERNAME": org.username,
            "SFSYNC_SF_PASSWORD": PASSWORD,
            "SFSYNC_SF_SECURITY_TOKEN": SECURITY_TOKEN,
            "SFSYNC_SF_CLIENT_SECRET": CLIENT_SECRET,
        },
        "jwt": {
            "SFSYNC_SF_AUTH": "jwt",
            "SFSYNC_SF_USERNAME": org.username,
            "SFSYNC_SF_PRIVATE_KEY_FILE": str(org.key_file),
        },
        "jwt_damaged_key": {
            "SFSYNC_SF_AUTH": "jwt",
            "SFSYNC_SF_USERNAME": org.username,
            "SFSYNC_SF_PRIVATE_KEY_FILE": str(org.bad_key_file),
        },
    }
    return {**base, **modes[auth]}


@pytest.fixture(name="synced_state", scope="module")
def _synced_state(org: Org, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A state store after one sync (for explain, report and incremental runs)."""
    state = tmp_path_factory.mktemp("synced") / "state.sqlite3"
    settings = settings_for(org, "session", state)
    result = run_cli(["--log-format", "json", *SYNC], env=settings)
    assert result.returncode == 0, result.describe()
    return state


def _lead_id(org: Org) -> str:
    with org.sandbox.org.lock:
        row = org.sandbox.org.conn.execute(
            'SELECT Id FROM "Lead" WHERE IsConverted = 0 ORDER BY Id LIMIT 1'
        ).fetchone()
    return str(row[0])


def assert_no_leaks(leaks: Leaks, result: CliResult, out: Path) -> None:
    """Nothing secret in the output, the logs, or any file under *out*."""
    text_hits = leaks.found_in(result.stdout + "\n" + result.stderr)
    assert not text_hits, f"secrets in the output: {text_hits}\n{result.describe()}"
    files = [p for p in out.rglob("*") if p.is_file()]
    file_hits = leaks.found_in_files(files)
    assert not file_hits, f"secrets in files: {file_hits}"


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_no_secret_in_any_output(name: str, org: Org, synced_state: Path, tmp_path: Path) -> None:
    """Run one scenario and scan everything it produced."""
    scenario = SCENARIOS[name]
    out = tmp_path / "out"
    out.mkdir()
    state = out / "state.sqlite3"
    if scenario.synced:
        for part in synced_state.parent.glob(synced_state.name + "*"):
            shutil.copy2(part, out / part.name.replace(synced_state.name, state.name))
    settings = {**settings_for(org, scenario.auth, state), **scenario.env}
    argv = [
        a.format(lead=_lead_id(org), out=out)
        for a in ("--log-format", scenario.log_format, *scenario.argv)
    ]
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    if scenario.via_environment:
        env = settings
    else:
        env_file = secrets_dir / "sfsync.env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in settings.items()), "utf-8")
        argv = ["--env-file", str(env_file), *argv]
        env = {}
    install_faults(org.sandbox, scenario.faults)
    try:
        result = run_cli(argv, env=env, cwd=ROOT)
    finally:
        # Tokens the org issued during the run (client credentials, password) are secrets too.
        org.leaks.add(org.sandbox.token)
        install_faults(org.sandbox, None)
        if scenario.faults and "session_expires_after" in scenario.faults:
            org.restart()
    assert result.returncode == scenario.exit, result.describe()
    assert "Traceback" not in result.stderr, result.describe()
    if scenario.expect is not None:
        assert scenario.expect in result.stdout + result.stderr, result.describe()
    assert_no_leaks(org.leaks, result, out)


def test_demo_shows_no_secret(tmp_path: Path) -> None:
    """`sfsync demo`: its org's token and client secret stay in connection.env."""
    data_dir = tmp_path / "demo"
    result = run_cli(
        ["--log-format", "json", "demo", "--leads", "40", "--data-dir", str(data_dir)],
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.describe()
    leaks = Leaks()
    leaks.add(*_env_secrets(data_dir / "connection.env"))
    assert len(leaks.values) >= 2
    own_files = [data_dir / "sfsync.sqlite3"]
    assert own_files[0].exists()
    assert not leaks.found_in(result.stdout + result.stderr), result.describe()
    assert not leaks.found_in_files(p for p in data_dir.glob("sfsync.sqlite3*"))


def test_sandbox_seed_and_serve_show_no_secret(tmp_path: Path) -> None:
    """`sfsync sandbox seed` and `serve` name connection.env; they never print its secrets."""
    data_dir = tmp_path / "org"
    seeded = run_cli(
        ["sandbox", "seed", "--data-dir", str(data_dir), "--leads", "10", "--now", "2026-11-20"]
    )
    assert seeded.returncode == 0, seeded.describe()
    pid: dict[str, int] = {}

    def stop_when_ready(process_id: int) -> None:
        pid["pid"] = process_id

    def stopper() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if (data_dir / "connection.env").exists() and "pid" in pid:
                time.sleep(0.3)
                os.kill(pid["pid"], signal.SIGTERM)
                return
            time.sleep(0.05)

    (data_dir / "connection.env").unlink(missing_ok=True)
    thread = threading.Thread(target=stopper)
    thread.start()
    served = run_cli(
        ["sandbox", "serve", "--data-dir", str(data_dir)], on_start=stop_when_ready, timeout=60
    )
    thread.join()
    assert served.returncode == 0, served.describe()
    assert "connection.env" in served.stdout
    leaks = Leaks()
    leaks.add(*_env_secrets(data_dir / "connection.env"))
    for result in (seeded, served):
        assert not leaks.found_in(result.stdout + result.stderr), result.describe()


def _env_secrets(path: Path) -> list[str]:
    values = {}
    for line in path.read_text().splitlines():
        name, _, value = line.partition("=")
        values[name] = value.strip('"')
    return [values["SFSYNC_SF_ACCESS_TOKEN"], values["SFSYNC_SF_CLIENT_SECRET"]]


def test_the_scan_finds_what_it_looks_for(org: Org, tmp_path: Path) -> None:
    """The control for every scan above: each kind of leak is caught."""
    leaks = org.leaks
    key_line = org.key_file.read_text().splitlines()[3]
    assert leaks.found_in(f"token=…{TOKEN[22:40]}…")
    assert not leaks.found_in(f"org {TOKEN[:19]}")  # the org Id before the ! is public
    assert leaks.found_in("password=" + quote_plus(PASSWORD))
    basic = base64.b64encode(f"{org.sandbox.org.client_id}:{CLIENT_SECRET}".encode()).decode()
    assert leaks.found_in(f"Authorization: Basic {basic}")
    assert leaks.found_in(f"key material {key_line[10:33]} in an error")
    assert not leaks.found_in("nothing secret here: INVALID_SESSION_ID 00D000000000000AAA")
    (tmp_path / "state.sqlite3").write_bytes(b"\x00\x01" + SECURITY_TOKEN.encode() + b"\x00")
    assert leaks.found_in_files([tmp_path / "state.sqlite3"])

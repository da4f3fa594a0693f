"""
End-to-end fixtures: a seeded sandbox org served over HTTPS in this process, and the real
CLI (`python -m sfsync --env-file DIR/connection.env ...`) run against it as a subprocess.

The org is seeded once per session (`seeded_template`) and synced once (`synced_template`);
each test gets a private copy of one of them (`fresh_org`, `synced_org`), so tests may
change the org's data freely and run in any order.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from sfsync.sandbox.server import RunningSandbox, start_sandbox

LEADS = 400
SEED = 11
# The clock the org is seeded at and every `sync --now` qualifies at, so that two passes
# see the same decay and the same follow-up deadlines (the daemon uses the real clock).
NOW = datetime.now(UTC).replace(microsecond=0)
NOW_ARG = NOW.strftime("%Y-%m-%dT%H:%M:%S%z")
API = "/services/data/v62.0"
STATE_FILE = "sfsync.sqlite3"
# Only reached when a command hangs: fail the test instead of the whole session.
CLI_TIMEOUT_SECONDS = 120
OUTPUT_FIELDS = (
    "SFS_Score__c",
    "SFS_Fit_Score__c",
    "SFS_Engagement_Score__c",
    "SFS_Grade__c",
    "SFS_BANT__c",
    "SFS_Status__c",
    "SFS_Reasons__c",
    "SFS_Sales_Ready_Since__c",
    "SFS_Touches__c",
    "SFS_Touches_Remaining__c",
    "SFS_Last_Touch__c",
    "SFS_First_Touch_Hours__c",
    "SFS_Needs_Follow_Up__c",
    "SFS_Definition_Version__c",
)
# Outputs every scored lead has, whatever its status; the follow-up fields are set only
# for the statuses they have a meaning in (README "Output fields": the per-status table).
ALWAYS_SET = (
    "SFS_Score__c",
    "SFS_Fit_Score__c",
    "SFS_Engagement_Score__c",
    "SFS_Grade__c",
    "SFS_BANT__c",
    "SFS_Status__c",
    "SFS_Reasons__c",
    "SFS_Needs_Follow_Up__c",
    "SFS_Definition_Version__c",
)


class PinnedSession(requests.Session):
    """A requests Session that trusts only the sandbox's CA, whatever REQUESTS_CA_BUNDLE says."""

    def __init__(self, ca_file: Path) -> None:
        super().__init__()
        self.ca_file = str(ca_file)

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # type: ignore[no-untyped-def]
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        settings["verify"] = self.ca_file
        return settings


@dataclass
class CliResult:
    """A finished CLI run."""

    args: Sequence[str]
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """stdout parsed as one JSON document (`sync --json`, `explain --json`)."""
        return json.loads(self.stdout)

    def log_lines(self) -> list[dict[str, Any]]:
        """stderr parsed as JSON lines (`--log-format json`); fails on any other line."""
        return [json.loads(line) for line in self.stderr.splitlines() if line.strip()]


@dataclass
class Org:
    """One running sandbox org, its data directory and the sfsync state beside it."""

    sandbox: RunningSandbox
    dir: Path
    http: PinnedSession

    @property
    def state_path(self) -> Path:
        return self.dir / STATE_FILE

    @property
    def secrets(self) -> tuple[str, ...]:
        """The credentials in connection.env; none may ever reach the CLI's output."""
        return (self.sandbox.token, self.sandbox.org.client_secret)

    # --- the CLI ------------------------------------------------------------------------

    def cli_env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SFSYNC_")}
        env.update({"SFSYNC_STATE_PATH": str(self.state_path), "COLUMNS": "200", **extra})
        return env

    def cli_args(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "sfsync", "--env-file", str(self.sandbox.env_file), *args]

    def cli(self, *args: str, **env: str) -> CliResult:
        """Run `sfsync --env-file connection.env ARGS`; secrets must not appear in its output."""
        proc = subprocess.run(
            self.cli_args(*args),
            capture_output=True,
            text=True,
            env=self.cli_env(**env),
            cwd=self.dir,
            timeout=CLI_TIMEOUT_SECONDS,
            check=False,
        )
        result = CliResult(args, proc.returncode, proc.stdout, proc.stderr)
        assert_no_secrets(result.stdout + result.stderr, self.secrets)
        return result

    def sync(self, *args: str, **env: str) -> dict[str, Any]:
        """`sync --json --now NOW ARGS`; returns the report, failing on a non-zero exit."""
        result = self.cli("sync", "--json", "--now", NOW_ARG, *args, **env)
        assert result.returncode == 0, result.stderr
        report: dict[str, Any] = result.json()
        return report

    # --- the org over its REST API ------------------------------------------------------

    def rest(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        auto_assign: bool = True,
        params: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """
        One REST call as another integration or a person would make it: by default without
        `Sforce-Auto-Assign: FALSE`, so the org's lead assignment rule runs.
        """
        headers = {"Authorization": f"Bearer {self.sandbox.token}"}
        if not auto_assign:
            headers["Sforce-Auto-Assign"] = "FALSE"
        url = self.sandbox.url + (path if path.startswith("/__") else API + path)
        return self.http.request(
            method, url, json=json_body, headers=headers, params=params, timeout=30
        )

    def query(self, soql: str, *, all_rows: bool = False) -> list[dict[str, Any]]:
        resource = "/queryAll/" if all_rows else "/query/"
        response = self.rest("GET", resource, params={"q": soql})
        assert response.status_code == 200, response.text
        records: list[dict[str, Any]] = response.json()["records"]
        return records

    def calls(self) -> list[dict[str, Any]]:
        """The sandbox's call log since the last reset, oldest first."""
        response = self.rest("GET", "/__sandbox/calls", params={"limit": "100000"})
        assert response.status_code == 200, response.text
        calls: list[dict[str, Any]] = response.json()["calls"]
        return calls

    def reset_calls(self) -> None:
        assert self.rest("POST", "/__sandbox/reset-calls").status_code == 200

    # --- the org's database (what the org holds, read directly) -------------------------

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return read_rows(self.sandbox.db_path, sql, params)

    def leads(self) -> dict[str, dict[str, Any]]:
        """Every live Lead in the org by Id, with the fields these tests look at."""
        return read_leads(self.sandbox.db_path)


LEAD_COLUMNS = (
    "Id",
    "OwnerId",
    "Status",
    "IsConverted",
    "LastModifiedDate",
    "SystemModstamp",
    *OUTPUT_FIELDS,
)


def read_rows(db_path: Path, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Rows from an org's SQLite file (running or not), read-only."""
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


def read_leads(db_path: Path) -> dict[str, dict[str, Any]]:
    """Every live Lead in an org's SQLite file by Id, with LEAD_COLUMNS."""
    sql = f'SELECT {", ".join(LEAD_COLUMNS)} FROM "Lead" WHERE IsDeleted = 0'
    return {r["Id"]: r for r in read_rows(db_path, sql)}


def assert_no_secrets(text: str, secrets: Sequence[str]) -> None:
    for secret in secrets:
        assert secret not in text, "a credential from connection.env reached the CLI's output"


def changed_leads(
    before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]]
) -> set[str]:
    """Ids of leads whose stored row differs (any field, SystemModstamp included)."""
    return {
        lead_id
        for lead_id in before.keys() | after.keys()
        if before.get(lead_id) != after.get(lead_id)
    }


def start_org(data_dir: Path) -> tuple[RunningSandbox, PinnedSession]:
    sandbox = start_sandbox(data_dir)
    return sandbox, PinnedSession(sandbox.ca_file)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An org directory (database, certificates) seeded with LEADS leads at NOW; never synced."""
    from sfsync.sandbox.org import DB_FILE, SandboxOrg
    from sfsync.sandbox.seed import seed_org
    from sfsync.sandbox.tls import ensure_certificates

    path = tmp_path_factory.mktemp("e2e-seeded")
    ensure_certificates(path)
    org = SandboxOrg(path / DB_FILE)
    with org.lock:
        seed_org(org.conn, leads=LEADS, seed=SEED, now=NOW)
        org.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    org.close()
    return path


@pytest.fixture(scope="session")
def synced_template(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded org after one `sfsync sync`, with the sfsync state beside it."""
    path = tmp_path_factory.mktemp("e2e-synced") / "org"
    shutil.copytree(seeded_template, path)
    sandbox, http = start_org(path)
    try:
        org = Org(sandbox, path, http)
        report = org.sync()
        assert report["outcome"] == "success"
        assert report["written"] > 0
    finally:
        http.close()
        sandbox.stop()
    with closing(sqlite3.connect(path / "org.sqlite3")) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def _org_from(template: Path, tmp_path: Path) -> Iterator[Org]:
    data_dir = tmp_path / "org"
    shutil.copytree(template, data_dir)
    sandbox, http = start_org(data_dir)
    try:
        yield Org(sandbox, data_dir, http)
    finally:
        http.close()
        sandbox.stop()


@pytest.fixture
def fresh_org(seeded_template: Path, tmp_path: Path) -> Iterator[Org]:
    """A private running copy of the seeded org; sfsync has never synced it."""
    yield from _org_from(seeded_template, tmp_path)


@pytest.fixture
def synced_org(synced_template: Path, tmp_path: Path) -> Iterator[Org]:
    """A private running copy of the org after its first sync, with sfsync's state."""
    yield from _org_from(synced_template, tmp_path)

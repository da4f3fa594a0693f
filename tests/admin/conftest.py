from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sfsync.sandbox.server import RunningSandbox, start_sandbox

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DEFINITION = REPO / "mappings" / "default.yaml"
SEED_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NOW = "2026-11-20T12:00:00"
SEED_LEADS = 300
WRITE_PATHS = ("composite/sobjects", "jobs/ingest", "/sobjects/Lead/")


@pytest.fixture(name="template_dir", scope="session")
def _template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded org directory (database and certificates), copied by each test."""
    from sfsync.sandbox.org import DB_FILE, SandboxOrg
    from sfsync.sandbox.seed import seed_org
    from sfsync.sandbox.tls import ensure_certificates

    path = tmp_path_factory.mktemp("admin-org-template")
    ensure_certificates(path)
    org = SandboxOrg(path / DB_FILE)
    with org.lock:
        seed_org(org.conn, leads=SEED_LEADS, now=SEED_NOW)
        org.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    org.close()
    return path


@dataclass
class Org:
    """A running sandbox org with its own sfsync state store, driven through the CLI."""

    sandbox: RunningSandbox
    state_path: Path
    env: dict[str, str]
    err: str = ""
    """What the last `cli` call wrote to stderr."""

    def cli(self, *args: str, capsys: pytest.CaptureFixture[str] | None = None) -> tuple[int, str]:
        """Run `sfsync --env-file <org> ARGS` in this process; return (exit code, stdout)."""
        from sfsync.cli import main

        if capsys is not None:
            capsys.readouterr()
        with _environment(self.env):
            code = main(["--env-file", str(self.sandbox.env_file), *args])
        if capsys is None:
            return code, ""
        captured = capsys.readouterr()
        self.err = captured.err
        return code, captured.out

    def cli_json(self, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
        """As `cli`, with --json, parsing the last stdout line."""
        code, out = self.cli(*args, "--json", capsys=capsys)
        return code, json.loads(out.strip().splitlines()[-1])

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        """Start `python -m sfsync --env-file <org> ARGS` as a separate process."""
        return subprocess.Popen(
            [sys.executable, "-m", "sfsync", "--env-file", str(self.sandbox.env_file), *args],
            env={**os.environ, **self.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )

    def reset_calls(self) -> None:
        """Forget the call log and the write log (a new day)."""
        self.sandbox.org.reset_calls()

    def api_calls(self) -> int:
        """API calls counted since the last reset (what DailyApiRequests charges)."""
        return self.sandbox.org.api_calls

    def calls(self) -> list[dict[str, Any]]:
        """The call log since the last reset."""
        return self.sandbox.org.calls.recent(1_000_000)

    def written_ids(self) -> list[str]:
        """Lead Ids of every successful write since the last reset, with repeats."""
        return [w["id"] for w in self.sandbox.org.calls.writes() if w["object"] == "Lead"]

    def leads(self, where: str = "1 = 1") -> dict[str, dict[str, Any]]:
        """Every lead's SFS_* fields (and a few inputs), straight from the org's store."""
        return read_leads(self.sandbox.db_path, where)


def read_leads(db_path: Path, where: str = "1 = 1") -> dict[str, dict[str, Any]]:
    """Every lead's SFS_* fields (and LeadSource, IsConverted) from an org database."""
    with closing(sqlite3.connect(db_path)) as conn:
        cur = conn.execute(f'SELECT * FROM "Lead" WHERE IsDeleted = 0 AND {where}')
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    keep = ("LeadSource", "IsConverted")
    return {
        r["Id"]: {k: v for k, v in r.items() if k.startswith("SFS_") or k in keep} for r in rows
    }


class _environment:
    """Set environment variables for a block (the autouse fixture has cleared SFSYNC_*)."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.saved: dict[str, str | None] = {}

    def __enter__(self) -> None:
        for key, value in self.values.items():
            self.saved[key] = os.environ.get(key)
            os.environ[key] = value

    def __exit__(self, *exc: object) -> None:
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(name="make_org")
def _make_org(template_dir: Path, tmp_path: Path) -> Iterator[Callable[..., Org]]:
    """Start private copies of the seeded org: `make_org(name, **settings)`."""
    with _org_factory(template_dir, tmp_path) as make:
        yield make


@pytest.fixture(name="reference_leads", scope="session")
def _reference_leads(
    template_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    """The seeded org's leads after one uninterrupted `backfill --apply --now NOW`."""
    with _org_factory(template_dir, tmp_path_factory.mktemp("reference")) as make:
        org = make("reference")
        code, _ = org.cli("backfill", "--apply", "--now", NOW)
        assert code == 0
        return org.leads()


@contextmanager
def _org_factory(template_dir: Path, base: Path) -> Iterator[Callable[..., Org]]:
    running: list[RunningSandbox] = []

    def make(name: str = "org", **settings: str) -> Org:
        target = base / name
        shutil.copytree(template_dir, target / "org")
        sandbox = start_sandbox(target / "org")
        running.append(sandbox)
        env = {
            "SFSYNC_STATE_PATH": str(target / "state" / "sfsync.sqlite3"),
            "SFSYNC_DEFINITION": str(DEFAULT_DEFINITION),
            "SFSYNC_LOG_FORMAT": "json",
            "SFSYNC_LOG_LEVEL": "warning",
            **{f"SFSYNC_{k.upper()}": v for k, v in settings.items()},
        }
        return Org(sandbox, target / "state" / "sfsync.sqlite3", env)

    try:
        yield make
    finally:
        for sandbox in running:
            sandbox.stop()


def write_calls(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The calls that write records (Collections, Bulk ingest, sObject PATCH/POST/DELETE)."""
    return [
        c
        for c in calls
        if (any(p in c["path"] for p in WRITE_PATHS) and c["method"] in {"PATCH", "POST", "PUT"})
        or (c["method"] == "DELETE" and "/sobjects" in c["path"])
    ]

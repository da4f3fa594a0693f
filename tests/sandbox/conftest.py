from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce

from sfsync.sandbox.org import SandboxOrg
from sfsync.sandbox.protocol import Request
from sfsync.sandbox.server import RunningSandbox, start_sandbox

FIXTURES = Path(__file__).parent.parent / "fixtures" / "salesforce"
SEED_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SEED_LEADS = 250


class PinnedSession(requests.Session):
    """A requests Session whose CA bundle the REQUESTS_CA_BUNDLE variable cannot override."""

    def __init__(self, ca_file: Path) -> None:
        super().__init__()
        self.ca_file = str(ca_file)

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # type: ignore[no-untyped-def]
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        settings["verify"] = self.ca_file
        return settings


def raw_request(
    method: str,
    path: str,
    *,
    query: str = "",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> Request:
    """A parsed request as the sandbox's handlers receive it."""
    message = Message()
    for name, value in (headers or {}).items():
        message[name] = value
    return Request(method, path, query, message, body)


def payload(name: str) -> Any:
    """One recorded Salesforce payload from tests/fixtures/salesforce/."""
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(name="org")
def _org(tmp_path: Path) -> Iterator[SandboxOrg]:
    """A fresh org database with no seeded leads (its users only), for unit tests of parts."""
    org = SandboxOrg(tmp_path / "org.sqlite3")
    yield org
    org.close()


@pytest.fixture(name="template_dir", scope="session")
def _template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded org directory (database and certificates), copied by each test."""
    from sfsync.sandbox.org import DB_FILE, SandboxOrg
    from sfsync.sandbox.seed import seed_org
    from sfsync.sandbox.tls import ensure_certificates

    path = tmp_path_factory.mktemp("org-template")
    ensure_certificates(path)
    org = SandboxOrg(path / DB_FILE)
    with org.lock:
        seed_org(org.conn, leads=SEED_LEADS, now=SEED_NOW)
        org.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    org.close()
    return path


@pytest.fixture(name="data_dir")
def _data_dir(template_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded org directory."""
    target = tmp_path / "org"
    shutil.copytree(template_dir, target)
    return target


@pytest.fixture(name="sandbox")
def _sandbox(data_dir: Path) -> Iterator[RunningSandbox]:
    """A running sandbox org with SEED_LEADS seeded leads."""
    with start_sandbox(data_dir) as running:
        yield running


@pytest.fixture(name="http")
def _http(sandbox: RunningSandbox) -> Iterator[PinnedSession]:
    """A requests Session that trusts the sandbox's CA."""
    with PinnedSession(sandbox.ca_file) as session:
        yield session


@pytest.fixture(name="sf")
def _sf(sandbox: RunningSandbox, http: PinnedSession) -> Salesforce:
    """simple-salesforce connected to the sandbox by session id, exactly as the sync connects."""
    return Salesforce(
        instance_url=sandbox.url, session_id=sandbox.token, session=http, version="62.0"
    )


def auth_headers(sandbox: RunningSandbox, **extra: str) -> dict[str, str]:
    """Bearer auth for raw requests."""
    return {"Authorization": f"Bearer {sandbox.token}", **extra}


def lead_ids(sandbox: RunningSandbox, n: int, *, where: str = "IsConverted = 0") -> list[str]:
    """The first *n* lead Ids matching a SQL condition, read straight from the store."""
    with sandbox.org.lock:
        rows = sandbox.org.conn.execute(
            f'SELECT Id FROM "Lead" WHERE IsDeleted = 0 AND {where} ORDER BY Id LIMIT ?', (n,)
        ).fetchall()
    return [r[0] for r in rows]


def lead_row(sandbox: RunningSandbox, lead_id: str) -> dict[str, Any]:
    """One stored Lead row."""
    with sandbox.org.lock:
        conn: sqlite3.Connection = sandbox.org.conn
        cur = conn.execute('SELECT * FROM "Lead" WHERE Id = ?', (lead_id,))
        row = cur.fetchone()
        return {d[0]: v for d, v in zip(cur.description, row, strict=True)}

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import requests
import structlog

from sfsync import cli
from sfsync.definition import load_compiled
from sfsync.report import Report, load_report
from sfsync.sandbox.server import RunningSandbox, start_sandbox
from sfsync.state import StateStore
from tests.conftest import FAST_BULK_POLLS

# CI sets REQUIRE_BROWSER_TEST=1 so that a missing Chromium fails the browser test instead
# of skipping it.
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER_TEST", "") == "1"

SEED_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DEFINITION = Path(__file__).resolve().parents[2] / "mappings" / "default.yaml"
HOSTILE_FIRST = "<script>document.title='pwned'</script>"
HOSTILE_COMPANY = '"><img src=x onerror="document.title=1">'
NOW_ARG = "2026-11-20T12:00:00"
DEMO_LEADS = 1000


@dataclass
class DemoOrg:
    """A seeded sandbox org and a state store a full sync filled from it."""

    sandbox: RunningSandbox
    state_path: Path
    page: Path = Path("report.html")
    """The report `sfsync report` wrote for this org (after the hostile rename)."""
    hostile_id: str = ""

    def report(self, since: date | None = None) -> Report:
        """The report's numbers, straight from the state store."""
        store = StateStore(self.state_path)
        try:
            return load_report(store, load_compiled(DEFINITION), now=SEED_NOW, since=since)
        finally:
            store.close()

    def run(self, *args: str) -> int:
        """Run the CLI against this org and state store."""
        with pytest.MonkeyPatch.context() as mp:
            for name in [n for n in os.environ if n.startswith("SFSYNC_")]:
                if name not in FAST_BULK_POLLS:
                    mp.delenv(name)
            mp.setenv("SFSYNC_STATE_PATH", str(self.state_path))
            try:
                return cli.main(
                    ["--env-file", str(self.sandbox.env_file), "--log-format", "json", *args]
                )
            finally:
                structlog.reset_defaults()


@pytest.fixture(name="demo", scope="package")
def _demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoOrg]:
    """1,000 seeded demo leads (seed 42), synced once into a fresh state store."""
    from sfsync.sandbox.org import DB_FILE, SandboxOrg
    from sfsync.sandbox.seed import seed_org

    root = tmp_path_factory.mktemp("report-org")
    (root / "org").mkdir()
    org = SandboxOrg(root / "org" / DB_FILE)
    with org.lock:
        seed_org(org.conn, leads=DEMO_LEADS, seed=42, now=SEED_NOW)
    org.close()
    with start_sandbox(root / "org") as sandbox:
        demo = DemoOrg(sandbox, root / "state.sqlite3", root / "report.html")
        assert demo.run("sync", "--full", "--now", NOW_ARG) == 0
        # A rep typed markup into a lead's name: the report must show it as text.
        demo.hostile_id = demo.report().follow_ups[0].lead_id
        answer = requests.patch(
            f"{sandbox.url}/services/data/v62.0/sobjects/Lead/{demo.hostile_id}",
            json={"FirstName": HOSTILE_FIRST, "Company": HOSTILE_COMPANY},
            headers={"Authorization": f"Bearer {sandbox.token}", "Sforce-Auto-Assign": "FALSE"},
            verify=str(sandbox.ca_file),
            timeout=30,
        )
        assert answer.status_code == 204, answer.text
        assert demo.run("sync", "--now", NOW_ARG) == 0
        assert demo.run("report", "--now", NOW_ARG, "--out", str(demo.page)) == 0
        yield demo

"""
Conformance fixtures: the pinned npm clients (clients.py), a seeded sandbox org served in this
process, and sf logged in to it with its access token. Each test is marked with the workflow
and client it checks; the session ends with the table of workflow, client version and result.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sfsync.sandbox.server import RunningSandbox, start_sandbox
from tests.conformance.clients import NodeClients, install_clients

LEADS = 600
_RESULTS: dict[str, tuple[str, str, str]] = {}
_VERSIONS: dict[str, str] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "workflow(name, client): the workflow a conformance test drives, by client"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    marker = item.get_closest_marker("workflow")
    if marker is None or (report.when != "call" and not report.failed and not report.skipped):
        return
    name, client = marker.args
    if report.when == "call" or item.nodeid not in _RESULTS:
        _RESULTS[item.nodeid] = (name, client, report.outcome)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _RESULTS:
        return
    clients = {"jsforce": "jsforce", "sf": "@salesforce/cli"}
    terminalreporter.section("conformance: real clients against the sandbox org")
    terminalreporter.write_line("| workflow | client | result |")
    terminalreporter.write_line("|---|---|---|")
    for name, client, result in _RESULTS.values():
        version = _VERSIONS.get(clients.get(client, client), "?")
        label = f"{client} {version}" if client in clients else client
        terminalreporter.write_line(f"| {name} | {label} | {result} |")


@pytest.fixture(scope="session")
def clients() -> NodeClients:
    """jsforce and sf at their pinned versions (installed into the cache once)."""
    installed = install_clients()
    _VERSIONS.update(installed.versions)
    return installed


@pytest.fixture(scope="session")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """A seeded sandbox org shared by the conformance tests (they change only their own rows)."""
    from sfsync.sandbox.org import DB_FILE, SandboxOrg
    from sfsync.sandbox.seed import seed_org

    data_dir = tmp_path_factory.mktemp("conformance-org")
    seeded = SandboxOrg(data_dir / DB_FILE)
    with seeded.lock:
        seed_org(seeded.conn, leads=LEADS, seed=5, now=datetime.now(UTC))
    seeded.close()
    with start_sandbox(data_dir) as running:
        yield running


@dataclass(frozen=True)
class SfSession:
    """sf logged in to a sandbox org under an alias, with its own HOME."""

    clients: NodeClients
    env: dict[str, str]
    alias: str
    login: dict[str, Any]

    def run(self, *args: str, cwd: Path | None = None) -> dict[str, Any]:
        """`sf ARGS --target-org ALIAS --json`, failing the test on a non-zero exit."""
        result = self.clients.sf(*args, "--target-org", self.alias, env=self.env, cwd=cwd)
        assert result.returncode == 0, f"sf {' '.join(args)}: {result.stdout}{result.stderr}"
        body: dict[str, Any] = result.json()
        return body


def sf_login(clients: NodeClients, sandbox: RunningSandbox, home: Path, alias: str) -> SfSession:
    """`sf org login access-token` to *sandbox* (the token comes in SF_ACCESS_TOKEN)."""
    home.mkdir(parents=True, exist_ok=True)
    env = clients.env(home, sandbox.ca_file)
    login = clients.sf(
        "org", "login", "access-token", "--instance-url", sandbox.url, "--no-prompt",
        "--alias", alias,
        env={**env, "SF_ACCESS_TOKEN": sandbox.token},
    )  # fmt: skip
    assert login.returncode == 0, login.stdout + login.stderr
    return SfSession(clients, env, alias, login.json())


@pytest.fixture(scope="session")
def sf(
    clients: NodeClients, org: RunningSandbox, tmp_path_factory: pytest.TempPathFactory
) -> SfSession:
    """sf logged in to the shared org with its access token."""
    return sf_login(clients, org, tmp_path_factory.mktemp("sf-home"), "sbx")


@pytest.fixture
def jsforce_env(clients: NodeClients, org: RunningSandbox, tmp_path: Path) -> dict[str, str]:
    """Environment for jsforce_workflows.js with the org's access token."""
    return clients.env(tmp_path, org.ca_file, SANDBOX_URL=org.url, SANDBOX_TOKEN=org.token)


def run_jsforce(clients: NodeClients, workflow: str, env: dict[str, str]) -> Any:
    """Run one jsforce workflow; its result, failing the test on a non-zero exit."""
    result = clients.jsforce(workflow, env)
    assert result.returncode == 0, result.stderr
    return result.json()["result"]

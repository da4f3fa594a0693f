"""
Fixtures for the reliability matrix: one seeded template org for the session, the fault-free
reference run every cell is compared with, and a per-test copy of the org.

Size: RELIABILITY_LEADS (default 200, the CI size), e.g.
`RELIABILITY_LEADS=5000 .venv/bin/pytest tests/reliability`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sfsync.sandbox.server import RunningSandbox
from tests.reliability.matrix import PHASES
from tests.reliability.orgkit import (
    CliResult,
    Snapshot,
    changed_leads,
    lead_snapshot,
    leads_from_env,
    run_cli,
    running_org,
    seed_template,
    snapshot_diff,
    sync_argv,
)


@dataclass(frozen=True)
class Reference:
    """The seeded org before any sync, and after one fault-free sync at the same `--now`."""

    template: Path
    leads: int
    before: Snapshot
    after: Snapshot
    changed: list[str]
    report: dict[str, Any]


@pytest.fixture(name="reference", scope="session")
def _reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    leads = leads_from_env()
    template = seed_template(tmp_path_factory.mktemp("reliability-template"), leads=leads)
    work = tmp_path_factory.mktemp("reliability-reference")
    with running_org(template, work / "org") as sandbox:
        before = lead_snapshot(sandbox)
        env = {"SFSYNC_STATE_PATH": str(work / "state.sqlite3"), **PHASES["rest_read"].env}
        # The reference run goes through the installed console script itself.
        result = run_cli(sync_argv(sandbox), env=env, fresh_process=True)
        assert result.returncode == 0, result.describe()
        after = lead_snapshot(sandbox)
    report = result.report
    assert report is not None
    changed = changed_leads(before, after)
    assert changed, "the first sync wrote nothing: the reference would prove nothing"
    return Reference(template, leads, before, after, changed, report)


@dataclass
class Cell:
    """One test's private org, its state file, and the reference to compare with."""

    sandbox: RunningSandbox
    work: Path
    reference: Reference

    @property
    def state_path(self) -> Path:
        """The CLI's state store for this cell."""
        return self.work / "state.sqlite3"

    def env(self, phase: str, **extra: str) -> dict[str, str]:
        """Settings that force *phase*'s API path, plus *extra*."""
        return {"SFSYNC_STATE_PATH": str(self.state_path), **PHASES[phase].env, **extra}

    def sync(self, phase: str, **kwargs: Any) -> CliResult:
        """Run `sfsync sync --json --now <seed time>` with *phase*'s settings."""
        env = self.env(phase, **kwargs.pop("env", {}))
        return run_cli(sync_argv(self.sandbox), env=env, **kwargs)

    def assert_converged(self, context: CliResult) -> None:
        """The org's outputs equal the fault-free run's: touches first, then everything."""
        actual = lead_snapshot(self.sandbox)
        expected = self.reference.after
        touches = snapshot_diff(
            {k: {"SFS_Touches__c": v["SFS_Touches__c"]} for k, v in actual.items()},
            {k: {"SFS_Touches__c": v["SFS_Touches__c"]} for k, v in expected.items()},
        )
        assert not touches, "touch counts differ from a fault-free run:\n" + "\n".join(touches)
        problems = snapshot_diff(actual, expected)
        assert not problems, (
            "org outputs differ from a fault-free run:\n"
            + "\n".join(problems)
            + "\n"
            + context.describe()
        )


@pytest.fixture(name="cell")
def _cell(reference: Reference, tmp_path: Path) -> Iterator[Cell]:
    with running_org(reference.template, tmp_path / "org") as sandbox:
        yield Cell(sandbox, tmp_path, reference)

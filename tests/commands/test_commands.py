"""
The command modules, each invoked directly with click's test runner: what they print and
which exit code they return, without an org where none is needed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from sfsync.backfill.options import BackfillResult
from sfsync.commands import COMMANDS
from sfsync.commands import backfill as backfill_command
from sfsync.commands import check as check_command
from sfsync.commands import daemon as daemon_command
from sfsync.commands import definition as definition_command
from sfsync.commands import demo as demo_command
from sfsync.commands import explain as explain_command
from sfsync.commands import report as report_command
from sfsync.commands import sync as sync_command
from sfsync.commands.app import AppContext
from sfsync.commands.runtime import PACKAGED_DEFINITION, Runtime
from sfsync.errors import ConfigError, OrgBusyError
from sfsync.salesforce import client as client_module
from sfsync.state import StateStore
from sfsync.state.lock import InstanceLock
from sfsync.sync.context import PassReport
from tests.scoring.factories import default_definition, make_lead
from tests.sync.fakes import REP, FakeOrg


@pytest.fixture(name="state", autouse=True)
def _state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    state = tmp_path / "state" / "sfsync.sqlite3"
    monkeypatch.setenv("SFSYNC_STATE_PATH", str(state))
    monkeypatch.setenv("SFSYNC_DEFINITION", str(PACKAGED_DEFINITION))
    return state


def _invoke(command: click.Command, *args: str) -> Any:
    return CliRunner().invoke(
        command, list(args), obj=AppContext(log_format="console"), standalone_mode=False
    )


def test_every_command_is_registered_once() -> None:
    """The CLI's commands, by name, each from its own module."""
    names = sorted(c.name or "" for c in COMMANDS)
    assert [
        "backfill",
        "check",
        "daemon",
        "definition",
        "demo",
        "explain",
        "fields",
        "init",
        "report",
        "sandbox",
        "score",
        "sync",
    ] == names


def test_exit_code_for_a_pass() -> None:
    """0 done, 3 partial (rejects, budget or stop), 1 failed."""
    report = PassReport(run_id="r", mode="incremental", dry_run=False)
    assert 0 == sync_command.exit_code_for(report)
    report.rejected = 1
    assert 3 == sync_command.exit_code_for(report)
    report.outcome = "failed"
    assert 1 == sync_command.exit_code_for(report)


def test_print_report_as_json_is_the_summary_line(capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints the pass summary (no per-lead changes) as one JSON object."""
    report = PassReport(run_id="r", mode="full", dry_run=True, read={"Lead": 3}, qualified=3)
    sync_command.print_report(report, as_json=True)
    data = json.loads(capsys.readouterr().out)
    assert ("full", True, {"Lead": 3}, False) == (
        data["mode"],
        data["dry_run"],
        data["read"],
        data["partial"],
    )
    assert "changes" not in data


def test_sync_full_and_rescore_are_alternatives() -> None:
    """--full with --rescore is a usage error (exit 2) before anything connects."""
    result = _invoke(sync_command.sync, "--full", "--rescore")
    assert isinstance(result.exception, click.UsageError)
    assert 2 == result.exception.exit_code
    assert "alternatives" in str(result.exception)


def test_check_lists_a_settings_problem_with_its_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without connection settings, check prints a ✗ row with the fix and returns 2."""
    monkeypatch.setenv("SFSYNC_SF_AUTH", "jwt")
    result = _invoke(check_command.check)
    assert 2 == result.return_value
    assert "✗" in result.output
    assert "SFSYNC_SF_USERNAME" in result.output


def test_explain_refuses_what_is_no_salesforce_id() -> None:
    """A LEAD_ID that is not 15 or 18 letters and digits is a usage error naming it."""
    result = _invoke(explain_command.explain, "not-an-id")
    assert isinstance(result.exception, ConfigError)
    assert "'not-an-id'" in str(result.exception)


def test_report_on_a_missing_mirror_says_to_sync_first() -> None:
    """The report never creates an empty store: it asks for a sync first."""
    result = _invoke(report_command.report, "--out", "r.html")
    assert isinstance(result.exception, ConfigError)
    assert "run `sfsync sync` first" in str(result.exception)


def test_definition_lint_says_which_files_are_valid(tmp_path: Path) -> None:
    """lint prints ✓ per valid file and ✗ with every problem, and returns 2 if any is bad."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nnot_a_key: true\n", encoding="utf-8")
    good = _invoke(definition_command.definition, "lint", str(PACKAGED_DEFINITION))
    both = _invoke(definition_command.definition, "lint", str(PACKAGED_DEFINITION), str(bad))
    assert (0, 2) == (good.return_value, both.return_value)
    assert "✓" in good.output
    assert "1 of 2 file(s) invalid" in both.output


def test_top_reasons_are_short_and_signed() -> None:
    """The demo's table shows the highest-scoring reasons without their decay details."""
    reasons = "\n".join(
        [
            "Sales Ready: fit 80 >= 50 and hand-raise 2026-11-18",
            "+45 Content form fill 2x, latest 2026-11-29 (60 pts, decayed)",
            "+25 Title: VP (decision maker)",
            "0 Employees: unknown",
            "-10 Free-mail address",
        ]
    )
    assert [
        "+45 Content form fill 2x, latest 2026-11-29",
        "+25 Title: VP (decision maker)",
        "-10 Free-mail address",
    ] == demo_command.top_reasons(reasons)


def test_backfill_dry_run_result_says_nothing_was_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A dry run's summary says nothing was written and how to write."""
    backfill_command.print_result(BackfillResult(dry_run=True, now="2026-11-20", api_calls=7))
    out = capsys.readouterr().out
    assert "Dry run success: nothing was written (7 API calls)" in out
    assert "--apply" in out


def _fake_org() -> FakeOrg:
    lead = make_lead(Id="00Q000000000000001", SystemModstamp="2026-10-01T09:00:00.000+0000")
    lead.update(LastModifiedById=REP, Name="Lee", Company="Acme")
    return FakeOrg({"Lead": [lead]})


@contextmanager
def _fake_runtime(store_path: Path) -> Iterator[Runtime]:
    store = StateStore(store_path)
    try:
        yield Runtime(
            settings=None,  # type: ignore[arg-type]
            definition=default_definition(),
            store=store,
            client=_fake_org(),  # type: ignore[arg-type]
        )
    finally:
        store.close()


def test_daemon_once_runs_one_tick_and_returns_its_exit_code(
    state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`daemon --once` builds the daemon, logs in, runs the due pass and exits with its code."""
    monkeypatch.setattr(daemon_command, "open_runtime", lambda app, **kw: _fake_runtime(state))
    monkeypatch.setattr(daemon_command, "check_connection_settings", lambda app, settings: None)
    monkeypatch.setattr(client_module, "connect", lambda settings, **kw: _fake_org())

    result = _invoke(daemon_command.daemon, "--once")

    assert 0 == result.return_value, result.output
    with StateStore(state) as store:
        assert store.last_nightly() is not None
        run = store.last_run()
        assert run is not None
        assert ("rescore", "success") == (run.kind, run.outcome)


def test_daemon_refuses_to_start_while_another_writer_holds_the_org(
    state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second daemon for the same org fails with OrgBusyError (exit 2 in the CLI)."""
    monkeypatch.setenv("SFSYNC_STATE_PATH", str(state))
    monkeypatch.setattr(daemon_command, "check_connection_settings", lambda app, settings: None)
    with InstanceLock.beside(state):
        result = _invoke(daemon_command.daemon, "--once")
    assert isinstance(result.exception, OrgBusyError)


def test_backfill_result_counts_what_an_interrupted_run_wrote(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Leads an interrupted run's Bulk job wrote are reported as recorded, not as written."""
    result = BackfillResult(dry_run=False, now="2026-11-20", slices_total=1, slices_done=1)
    result.recovered = 5421
    backfill_command.print_result(result)
    out = " ".join(capsys.readouterr().out.split())  # the console wraps at 80 columns
    assert "0 lead(s) written (and 5,421 written by the interrupted run, recorded now)" in out

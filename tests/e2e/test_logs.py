"""Logs of a pass: JSON lines with the run id, one summary line per pass, no secrets."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import NOW_ARG, Org

pytestmark = pytest.mark.e2e


def test_json_logs_carry_the_run_id_and_one_summary_per_pass(synced_org: Org) -> None:
    result = synced_org.cli("--log-format", "json", "-v", "sync", "--json", "--now", NOW_ARG)

    assert result.returncode == 0, result.stderr
    run_id = result.json()["run_id"]
    lines = result.log_lines()  # fails on any line that is not JSON
    in_pass = [i for i, line in enumerate(lines) if "run_id" in line]
    assert in_pass
    # Every line between the first and the last of the pass belongs to it.
    for line in lines[in_pass[0] : in_pass[-1] + 1]:
        assert line.get("run_id") == run_id, line
    assert len(lines[in_pass[0] : in_pass[-1] + 1]) > 1
    summaries = [line for line in lines if line["event"] == "sfsync.sync.completed"]
    assert len(summaries) == 1
    summary = summaries[0]
    assert summary is lines[in_pass[-1]]
    for key in ("read", "qualified", "changed", "written", "rejected", "api_calls", "outcome"):
        assert key in summary, key
    assert all({"level", "timestamp", "event"} <= set(line) for line in lines)


def test_console_logs_and_failures_never_show_the_token(synced_org: Org) -> None:
    org = synced_org
    # Org.cli asserts on every run that no credential from connection.env is in the output;
    # these runs log the most: debug console logs, a failed login and a config error.
    assert org.cli("--log-format", "console", "-v", "sync", "--now", NOW_ARG).returncode == 0
    bad_token = org.cli("-v", "check", SFSYNC_SF_ACCESS_TOKEN="00Dx!not-a-valid-token")
    assert bad_token.returncode != 0
    assert org.secrets[0] not in bad_token.stdout + bad_token.stderr
    typo = org.cli("sync", SFSYNC_SF_ACESS_TOKEN=org.secrets[0])
    assert typo.returncode == 2
    assert "SFSYNC_SF_ACESS_TOKEN" in typo.stderr


def test_for_people_a_pass_is_its_table_and_warnings_only_unless_verbose(
    synced_org: Org,
) -> None:
    """Console: the summary table on stdout and no info lines on stderr; -v shows events;
    JSON logs (for machines) keep every info event, as before."""
    org = synced_org
    calm = org.cli("--log-format", "console", "sync", "--now", NOW_ARG)
    verbose = org.cli("--log-format", "console", "-v", "sync", "--now", NOW_ARG)
    machine = org.cli("--log-format", "json", "sync", "--now", NOW_ARG)

    assert [0, 0, 0] == [calm.returncode, verbose.returncode, machine.returncode]
    assert "sfsync incremental pass" in calm.stdout
    assert "" == calm.stderr
    assert "sfsync.sync.completed" in verbose.stderr
    assert "sfsync.sync.completed" in [line["event"] for line in machine.log_lines()]

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sfsync.sandbox.faults import FaultSpec, parse_faults
from tests.admin.conftest import NOW, REPO, SEED_LEADS, Org, write_calls


def _sfs(leads: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i: {k: v for k, v in f.items() if k.startswith("SFS_")} for i, f in leads.items()}


@pytest.mark.parametrize(
    ("settings", "slicing", "bulk"),
    [
        ({}, ["--slice-threshold", "100"], False),
        ({"bulk_read_threshold": "200", "bulk_write_threshold": "50"}, [], True),
    ],
    ids=["month-slices-collections", "one-slice-bulk"],
)
def test_dry_run_writes_nothing_and_estimates_the_apply(
    make_org: Callable[..., Org],
    capsys: pytest.CaptureFixture[str],
    settings: dict[str, str],
    slicing: list[str],
    bulk: bool,
) -> None:
    """A dry run sends no write and its API-call estimate is within 10% of the apply's calls."""
    org = make_org(**settings)
    before = org.leads()
    org.reset_calls()

    code, dry = org.cli_json("backfill", "--now", NOW, *slicing, capsys=capsys)

    assert code == 0
    assert write_calls(org.calls()) == []
    assert org.written_ids() == []
    assert before == org.leads()
    estimate = dry["estimate"]
    assert estimate["leads_in_scope"] == SEED_LEADS
    assert (len(estimate["slices"]) > 1) == bool(slicing)
    assert (estimate["bulk_jobs"] > 0) == bulk
    assert estimate["changed"] > 0
    assert estimate["upload_bytes"] > 0

    org.reset_calls()
    code, applied = org.cli_json("backfill", "--apply", "--now", NOW, *slicing, capsys=capsys)

    assert code == 0
    assert applied["plan_reused"]
    used = org.api_calls()
    assert abs(estimate["api_calls"] - used) <= 0.1 * used, (estimate["api_calls"], used)
    assert estimate["changed"] == applied["written"] == len(org.written_ids())
    ingest_jobs = [c for c in org.calls() if c["method"] == "POST" and "jobs/ingest" in c["path"]]
    assert (len(ingest_jobs) > 0) == bulk
    assert sum(s["ingest_jobs"] for s in estimate["slices"]) == len(ingest_jobs)


def test_report_csv_lists_every_change_safely(
    make_org: Callable[..., Org], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--report writes one row per changed field, with the values the apply then writes."""
    org = make_org()
    victim = sorted(i for i, f in org.leads().items() if not f["IsConverted"])[0]
    formula = '=HYPERLINK("http://example.invalid","x")'
    with org.sandbox.org.lock:
        org.sandbox.org.conn.execute(
            'UPDATE "Lead" SET SFS_Reasons__c = ?, SFS_Grade__c = ? WHERE Id = ?',
            (formula, "@A", victim),
        )
    report = tmp_path / "changes.csv"
    code, dry = org.cli_json("backfill", "--now", NOW, "--report", str(report), capsys=capsys)
    assert code == 0
    with report.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))

    assert rows[0] == ["lead_id", "field", "old", "new"]
    assert dry["estimate"]["field_changes"] == len(rows) - 1
    assert dry["estimate"]["changed"] == len({r[0] for r in rows[1:]})
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    olds = {r[1]: r[2] for r in rows[1:] if r[0] == victim}
    assert "'" + formula == olds["SFS_Reasons__c"]
    assert olds["SFS_Grade__c"] == "'@A"

    code, _ = org.cli("backfill", "--apply", "--now", NOW, capsys=capsys)
    assert code == 0
    after = org.leads()
    for lead_id, name, _old, new in rows[1:]:
        stored = after[lead_id][name]
        expected = new[1:] if new.startswith("'") else new
        if isinstance(stored, float):
            assert float(expected) == stored, (lead_id, name)
        elif isinstance(stored, int) and name == "SFS_Needs_Follow_Up__c":
            assert expected == ("true" if stored else "false"), (lead_id, name)
        elif name.endswith(("_Since__c", "_Touch__c")):
            assert expected[:19] == (stored or "")[:19], (lead_id, name)
        else:
            assert expected == ("" if stored is None else str(stored)), (lead_id, name)


def test_where_limits_the_scope(
    make_org: Callable[..., Org], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--where backfills exactly the unconverted leads it matches and nothing else."""
    org = make_org()
    org.reset_calls()
    report = tmp_path / "applied.csv"
    code, result = org.cli_json(
        "backfill",
        "--apply",
        "--now",
        NOW,
        "--where",
        "LeadSource = 'Web'",
        "--report",
        str(report),
        capsys=capsys,
    )
    assert code == 0
    web = org.leads("LeadSource = 'Web'")
    assert result["estimate"]["leads_in_scope"] == len(web)
    assert 0 < len(web) < SEED_LEADS
    written = org.written_ids()
    assert {i for i, f in web.items() if not f["IsConverted"]} == set(written)
    assert len(written) == len(set(written))
    with report.open(newline="", encoding="utf-8") as handle:
        assert set(written) == {row[0] for row in list(csv.reader(handle))[1:]}


@pytest.mark.parametrize(
    ("condition", "says"),
    [
        ("LeadSource = 'Web'; DELETE", "';'"),
        ("Id != null) OR (Id != null", "')' closes nothing"),
        ("LeadSource = 'Web' LIMIT 1", "'LIMIT' is not allowed"),
    ],
)
def test_dangerous_where_is_refused_before_any_call(
    make_org: Callable[..., Org],
    capsys: pytest.CaptureFixture[str],
    condition: str,
    says: str,
) -> None:
    """An obviously dangerous --where exits 2 with the reason and sends no request."""
    org = make_org()
    org.reset_calls()
    code, _ = org.cli("backfill", "--apply", "--where", condition, capsys=capsys)
    assert code == 2
    assert says in org.err
    assert org.calls() == []


def test_where_the_org_rejects_exits_2(
    make_org: Callable[..., Org], capsys: pytest.CaptureFixture[str]
) -> None:
    """A well-formed condition naming a field the org lacks exits 2 with the org's message."""
    org = make_org()
    code, _ = org.cli("backfill", "--where", "No_Such_Field__c = 1", capsys=capsys)
    assert code == 2
    err = org.err
    assert "--where: the org rejected the condition" in err
    assert "No_Such_Field__c" in err
    assert org.written_ids() == []


def _wait_for_writes(org: Org, proc: Any, at_least: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while len(org.written_ids()) < at_least:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the backfill wrote too little in time"
        time.sleep(0.01)


@pytest.mark.parametrize(
    ("stop", "exit_code"),
    [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGTERM, 3)],
    ids=["SIGKILL", "SIGTERM"],
)
def test_stopped_backfill_resumes_without_writing_twice(
    make_org: Callable[..., Org],
    capsys: pytest.CaptureFixture[str],
    reference_leads: dict[str, dict[str, Any]],
    stop: signal.Signals,
    exit_code: int,
) -> None:
    """Killed (or terminated) mid-write and rerun, the org ends as an uninterrupted backfill."""
    org = make_org(bulk_write_threshold="5")
    # Bulk jobs stay InProgress a moment, so a SIGKILL lands after the org applied a
    # job's writes and before sfsync recorded them.
    org.sandbox.org.install_faults(parse_faults({"bulk_job_delay_seconds": 0.3}))
    org.reset_calls()
    proc = org.spawn("backfill", "--apply", "--now", NOW, "--slice-threshold", "100")
    _wait_for_writes(org, proc, 40)
    proc.send_signal(stop)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == exit_code, err
    first = Counter(org.written_ids())
    assert 0 < len(first) < len(reference_leads)
    org.sandbox.org.install_faults(FaultSpec())

    code, result = org.cli_json(
        "backfill", "--apply", "--now", NOW, "--slice-threshold", "100", capsys=capsys
    )

    assert code == 0
    assert result["resumed"]
    assert result["slices_done"] == result["slices_total"]
    assert _sfs(reference_leads) == _sfs(org.leads())
    both = Counter(org.written_ids())
    assert [lead for lead, n in both.items() if n > 1] == []
    assert result["written"] == sum(both.values()) - sum(first.values())


def _limit_daily_requests(org: Org, calls: int) -> None:
    # The org's daily limit runs out soon: sfsync stops by itself `calls` requests from now,
    # when fewer than 5% of the 1,000 daily requests would be left (quota.SAFETY_FLOOR_PCT).
    org.sandbox.org.install_faults(
        parse_faults({"daily_api_limit": 1000, "request_limit_after": calls + 50})
    )


def test_budget_stopped_backfill_resumes_without_writing_twice(
    make_org: Callable[..., Org],
    capsys: pytest.CaptureFixture[str],
    reference_leads: dict[str, dict[str, Any]],
) -> None:
    """A daily-limit stop exits 3 with a checkpoint; the rerun finishes, writing each lead once."""
    org = make_org()
    code, dry = org.cli_json("backfill", "--now", NOW, "--slice-threshold", "100", capsys=capsys)
    assert code == 0
    _limit_daily_requests(org, dry["estimate"]["api_calls"] // 2)
    code, stopped = org.cli_json(
        "backfill", "--apply", "--now", NOW, "--slice-threshold", "100", capsys=capsys
    )
    assert code == 3
    assert stopped["outcome"] == "partial"
    assert "API budget spent" in stopped["error"]
    assert 0 < stopped["slices_done"] < stopped["slices_total"]
    first = len(org.written_ids())
    assert 0 < first < len(reference_leads)

    org.sandbox.org.install_faults(FaultSpec())
    code, result = org.cli_json(
        "backfill", "--apply", "--now", NOW, "--slice-threshold", "100", capsys=capsys
    )

    assert code == 0
    assert result["resumed"]
    assert _sfs(reference_leads) == _sfs(org.leads())
    written = Counter(org.written_ids())
    assert [lead for lead, n in written.items() if n > 1] == []
    assert result["written"] == sum(written.values()) - first


def test_unfinished_backfill_with_another_scope_is_refused(
    make_org: Callable[..., Org], capsys: pytest.CaptureFixture[str]
) -> None:
    """An apply with another --where than the unfinished one exits 2; --restart discards it."""
    org = make_org()
    code, dry = org.cli_json("backfill", "--now", NOW, "--slice-threshold", "100", capsys=capsys)
    _limit_daily_requests(org, dry["estimate"]["api_calls"] // 2)
    code, _ = org.cli("backfill", "--apply", "--now", NOW, "--slice-threshold", "100")
    assert code == 3
    org.sandbox.org.install_faults(FaultSpec())

    code, _ = org.cli("backfill", "--apply", "--where", "LeadSource = 'Web'", capsys=capsys)
    assert code == 2
    assert "unfinished backfill" in org.err

    code, result = org.cli_json(
        "backfill", "--apply", "--where", "LeadSource = 'Web'", "--restart", capsys=capsys
    )
    assert code == 0
    assert not result["resumed"]
    assert any("discarded" in note for note in result["notes"])


def test_script_wrapper_runs_the_backfill_command(make_org: Callable[..., Org]) -> None:
    """scripts/backfill.py passes global and backfill options through to `sfsync backfill`."""
    org = make_org()
    script = REPO / "scripts" / "backfill.py"
    proc = subprocess.run(
        [
            sys.executable,
            str(script),
            "--now",
            NOW,
            "--env-file",
            str(org.sandbox.env_file),
            "--json",
            "-v",
        ],
        env={**os.environ, **org.env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["dry_run"]
    assert result["estimate"]["leads_in_scope"] == SEED_LEADS
    assert org.written_ids() == []

    bad = subprocess.run(
        [sys.executable, str(script), "--env-file", str(org.sandbox.env_file), "--where", "1=1;"],
        env={**os.environ, **org.env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 2
    assert "--where" in bad.stderr

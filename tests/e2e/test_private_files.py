"""
Lead data stays private on disk (issue 14): under umask 022, the state store (with its WAL
and lock), the report page and the backfill's change list are each created 0600 by the real
CLI, and the state's directory 0700 (the WAL, gone once the CLI exits, is checked in
tests/state/test_files.py).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tests.e2e.conftest import NOW_ARG, Org


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_state_report_and_backfill_csv_are_owner_only_under_umask_022(fresh_org: Org) -> None:
    """Every file sfsync writes lead data to is 0600, whatever the umask allows."""
    org = fresh_org
    state = org.dir / "state" / "sfsync.sqlite3"
    previous = os.umask(0o022)
    try:
        synced = org.cli("sync", "--json", "--now", NOW_ARG, SFSYNC_STATE_PATH=str(state))
        report = org.cli(
            "report", "--out", "out/report.html", "--now", NOW_ARG, SFSYNC_STATE_PATH=str(state)
        )
        backfill = org.cli(
            "backfill", "--report", "changes.csv", "--now", "2027-01-15T12:00:00Z",
            SFSYNC_STATE_PATH=str(state),
        )  # fmt: skip
    finally:
        os.umask(previous)
    assert 0 == synced.returncode, synced.stderr
    assert 0 == report.returncode, report.stderr
    assert 0 == backfill.returncode, backfill.stderr
    csv = org.dir / "changes.csv"
    assert len(csv.read_text().splitlines()) > 1, "the backfill found nothing to change"
    files = {
        "state": state,
        "state lock": Path(f"{state}.lock"),
        "report": org.dir / "out" / "report.html",
        "backfill CSV": csv,
    }
    assert dict.fromkeys(files, 0o600) == {name: _mode(p) for name, p in files.items()}
    assert 0o700 == _mode(state.parent)
    assert "readable_by_others" not in synced.stderr + report.stderr + backfill.stderr

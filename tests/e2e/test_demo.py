"""`sfsync demo` on a fresh directory: seeds, syncs and shows a result that fits 80 columns."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def test_demo_seeds_syncs_and_shows_the_top_leads_at_80_columns(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SFSYNC_")}
    env["COLUMNS"] = "80"
    data_dir = Path("demo-org")  # relative to cwd: the hints stay short

    proc = subprocess.run(
        [sys.executable, "-m", "sfsync", "demo", "--leads", "300", "--data-dir", "demo-org"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )

    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Lead status distribution" in out
    assert "Sales Ready leads" in out
    assert "Top reasons" in out
    long_lines = [line for line in out.splitlines() if len(line) > 80]
    assert long_lines == []
    # The reasons are the short form: no decay details, at most three per lead.
    assert "pts, decayed" not in out
    assert (tmp_path / data_dir / "sfsync.sqlite3").is_file()
    # The hints use connection.env alone: it names the demo's state, so a follow-up sync
    # continues from the demo's watermarks instead of starting a fresh state in var/.
    env_lines = (tmp_path / data_dir / "connection.env").read_text().splitlines()
    state = (tmp_path / data_dir / "sfsync.sqlite3").resolve()
    assert f"SFSYNC_STATE_PATH={state}" in env_lines
    assert f"sfsync --env-file {data_dir}/connection.env sync" in out
    token = next(
        line.split("=", 1)[1]
        for line in (tmp_path / data_dir / "connection.env").read_text().splitlines()
        if line.startswith("SFSYNC_SF_ACCESS_TOKEN=")
    )
    assert token not in out + proc.stderr

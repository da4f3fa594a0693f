from __future__ import annotations

import collections
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sfsync
from sfsync.state import StateStore

BATCH = 300

# The child writes batches of BATCH leads plus a watermark naming the batch, each batch in one
# transaction, as fast as it can, until it is killed.
_WRITER = f"""
import sys
from pathlib import Path
from sfsync.state import StateStore

with StateStore(Path(sys.argv[1])) as store:
    start = int(store.get_meta("next_batch") or 0)
    for batch in range(start, start + 100_000):
        with store.transaction():
            store.upsert_records(
                "Lead",
                ({{"Id": f"00Q{{batch:07d}}{{n:08d}}", "LastName": "x" * 200, "IsDeleted": False}}
                 for n in range({BATCH})),
                lead_field=None,
            )
            store.set_watermark("Lead", str(batch))
            store.set_meta("next_batch", str(batch + 1))
        if batch == start:
            print("ready", flush=True)
"""


def _run_and_kill(path: Path, delay: float) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(sfsync.__file__).parents[1],
    )
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if line.strip() == "ready":
                break
        time.sleep(delay)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_sigkill_mid_write_leaves_whole_batches(tmp_path: Path) -> None:
    """A writer killed with SIGKILL leaves a sound file holding only whole batches."""
    path = tmp_path / "crash.sqlite3"
    rng = random.Random(7)

    for _ in range(3):
        _run_and_kill(path, delay=rng.uniform(0.02, 0.25))

        with StateStore(path) as store:
            assert store.integrity_check() == []
            per_batch = collections.Counter(lead_id[3:10] for lead_id in store.lead_ids())
            assert set(per_batch.values()) == {BATCH}
            last = max(int(batch) for batch in per_batch)
            assert sorted(int(b) for b in per_batch) == list(range(last + 1))
            assert store.get_watermark("Lead") == str(last)
            assert store.get_meta("next_batch") == str(last + 1)

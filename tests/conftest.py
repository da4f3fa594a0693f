from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# The sandbox finishes Bulk jobs at once (unless a test turns its latency on): poll them
# soon, or every Bulk path in the suite sleeps the 2 s a real org deserves. CLI runs in
# subprocesses inherit it.
FAST_BULK_POLLS = {"SFSYNC_BULK_POLL_FIRST_SECONDS": "0.1"}
os.environ.update(FAST_BULK_POLLS)


@pytest.fixture(autouse=True)
def _reset_envvars(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Strip SFSYNC_* from the environment so no test reads the developer's settings."""
    for name in list(os.environ):
        if name.startswith("SFSYNC_") and name not in FAST_BULK_POLLS:
            monkeypatch.delenv(name, raising=False)
    return

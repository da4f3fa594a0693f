from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _reset_envvars(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Strip SFSYNC_* from the environment so no test reads the developer's settings."""
    for name in list(os.environ):
        if name.startswith("SFSYNC_"):
            monkeypatch.delenv(name, raising=False)
    return

"""Files holding lead data are owner-only whatever the umask; a readable store is warned about."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from sfsync.state import StateStore
from sfsync.state.files import open_private, warn_if_readable_by_others
from sfsync.state.lock import InstanceLock


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(name="open_umask")
def _open_umask() -> Iterator[None]:
    """The most permissive usual umask (022: files 0644, directories 0755 by default)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("open_umask")
def test_the_store_its_wal_and_its_lock_are_created_owner_only(tmp_path: Path) -> None:
    """0600 for the database, its -wal and -shm, and the lock; 0700 for a new directory."""
    path = tmp_path / "var" / "sfsync.sqlite3"
    with InstanceLock.beside(path), StateStore(path) as store:
        store.set_integration_user_id("005000000000INTAAA")
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}.lock")]
        assert [0o600] * 4 == [_mode(f) for f in files]
    assert 0o700 == _mode(path.parent)


@pytest.mark.usefixtures("open_umask")
def test_a_file_written_over_becomes_owner_only(tmp_path: Path) -> None:
    """A report or CSV replacing a world-readable file does not keep its mode."""
    path = tmp_path / "changes.csv"
    path.write_text("old\n")
    assert 0o644 == _mode(path)
    with open_private(path) as handle:
        handle.write("lead_id,field,old,new\n")
    assert (0o600, "lead_id,field,old,new\n") == (_mode(path), path.read_text())


def test_an_existing_readable_store_is_warned_about_once(tmp_path: Path) -> None:
    """A store others can read gets one warning naming the fix; a private one none."""
    path = tmp_path / "sfsync.sqlite3"
    with StateStore(path):
        pass
    with capture_logs() as quiet:
        warn_if_readable_by_others(path)
    path.chmod(0o644)
    with capture_logs() as logs:
        StateStore(path).close()
        StateStore(path).close()
    assert [] == quiet
    assert ["sfsync.state.readable_by_others"] == [e["event"] for e in logs]
    assert "0644" == logs[0]["mode"]
    assert f"chmod 600 {path}" in logs[0]["detail"]

"""
One writer per org: an exclusive lock on a file beside the state store, held by the
daemon, a writing sync and an applying backfill.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from sfsync.errors import OrgBusyError
from sfsync.state.files import PRIVATE_FILE, private_directory


class InstanceLock:
    """
    One writer per org: an exclusive flock on a file beside the state store.

    The lock is released by the kernel when the process dies, so a SIGKILLed daemon never
    leaves a stale lock behind.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[str] | None = None

    @classmethod
    def beside(cls, state_path: Path) -> InstanceLock:
        """The org's lock: `<state file>.lock`, shared by the daemon, sync and backfill."""
        return cls(Path(str(state_path) + ".lock"))

    def acquire(self) -> None:
        """
        Take the lock.

        Raises:
            OrgBusyError: another process holds it (named by its pid).
        """
        private_directory(self.path.parent)
        # Created owner-only (the umask can only take bits away from 0600).
        fh = os.fdopen(os.open(self.path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE), "r+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            fh.close()
            msg = (
                f"an sfsync daemon, sync or backfill is already running for this org (pid "
                f"{holder}, lock {self.path}); one at a time per org: wait for it or stop "
                "it, or point SFSYNC_STATE_PATH at another org's state"
            )
            raise OrgBusyError(msg) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        """Release the lock (also released automatically when the process exits)."""
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

"""
Files that hold lead data — the state store and its lock, the changes spooled for a write,
the report page, the backfill's change list — are created readable by their owner only
(0600), in a directory made owner-only (0700) when sfsync creates it, whatever the umask:
the state store mirrors every lead's name, email, title and activity.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import IO

import structlog

log = structlog.get_logger(__name__)

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
_warned: set[str] = set()


def private_directory(path: Path) -> None:
    """
    Create *path* (and missing parents) if needed; a directory created here is 0700. An
    existing directory is left as it is (its owner chose its mode).

    Raises:
        OSError: it cannot be created.
    """
    if path.is_dir():
        return
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    os.chmod(path, PRIVATE_DIR)  # mkdir's mode is masked by the umask


def create_private(path: Path) -> None:
    """
    Create *path* as an empty 0600 file unless it exists (in a private directory, see
    `private_directory`), so a program that opens it next (SQLite) never makes it
    world-readable.

    Raises:
        OSError: it cannot be created.
    """
    private_directory(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    os.close(fd)


def open_private(path: Path, mode: str = "w", *, encoding: str = "utf-8") -> IO[str]:
    """
    Open *path* for writing text, created (or truncated) as a 0600 file whatever the umask
    or the mode of a file it replaces.

    Raises:
        OSError: it cannot be opened.
    """
    private_directory(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(path, flags, PRIVATE_FILE)
    with contextlib.suppress(PermissionError):  # a file of another owner keeps its mode
        os.fchmod(fd, PRIVATE_FILE)  # a file it replaces may have been world-readable
    return os.fdopen(fd, mode, encoding=encoding, newline="")


def warn_if_readable_by_others(path: Path) -> None:
    """
    Warn once per process and file when an existing *path* can be read by its group or by
    every user (a state store made before sfsync created them 0600, or copied around).
    """
    key = str(path)
    if key in _warned:
        return
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        _warned.add(key)
        who = "every user" if mode & stat.S_IROTH else "its group"
        log.warning(
            "sfsync.state.readable_by_others",
            path=key,
            mode=f"{mode:04o}",
            detail=(
                f"{path} holds lead data (names, emails, activity) and {who} can read it; "
                f"run `chmod 600 {path}` (and 700 on its directory)"
            ),
        )

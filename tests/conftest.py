from __future__ import annotations

import os
import socket
import threading
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


@pytest.fixture(name="silent_port")
def _silent_port() -> Iterator[int]:
    """A port whose server accepts every connection and never sends a byte: a hung org, or
    a proxy that lets the connection through and nothing else."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(32)
    held: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not done.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        done.set()
        thread.join(5)
        for conn in held:
            conn.close()
        server.close()

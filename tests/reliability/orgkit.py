"""
Tools for end-to-end tests that run the real CLI against a sandbox org: a seeded template
org copied per test, the CLI in a subprocess (through `harness.py`), a tap on the sandbox's
request handler that fires an action at one chosen request, and snapshots of the org's
Lead output fields.

Shared by tests/reliability, tests/badinput and tests/secrets.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sfsync.sandbox.faults import FaultSpec, parse_faults
from sfsync.sandbox.protocol import Request, Response
from sfsync.sandbox.schema import LEAD
from sfsync.sandbox.server import RunningSandbox, start_sandbox

ROOT = Path(__file__).resolve().parents[2]
HARNESS = Path(__file__).with_name("harness.py")
SEED_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NOW_ARG = "2026-11-20T12:00:00"
# Retry backoff, lock waits and Bulk polls at 1/100 speed: policy unchanged, clock compressed.
TIME_SCALE = "0.01"
OUTPUT_FIELDS = tuple(f.name for f in LEAD.fields if f.name.startswith("SFS_"))
# Fields a sync must never change: assignment rules would re-own, reps own Status.
GUARDED_FIELDS = ("OwnerId", "Status")
KILLED = -signal.SIGKILL


def leads_from_env(default: int = 200) -> int:
    """The org size: RELIABILITY_LEADS, else *default* (CI size)."""
    text = os.environ.get("RELIABILITY_LEADS", "").strip()
    return int(text) if text else default


def seed_template(path: Path, *, leads: int, seed: int = 42) -> Path:
    """Seed an org directory (database and certificates) to copy per test."""
    from sfsync.sandbox.org import DB_FILE, SandboxOrg
    from sfsync.sandbox.seed import seed_org
    from sfsync.sandbox.tls import ensure_certificates

    path.mkdir(parents=True, exist_ok=True)
    ensure_certificates(path)
    org = SandboxOrg(path / DB_FILE)
    with org.lock:
        seed_org(org.conn, leads=leads, seed=seed, now=SEED_NOW)
        org.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    org.close()
    return path


def copy_org(template: Path, target: Path) -> Path:
    """A private copy of a template org directory (without its connection.env)."""
    shutil.copytree(template, target, ignore=shutil.ignore_patterns("connection.env*"))
    return target


# --- snapshots ---------------------------------------------------------------------------


Snapshot = dict[str, dict[str, Any]]


def lead_snapshot(sandbox: RunningSandbox, fields: Sequence[str] | None = None) -> Snapshot:
    """{Lead Id: {field: value}} for the output fields (and the guarded ones) of every Lead."""
    names = list(fields) if fields is not None else [*OUTPUT_FIELDS, *GUARDED_FIELDS]
    columns = ", ".join(f'"{n}"' for n in names)
    with sandbox.org.lock:
        rows = sandbox.org.conn.execute(
            f'SELECT Id, {columns} FROM "Lead" WHERE IsDeleted = 0 ORDER BY Id'
        ).fetchall()
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}


def snapshot_diff(actual: Snapshot, expected: Snapshot, *, limit: int = 5) -> list[str]:
    """Readable differences between two snapshots (empty when equal)."""
    problems = [f"missing lead {i}" for i in sorted(set(expected) - set(actual))]
    problems += [f"unexpected lead {i}" for i in sorted(set(actual) - set(expected))]
    for lead_id in sorted(set(actual) & set(expected)):
        for name, want in expected[lead_id].items():
            got = actual[lead_id].get(name)
            if got != want:
                problems.append(f"{lead_id}.{name}: {got!r} != expected {want!r}")
    if len(problems) > limit:
        problems = [*problems[:limit], f"... and {len(problems) - limit} more"]
    return problems


def changed_leads(before: Snapshot, after: Snapshot) -> list[str]:
    """Lead Ids whose output fields differ between two snapshots."""
    return sorted(
        lead_id
        for lead_id, values in after.items()
        if any(before.get(lead_id, {}).get(n) != values.get(n) for n in OUTPUT_FIELDS)
    )


# --- the CLI ------------------------------------------------------------------------------


@dataclass
class CliResult:
    """One CLI run: exit status, output, the --json report and the JSON log events."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict[str, Any] | None:
        """The `sync --json` summary printed on stdout, if any."""
        for line in reversed(self.stdout.splitlines()):
            if line.startswith("{"):
                data: dict[str, Any] = json.loads(line)
                return data
        return None

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every JSON log line on stderr."""
        out = []
        for line in self.stderr.splitlines():
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    continue
        return out

    def named(self, event: str) -> list[dict[str, Any]]:
        """The log events called *event*."""
        return [e for e in self.events if e.get("event") == event]

    def describe(self) -> str:
        """The run, for assertion messages."""
        return (
            f"$ sfsync {' '.join(self.argv)}\nexit {self.returncode}\n"
            f"--- stdout\n{self.stdout[-2000:]}\n--- stderr\n{self.stderr[-4000:]}"
        )


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The subprocess environment: this one without SFSYNC_*, plus *extra*."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("SFSYNC_")}
    env.update(extra or {})
    return env


class _Zygote:
    """One `harness.py --zygote` process for the session: forks a CLI process per run."""

    def __init__(self, time_scale: str) -> None:
        self._log = tempfile.NamedTemporaryFile(prefix="sfsync-zygote-", suffix=".log")  # noqa: SIM115 - lives as long as the zygote
        self.proc = subprocess.Popen(
            [sys.executable, str(HARNESS), "--zygote", "--time-scale", time_scale],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=cli_env(),
            cwd=ROOT,
        )
        self._buffer = b""
        self.lock = threading.Lock()
        atexit.register(self.close)

    def _answer(self, deadline: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise TimeoutError
            chunk = os.read(fd, 65536)
            if not chunk:
                self._log.seek(0)
                raise RuntimeError("the CLI zygote died:\n" + self._log.read().decode()[-3000:])
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def run(
        self,
        request: dict[str, Any],
        on_start: Callable[[int], None] | None,
        timeout: float,
    ) -> tuple[int, str]:
        assert self.proc.stdin is not None
        with self.lock:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
            deadline = time.monotonic() + timeout
            pid = int(self._answer(deadline)["pid"])
            if on_start is not None:
                on_start(pid)
            note = ""
            try:
                done = self._answer(deadline)
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
                done = self._answer(time.monotonic() + 30)
                note = f"\n[test] killed after {timeout}s timeout"
            return int(done["returncode"]), note

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()


_ZYGOTES: dict[str, _Zygote] = {}


def run_cli(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    kill_at: str | None = None,
    signal_at: str | None = None,
    on_start: Callable[[int], None] | None = None,
    time_scale: str = TIME_SCALE,
    timeout: float = 120,
    cwd: Path = ROOT,
    fresh_process: bool = False,
) -> CliResult:
    """
    Run `sfsync <argv>` in a CLI process of its own; *on_start* gets its pid.

    *env* is added to this process's environment (SFSYNC_* variables removed first). The
    process is forked from a zygote that imported sfsync once; *fresh_process* runs the
    installed `sfsync` console script instead (its exact start-up; no time scale, no kill
    point).
    """
    if not fresh_process:
        zygote = _ZYGOTES.get(time_scale)
        if zygote is None or zygote.proc.poll() is not None:
            zygote = _ZYGOTES[time_scale] = _Zygote(time_scale)
        with tempfile.TemporaryDirectory(prefix="sfsync-run-") as tmp:
            out_path, err_path = Path(tmp, "stdout"), Path(tmp, "stderr")
            request = {
                "argv": list(argv),
                "env": cli_env(env),
                "cwd": str(cwd),
                "stdout": str(out_path),
                "stderr": str(err_path),
                "kill_at": kill_at,
                "signal_at": signal_at,
            }
            code, note = zygote.run(request, on_start, timeout)
            out = out_path.read_text(encoding="utf-8", errors="replace")
            err = err_path.read_text(encoding="utf-8", errors="replace") + note
        return CliResult(list(argv), code, out, err)
    assert kill_at is None, "a kill point needs the harness"
    assert signal_at is None, "a signal point needs the harness"
    cmd = [str(Path(sys.executable).with_name("sfsync")), *argv]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(env),
        cwd=cwd,
    )
    if on_start is not None:
        on_start(proc.pid)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        err += f"\n[test] killed after {timeout}s timeout"
    return CliResult(list(argv), proc.returncode, out, err)


def sync_argv(sandbox: RunningSandbox, *extra: str) -> list[str]:
    """`sfsync --env-file <org> --log-format json sync --json --now <seed time> …`."""
    return [
        "--env-file",
        str(sandbox.env_file),
        "--log-format",
        "json",
        "sync",
        "--json",
        "--now",
        NOW_ARG,
        *extra,
    ]


# --- the tap ------------------------------------------------------------------------------


Matcher = Callable[[Request], bool]


@dataclass
class Tap:
    """
    Wraps a running sandbox's request handler. When the first request *matcher* accepts
    arrives, `before` runs (e.g. installs a fault) and the request is handled; then `after`
    runs (e.g. SIGKILLs the client), and with `lose_response` the client gets a connection
    reset instead of the answer the org already committed.
    """

    sandbox: RunningSandbox
    matcher: Matcher | None = None
    before: Callable[[], None] | None = None
    after: Callable[[], None] | None = None
    lose_response: bool = False
    observers: list[Callable[[Request, Response | None], None]] = field(default_factory=list)
    fired: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._original = self.sandbox.app.handle
        self.sandbox.app.handle = self._handle  # type: ignore[method-assign]

    def arm(
        self,
        matcher: Matcher,
        *,
        before: Callable[[], None] | None = None,
        after: Callable[[], None] | None = None,
        lose_response: bool = False,
    ) -> None:
        """Fire once, at the first request *matcher* accepts."""
        self.matcher, self.before, self.after = matcher, before, after
        self.lose_response = lose_response
        self.fired.clear()

    def disarm(self) -> None:
        """Stop firing (observers keep running)."""
        self.matcher = None

    def _handle(self, request: Request) -> Response | None:
        with self._lock:
            hit = self.matcher is not None and not self.fired.is_set() and self.matcher(request)
            if hit:
                self.fired.set()
        if hit and self.before is not None:
            self.before()
        response = self._original(request)
        for observe in self.observers:
            observe(request, response)
        if hit:
            if self.after is not None:
                self.after()
            if self.lose_response:
                return None
        return response


def install_faults(sandbox: RunningSandbox, spec: Mapping[str, Any] | None) -> None:
    """Replace the org's fault spec (None or {} clears every fault and its counters)."""
    sandbox.org.install_faults(parse_faults(dict(spec)) if spec else FaultSpec())


def killer(pid_box: dict[str, int], ready: threading.Event) -> Callable[[], None]:
    """An action that SIGKILLs the pid put in *pid_box* (waits until it is there)."""

    def kill() -> None:
        ready.wait(10)
        os.kill(pid_box["pid"], signal.SIGKILL)

    return kill


@contextmanager
def running_org(template: Path, target: Path) -> Iterator[RunningSandbox]:
    """A running sandbox on a private copy of *template*."""
    with start_sandbox(copy_org(template, target)) as sandbox:
        yield sandbox


def hold_write_lock(db_path: Path, seconds: float) -> Callable[[], None]:
    """An action that takes SQLite's write lock on *db_path* and releases it after *seconds*."""

    def hold() -> None:
        conn = sqlite3.connect(
            str(db_path), timeout=5, isolation_level=None, check_same_thread=False
        )
        conn.execute("BEGIN IMMEDIATE")

        def release() -> None:
            conn.execute("COMMIT")
            conn.close()

        timer = threading.Timer(seconds, release)
        timer.daemon = True
        timer.start()

    return hold


# --- request matchers ---------------------------------------------------------------------

_API = r"^/services/data/v\d+\.\d+"


def soql_read(object_name: str) -> Matcher:
    """The REST query (not the COUNT()) of *object_name*."""
    pattern = re.compile(_API + r"/query(All)?/?$")

    def match(request: Request) -> bool:
        if request.method != "GET" or not pattern.match(request.path):
            return False
        soql = request.param("q") or ""
        return f" FROM {object_name}" in soql and "COUNT()" not in soql

    return match


class BulkResults:
    """Matches the first results page of the Bulk query job reading *object_name*."""

    _create = re.compile(_API + r"/jobs/query/?$")
    _results = re.compile(_API + r"/jobs/query/(?P<id>[^/]+)/results/?$")

    def __init__(self, object_name: str) -> None:
        self.object_name = object_name
        self.job_ids: set[str] = set()

    def observe(self, request: Request, response: Response | None) -> None:
        """Remember the Ids of jobs that query the object."""
        if request.method != "POST" or not self._create.match(request.path) or response is None:
            return
        if response.status == 200:
            body = json.loads(response.body)
            if body.get("object") == self.object_name:
                self.job_ids.add(str(body["id"]))

    def __call__(self, request: Request) -> bool:
        match = self._results.match(request.path)
        return request.method == "GET" and match is not None and match["id"] in self.job_ids


def collections_patch(request: Request) -> bool:
    """An sObject Collections update."""
    return (
        request.method == "PATCH"
        and re.match(_API + r"/composite/sobjects/?$", request.path) is not None
    )


def ingest_close(request: Request) -> bool:
    """A Bulk ingest job's `UploadComplete` (the org processes the job then)."""
    return (
        request.method == "PATCH"
        and re.match(_API + r"/jobs/ingest/[^/]+/?$", request.path) is not None
        and b"UploadComplete" in request.body
    )

"""
Measuring a process from the outside: its exit code, wall time and peak RSS (`run_measured`,
through a tiny wrapper so the figure is its own), and the peak RSS of this process itself
(the harness, which hosts the sandbox org) between two marks.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ProcessStats:
    """What the harness saw of one subprocess."""

    exit_code: int
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float
    stdout: str
    stderr: str


# Runs the contestant and reports its own rusage. Linux seeds a child's ru_maxrss with the
# RSS of the process that exec'd it, so a contestant started straight from the harness (which
# hosts the sandbox and grows to hundreds of MB) would report at least the harness's size.
# This wrapper is a fresh, ~10 MB interpreter (`-S`, stdlib only) that forks and execs the
# contestant, so the figure is the contestant's own high-water mark.
_WRAPPER = """
import json, os, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(cmd[0], cmd)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
with open(out, "w") as fh:
    json.dump({"exit_code": os.waitstatus_to_exitcode(status), "seconds": seconds,
               "maxrss_kib": usage.ru_maxrss,
               "cpu_seconds": usage.ru_utime + usage.ru_stime}, fh)
"""


def run_measured(
    cmd: Sequence[str], *, env: dict[str, str], log_dir: Path, name: str, timeout: float
) -> ProcessStats:
    """
    Run *cmd* to completion through the wrapper above and return its exit code, wall time
    and peak RSS (`ru_maxrss`, KiB on Linux). On timeout the whole process group is killed.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / f"{name}.stdout", log_dir / f"{name}.stderr"
    stats_path = log_dir / f"{name}.rusage.json"
    stats_path.unlink(missing_ok=True)
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-S", "-c", _WRAPPER, str(stats_path), *cmd],
            stdout=out,
            stderr=err,
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.exists() else {}
    return ProcessStats(
        # No stats file: the wrapper was killed (timeout) before the contestant ended.
        exit_code=int(stats["exit_code"]) if "exit_code" in stats else -signal.SIGKILL,
        seconds=float(stats.get("seconds", timeout)),
        peak_rss_mb=int(stats.get("maxrss_kib", 0)) / 1024,
        cpu_seconds=float(stats.get("cpu_seconds", 0.0)),
        stdout=out_path.read_text(encoding="utf-8", errors="replace"),
        stderr=err_path.read_text(encoding="utf-8", errors="replace"),
    )


def reset_peak_rss() -> bool:
    """Restart this process's peak-RSS mark (Linux: clear_refs 5); False where unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    except OSError:
        return False
    return True


def peak_rss_mb() -> float | None:
    """This process's peak RSS since the last reset (VmHWM), in MB."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None

"""
Run the real `sfsync` CLI in a subprocess, with two test-only knobs the product has no
business offering:

- ``--time-scale F`` multiplies every `time.sleep` (retry backoff, row-lock waits, Bulk
  polls) by F, so a burst of 5xx answers costs milliseconds instead of seconds. The retry
  *policy* (which errors, how many attempts) is unchanged; only the clock is compressed.
- ``--kill-at module:Class.method`` sends SIGKILL to this very process the first time that
  method is entered: a crash at an exact point of the local bookkeeping, which a kill from
  outside could only hit by luck. ``--signal-at module:Class.method=SIGINT,SIGINT`` sends
  those signals instead (and prints ``harness: signalled at <time.time()>`` to stderr):
  an operator's Ctrl-C at that exact point.

Usage: ``python harness.py [--time-scale F] [--kill-at TARGET | --signal-at TARGET=SIG,...] --
<sfsync arguments>``.
Exit status: sfsync's own, or -9 when killed; 97 when the kill point was never reached.

``python harness.py --zygote [--time-scale F]`` imports sfsync once, then forks one child
per request read from stdin (a JSON line: argv, env, cwd, stdout/stderr file paths,
kill_at) and answers ``{"pid": …}`` when the child starts and ``{"pid": …, "returncode": …}``
when it ends. Each child is a fresh process running the CLI's `main` with its own
environment, working directory and standard streams: it can be SIGKILLed like any other,
and the ~0.5 s of imports are paid once per test session instead of once per run.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

NOT_REACHED = 97


def _scale_sleep(factor: float) -> None:
    # Must run before sfsync is imported: SalesforceClient binds `time.sleep` as a default.
    real_sleep = time.sleep

    def sleep(seconds: Any) -> None:
        real_sleep(max(0.0, float(seconds)) * factor)

    time.sleep = sleep
    # Every other wait in sfsync (retry backoff, Bulk polls, the daemon's interval) is a
    # stop request's wait: compress it the same way.
    from sfsync.stop import Stop

    real_wait = Stop.wait

    def wait(self: Stop, seconds: float) -> bool:
        return real_wait(self, max(0.0, float(seconds)) * factor)

    Stop.wait = wait  # type: ignore[method-assign]


def _resolve(target: str) -> tuple[Any, str, Any]:
    """`module:Class.method` -> (its owner, the attribute's name, the method)."""
    module_name, _, qualname = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    *path, attr = qualname.split(".")
    for name in path:
        owner = getattr(owner, name)
    return owner, attr, getattr(owner, attr)


def _install_kill(target: str) -> Callable[[], bool]:
    owner, attr, original = _resolve(target)
    reached = {"yes": False}

    @functools.wraps(original)
    def killer(*args: Any, **kwargs: Any) -> Any:
        reached["yes"] = True
        os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)  # pragma: no cover - never returns

    setattr(owner, attr, killer)
    return lambda: reached["yes"]


def _install_signals(spec: str) -> Callable[[], bool]:
    """`module:Class.method=SIGINT,SIGINT`: send those signals on first entering it."""
    target, _, names = spec.partition("=")
    signals = [signal.Signals[name.strip()] for name in (names or "SIGINT").split(",")]
    owner, attr, original = _resolve(target)
    reached = {"yes": False}

    @functools.wraps(original)
    def signaller(*args: Any, **kwargs: Any) -> Any:
        if not reached["yes"]:
            reached["yes"] = True
            print(f"harness: signalled at {time.time():.3f}", file=sys.stderr, flush=True)
            for signum in signals:
                os.kill(os.getpid(), signum)
        return original(*args, **kwargs)

    setattr(owner, attr, signaller)
    return lambda: reached["yes"]


def _run(argv: Sequence[str], kill_at: str | None, signal_at: str | None = None) -> int:
    reached: Callable[[], bool] = lambda: True  # noqa: E731 - a constant predicate
    if kill_at:
        reached = _install_kill(kill_at)
    if signal_at:
        reached = _install_signals(signal_at)
    from sfsync.cli import main as sfsync_main

    code = sfsync_main(list(argv))
    if not reached():
        print(f"harness: kill point {kill_at or signal_at} was never reached", file=sys.stderr)
        return NOT_REACHED
    return code


def _child(request: dict[str, Any]) -> None:
    """In the forked child: take over the request's environment and streams, run, exit."""
    code = 1
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        with open(os.devnull, "rb") as null:
            os.dup2(null.fileno(), 0)
        for fd, key in ((1, "stdout"), (2, "stderr")):
            target = os.open(request[key], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        code = _run(request["argv"], request.get("kill_at"), request.get("signal_at"))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)


def _zygote() -> int:
    # Everything a run imports, imported once before the first fork.
    import sfsync.cli
    import sfsync.commands
    import sfsync.salesforce.client
    import sfsync.state.store
    import sfsync.sync

    del sfsync
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(request)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"pid": pid, "returncode": os.waitstatus_to_exitcode(status)}), flush=True)
    return 0


def main(argv: Sequence[str]) -> int:
    """Parse the harness options, then run sfsync's `main` with the rest (or serve forks)."""
    parser = argparse.ArgumentParser(prog="harness")
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--kill-at", default=None)
    parser.add_argument("--signal-at", default=None)
    parser.add_argument("--zygote", action="store_true")
    parser.add_argument("sfsync_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    rest = list(args.sfsync_args)
    if rest and rest[0] == "--":
        rest = rest[1:]
    if args.time_scale != 1.0:
        _scale_sleep(args.time_scale)
    if args.zygote:
        return _zygote()
    return _run(rest, args.kill_at, args.signal_at)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

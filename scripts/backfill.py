#!/usr/bin/env python3
"""
Qualify every existing lead once: a dry run with an estimate first, then --apply.

    scripts/backfill.py --env-file .env                      # dry run: estimate, writes nothing
    scripts/backfill.py --env-file .env --report changes.csv # ... and every change as CSV
    scripts/backfill.py --env-file .env --apply              # write; rerun to resume

The same as `sfsync backfill` (all options pass through; see `sfsync backfill --help`);
all logic lives in sfsync.backfill.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from sfsync.cli import main as cli_main

# sfsync's global options, which go before the command name.
_GLOBAL_WITH_VALUE = ("--env-file", "--log-format")
_GLOBAL_FLAGS = ("-v", "--verbose")


def split_global_options(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split *argv* into sfsync's global options and the backfill command's own."""
    global_args: list[str] = []
    command_args: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg in _GLOBAL_FLAGS or arg.startswith(tuple(f"{o}=" for o in _GLOBAL_WITH_VALUE)):
            global_args.append(arg)
        elif arg in _GLOBAL_WITH_VALUE:
            global_args += [arg, next(args, "")]
        else:
            command_args.append(arg)
    return global_args, command_args


def main(argv: Sequence[str] | None = None) -> int:
    """Run `sfsync [global options] backfill [options]`; return its exit code."""
    global_args, command_args = split_global_options(sys.argv[1:] if argv is None else argv)
    return cli_main([*global_args, "backfill", *command_args])


if __name__ == "__main__":
    raise SystemExit(main())

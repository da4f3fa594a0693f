"""
The CLI's command modules. Each module owns one command or group; `cli.py` adds them.

Modules are imported here, lazily, so that heavy imports stay out of `sfsync --help`
for commands that don't need them (each module imports its own dependencies inside
the command functions).
"""

from __future__ import annotations

import importlib

import click

_MODULES = (
    "definition",  # sfsync definition lint|doc|diff
    "score",  # sfsync score (offline)
    "sandbox",  # sfsync sandbox serve|seed
    "org",  # sfsync check|sync|explain|daemon|demo
    "fields",  # sfsync fields (Salesforce DX metadata)
    "report",  # sfsync report (lead-quality report from the mirror)
    "backfill",  # sfsync backfill (dry run, --apply, resumable)
)


def COMMANDS() -> list[click.Command]:
    """Import every command module and return the commands they define."""
    commands: list[click.Command] = []
    for name in _MODULES:
        module = importlib.import_module(f"sfsync.commands.{name}")
        commands.extend(module.COMMANDS)
    return commands

"""
The CLI's commands, one module per command (or command group), named by its noun; each
module lists what it defines in its `COMMANDS`.

`cli.py` adds `COMMANDS` to the `sfsync` group. Command modules import only click and the
light modules they share at import time; each imports what its work needs inside the
command function, so `sfsync --help` stays fast. They never import `sfsync.cli`: what they
share with it (exit codes, `AppContext`) lives in `commands.app`.
"""

from __future__ import annotations

import click

from sfsync.commands import (
    backfill,
    check,
    daemon,
    definition,
    demo,
    explain,
    fields,
    init,
    report,
    sandbox,
    score,
    sync,
    tune,
)

COMMANDS: tuple[click.Command, ...] = tuple(
    command
    for module in (
        definition,  # sfsync definition lint|doc|diff|tune (tune.py plugs in there)
        score,  # sfsync score (offline)
        sandbox,  # sfsync sandbox serve|seed
        check,  # sfsync check
        sync,  # sfsync sync
        explain,  # sfsync explain
        daemon,  # sfsync daemon
        demo,  # sfsync demo
        fields,  # sfsync fields (Salesforce DX metadata)
        report,  # sfsync report (lead-quality report from the mirror)
        backfill,  # sfsync backfill (dry run, --apply, resumable)
        tune,  # sfsync definition tune: registers itself on the definition group (no COMMANDS)
        init,  # sfsync init (propose a definition for the org)
    )
    for command in module.COMMANDS
)
"""Every command of the `sfsync` group (click lists them alphabetically in --help)."""

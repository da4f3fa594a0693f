"""
`sfsync sync`: one pass against the org. Also what the demo shares with it: running a pass
with a command's collaborators, and showing its report.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sfsync.commands.app import EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL, AppContext, pass_app
from sfsync.commands.options import MOMENT, definition_option
from sfsync.commands.runtime import Runtime, open_runtime, progress_reporter, stdout_console

if TYPE_CHECKING:
    from sfsync.sync import Mode, PassReport


def exit_code_for(report: PassReport) -> int:
    """0 done, 3 partial (rejects or a budget/stop), 1 failed."""
    if report.outcome == "failed":
        return EXIT_FAILURE
    return EXIT_PARTIAL if report.partial else EXIT_OK


def print_report(report: PassReport, *, as_json: bool) -> None:
    """The pass summary: JSON on stdout for scripts, a small table for people."""
    if as_json:
        click.echo(json.dumps(report.as_dict(), sort_keys=True))
        return
    from rich.table import Table

    table = Table(title=f"sfsync {report.mode} pass" + (" (dry run)" if report.dry_run else ""))
    table.add_column("")
    table.add_column("", justify="right")
    table.add_row("outcome", report.outcome)
    table.add_row("read", ", ".join(f"{k} {v:,}" for k, v in report.read.items() if v) or "0")
    table.add_row("qualified", f"{report.qualified:,}")
    table.add_row("changed", f"{report.changed:,}")
    if report.held_back:
        table.add_row("held back (write policy)", f"{report.held_back:,}")
    table.add_row(
        "written", f"{report.written:,}" + (" (dry run: nothing written)" if report.dry_run else "")
    )
    table.add_row("rejected", f"{report.rejected:,}")
    if report.recovered:
        table.add_row("recorded from an interrupted run", f"{report.recovered:,}")
    table.add_row("converted (never written)", f"{report.skipped_converted:,}")
    table.add_row("API calls", f"{report.api_calls:,}")
    table.add_row("duration", f"{report.duration_seconds:.1f} s")
    if report.statuses:
        table.add_row("statuses", ", ".join(f"{k} {v:,}" for k, v in report.statuses.items()))
    if report.error:
        table.add_row("stopped by", report.error)
    stdout_console().print(table)


def run_sync(
    rt: Runtime,
    *,
    mode: Mode,
    dry_run: bool,
    now: datetime,
    progress: bool = True,
    keep_changes: bool = False,
) -> PassReport:
    """Run one pass with the runtime's collaborators (shared by sync and demo); the client's
    stop request is the pass's."""
    from sfsync.sync import PassContext, run_pass

    assert rt.client is not None
    with progress_reporter(progress) as on_progress:
        ctx = PassContext(
            now=now,
            mode=mode,
            dry_run=dry_run,
            overlap=timedelta(seconds=rt.settings.overlap_seconds),
            on_progress=on_progress,
            keep_changes=keep_changes,
            stop=rt.client.stop,
        )
        return run_pass(rt.client, rt.store, rt.definition, ctx)


@click.command()
@click.option("--full", is_flag=True, help="Read everything and rebuild the local mirror.")
@click.option("--rescore", is_flag=True, help="The nightly pass: re-qualify every lead (decay).")
@click.option(
    "--dry-run", is_flag=True, help="Read and qualify, show what would change, write nothing."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option(
    "--now",
    type=MOMENT,
    default=None,
    help="Qualify as of this time (UTC unless an offset is given); default: now.",
)
@definition_option
@pass_app
def sync(
    app: AppContext,
    full: bool,
    rescore: bool,
    dry_run: bool,
    as_json: bool,
    now: datetime | None,
    definition: Path | None,
) -> int:
    """
    Run one sync pass: read changes, qualify, write only what changed.

    \b
    What is written follows the definition's write policy (`write_policy:`): a lead whose
    score, fit or engagement moved less than `min_score_change` points (5), and nothing a
    person acts on changed, is held back; the mirror keeps the exact values (`sfsync
    explain` shows both).

    \b
    Incremental by default (what changed since the last pass, with an overlap window);
    --full reads everything; --rescore re-qualifies every lead from the local mirror so
    decay is applied. The first pass is always full.
    Exit codes: 0 done, 1 failure, 2 config error, 3 partial (rejected records are
    retried next pass; a budget stop resumes where it stopped).

    \b
    sfsync --env-file .env sync --dry-run    # what would be written, nothing is
    sfsync --env-file .env sync --json       # one pass, the summary as JSON
    sfsync --env-file .env sync --full       # re-read everything (rebuild the mirror)
    """
    if full and rescore:
        raise click.UsageError("--full and --rescore are alternatives; pick one")
    mode: Mode = "full" if full else "rescore" if rescore else "incremental"
    from sfsync.commands.signals import stop_on_signals
    from sfsync.stop import Stop

    when = now or datetime.now(UTC)  # MOMENT gives an aware UTC datetime
    # A writing pass takes the daemon's lock: two passes at once would both write.
    with (
        stop_on_signals(Stop(), command="sync") as stop,
        open_runtime(app, definition=definition, lock=not dry_run, stop=stop) as rt,
    ):
        report = run_sync(rt, mode=mode, dry_run=dry_run, now=when)
    print_report(report, as_json=as_json)
    return exit_code_for(report)


COMMANDS: list[click.Command] = [sync]

"""
`sfsync backfill`: qualify every existing lead once, dry run first (see sfsync.backfill).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click
import structlog

from sfsync.commands.app import EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL, AppContext, pass_app
from sfsync.commands.options import MOMENT, definition_option
from sfsync.commands.runtime import open_runtime, progress_reporter, stdout_console
from sfsync.errors import ConfigError

if TYPE_CHECKING:
    from sfsync.backfill import BackfillResult, Estimate

log = structlog.get_logger(__name__)

CSV_HEADER = ("lead_id", "field", "old", "new")


@contextmanager
def _report_writer(path: Path | None) -> Iterator[Any]:
    """A callback writing change lists to *path* as CSV (or None without a path)."""
    if path is None:
        yield None
        return
    from sfsync.backfill import iter_csv_rows
    from sfsync.state.files import open_private

    try:
        handle: IO[str] = open_private(path)  # lead Ids and values: owner-only, 0600
    except OSError as exc:
        raise ConfigError(f"--report {path}: cannot write: {exc.strerror}") from None
    with handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)

        def write(changes: list[dict[str, Any]]) -> None:
            writer.writerows(iter_csv_rows(changes))
            handle.flush()

        yield write


def print_estimate(estimate: Estimate, result: BackfillResult, settings: Any) -> None:
    """The estimate as a table on stdout, with how each number is computed."""
    from rich.table import Table

    title = "backfill estimate" + (" (remaining slices)" if result.resumed else "")
    table = Table(title=title)
    table.add_column("")
    table.add_column("", justify="right")
    table.add_column("how", overflow="fold")
    for what, number, how in estimate.describe(
        read_threshold=settings.bulk_read_threshold,
        write_threshold=settings.bulk_write_threshold,
    ):
        table.add_row(what, number, how)
    console = stdout_console()
    console.print(table)
    for note in result.notes:
        console.print(f"note: {note}")


def print_result(result: BackfillResult) -> None:
    """The summary for people."""
    console = stdout_console()
    done = f"{result.slices_done} of {result.slices_total} slice(s) done"
    if result.dry_run:
        console.print(
            f"Dry run {result.outcome}: nothing was written ({result.api_calls:,} API calls). "
            "Run again with --apply to write."
        )
    else:
        estimate = result.estimate
        spent = f"{result.api_calls:,} API calls"
        if estimate is not None and not (result.plan_reused or result.resumed):
            spent += f", {estimate.dry_run_calls:,} of them for the dry read"
        recovered = ""
        if result.recovered:
            recovered = f" (and {result.recovered:,} written by the interrupted run, recorded now)"
        console.print(
            f"Backfill {result.outcome}: {result.written:,} lead(s) written{recovered}, "
            f"{result.rejected:,} rejected, {done}, {spent}."
        )
    if result.error:
        console.print(f"stopped by: {result.error}")
    if result.outcome in ("partial", "interrupted") and not result.dry_run:
        console.print("Run the same command again to continue where it stopped.")
    elif result.rejected:
        console.print("Rejected leads are retried by the next `sfsync sync`.")


@click.command()
@click.option(
    "--apply", is_flag=True, help="Write the changes (default: dry run, nothing written)."
)
@click.option(
    "--where",
    default=None,
    metavar="SOQL",
    help="Limit the backfill to leads matching this SOQL condition, e.g. \"LeadSource = 'Web'\".",
)
@click.option(
    "--report",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write every change (lead Id, field, old, new) to this CSV file.",
)
@click.option(
    "--now",
    type=MOMENT,
    default=None,
    help="Qualify as of this time (UTC unless an offset is given); default: now.",
)
@click.option(
    "--slice-threshold",
    type=click.IntRange(min=1),
    default=50_000,
    show_default=True,
    help="Above this many leads in scope, work in calendar-month slices of CreatedDate.",
)
@click.option("--restart", is_flag=True, help="Discard an unfinished backfill and start over.")
@click.option("--json", "as_json", is_flag=True, help="Print the estimate and result as JSON.")
@definition_option
@pass_app
def backfill(
    app: AppContext,
    apply: bool,
    where: str | None,
    report: Path | None,
    now: datetime | None,
    slice_threshold: int,
    restart: bool,
    as_json: bool,
    definition: Path | None,
) -> int:
    """
    Qualify every existing lead once: a dry run by default, --apply to write.

    \b
    First prints an estimate from a real dry read (leads in scope, leads that would change,
    API calls, Bulk API jobs, megabytes to upload). Large orgs are worked in CreatedDate
    month slices with Bulk API 2.0. --apply keeps a checkpoint in the state store: after a
    crash, SIGTERM or a budget stop, run the same command again and it continues where it
    stopped (it never writes a lead twice).
    Exit codes: 0 done, 1 failure, 2 usage/config error (e.g. a bad --where), 3 partial
    (budget stop, interruption, or rejected records).
    """
    from sfsync.backfill import BackfillOptions, run_backfill, validate_where
    from sfsync.commands.signals import stop_on_signals
    from sfsync.stop import Stop

    scope = validate_where(where) if where is not None else None
    wall_clock = datetime.now(UTC)
    when = now or wall_clock  # MOMENT gives an aware UTC datetime
    settings = app.settings()

    def on_estimate(estimate: Estimate, result: BackfillResult) -> None:
        if not as_json:
            print_estimate(estimate, result, settings)

    with (
        stop_on_signals(Stop(), command="backfill") as stop,
        open_runtime(app, definition=definition, lock=apply, stop=stop) as rt,
        _report_writer(report) as on_changes,
        progress_reporter(not as_json) as on_progress,
    ):
        assert rt.client is not None
        if apply:  # refused before the estimate: the version must stand for this content
            from sfsync.sync.version_guard import check_version

            check_version(rt.store, rt.definition)
        options = BackfillOptions(
            now=when,
            wall_clock=wall_clock,
            apply=apply,
            where=scope,
            slice_threshold=slice_threshold,
            restart=restart,
            bulk_read_threshold=rt.settings.bulk_read_threshold,
            bulk_write_threshold=rt.settings.bulk_write_threshold,
        )
        result = run_backfill(
            rt.client,
            rt.store,
            rt.definition,
            options,
            stop=stop,
            on_progress=on_progress,
            on_estimate=on_estimate,
            on_changes=on_changes,
        )
    if as_json:
        click.echo(json.dumps(result.as_dict(), sort_keys=True))
    else:
        print_result(result)
    if result.outcome == "failed":
        return EXIT_FAILURE
    return EXIT_PARTIAL if result.partial else EXIT_OK


COMMANDS: list[click.Command] = [backfill]

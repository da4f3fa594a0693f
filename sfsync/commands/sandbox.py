"""`sfsync sandbox serve|seed`: the local Salesforce-compatible org (DESIGN §5)."""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import click

from sfsync.commands.options import MOMENT

# The sandbox's org profiles (sandbox/profiles/); listed here so --help stays fast.
PROFILE_NAMES = ("demo", "plain", "account-engagement", "marketo", "hubspot")

_DATA_DIR = click.option(
    "--data-dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory for the org's database, CA, certificate and connection.env (created).",
)


@click.group("sandbox")
def sandbox() -> None:
    """
    A local Salesforce-compatible org over HTTPS on loopback, backed by SQLite.

    \b
    sfsync sandbox seed  --data-dir var/sandbox --leads 2000
    sfsync sandbox serve --data-dir var/sandbox
    sfsync --env-file var/sandbox/connection.env check
    """


@sandbox.command("serve")
@_DATA_DIR
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Loopback address to listen on (127.0.0.1, ::1 or localhost only).",
)
@click.option(
    "--port",
    default=0,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port; 0 picks a free one (connection.env says which).",
)
@click.option(
    "--faults",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Fault spec (JSON or YAML): 5xx bursts, resets, session expiry, limits, row"
    " locks, validation rules. Change it while running: POST /__sandbox/faults.",
)
@click.option(
    "--daily-api-limit",
    type=click.IntRange(1),
    default=None,
    help="DailyApiRequests Max (default 100000).",
)
@click.option(
    "--api-latency",
    "--bulk-latency",
    "api_latency",
    type=click.Choice(["off", "realistic"]),
    default="off",
    show_default=True,
    help="'realistic': answer as slowly as a real org: every REST call a round trip plus"
    " time per record read or written, Bulk API jobs InProgress for a few seconds plus time"
    " per record (benchmarks/README.md cites the figures); 'off': at once. --bulk-latency is"
    " its old name. A fault spec's api_latency, rest_latency or bulk_latency overrides it.",
)
@click.option(
    "--no-output-fields",
    is_flag=True,
    help="Start a new org whose Lead lacks the sfsync output fields, as a real org does before"
    " `sfsync fields --deploy` (remembered in DATA_DIR).",
)
def serve(
    data_dir: Path,
    host: str,
    port: int,
    faults: Path | None,
    daily_api_limit: int | None,
    api_latency: str,
    no_output_fields: bool,
) -> int:
    """
    Serve the sandbox org until SIGTERM or Ctrl-C.

    Writes DATA_DIR/connection.env (mode 0600) with the SFSYNC_SF_* settings that reach it;
    the CA, certificate and database in DATA_DIR survive restarts.
    """
    from sfsync.errors import ConfigError
    from sfsync.sandbox.latency import BulkLatency, RestLatency
    from sfsync.sandbox.server import check_loopback, start_sandbox

    try:
        check_loopback(host)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--host") from None
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        running = start_sandbox(
            data_dir,
            host=host,
            port=port,
            faults=faults,
            daily_api_limit=daily_api_limit,
            output_fields=False if no_output_fields else None,
            bulk_latency=BulkLatency.realistic() if api_latency == "realistic" else None,
            rest_latency=RestLatency.realistic() if api_latency == "realistic" else None,
        )
        with running:
            click.echo(f"Sandbox org on {running.url} — settings in {running.env_file}", err=False)
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


@sandbox.command("seed")
@_DATA_DIR
@click.option("--leads", required=True, type=click.IntRange(0), help="How many leads to create.")
@click.option("--seed", "seed_value", default=42, show_default=True, help="Random seed.")
@click.option(
    "--now",
    type=MOMENT,
    default=None,
    help="The org's 'today' (UTC unless an offset is given); default: now."
    " Same seed + now = same data.",
)
@click.option("--activities-per-lead", default=6.0, show_default=True, type=click.FloatRange(0))
@click.option(
    "--profile",
    "profile_name",
    type=click.Choice(PROFILE_NAMES),
    default="demo",
    show_default=True,
    help="The org's setup: demo (the default definition's schema), plain (standard fields"
    " only), account-engagement, marketo or hubspot (a marketing automation package's fields"
    " and logged activity).",
)
def seed_command(
    data_dir: Path,
    leads: int,
    seed_value: int,
    now: datetime | None,
    activities_per_lead: float,
    profile_name: str,
) -> int:
    """
    Replace the org's data with LEADS leads and their activity, shaped like --profile.

    \b
    sfsync sandbox seed --data-dir var/plain --leads 5000 --profile plain
    sfsync sandbox seed --data-dir var/ae --leads 5000 --profile account-engagement

    Works while `sandbox serve` runs on the same directory (SQLite WAL); after changing a
    running org's profile, restart `sandbox serve` so it describes the new schema.
    """
    import sqlite3

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from sfsync.sandbox import schema
    from sfsync.sandbox.org import DB_FILE
    from sfsync.sandbox.profiles import stored_profile_name
    from sfsync.sandbox.seed import seed_org

    data_dir.mkdir(parents=True, exist_ok=True)
    moment = now or datetime.now(UTC)  # MOMENT gives an aware UTC datetime
    conn = sqlite3.connect(data_dir / DB_FILE, timeout=30)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        schema.create_tables(conn)
        before = stored_profile_name(conn)
        console = Console(stderr=True)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=not console.is_terminal,
        ) as progress:
            task = progress.add_task("Seeding leads", total=leads)
            report = seed_org(
                conn,
                leads=leads,
                seed=seed_value,
                now=moment,
                activities_per_lead=activities_per_lead,
                progress=lambda n: progress.update(task, completed=n),
                profile=profile_name,
            )
    finally:
        conn.close()
    click.echo(
        f"Seeded {report.leads} leads, {report.tasks} tasks, {report.events} events,"
        f" {report.campaign_members} campaign members, {report.web_activities} web visits,"
        f" {report.users} users, {report.campaigns} campaigns ({report.deleted} deleted rows)"
        f" in {report.seconds:.2f}s into {data_dir / DB_FILE} (profile {report.profile})"
    )
    if before is not None and before != report.profile:
        click.echo(
            f"The org's profile changed from {before} to {report.profile}: restart a running"
            " `sfsync sandbox serve` on this directory so it serves the new schema.",
            err=True,
        )
    return 0


COMMANDS: list[click.Command] = [sandbox]

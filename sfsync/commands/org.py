"""
The commands that talk to an org: check, sync, explain, daemon, and the demo.
"""

from __future__ import annotations

import json
import re
import signal
import threading
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
import structlog

from sfsync.cli import EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, AppContext, pass_app
from sfsync.commands.runtime import (
    MOMENT,
    Runtime,
    definition_option,
    open_runtime,
    progress_reporter,
    stderr_console,
    stdout_console,
)
from sfsync.errors import ConfigError, SfsyncError
from sfsync.logs import say

log = structlog.get_logger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def exit_code_for(report: Any) -> int:
    """0 done, 3 partial (rejects or a budget/stop), 1 failed."""
    if report.outcome == "failed":
        return EXIT_FAILURE
    return EXIT_PARTIAL if report.partial else EXIT_OK


def print_report(report: Any, *, as_json: bool) -> None:
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
    table.add_row(
        "written", f"{report.written:,}" + (" (dry run: nothing written)" if report.dry_run else "")
    )
    table.add_row("rejected", f"{report.rejected:,}")
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
    mode: str,
    dry_run: bool,
    now: datetime,
    progress: bool = True,
    keep_changes: bool = False,
    should_stop: Any = None,
) -> Any:
    """Run one pass with the runtime's collaborators (shared by sync, daemon and demo)."""
    from sfsync.sync import PassContext, run_pass

    assert rt.client is not None
    with progress_reporter(progress) as on_progress:
        ctx = PassContext(
            now=now,
            mode=mode,  # type: ignore[arg-type]
            dry_run=dry_run,
            overlap=timedelta(seconds=rt.settings.overlap_seconds),
            on_progress=on_progress,
            keep_changes=keep_changes,
            should_stop=should_stop or (lambda: False),
        )
        return run_pass(rt.client, rt.store, rt.definition, ctx)


# --- check ----------------------------------------------------------------------------


@click.command()
@definition_option
@pass_app
def check(app: AppContext, definition: Path | None) -> int:
    """
    Check settings, the definition and the org before the first sync.

    \b
    Loads the settings and the definition, connects, and compares every mapped input and
    output field with the org's describe (exists, compatible type, readable/updateable),
    then shows the API budget. Prints a ✓/✗ table with the fix for every ✗.
    Writes nothing. Exit 0 when all is ✓, 2 when anything needs fixing.
    """
    from rich.table import Table

    from sfsync.checks import CheckResult, budget_result, check_definition_against_org

    results: list[CheckResult] = []
    settings = app.settings()
    results.append(
        CheckResult("settings", "SFSYNC_* settings", ok=True, detail=f"auth {settings.sf_auth}")
    )
    try:
        with open_runtime(app, connect=True, definition=definition) as rt:
            results.append(
                CheckResult(
                    "definition",
                    str(definition or settings.definition),
                    ok=True,
                    detail=f"valid, version {rt.definition.version}",
                )
            )
            assert rt.client is not None
            limits = rt.client.limits()  # the first call: proves the session works
            results.append(
                CheckResult(
                    "connection",
                    settings.sf_instance_url or settings.sf_login_url,
                    ok=True,
                    detail=f"connected (API v{settings.sf_api_version})",
                )
            )
            objects = ["Lead", *rt.definition.activity_objects()]
            describes = {name: rt.client.describe_or_none(name) for name in objects}
            results += check_definition_against_org(rt.definition, describes)
            results.append(budget_result(limits, settings.api_budget_pct))
    except ConfigError as exc:
        results.append(
            CheckResult(
                "definition/settings",
                "",
                ok=False,
                detail=str(exc),
                fix="correct the file or setting the message names",
            )
        )
    except SfsyncError as exc:
        results.append(
            CheckResult(
                "connection",
                settings.sf_instance_url or settings.sf_login_url,
                ok=False,
                detail=str(exc),
                fix="check the SFSYNC_SF_* settings and the Connected App",
            )
        )

    table = Table(title="sfsync check")
    with_fix = any(r.fix for r in results)  # no empty column when there is nothing to fix
    for col in ("", "area", "item", "detail", *(("fix",) if with_fix else ())):
        table.add_column(col, overflow="fold")
    for r in results:
        mark = (
            "[green]✓[/]" if r.ok and not r.warning else ("[yellow]![/]" if r.ok else "[red]✗[/]")
        )
        table.add_row(mark, r.area, r.item, r.detail, *((r.fix,) if with_fix else ()))
    stdout_console().print(table)
    failed = [r for r in results if not r.ok]
    if failed:
        # The table folds long cells at 80 columns; repeat each problem on its own lines.
        click.echo("\nTo fix:")
        for r in failed:
            click.echo(f"  ✗ {r.item or r.area}: {r.detail}")
            if r.fix:
                click.echo(f"    fix: {r.fix}")
        click.echo(f"{len(failed)} problem(s) to fix before syncing.", err=True)
        return EXIT_USAGE
    click.echo("All checks passed.", err=True)
    return EXIT_OK


# --- sync -----------------------------------------------------------------------------


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
    mode = "full" if full else "rescore" if rescore else "incremental"
    when = now or _now()  # MOMENT gives an aware UTC datetime
    # A writing pass takes the daemon's lock: two passes at once would both write.
    lock = None if dry_run else _state_lock(app)
    with lock or nullcontext(), open_runtime(app, definition=definition) as rt:
        report = run_sync(rt, mode=mode, dry_run=dry_run, now=when)
    print_report(report, as_json=as_json)
    return exit_code_for(report)


def _state_lock(app: AppContext) -> Any:
    """The one-writer-per-org lock beside the state store (the daemon holds it too)."""
    from sfsync.daemon import InstanceLock

    return InstanceLock.beside(app.settings().state_path)


# --- explain --------------------------------------------------------------------------


@click.command()
@click.argument("lead_id")
@click.option("--live", is_flag=True, help="Re-read this lead and its activity from the org first.")
@click.option(
    "--now",
    type=MOMENT,
    default=None,
    help="Explain as of this time; default: now.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@definition_option
@pass_app
def explain(
    app: AppContext,
    lead_id: str,
    live: bool,
    now: datetime | None,
    as_json: bool,
    definition: Path | None,
) -> int:
    """
    Explain one lead: every criterion and signal with its points, the status decision,
    the touch counters and recent history.

    Works offline from the local mirror (run `sfsync sync` first); --live refreshes the
    lead from the org. LEAD_ID is the 18- or 15-character Id (as in the lead's URL).

    \b
    sfsync --env-file .env explain 00Q5g00000AbCdEEAV
    sfsync --env-file .env explain 00Q5g00000AbCdE --live --json
    """
    from sfsync.explain import explain_lead, render_explanation

    if not re.fullmatch(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?", lead_id):
        shown = lead_id if len(lead_id) <= 40 else lead_id[:40] + "…"
        msg = f"LEAD_ID: expected a 15- or 18-character Salesforce Id, got {shown!r}"
        raise ConfigError(msg)
    from sfsync.salesforce.records import case_safe_id

    lead_id = case_safe_id(lead_id)  # the mirror is keyed by the API's 18-character Ids
    when = now or _now()  # MOMENT gives an aware UTC datetime
    with open_runtime(app, connect=live, definition=definition) as rt:
        if live:
            from sfsync.sync import refresh_lead

            assert rt.client is not None
            refresh_lead(rt.client, rt.store, rt.definition, lead_id)
        result = explain_lead(rt.store, rt.definition, lead_id, now=when)
    if result is None:
        where = (
            "was not found in the org"
            if live
            else "is not in the local mirror; run `sfsync sync` or use --live"
        )
        say(f"lead {lead_id} {where}")
        return EXIT_USAGE
    if as_json:
        click.echo(json.dumps(result, sort_keys=True, default=str))
    else:
        render_explanation(result, stdout_console())
    return EXIT_OK


# --- daemon ---------------------------------------------------------------------------


@click.command()
@click.option("--once", is_flag=True, help="Run a single tick and exit (for cron and timers).")
@definition_option
@pass_app
def daemon(app: AppContext, once: bool, definition: Path | None) -> int:
    """
    Keep every lead current: an incremental pass every SFSYNC_INTERVAL_MINUTES and a full
    rescore nightly at SFSYNC_NIGHTLY_AT in SFSYNC_TIMEZONE.

    \b
    One daemon per org (a lock beside the state store). SIGTERM/SIGINT finish the current
    batch, record the pass as interrupted (resumable) and exit 0. With
    SFSYNC_HEALTH_PORT set, serves /healthz (503 when the last successful pass is older
    than three intervals) and Prometheus /metrics on loopback.
    """
    from sfsync.daemon import (
        Health,
        InstanceLock,
        parse_local_time,
        plan_tick,
        run_forever,
        serve_health,
    )

    settings = app.settings()
    try:
        tz = ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"SFSYNC_TIMEZONE={settings.timezone}: unknown time zone (e.g. Europe/Berlin)"
        ) from None
    at = parse_local_time(settings.nightly_at)
    interval = settings.interval_minutes * 60.0
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        log.info("sfsync.daemon.stop_requested", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    health = Health(interval_seconds=interval, started_at=_now())
    lock = InstanceLock.beside(settings.state_path)
    with lock, open_runtime(app, definition=definition) as rt:
        server = None
        if settings.health_port:
            server = serve_health(
                health, host=settings.health_host, port=settings.health_port, clock=_now
            )
            log.info("sfsync.daemon.health_serving", port=server.server_address[1])
        stored = rt.store.get_meta("last_nightly")
        last_nightly = [datetime.fromisoformat(stored) if stored else None]

        # --once: the exit code of its single pass (0, 3 partial, 1 failed).
        once_code = [EXIT_FAILURE]

        def tick() -> None:
            now = _now()
            kind = plan_tick(now=now, last_nightly=last_nightly[0], at=at, tz=tz)
            try:
                report = run_sync(
                    rt, mode=kind, dry_run=False, now=now, progress=False, should_stop=stop.is_set
                )
            except SfsyncError:
                health.record(now=_now(), outcome="failed", written=0, rejected=0, api_calls=0)
                if once:
                    # run_forever waits out an outage for the next tick; --once has none.
                    stop.set()
                raise
            once_code[0] = exit_code_for(report)
            health.record(
                now=_now(),
                outcome=report.outcome,
                written=report.written,
                rejected=report.rejected,
                api_calls=report.api_calls,
            )
            if kind == "rescore" and report.outcome == "success":
                last_nightly[0] = now
                rt.store.set_meta("last_nightly", now.isoformat())
            if once:
                stop.set()

        log.info(
            "sfsync.daemon.started",
            interval_minutes=settings.interval_minutes,
            nightly_at=settings.nightly_at,
            timezone=settings.timezone,
        )
        try:
            run_forever(tick, interval=0 if once else interval, stop=stop)
        finally:
            if server is not None:
                server.shutdown()
                server.server_close()
    log.info("sfsync.daemon.stopped")
    return once_code[0] if once else EXIT_OK


# --- demo -----------------------------------------------------------------------------


@click.command()
@click.option("--leads", default=2000, show_default=True, help="How many demo leads to seed.")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo-org"),
    show_default=True,
    help="Where the sandbox org and the local state live.",
)
@click.option("--seed", default=42, show_default=True, help="Random seed for the demo data.")
@click.option("--top", default=10, show_default=True, help="How many Sales Ready leads to show.")
@pass_app
def demo(app: AppContext, leads: int, data_dir: Path, seed: int, top: int) -> int:
    """
    Try sfsync without a Salesforce org: start the sandbox org, seed demo leads, sync,
    and show the result.

    \b
    Afterwards:
      sfsync sandbox serve --data-dir demo-org            # keep the org running
      # in another terminal (connection.env also names the demo's sync state):
      sfsync --env-file demo-org/connection.env sync
      sfsync --env-file demo-org/connection.env explain <LEAD_ID>
      sfsync --env-file demo-org/connection.env report --out report.html
    """
    from sfsync.demo import run_demo

    return run_demo(
        app,
        leads=leads,
        data_dir=data_dir,
        seed=seed,
        top=top,
        now=_now(),
        console=stdout_console(),
        err_console=stderr_console(),
    )


COMMANDS: list[click.Command] = [check, sync, explain, daemon, demo]

"""`sfsync daemon`: build the daemon from the settings, serve its health, and run it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import structlog

from sfsync.commands.app import EXIT_FAILURE, EXIT_OK, AppContext, pass_app
from sfsync.commands.options import definition_option
from sfsync.commands.runtime import check_connection_settings, open_runtime
from sfsync.commands.sync import exit_code_for

log = structlog.get_logger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


@click.command()
@click.option("--once", is_flag=True, help="Run a single tick and exit (for cron and timers).")
@definition_option
@pass_app
def daemon(app: AppContext, once: bool, definition: Path | None) -> int:
    """
    Keep every lead current: an incremental pass every SFSYNC_INTERVAL_MINUTES and a full
    rescore nightly at SFSYNC_NIGHTLY_AT in SFSYNC_TIMEZONE.

    \b
    One daemon per org (a lock beside the state store). An outage, or an org down at
    start, waits for the next tick; refused credentials, a missing permission or field, or
    bad settings end it with exit 2 (a restart cannot fix those). SIGTERM/SIGINT finish
    what is in flight (a Bulk job the org is applying is recorded first), record the pass
    as interrupted (resumable) and exit 0; a second signal exits at once. With
    SFSYNC_HEALTH_PORT set, serves /healthz (liveness: the loop runs), /readyz (readiness:
    a pass succeeded within three intervals, or the first pass is within
    SFSYNC_FIRST_PASS_GRACE_MINUTES) and Prometheus /metrics on loopback.
    """
    from sfsync.commands.signals import stop_on_signals
    from sfsync.daemon import Daemon, Health, Schedule, parse_local_time, serve_health
    from sfsync.salesforce.client import SalesforceClient, connect
    from sfsync.stop import Stop

    settings = app.settings()
    schedule = Schedule(
        interval_seconds=settings.interval_minutes * 60.0,
        nightly_at=parse_local_time(settings.nightly_at),
        tz=ZoneInfo(settings.timezone),  # the settings checked the name
    )
    check_connection_settings(app, settings)  # before any file: a typo is not an outage
    health = Health(
        interval_seconds=schedule.interval_seconds,
        started_at=_now(),
        first_pass_grace_seconds=settings.first_pass_grace_minutes * 60.0,
    )
    clients: list[SalesforceClient] = []

    def login() -> SalesforceClient:
        clients.append(connect(settings, stop=stop))
        return clients[-1]

    with (
        stop_on_signals(Stop(), command="daemon") as stop,
        open_runtime(app, connect=False, definition=definition, lock=True, stop=stop) as rt,
    ):
        from sfsync.sync.version_guard import check_version

        check_version(rt.store, rt.definition)  # exit 2 at once, not a failed pass per tick
        server = None
        if settings.health_port:
            server = serve_health(
                health, host=settings.health_host, port=settings.health_port, clock=_now
            )
            log.info("sfsync.daemon.health_serving", port=server.server_address[1])
        service = Daemon(
            None,
            rt.store,
            rt.definition,
            schedule=schedule,
            overlap=timedelta(seconds=settings.overlap_seconds),
            clock=_now,
            health=health,
            stop=stop,
            once=once,
            connect=login,
        )
        log.info(
            "sfsync.daemon.started",
            interval_minutes=settings.interval_minutes,
            nightly_at=settings.nightly_at,
            timezone=settings.timezone,
        )
        try:
            service.run()
        finally:
            health.stopping = True
            if server is not None:
                server.shutdown()
                server.server_close()
            for client in clients:
                client.close()
    log.info("sfsync.daemon.stopped")
    if not once:
        return EXIT_OK
    # --once: the exit code of its single pass (0, 3 partial, 1 failed or no pass).
    return exit_code_for(service.last_report) if service.last_report else EXIT_FAILURE


COMMANDS: list[click.Command] = [daemon]

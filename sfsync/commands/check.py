"""`sfsync check`: settings, the definition and the org, before the first sync."""

from __future__ import annotations

from pathlib import Path

import click

from sfsync.commands.app import (
    EXIT_OK,
    EXIT_USAGE,
    AppContext,
    exit_code_for_error,
    pass_app,
)
from sfsync.commands.options import definition_option
from sfsync.commands.runtime import connect_client, load_definition_for, stdout_console
from sfsync.errors import (
    AccessDeniedError,
    AuthenticationError,
    ConfigError,
    RetriableSalesforceError,
    SfsyncError,
)


def _connection_fix(exc: SfsyncError) -> str:
    """What to do about a failed connection, by what failed."""
    if isinstance(exc, AuthenticationError):
        return (
            "the org refused the credentials: check SFSYNC_SF_AUTH and its settings (client "
            "id, secret or key file, username, token) and the Connected App"
        )
    if isinstance(exc, AccessDeniedError):
        return "grant the integration user the SFSync_Integration permission set"
    if isinstance(exc, RetriableSalesforceError):
        return (
            "the org did not answer in time or could not be reached: check "
            "SFSYNC_SF_INSTANCE_URL / SFSYNC_SF_LOGIN_URL, proxies and firewalls, and "
            "https://status.salesforce.com; then run check again"
        )
    return "check the SFSYNC_SF_* settings and the Connected App"


@click.command()
@definition_option
@pass_app
def check(app: AppContext, definition: Path | None) -> int:
    """
    Check settings, the definition and the org before the first sync.

    \b
    Loads the settings and the definition, connects, and compares every mapped input and
    output field with the org's describe (exists, compatible type, readable/updateable),
    then shows the API budget. Prints a ✓/✗ table with the fix for every ✗. Requests use
    short deadlines (connect 5 s, answer 10 s, 2 attempts), so a hung or unreachable org
    gets a verdict within about 30 s.
    Writes nothing. Exit 0 when all is ✓, 2 when something needs fixing, 1 when the org
    could not be reached (an outage: run it again).
    """
    from rich.table import Table

    from sfsync.checks import CheckResult, budget_result, check_definition_against_org
    from sfsync.salesforce.retry import Deadlines

    results: list[CheckResult] = []
    settings = app.settings()
    results.append(
        CheckResult("settings", "SFSYNC_* settings", ok=True, detail=f"auth {settings.sf_auth}")
    )
    code = EXIT_OK
    short = Deadlines.from_settings(settings).for_check()
    try:
        compiled = load_definition_for(settings, definition)
        results.append(
            CheckResult(
                "definition",
                str(definition or settings.definition),
                ok=True,
                detail=f"valid, version {compiled.version}",
            )
        )
        # No state store: check writes nothing, not even an empty state file.
        with connect_client(app, settings, deadlines=short) as client:
            limits = client.limits()  # the first call: proves the session works
            results.append(
                CheckResult(
                    "connection",
                    settings.sf_instance_url or settings.sf_login_url,
                    ok=True,
                    detail=f"connected (API v{settings.sf_api_version})",
                )
            )
            objects = ["Lead", *compiled.activity_objects()]
            describes = {name: client.describe_or_none(name) for name in objects}
            results += check_definition_against_org(compiled, describes)
            results.append(budget_result(limits, settings.api_budget_pct))
    except ConfigError as exc:
        code = EXIT_USAGE
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
        code = exit_code_for_error(exc)
        results.append(
            CheckResult(
                "connection",
                settings.sf_instance_url or settings.sf_login_url,
                ok=False,
                detail=str(exc),
                fix=_connection_fix(exc),
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
        return code if code != EXIT_OK else EXIT_USAGE
    click.echo("All checks passed.", err=True)
    return EXIT_OK


COMMANDS: list[click.Command] = [check]

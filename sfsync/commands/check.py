"""`sfsync check`: settings, the definition and the org, before the first sync."""

from __future__ import annotations

from pathlib import Path

import click

from sfsync.commands.app import EXIT_OK, EXIT_USAGE, AppContext, pass_app
from sfsync.commands.options import definition_option
from sfsync.commands.runtime import open_runtime, stdout_console
from sfsync.errors import ConfigError, SfsyncError


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


COMMANDS: list[click.Command] = [check]

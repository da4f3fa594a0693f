"""`sfsync explain`: why one lead has the status and score it has."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from sfsync.commands.app import EXIT_OK, EXIT_USAGE, AppContext, pass_app
from sfsync.commands.options import MOMENT, definition_option
from sfsync.commands.runtime import open_runtime, stdout_console
from sfsync.errors import ConfigError
from sfsync.logs import say
from sfsync.values.ids import case_safe_id, looks_like_id


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

    if not looks_like_id(lead_id):
        shown = lead_id if len(lead_id) <= 40 else lead_id[:40] + "…"
        msg = f"LEAD_ID: expected a 15- or 18-character Salesforce Id, got {shown!r}"
        raise ConfigError(msg)
    lead_id = case_safe_id(lead_id)  # the mirror is keyed by the API's 18-character Ids
    when = now or datetime.now(UTC)  # MOMENT gives an aware UTC datetime
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


COMMANDS: list[click.Command] = [explain]

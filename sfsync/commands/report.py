"""`sfsync report`: the lead-quality report from the local mirror (no API call)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import click

from sfsync.commands.app import EXIT_OK, AppContext, pass_app
from sfsync.commands.options import MOMENT, definition_option


@click.command()
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Only leads created on or after this date (YYYY-MM-DD). Default: all leads.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("report.html"),
    show_default=True,
    help="Where to write the HTML page.",
)
@click.option(
    "--now",
    type=MOMENT,
    default=None,
    help="Report as of this time (UTC); default: now.",
)
@definition_option
@pass_app
def report(
    app: AppContext,
    since: datetime | None,
    out: Path,
    now: datetime | None,
    definition: Path | None,
) -> int:
    """
    Write the lead-quality report: does the definition predict buying, and do reps follow up?

    \b
    Reads the local mirror the last `sfsync sync` filled (no API call) and writes one
    self-contained HTML page (charts inline, no scripts, nothing fetched when opened):
    leads by status and grade; conversion by score band and grade with the lift of the
    top band over the bottom; Nurture/Disqualified leads that later converted; Sales Ready
    aging, time to first touch and touches vs target; the signals that preceded conversion.
    Prints a short summary. Exit 2 when the mirror holds no leads.
    """
    from sfsync.commands.runtime import open_runtime, stdout_console
    from sfsync.errors import ConfigError
    from sfsync.report import load_report
    from sfsync.report.page import render_page
    from sfsync.report.summary import print_summary
    from sfsync.state.files import open_private

    when = now or datetime.now(UTC)  # MOMENT gives an aware UTC datetime
    with open_runtime(app, connect=False, definition=definition) as rt:
        result = load_report(
            rt.store, rt.definition, now=when, since=since.date() if since else None
        )
        state_path = rt.settings.state_path
    if result.leads == 0:
        fix = (
            "pick an earlier --since, or run `sfsync sync`" if since else "run `sfsync sync` first"
        )
        scope = f" created since {since.date().isoformat()}" if since else ""
        msg = f"no leads{scope} in the local mirror {state_path}: {fix}"
        raise ConfigError(msg)
    from sfsync.fields import FOLLOW_UP_LISTS

    page = render_page(result, full_lists=FOLLOW_UP_LISTS)
    tmp = out.with_name(out.name + ".tmp")
    with open_private(tmp) as handle:  # lead names and emails: owner-only, 0600
        handle.write(page)
    os.replace(tmp, out)
    click.echo(f"Wrote {out} ({len(page.encode()) // 1024:,} KiB)", err=True)
    print_summary(result, stdout_console())
    return EXIT_OK


COMMANDS: list[click.Command] = [report]

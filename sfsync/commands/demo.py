"""
`sfsync demo`: start the sandbox org, seed it, run a real sync against it over HTTPS, and
show what a rep would see. Nothing here is special-cased for the demo: it is the same
client, store and pass that run against a real org.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sfsync.commands.app import AppContext, pass_app
from sfsync.commands.runtime import Runtime, open_runtime, stderr_console, stdout_console
from sfsync.commands.sync import exit_code_for, print_report, run_sync

if TYPE_CHECKING:
    from rich.console import Console


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
    return run_demo(
        app,
        leads=leads,
        data_dir=data_dir,
        seed=seed,
        top=top,
        now=datetime.now(UTC),
        console=stdout_console(),
        err_console=stderr_console(),
    )


def _lead_count(db: Path) -> int:
    if not db.exists():
        return 0
    with closing(sqlite3.connect(db)) as conn:
        try:
            return int(conn.execute('SELECT COUNT(*) FROM "Lead"').fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def run_demo(
    app: AppContext,
    *,
    leads: int,
    data_dir: Path,
    seed: int,
    top: int,
    now: datetime,
    console: Console,
    err_console: Console,
) -> int:
    """Run the demo end to end and return the exit code of its sync pass."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from sfsync.commands.signals import stop_on_signals
    from sfsync.sandbox.seed import seed_org
    from sfsync.sandbox.server import start_sandbox
    from sfsync.stop import Stop

    data_dir.mkdir(parents=True, exist_ok=True)
    with start_sandbox(data_dir) as sandbox:
        existing = _lead_count(sandbox.db_path)
        if existing == 0:
            err_console.print(f"Seeding the sandbox org with {leads:,} demo leads …")
            with Progress(
                TextColumn("seed"),
                BarColumn(),
                MofNCompleteColumn(),
                console=err_console,
                transient=True,
                disable=not err_console.is_terminal,
            ) as progress:
                task = progress.add_task("seed", total=leads)
                with closing(sqlite3.connect(sandbox.db_path)) as conn:
                    seeded = seed_org(
                        conn,
                        leads=leads,
                        seed=seed,
                        now=now,
                        progress=lambda n: progress.update(task, completed=n),
                    )
            activity = (
                seeded.tasks + seeded.events + seeded.campaign_members + seeded.web_activities
            )
            err_console.print(
                f"Seeded {seeded.leads:,} leads, "
                f"{activity:,} "
                f"activity records in {seeded.seconds:.1f} s."
            )
        else:
            err_console.print(f"Using the existing sandbox org in {data_dir} ({existing:,} leads).")
        app.env_file = sandbox.env_file
        with (
            stop_on_signals(Stop(), command="demo") as stop,
            open_runtime(app, state_path=data_dir / "sfsync.sqlite3", lock=True, stop=stop) as rt,
        ):
            first = rt.store.last_run(outcome="success") is None
            report = run_sync(rt, mode="full" if first else "incremental", dry_run=False, now=now)
            print_report(report, as_json=False)
            example = _show_results(rt, console, top=top)
    console.print(
        f"\nThe org and its state are in {data_dir}/. Next:\n"
        f"  sfsync sandbox serve --data-dir {data_dir}    # keep the org running\n"
        f"  # in another terminal (connection.env also names the demo's sync state):\n"
        f"  sfsync --env-file {data_dir}/connection.env sync\n"
        f"  sfsync --env-file {data_dir}/connection.env explain {example or '<LEAD_ID>'}\n"
        f"  sfsync --env-file {data_dir}/connection.env report --out report.html",
        markup=False,
        soft_wrap=True,  # commands stay whole for copy and paste, whatever the width
    )
    return exit_code_for(report)


def _show_results(rt: Runtime, console: Console, *, top: int) -> str | None:
    """
    Print the status distribution and the top Sales Ready leads, read from the mirror;
    return the best lead's Id (an example for `explain`), if any.
    """
    from rich.table import Table

    outputs = rt.definition.definition.outputs
    statuses: Counter[str] = Counter()
    ready: list[dict[str, Any]] = []
    for batch in rt.store.iter_leads_with_activities(batch_size=2000):
        for lead, _ in batch:
            if lead.get("IsConverted"):
                statuses["(converted)"] += 1
                continue
            status = lead.get(outputs.status) or "(not scored)"
            statuses[status] += 1
            if status == "Sales Ready":
                ready.append(lead)
    total = sum(statuses.values()) or 1
    dist = Table(title="Lead status distribution")
    dist.add_column("status")
    dist.add_column("leads", justify="right")
    dist.add_column("share", justify="right")
    order = ["Sales Ready", "Nurture", "Recycled", "Disqualified", "Insufficient Data"]
    for status in order + sorted(set(statuses) - set(order)):
        if statuses.get(status):
            dist.add_row(status, f"{statuses[status]:,}", f"{100 * statuses[status] / total:.1f}%")
    console.print(dist)

    ready.sort(key=lambda lead: (-(lead.get(outputs.score) or 0), lead["Id"]))
    table = Table(
        title=f"Top {min(top, len(ready))} Sales Ready leads", show_lines=True, show_edge=False
    )
    table.add_column("Lead", max_width=22, overflow="ellipsis", no_wrap=True)
    table.add_column("Score", no_wrap=True)
    table.add_column("Top reasons", overflow="fold")
    for lead in ready[:top]:
        person = [lead.get("Name"), lead.get("Title"), lead.get("Company"), lead["Id"]]
        table.add_row(
            "\n".join(str(p) for p in person if p),
            f"{int(lead.get(outputs.score) or 0)} {lead.get(outputs.grade) or ''}".strip(),
            "\n".join(top_reasons(lead.get(outputs.reasons) or "")),
        )
    console.print(table)
    return str(ready[0]["Id"]) if ready else None


def top_reasons(reasons: str, count: int = 3) -> list[str]:
    """
    The *count* highest-scoring reason lines, without their decay details
    (`+29 Content form fill 2x, latest 2026-11-29 (60 pts, decayed)` loses the part in
    brackets), so a table row stays short at 80 columns. `explain` shows everything.
    """
    picked = []
    for line in reasons.splitlines():
        text = line.strip()
        if not text or text[0] not in "+-\u2212" or text[1:2] == "0":
            continue
        if text.endswith(")") and " pts" in text[text.rfind(" (") :]:
            text = text[: text.rindex(" (")]
        picked.append(text)
        if len(picked) == count:
            break
    return picked


COMMANDS: list[click.Command] = [demo]

"""
`sfsync demo`: start the sandbox org, seed it, run a real sync against it over HTTPS, and
show what a rep would see. Nothing here is special-cased for the demo: it is the same
client, store and pass that run against a real org.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

if TYPE_CHECKING:
    from rich.console import Console

    from sfsync.cli import AppContext

log = structlog.get_logger(__name__)


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

    from sfsync.commands.org import exit_code_for, print_report, run_sync
    from sfsync.commands.runtime import open_runtime
    from sfsync.sandbox.seed import seed_org
    from sfsync.sandbox.server import start_sandbox

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
                    report = seed_org(
                        conn,
                        leads=leads,
                        seed=seed,
                        now=now,
                        progress=lambda n: progress.update(task, completed=n),
                    )
            activity = (
                report.tasks + report.events + report.campaign_members + report.web_activities
            )
            err_console.print(
                f"Seeded {report.leads:,} leads, "
                f"{activity:,} "
                f"activity records in {report.seconds:.1f} s."
            )
        else:
            err_console.print(f"Using the existing sandbox org in {data_dir} ({existing:,} leads).")
        app.env_file = sandbox.env_file
        with open_runtime(app, state_path=data_dir / "sfsync.sqlite3") as rt:
            first = rt.store.last_run(outcome="success") is None
            report = run_sync(rt, mode="full" if first else "incremental", dry_run=False, now=now)
            print_report(report, as_json=False)
            _show_results(rt, console, top=top)
    console.print(
        f"\nThe org and its state are in {data_dir}/. Next:\n"
        f"  sfsync sandbox serve --data-dir {data_dir}          # keep the org running\n"
        f"  sfsync --env-file {data_dir}/connection.env sync   # (in another terminal)\n"
        f"  sfsync --env-file {data_dir}/connection.env explain <LEAD_ID>"
    )
    return exit_code_for(report)


def _show_results(rt: Any, console: Console, *, top: int) -> None:
    """The status distribution and the top Sales Ready leads, read from the mirror."""
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
    table = Table(title=f"Top {min(top, len(ready))} Sales Ready leads", show_lines=True)
    for col in ("Id", "Name / Company", "Title", "Score", "Grade", "Why"):
        table.add_column(col, overflow="fold")
    for lead in ready[:top]:
        reasons = (lead.get(outputs.reasons) or "").splitlines()
        table.add_row(
            lead["Id"],
            f"{lead.get('Name') or ''}\n{lead.get('Company') or ''}",
            lead.get("Title") or "",
            str(int(lead.get(outputs.score) or 0)),
            str(lead.get(outputs.grade) or ""),
            "\n".join(reasons[:5]),
        )
    console.print(table)

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


def _show_results(rt: Any, console: Console, *, top: int) -> str | None:
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

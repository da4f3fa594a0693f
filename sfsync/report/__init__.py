"""
The lead-quality report: does the agreed definition work, and do sales follow up?

    report = build_report(leads, definition, now=now)   # analysis: the numbers
    html = render_page(report)                          # page: one self-contained HTML file
    print_summary(report, console)                      # summary: a few lines for a terminal

`load_report` reads the leads and history from the state store (the local mirror), so the
report needs no API call.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sfsync.definition import CompiledDefinition
from sfsync.report.analysis import (
    Band,
    LeadWithActivities,
    Lift,
    Report,
    SignalShare,
    build_report,
)
from sfsync.state import StateStore

__all__ = ["Band", "Lift", "Report", "SignalShare", "build_report", "load_report"]


def _leads(store: StateStore) -> Iterator[LeadWithActivities]:
    for batch in store.iter_leads_with_activities():
        yield from batch


def load_report(
    store: StateStore, definition: CompiledDefinition, *, now: datetime, since: date | None = None
) -> Report:
    """
    Build the report from the state store's mirror and history.

    Raises:
        StateStoreError: SQLite failed.
    """
    who = store.user_context()
    return build_report(
        _leads(store),
        definition,
        now=now,
        since=since,
        history=store.iter_history(),
        users=who.users,
        integration_user_id=who.integration_user_id,
    )

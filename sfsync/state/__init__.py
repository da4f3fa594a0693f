"""
sfsync's local state: the SQLite store and the value objects it takes and returns.
"""

from __future__ import annotations

from sfsync.state.meta import UserContext
from sfsync.state.mirror import ACTIVITY_OBJECTS, LeadWithActivities
from sfsync.state.models import OUTCOMES, HistoryEntry, Outcome, Reject, RunRecord
from sfsync.state.schema import SCHEMA_VERSION
from sfsync.state.store import StateStore

__all__ = [
    "ACTIVITY_OBJECTS",
    "OUTCOMES",
    "SCHEMA_VERSION",
    "HistoryEntry",
    "LeadWithActivities",
    "Outcome",
    "Reject",
    "RunRecord",
    "StateStore",
    "UserContext",
]

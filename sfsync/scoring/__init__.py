"""
The pure qualification engine: `qualify(lead, activities, definition, now=...)`.

No clock, no I/O, no logging: time comes in as `now`, and the caller logs the reasons.
"""

from __future__ import annotations

from sfsync.scoring.engine import (
    DISQUALIFIED,
    INSUFFICIENT_DATA,
    NURTURE,
    RECYCLED,
    SALES_READY,
    qualify,
)
from sfsync.scoring.result import (
    BantItem,
    Explanation,
    FitItem,
    Qualification,
    SignalItem,
    SignalTotal,
    TouchItem,
    round_half_up,
)

__all__ = [
    "DISQUALIFIED",
    "INSUFFICIENT_DATA",
    "NURTURE",
    "RECYCLED",
    "SALES_READY",
    "BantItem",
    "Explanation",
    "FitItem",
    "Qualification",
    "SignalItem",
    "SignalTotal",
    "TouchItem",
    "qualify",
    "round_half_up",
]

"""
The write policy: when sfsync writes a lead back to the org (a quiet org).

Every write bumps the Lead's LastModifiedDate and SystemModstamp and queues it for every
other integration that syncs Leads (marketing automation, the warehouse, outreach tools).
Decay moves scores a point or two a night; rewriting every lead for that is noise nobody
acts on. The policy writes a lead when something a person acts on changes, or when a score
moved far enough to matter. The engine's values stay exact (the local mirror re-computes
them at any moment; `explain` and `report` show them next to what the org holds).
"""

from __future__ import annotations

from pydantic import Field

from sfsync.definition.condition_model import Model


class WritePolicySpec(Model):
    """When a lead is written back to the org."""

    min_score_change: int = Field(default=5, ge=0, le=100)
    """Score, fit and engagement alone rewrite a lead only when one of them moved by at least
    this many points from the value the org holds (0: every change is written). Status,
    grade, BANT, the follow-up flag, the touch counters and dates, the ranked reasons and the
    version are written whenever they change; so is everything on a lead that is written."""

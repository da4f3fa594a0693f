"""
Org profiles for the sandbox: `sfsync sandbox seed --profile NAME` builds an org whose
schema and data look like an org with that setup.

- ``demo``: the demo org of DESIGN §5 (the default definition reads exactly this);
- ``plain``: standard fields only, no custom activity object; activity only in Tasks, Events
  and campaigns;
- ``account-engagement``: Salesforce's Account Engagement (Pardot) connector: ``pi__`` fields
  on Lead, form and form-handler responses as campaign members, its integration user;
- ``marketo``: Marketo Engage's sync and Marketo Sales Insight: ``mkto71_``/``mkto_si__``
  fields, "Filled Out Form: ..."-style Tasks, program campaigns;
- ``hubspot``: HubSpot's Salesforce integration: HubSpot fields and form/email activity
  synced as Tasks.

The profile an org was seeded with is kept in its database (`_sandbox_meta`), so a restarted
org serves the same schema.
"""

from __future__ import annotations

import sqlite3

from sfsync.errors import ConfigError
from sfsync.sandbox.profiles import account_engagement, demo, hubspot, marketo, plain
from sfsync.sandbox.profiles.base import OrgProfile

PROFILES: dict[str, OrgProfile] = {
    p.name: p
    for p in (
        demo.PROFILE,
        plain.PROFILE,
        account_engagement.PROFILE,
        marketo.PROFILE,
        hubspot.PROFILE,
    )
}
DEFAULT_PROFILE = "demo"
_META_DDL = "CREATE TABLE IF NOT EXISTS _sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
_KEY = "profile"

__all__ = [
    "DEFAULT_PROFILE",
    "PROFILES",
    "OrgProfile",
    "profile_named",
    "stored_profile",
    "stored_profile_name",
]


def profile_named(name: str) -> OrgProfile:
    """
    The profile called *name*.

    Raises:
        ConfigError: no such profile (the message lists the profiles).
    """
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ConfigError(f"no org profile {name!r}: pick one of {known}") from None


def stored_profile_name(conn: sqlite3.Connection) -> str | None:
    """The name of the profile the org in *conn* was seeded with, None when never seeded."""
    conn.execute(_META_DDL)
    row = conn.execute("SELECT value FROM _sandbox_meta WHERE key = ?", (_KEY,)).fetchone()
    return str(row[0]) if row else None


def stored_profile(conn: sqlite3.Connection) -> OrgProfile:
    """The profile the org in *conn* was seeded with (the demo org when never seeded)."""
    name = stored_profile_name(conn) or DEFAULT_PROFILE
    return PROFILES.get(name, PROFILES[DEFAULT_PROFILE])


def store_profile(conn: sqlite3.Connection, profile: OrgProfile) -> None:
    """Remember that the org in *conn* now has *profile*'s schema and data."""
    conn.execute(_META_DDL)
    conn.execute(
        "INSERT INTO _sandbox_meta (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (_KEY, profile.name),
    )

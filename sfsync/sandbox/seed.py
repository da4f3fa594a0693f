"""
Seeding the sandbox org (DESIGN §5): users, campaigns, leads and their activity, in the
shape of one org profile (`sandbox/profiles/`: the demo org by default).

The data follows a hidden intent model (`profiles/intent.py`) so that a good lead
definition has something to find; each profile records the same behaviour the way an org
with its setup does (`profiles/rows.py` and the profile modules). Generation is
deterministic for a given seed, profile and ``now``, streams in chunks inside one
transaction, and draws from precomputed tables so that 100,000 leads seed in well under a
minute.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import structlog

from sfsync.sandbox import schema
from sfsync.sandbox.ids import make_id
from sfsync.sandbox.profiles import (
    DEFAULT_PROFILE,
    PROFILES,
    OrgProfile,
    profile_named,
    store_profile,
    stored_profile,
)
from sfsync.sandbox.profiles.intent import Planner, calibrate
from sfsync.sandbox.profiles.timeline import CAMPAIGN_COLUMNS, DAY, Row, campaign_rows, epoch
from sfsync.sandbox.profiles.users import (
    INTEGRATION_USER_ID,
    MARKETING_USER_ID,
    REP_IDS,
    USER_COLUMNS,
    user_rows,
)
from sfsync.sandbox.schema import ObjectDef

__all__ = [
    "INTEGRATION_USER_ID",
    "MARKETING_USER_ID",
    "REP_IDS",
    "SeedReport",
    "make_id",
    "seed_org",
    "seed_users",
]

log = structlog.get_logger(__name__)

_CHUNK_LEADS = 2_000


@dataclass(frozen=True)
class SeedReport:
    """What `seed_org` wrote: row counts per object (deleted rows included) and the time taken."""

    leads: int
    tasks: int
    events: int
    campaign_members: int
    web_activities: int
    users: int
    campaigns: int
    deleted: int
    seconds: float
    profile: str = DEFAULT_PROFILE


def _insert(
    conn: sqlite3.Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Row],
    *,
    verb: str = "INSERT",
) -> None:
    if not rows:
        return
    cols = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" * len(columns))
    conn.executemany(f'{verb} INTO "{table}" ({cols}) VALUES ({marks})', rows)


def ensure_tables(conn: sqlite3.Connection, objects: Mapping[str, ObjectDef]) -> None:
    """
    Create the demo tables and *objects*' tables, and add the columns a profile's fields
    need to tables that lack them (idempotent).
    """
    schema.create_tables(conn)
    schema.create_tables(conn, objects)


def _activity_tables(conn: sqlite3.Connection) -> list[str]:
    """Every table any profile writes leads' activity to that exists in *conn*."""
    names = {"Lead"}
    for profile in PROFILES.values():
        names.update(profile.writer.activity_columns)
    existing = {
        str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    return sorted(names & existing)


def seed_org(
    conn: sqlite3.Connection,
    *,
    leads: int,
    seed: int = 42,
    now: datetime,
    activities_per_lead: float = 6.0,
    progress: Callable[[int], None] | None = None,
    profile: str = DEFAULT_PROFILE,
) -> SeedReport:
    """
    Replace the org's data with *leads* leads and their activity, as of *now*, in the shape
    of org profile *profile*.

    Users and campaigns are (re)written with their fixed Ids; every Lead and activity row is
    deleted first. Everything happens in one transaction (committed at the end unless the
    caller already had one open). The same *seed*, *profile* and *now* give byte-identical
    tables. *progress* is called with the number of leads written after every chunk of a
    few thousand leads. A running `SandboxOrg` on the same database must reload its
    objects afterwards (`SandboxOrg.reload_objects`) when the profile changed.

    Raises:
        ConfigError: no such profile.
        ValueError: *leads* is negative.
    """
    if leads < 0:
        raise ValueError("leads must be >= 0")
    org_profile = profile_named(profile)
    started = time.perf_counter()
    now_s = epoch(now)
    rng = random.Random(seed)
    org_campaigns = org_profile.org_campaigns(now_s)
    planner = Planner(rng, leads=leads, now_s=now_s, org_campaigns=org_campaigns)
    if leads:
        planner.keep, planner.scale = calibrate(planner, seed, activities_per_lead)
    writer = org_profile.writer(planner)
    columns = writer.columns()
    began = not conn.in_transaction
    if began:
        conn.execute("BEGIN")
    try:
        ensure_tables(conn, org_profile.schema())
        store_profile(conn, org_profile)
        for table in _activity_tables(conn):
            conn.execute(f'DELETE FROM "{table}"')  # noqa: S608 - our own table names
        conn.execute('DELETE FROM "Campaign"')
        users = user_rows(now_s, org_profile.automation_user)
        _insert(conn, "User", USER_COLUMNS, users, verb="INSERT OR REPLACE")
        campaigns = campaign_rows(org_campaigns, now_s, MARKETING_USER_ID)
        _insert(conn, "Campaign", CAMPAIGN_COLUMNS, campaigns, verb="INSERT OR REPLACE")
        for number in range(1, leads + 1):
            writer.lead(number)
            if number % _CHUNK_LEADS == 0 or number == leads:
                for table, rows in writer.out.items():
                    _insert(conn, table, columns[table], rows)
                    rows.clear()
                if progress is not None:
                    progress(number)
        if began:
            conn.commit()
    except BaseException:
        if began:
            conn.rollback()
        raise
    c = writer.counters
    report = SeedReport(
        leads=leads,
        tasks=c.get("Task", 0),
        events=c.get("Event", 0),
        campaign_members=c.get("CampaignMember", 0),
        web_activities=c.get("Web_Activity__c", 0),
        users=len(users),
        campaigns=len(campaigns),
        deleted=writer.deleted,
        seconds=round(time.perf_counter() - started, 3),
        profile=org_profile.name,
    )
    log.info("sfsync.sandbox.org_seeded", **asdict(report))
    return report


def seed_users(conn: sqlite3.Connection, *, now: datetime | None = None) -> None:
    """
    Create the users and campaigns if they are missing (idempotent), so an empty org has them.

    *now* dates the campaigns and audit fields; it defaults to today's midnight UTC. Existing
    rows are kept as they are. The org's profile (the demo org when never seeded) names the
    automation user and picks the campaigns.
    """
    now_s = epoch(now) if now is not None else epoch(datetime.now(UTC)) // DAY * DAY
    with conn:
        org_profile: OrgProfile = stored_profile(conn)
        ensure_tables(conn, org_profile.schema())
        rows = user_rows(now_s, org_profile.automation_user)
        _insert(conn, "User", USER_COLUMNS, rows, verb="INSERT OR IGNORE")
        rows = campaign_rows(org_profile.org_campaigns(now_s), now_s, MARKETING_USER_ID)
        _insert(conn, "Campaign", CAMPAIGN_COLUMNS, rows, verb="INSERT OR IGNORE")

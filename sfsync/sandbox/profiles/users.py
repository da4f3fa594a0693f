"""
The people in a sandbox org: the integration user sfsync runs as, the user a marketing
automation package (or, in an org without one, a marketing manager) creates its records as,
and the sales reps (one of them has left and still owns leads nobody reassigned).

The Ids are fixed, so tests and profiles can name them; the automation user's name is the
profile's (`Marketing Automation` in the demo org, `B2BMA Integration` with Account
Engagement, ...).
"""

from __future__ import annotations

from sfsync.sandbox.ids import make_id
from sfsync.sandbox.profiles.timeline import DAY, Row, fmt

INTEGRATION_USER_ID = make_id("005", 1)
MARKETING_USER_ID = make_id("005", 2)

REPS = (
    ("Sarah", "Chen", True),
    ("Marcus", "Johnson", True),
    ("Priya", "Patel", True),
    ("David", "Kim", True),
    ("Emily", "Rodriguez", True),
    ("James", "O'Brien", True),
    ("Olivia", "Schmidt", True),
    ("Tom", "Becker", False),  # left the company; still owns leads nobody reassigned
)
REP_IDS = tuple(make_id("005", 3 + i) for i in range(len(REPS)))
ACTIVE_REP_IDS = tuple(i for i, r in zip(REP_IDS, REPS, strict=True) if r[2])
INACTIVE_REP_ID = REP_IDS[-1]
INACTIVE_SINCE_DAYS = 120

USER_COLUMNS = ("Id", "Name", "FirstName", "LastName", "Username", "Email", "IsActive",
                "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate",
                "LastModifiedById", "SystemModstamp")  # fmt: skip


def user_rows(now_s: int, automation_user: tuple[str, str]) -> list[Row]:
    """Every user row; *automation_user* is the (first, last) name of MARKETING_USER_ID."""
    created = fmt(now_s - 700 * DAY)
    people: list[tuple[str, str, str, bool]] = [
        (INTEGRATION_USER_ID, "sfsync", "Integration", True),
        (MARKETING_USER_ID, *automation_user, True),
    ]
    people += [(uid, f, la, a) for uid, (f, la, a) in zip(REP_IDS, REPS, strict=True)]
    rows: list[Row] = []
    for uid, first, last, active in people:
        slug = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
        modified = created if active else fmt(now_s - INACTIVE_SINCE_DAYS * DAY)
        name = f"{first} {last}".strip()
        rows.append((uid, name, first or None, last, f"{slug}@demo-org.example",
                     f"{slug}@demo-org.example", int(active), 0, created, INTEGRATION_USER_ID,
                     modified, INTEGRATION_USER_ID, modified))  # fmt: skip
    return rows

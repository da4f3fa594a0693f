from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sfsync.sandbox import schema, seed

NOW = datetime(2025, 11, 20, 12, 0, tzinfo=UTC)
NOW_TEXT = "2025-11-20T12:00:00.000+0000"
LEADS = 2_000
ACTIVITY_TABLES = ("Task", "Event", "CampaignMember", "Web_Activity__c")
TARGET = ("Software", "Technology", "Financial Services", "Healthcare", "Manufacturing")
FREE_MAIL = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com")
STUDENT_TITLES = ("Student", "Intern", "Marketing Intern", "Retired", "Graduate Student",
                  "PhD Student")  # fmt: skip
DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000$")
# A completed call/email or a meeting logged by a rep: a human sales touch (DESIGN §5).
REP_TOUCHES = f"""
    SELECT WhoId AS lead, CreatedDate AS at FROM Task
    WHERE IsDeleted = 0 AND Status = 'Completed' AND Type IN ('Call', 'Email')
      AND CreatedById IN ({",".join(f"'{i}'" for i in seed.REP_IDS)})
    UNION ALL
    SELECT WhoId, StartDateTime FROM Event WHERE IsDeleted = 0 AND StartDateTime <= '{NOW_TEXT}'
"""


def _seeded(
    path: Path,
    *,
    leads: int,
    seed_: int = 42,
    activities_per_lead: float = 6.0,
    progress: Callable[[int], None] | None = None,
) -> seed.SeedReport:
    conn = sqlite3.connect(path)
    try:
        return seed.seed_org(
            conn,
            leads=leads,
            seed=seed_,
            now=NOW,
            activities_per_lead=activities_per_lead,
            progress=progress,
        )
    finally:
        conn.close()


def _dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture(name="org", scope="module")
def _org(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[sqlite3.Connection, seed.SeedReport]]:
    path = tmp_path_factory.mktemp("seed") / "org.sqlite3"
    report = _seeded(path, leads=LEADS, seed_=7)
    conn = sqlite3.connect(path)
    yield conn, report
    conn.close()


@pytest.fixture(name="db")
def _db(org: tuple[sqlite3.Connection, seed.SeedReport]) -> sqlite3.Connection:
    return org[0]


def _one(db: sqlite3.Connection, sql: str) -> float:
    value = db.execute(sql).fetchone()[0]
    assert value is not None
    return float(value)


def _share(db: sqlite3.Connection, table: str, condition: str) -> float:
    return _one(db, f'SELECT AVG(CASE WHEN {condition} THEN 1.0 ELSE 0.0 END) FROM "{table}"')


# --- ids and users ---------------------------------------------------------------------------


def _checksum(body: str) -> str:
    """Salesforce's documented 15-to-18 suffix, written independently of the module."""
    out = ""
    for chunk in (body[0:5], body[5:10], body[10:15]):
        bits = "".join("1" if c.isupper() else "0" for c in reversed(chunk))
        out += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[int(bits, 2)]
    return out


@pytest.mark.parametrize("n", [0, 1, 61, 62, 10_000, 62**5 + 7, 62**9 - 1])
def test_make_id_is_a_valid_18_character_id(n: int) -> None:
    """make_id returns 18 alphanumerics: the prefix, a 12-character body and a valid checksum."""
    value = seed.make_id("00Q", n)

    assert len(value) == 18
    assert value.isalnum()
    assert value.startswith("00Q")
    assert _checksum(value[:15]) == value[15:]


def test_make_id_is_deterministic_and_distinct() -> None:
    """The same number gives the same Id; different numbers give different Ids."""
    ids = [seed.make_id("00T", n) for n in range(5_000)]

    assert seed.make_id("00T", 42) == ids[42]
    assert len(ids) == len(set(ids))
    assert len({i.lower() for i in ids}) == len(ids)  # unique even case-insensitively


@pytest.mark.parametrize(("prefix", "n"), [("00", 1), ("0000", 1), ("00Q", -1), ("00Q", 62**9)])
def test_make_id_rejects_bad_input(prefix: str, n: int) -> None:
    """A prefix that is not 3 characters, or a number outside the 9-digit base-62 range, fails."""
    with pytest.raises(ValueError, match="cannot make an Id"):
        seed.make_id(prefix, n)


def test_users_are_reps_marketing_and_integration(db: sqlite3.Connection) -> None:
    """The org has 8 reps (one inactive), Marketing Automation and the sfsync integration user."""
    users = {row[0]: row[1:] for row in db.execute("SELECT Id, Name, IsActive FROM User")}

    assert users[seed.INTEGRATION_USER_ID] == ("sfsync Integration", 1)
    assert users[seed.MARKETING_USER_ID] == ("Marketing Automation", 1)
    assert len(seed.REP_IDS) == 8
    assert {uid for uid in users if uid not in seed.REP_IDS} == {
        seed.INTEGRATION_USER_ID,
        seed.MARKETING_USER_ID,
    }
    assert sum(1 for uid in seed.REP_IDS if users[uid][1] == 0) == 1
    assert all(uid.startswith("005") and len(uid) == 18 for uid in users)


def test_campaigns_cover_every_type(db: sqlite3.Connection) -> None:
    """Every schema campaign type has several campaigns, with unique names."""
    counts = dict(db.execute("SELECT Type, COUNT(*) FROM Campaign GROUP BY Type").fetchall())
    names = [r[0] for r in db.execute("SELECT Name FROM Campaign")]

    assert set(schema.CAMPAIGN_TYPES) == set(counts)
    assert all(n >= 3 for n in counts.values())
    assert len(names) == len(set(names))


def test_seed_users_is_idempotent_and_leaves_an_empty_org(tmp_path: Path) -> None:
    """seed_users alone creates users and campaigns once, and no leads, however often it runs."""
    conn = sqlite3.connect(tmp_path / "empty.sqlite3")
    try:
        seed.seed_users(conn, now=NOW)
        first = list(conn.iterdump())
        seed.seed_users(conn, now=NOW)
        seed.seed_users(conn)

        assert first == list(conn.iterdump())
        assert _one(conn, "SELECT COUNT(*) FROM User") == 10
        assert _one(conn, "SELECT COUNT(*) FROM Campaign") >= 6 * 3
        assert _one(conn, "SELECT COUNT(*) FROM Lead") == 0
    finally:
        conn.close()


# --- determinism, counts, integrity ----------------------------------------------------------


def test_same_seed_gives_identical_databases(tmp_path: Path) -> None:
    """The same seed and now give byte-identical dumps; another seed gives different data."""
    _seeded(tmp_path / "a.sqlite3", leads=300, seed_=3)
    _seeded(tmp_path / "b.sqlite3", leads=300, seed_=3)
    _seeded(tmp_path / "c.sqlite3", leads=300, seed_=4)

    a = _dump(tmp_path / "a.sqlite3")
    assert a == _dump(tmp_path / "b.sqlite3")
    assert a != _dump(tmp_path / "c.sqlite3")


def test_counts_match_the_report(org: tuple[sqlite3.Connection, seed.SeedReport]) -> None:
    """The report counts every row written, deleted rows included."""
    db, report = org
    deleted = sum(_one(db, f'SELECT SUM(IsDeleted) FROM "{t}"') for t in ACTIVITY_TABLES)

    assert report.leads == _one(db, "SELECT COUNT(*) FROM Lead") == LEADS
    assert report.tasks == _one(db, "SELECT COUNT(*) FROM Task")
    assert report.events == _one(db, "SELECT COUNT(*) FROM Event")
    assert report.campaign_members == _one(db, "SELECT COUNT(*) FROM CampaignMember")
    assert report.web_activities == _one(db, "SELECT COUNT(*) FROM Web_Activity__c")
    assert report.users == _one(db, "SELECT COUNT(*) FROM User")
    assert report.campaigns == _one(db, "SELECT COUNT(*) FROM Campaign")
    assert report.deleted == deleted
    assert report.seconds > 0


@pytest.mark.parametrize("obj", schema.DEMO_OBJECTS, ids=lambda o: o.name)
def test_every_reference_points_at_an_existing_row(
    db: sqlite3.Connection, obj: schema.ObjectDef
) -> None:
    """Every lookup among the demo data (owners, audit users, WhoId, LeadId...) resolves."""
    seeded = {o.name for o in schema.DEMO_OBJECTS}
    for f in obj.fields:
        targets = [t for t in f.reference_to if t in seeded]
        if f.type != schema.REFERENCE or not targets:
            continue
        ids = " UNION ".join(f'SELECT Id FROM "{t}"' for t in targets)
        dangling = _one(
            db,
            f'SELECT COUNT(*) FROM "{obj.name}" WHERE "{f.name}" IS NOT NULL '
            f'AND "{f.name}" NOT IN ({ids})',
        )
        assert dangling == 0, f"{obj.name}.{f.name}"


def test_ids_have_their_object_key_prefix(db: sqlite3.Connection) -> None:
    """Every row's Id is 18 characters and starts with its object's key prefix."""
    for obj in schema.OBJECTS.values():
        bad = _one(
            db,
            f'SELECT COUNT(*) FROM "{obj.name}" '
            f"WHERE LENGTH(Id) != 18 OR SUBSTR(Id, 1, 3) != '{obj.key_prefix}'",
        )
        assert bad == 0, obj.name


def test_audit_fields_are_consistent(db: sqlite3.Connection) -> None:
    """Audit fields are set, well-formed, ordered and not after now; SystemModstamp = modified."""
    for obj in schema.DEMO_OBJECTS:
        rows = db.execute(
            f"SELECT CreatedDate, CreatedById, LastModifiedDate, LastModifiedById, SystemModstamp, "
            f'IsDeleted FROM "{obj.name}"'
        ).fetchall()
        assert rows, obj.name
        for created, creator, modified, modifier, modstamp, deleted in rows:
            assert DATETIME.match(created), obj.name
            assert DATETIME.match(modstamp), obj.name
            assert creator
            assert modifier
            assert created <= modified == modstamp <= NOW_TEXT, obj.name
            assert deleted in (0, 1)


def test_about_one_percent_of_activity_is_deleted(db: sqlite3.Connection) -> None:
    """Roughly 1% of activity rows sit in the recycle bin; no lead, user or campaign is deleted."""
    total = sum(_one(db, f'SELECT COUNT(*) FROM "{t}"') for t in ACTIVITY_TABLES)
    deleted = sum(_one(db, f'SELECT SUM(IsDeleted) FROM "{t}"') for t in ACTIVITY_TABLES)

    assert 0.005 < deleted / total < 0.02
    for table in ("Lead", "User", "Campaign"):
        assert _one(db, f'SELECT SUM(IsDeleted) FROM "{table}"') == 0


def test_seeding_again_replaces_the_demo_data(tmp_path: Path) -> None:
    """A second seed_org on the same database replaces leads and activity instead of adding."""
    path = tmp_path / "org.sqlite3"
    _seeded(path, leads=200)
    report = _seeded(path, leads=50)

    conn = sqlite3.connect(path)
    try:
        assert _one(conn, "SELECT COUNT(*) FROM Lead") == 50
        assert report.tasks == _one(conn, "SELECT COUNT(*) FROM Task")
        assert _one(conn, "SELECT COUNT(*) FROM User") == 10
    finally:
        conn.close()


def test_progress_is_reported_in_chunks(tmp_path: Path) -> None:
    """progress is called with a growing number of leads done, ending at the total."""
    seen: list[int] = []
    _seeded(tmp_path / "org.sqlite3", leads=4_500, activities_per_lead=1.0, progress=seen.append)

    assert seen == sorted(seen)
    assert seen[-1] == 4_500
    assert len(seen) >= 3


def test_zero_leads_still_creates_users_and_campaigns(tmp_path: Path) -> None:
    """An org seeded with no leads has users and campaigns and nothing else."""
    report = _seeded(tmp_path / "org.sqlite3", leads=0)

    assert (report.leads, report.tasks, report.users) == (0, 0, 10)
    assert report.campaigns > 0


def test_seed_commits_and_is_visible_to_other_connections(tmp_path: Path) -> None:
    """seed_org commits its transaction, so another connection sees the rows."""
    path = tmp_path / "org.sqlite3"
    conn = sqlite3.connect(path)
    try:
        seed.seed_org(conn, leads=20, now=NOW)
        assert not conn.in_transaction
    finally:
        conn.close()
    other = sqlite3.connect(path)
    try:
        assert _one(other, "SELECT COUNT(*) FROM Lead") == 20
    finally:
        other.close()


# --- lead fields -----------------------------------------------------------------------------


def test_lead_fields_have_realistic_shares(db: sqlite3.Connection) -> None:
    """Free-mail, blanks, students and target industries fall within realistic bands."""
    free = " OR ".join(f"Email LIKE '%@{d}'" for d in FREE_MAIL)
    students = ",".join(f"'{t}'" for t in STUDENT_TITLES)
    target = ",".join(f"'{t}'" for t in TARGET)
    bands = {
        free: (0.10, 0.20),
        "Industry IS NULL": (0.05, 0.12),
        "NumberOfEmployees IS NULL": (0.07, 0.14),
        "AnnualRevenue IS NULL": (0.08, 0.17),
        "Title IS NULL": (0.04, 0.10),
        f"Title IN ({students})": (0.015, 0.05),
        f"Industry IN ({target})": (0.42, 0.58),
        "NumberOfEmployees >= 1000": (0.02, 0.10),
        "NumberOfEmployees < 50": (0.30, 0.60),
        "Country IN ('United States', 'USA', 'US')": (0.45, 0.65),
        "Status IN ('Open - Not Contacted', 'Working - Contacted')": (0.75, 0.95),
    }
    for condition, (low, high) in bands.items():
        share = _share(db, "Lead", condition)
        assert low < share < high, f"{condition}: {share:.3f}"


def test_lead_values_are_valid_picklist_values(db: sqlite3.Connection) -> None:
    """Picklist fields hold only values their picklist allows (or null)."""
    for f in schema.LEAD.fields:
        if f.type != schema.PICKLIST or f.name.startswith("SFS_"):
            continue
        values = {r[0] for r in db.execute(f'SELECT DISTINCT "{f.name}" FROM Lead')}
        assert values - {None} <= set(f.picklist), f.name
        assert len(values - {None}) >= min(3, len(f.picklist)), f.name


def test_lead_names_owners_and_outputs(db: sqlite3.Connection) -> None:
    """Name is "First Last", owners are reps, and sfsync's output fields are still empty."""
    assert _share(db, "Lead", "Name != FirstName || ' ' || LastName") == 0
    reps = ",".join(f"'{r}'" for r in seed.REP_IDS)
    assert _share(db, "Lead", f"OwnerId NOT IN ({reps})") == 0
    outputs = [f.name for f in schema.OUTPUT_FIELDS if f.name != "SFS_Needs_Follow_Up__c"]
    assert _share(db, "Lead", " OR ".join(f'"{n}" IS NOT NULL' for n in outputs)) == 0
    assert _share(db, "Lead", "SFS_Needs_Follow_Up__c != 0") == 0


def test_leads_were_created_over_the_past_fourteen_months(db: sqlite3.Connection) -> None:
    """CreatedDate spans about 14 months before now, with leads in every month."""
    months = {r[0] for r in db.execute("SELECT SUBSTR(CreatedDate, 1, 7) FROM Lead")}
    first = db.execute("SELECT MIN(CreatedDate) FROM Lead").fetchone()[0]

    assert "2024-09" <= first < "2024-10"
    assert len(months) >= 14


def test_conversion_is_recorded_consistently(db: sqlite3.Connection) -> None:
    """About 10% of leads are converted, each with a ConvertedDate and the converted status."""
    assert 0.07 < _share(db, "Lead", "IsConverted = 1") < 0.14
    assert _share(db, "Lead", "(IsConverted = 1) != (ConvertedDate IS NOT NULL)") == 0
    assert _share(db, "Lead", "(IsConverted = 1) != (Status = 'Closed - Converted')") == 0
    assert _share(db, "Lead", "ConvertedDate < SUBSTR(CreatedDate, 1, 10)") == 0


# --- activity --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("leads", "per_lead"), [(LEADS, 6.0), (1_000, 3.0), (1_000, 1.0), (500, 12.0)]
)
def test_activity_per_lead_averages_the_requested_value(
    tmp_path: Path, leads: int, per_lead: float
) -> None:
    """The average number of activity rows per lead is close to activities_per_lead."""
    report = _seeded(tmp_path / "org.sqlite3", leads=leads, activities_per_lead=per_lead)
    rows = report.tasks + report.events + report.campaign_members + report.web_activities

    assert per_lead * 0.9 < rows / leads < per_lead * 1.1


def test_activity_per_lead_is_skewed(db: sqlite3.Connection) -> None:
    """Many leads have 0-3 activities while an engaged minority has 15 or more."""
    counts = [
        r[0]
        for r in db.execute(
            "SELECT (SELECT COUNT(*) FROM Task WHERE WhoId = l.Id)"
            " + (SELECT COUNT(*) FROM Event WHERE WhoId = l.Id)"
            " + (SELECT COUNT(*) FROM CampaignMember WHERE LeadId = l.Id)"
            " + (SELECT COUNT(*) FROM Web_Activity__c WHERE Lead__c = l.Id) FROM Lead l"
        )
    ]
    assert sum(1 for c in counts if c <= 3) / len(counts) > 0.3
    assert 0.05 < sum(1 for c in counts if c >= 15) / len(counts) < 0.3


def test_tasks_by_reps_and_marketing_have_the_right_shape(db: sqlite3.Connection) -> None:
    """Marketing logs email opens/clicks as completed Email tasks; reps log calls and emails."""
    mkt = seed.MARKETING_USER_ID
    marketing = db.execute(
        "SELECT Subject, Type, TaskSubtype, Status, OwnerId FROM Task WHERE CreatedById = ?", (mkt,)
    ).fetchall()
    reps = db.execute(
        "SELECT Subject, Type, TaskSubtype, Status FROM Task WHERE CreatedById != ?", (mkt,)
    ).fetchall()

    assert marketing
    assert reps
    for subject, type_, subtype, status, owner in marketing:
        assert re.match(r"^Email (Opened|Clicked): \S", subject)
        assert ("Email", "Completed", mkt) == (type_, status, owner)
        assert subtype in ("Email", "ListEmail")
    assert {r[1] for r in reps} == {"Call", "Email", "Other"}
    assert all(not r[0].startswith("Email Opened") for r in reps)
    completed = sum(1 for r in reps if r[3] == "Completed") / len(reps)
    assert 0.8 < completed < 0.99
    assert {"Call: discovery", "Follow-up email"} <= {r[0] for r in reps}
    assert _share(db, "Task", f"CreatedById = '{seed.INTEGRATION_USER_ID}'") == 0


def test_events_are_rep_meetings(db: sqlite3.Connection) -> None:
    """Events are meetings by reps, with an end after the start and booked before they start."""
    rows = db.execute(
        "SELECT Subject, Type, StartDateTime, EndDateTime, CreatedDate, OwnerId FROM Event"
    ).fetchall()

    assert rows
    for subject, type_, start, end, created, owner in rows:
        assert subject.startswith("Meeting: ")
        assert type_ == "Meeting"
        assert created <= start < end
        assert owner in seed.REP_IDS
    assert "Meeting: demo" in {r[0] for r in rows}


def test_campaign_members_cover_every_type_and_response_state(db: sqlite3.Connection) -> None:
    """Members exist for every campaign type and status; FirstRespondedDate is set iff responded."""
    rows = db.execute(
        "SELECT c.Type, m.Status, m.HasResponded FROM CampaignMember m "
        "JOIN Campaign c ON c.Id = m.CampaignId"
    ).fetchall()

    assert set(schema.CAMPAIGN_TYPES) == {r[0] for r in rows}
    assert {"Sent", "Responded", "Registered", "Attended"} == {r[1] for r in rows}
    assert all((status == "Sent") == (responded == 0) for _, status, responded in rows)
    assert (
        _share(db, "CampaignMember", "(HasResponded = 1) != (FirstRespondedDate IS NOT NULL)") == 0
    )
    duplicates = _one(
        db, "SELECT COUNT(*) - COUNT(DISTINCT LeadId || CampaignId) FROM CampaignMember"
    )
    assert duplicates == 0
    late = _one(
        db,
        "SELECT COUNT(*) FROM CampaignMember m JOIN Campaign c ON c.Id = m.CampaignId "
        "WHERE SUBSTR(m.CreatedDate, 1, 10) < c.StartDate",
    )
    assert late == 0


def test_web_activity_urls_cover_every_signal(db: sqlite3.Connection) -> None:
    """Web visits include pricing, competitor research and other pages on the company site."""
    urls = {r[0] for r in db.execute("SELECT DISTINCT Url__c FROM Web_Activity__c")}

    assert all(u.startswith("https://www.example.com/") for u in urls)
    for expected in ("/pricing", "/pricing/enterprise", "/compare/acme", "/vs-acme"):
        assert f"https://www.example.com{expected}" in urls
    assert any("/blog/" in u for u in urls)
    assert any("/product/" in u for u in urls)
    assert _share(db, "Web_Activity__c", "Visited_At__c != CreatedDate") == 0


def test_activity_happens_after_the_lead_was_created(db: sqlite3.Connection) -> None:
    """No activity row was created before its lead, and none is older than about 14 months."""
    for table, key in (("Task", "WhoId"), ("Event", "WhoId"), ("CampaignMember", "LeadId"),
                       ("Web_Activity__c", "Lead__c")):  # fmt: skip
        early = _one(
            db,
            f'SELECT COUNT(*) FROM "{table}" a JOIN Lead l ON l.Id = a."{key}" '
            f"WHERE a.CreatedDate < l.CreatedDate",
        )
        assert early == 0, table


# --- the hidden intent model -----------------------------------------------------------------


def test_converted_leads_looked_at_pricing_shortly_before(db: sqlite3.Connection) -> None:
    """Converted leads viewed pricing in their last 30 days far more often than the rest did."""
    rows = db.execute(
        f"""
        SELECT l.IsConverted, EXISTS (
            SELECT 1 FROM Web_Activity__c w
            WHERE w.Lead__c = l.Id AND w.Url__c LIKE '%/pricing%' AND w.IsDeleted = 0
              AND w.Visited_At__c >= CASE WHEN l.IsConverted = 1
                  THEN DATE(l.ConvertedDate, '-30 days')
                  ELSE DATE('{NOW_TEXT[:10]}', '-30 days') END
        ) FROM Lead l
        """
    ).fetchall()
    converted = [seen for c, seen in rows if c]
    others = [seen for c, seen in rows if not c]

    assert sum(converted) / len(converted) > 0.6
    assert sum(converted) / len(converted) > 3 * sum(others) / len(others)


def test_conversion_rises_with_fit(db: sqlite3.Connection) -> None:
    """Leads in target industries and with senior titles convert more often than the rest."""
    target = ",".join(f"'{t}'" for t in TARGET)
    students = ",".join(f"'{t}'" for t in STUDENT_TITLES)
    senior = ("Title IN ('CEO', 'Founder', 'Owner', 'President', 'CFO', 'CTO', 'CIO', 'COO', 'CMO')"
              " OR Title LIKE 'VP%' OR Title LIKE 'Head of%'")  # fmt: skip
    junior = f"Title IN ({students}, 'Analyst', 'Coordinator', 'Designer', 'Developer')"

    def rate(condition: str) -> float:
        return _one(db, f"SELECT AVG(IsConverted) FROM Lead WHERE {condition}")

    assert rate(f"Industry IN ({target})") > 1.5 * rate(f"Industry NOT IN ({target})")
    assert rate(senior) > 1.5 * rate(junior)
    assert rate(f"Title IN ({students})") == 0


def test_some_low_fit_trade_show_leads_converted(db: sqlite3.Connection) -> None:
    """A few trade-show leads outside the target industries converted months after the show."""
    target = ",".join(f"'{t}'" for t in TARGET)
    late = _one(
        db,
        f"SELECT COUNT(*) FROM Lead WHERE IsConverted = 1 AND LeadSource = 'Trade Show' "
        f"AND (Industry IS NULL OR Industry NOT IN ({target})) "
        f"AND JULIANDAY(ConvertedDate) - JULIANDAY(SUBSTR(CreatedDate, 1, 10)) > 150",
    )
    assert late >= 3


def test_sales_leave_many_leads_untouched_and_recycle_some(db: sqlite3.Connection) -> None:
    """Many leads have no sales touch; some got 6+ touches over 30+ days and never converted."""
    untouched = _share(db, "Lead", f"Id NOT IN (SELECT lead FROM ({REP_TOUCHES}))")
    recycled = _one(
        db,
        f"""
        SELECT COUNT(*) FROM (
            SELECT t.lead FROM ({REP_TOUCHES}) t JOIN Lead l ON l.Id = t.lead
            WHERE l.IsConverted = 0 GROUP BY t.lead
            HAVING COUNT(*) >= 6 AND JULIANDAY(SUBSTR(MAX(t.at), 1, 19))
                                   - JULIANDAY(SUBSTR(MIN(t.at), 1, 19)) >= 30
        )
        """,
    )

    assert 0.3 < untouched < 0.6
    assert 0.02 < recycled / LEADS < 0.1


def test_recent_engagement_exists_for_ready_buyers(db: sqlite3.Connection) -> None:
    """Some unconverted leads show hand-raises and pricing views in the last 30 days."""
    recent = _one(
        db,
        f"""
        SELECT COUNT(DISTINCT l.Id) FROM Lead l
        JOIN CampaignMember m ON m.LeadId = l.Id AND m.HasResponded = 1
        JOIN Campaign c ON c.Id = m.CampaignId AND c.Type IN ('Content Download', 'Webinar')
        JOIN Web_Activity__c w ON w.Lead__c = l.Id AND w.Url__c LIKE '%/pricing%'
        WHERE l.IsConverted = 0 AND m.FirstRespondedDate >= DATE('{NOW_TEXT[:10]}', '-30 days')
          AND w.Visited_At__c >= DATE('{NOW_TEXT[:10]}', '-30 days')
        """,
    )
    assert 0.02 < recent / LEADS < 0.15

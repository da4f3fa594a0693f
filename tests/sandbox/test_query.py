from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfsync.sandbox import schema
from sfsync.sandbox.query import QueryResult, execute, run_soql
from sfsync.sandbox.soql import parse

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)
STAMP = "2024-05-01T10:00:00.000+0000"

USERS = [
    {"Id": "005000000000001AAA", "Name": "Alice Rep", "IsActive": 1},
    {"Id": "005000000000002AAA", "Name": "Bob Rep", "IsActive": 1},
    {"Id": "005000000000003AAA", "Name": "Marketing Automation", "IsActive": 0},
    {"Id": "005000000000004AAA", "Name": "Gone User", "IsActive": 0, "IsDeleted": 1},
]
CAMPAIGNS = [
    {"Id": "701000000000001AAA", "Name": "Spring Webinar", "Type": "Webinar", "IsActive": 1},
    {"Id": "701000000000002AAA", "Name": "Expo", "Type": "Trade Show", "IsActive": 1},
    {"Id": "701000000000003AAA", "Name": "Untyped", "Type": None, "IsActive": 0},
]
A, B, M = (u["Id"] for u in USERS[:3])
# Leads: varied values, nulls, case variants, wildcard characters, one deleted, one orphan owner.
LEADS = [
    {
        "Id": "00Q000000000001AAA",
        "LastName": "Doe",
        "Company": "Acme",
        "Title": "VP Sales",
        "Email": "jane@acme.com",
        "Industry": "Software",
        "NumberOfEmployees": 250,
        "AnnualRevenue": 5e6,
        "Country": "US",
        "OwnerId": A,
        "IsConverted": 0,
        "CreatedDate": "2024-05-10T08:00:00.000+0000",
        "SystemModstamp": "2024-05-10T08:00:00.000+0000",
        "SFS_Score__c": 150.0,
        "SFS_Needs_Follow_Up__c": 1,
    },
    {
        "Id": "00Q000000000002AAA",
        "LastName": "Roe",
        "Company": "acme",
        "Title": "vp marketing",
        "Email": None,
        "Industry": "software",
        "NumberOfEmployees": None,
        "AnnualRevenue": None,
        "Country": "DE",
        "OwnerId": B,
        "IsConverted": 1,
        "ConvertedDate": "2024-05-01",
        "CreatedDate": "2024-05-09T23:59:59.999+0000",
        "SystemModstamp": "2024-05-01T00:00:00.000+0000",
    },
    {
        "Id": "00Q000000000003AAA",
        "LastName": "Poe",
        "Company": "50% Off_Deals",
        "Title": None,
        "Email": "p@x.org",
        "Industry": "Energy",
        "NumberOfEmployees": 10,
        "AnnualRevenue": 1.5,
        "Country": None,
        "OwnerId": A,
        "IsConverted": 0,
        "CreatedDate": "2024-05-03T00:00:00.000+0000",
        "SystemModstamp": "2024-04-30T23:59:59.000+0000",
    },
    {
        "Id": "00Q000000000004AAA",
        "LastName": "O'Brien",
        "Company": "O'Brien & Sons",
        "Title": "CTO",
        "Email": "ob@x.org",
        "Industry": None,
        "NumberOfEmployees": 5000,
        "AnnualRevenue": 5e7,
        "Country": "IE",
        "OwnerId": "005000000000099AAA",
        "IsConverted": 0,
        "CreatedDate": "2024-04-01T12:00:00.000+0000",
        "SystemModstamp": "2024-05-05T12:00:00.000+0000",
    },
    {
        "Id": "00Q000000000005AAA",
        "LastName": "Müller",
        "Company": "Müller GmbH",
        "Title": "Geschäftsführer",
        "Email": "m@x.de",
        "Industry": "Manufacturing",
        "NumberOfEmployees": 200,
        "AnnualRevenue": None,
        "Country": "DE",
        "OwnerId": M,
        "IsConverted": 0,
        "CreatedDate": "2024-05-08T10:00:00.000+0000",
        "SystemModstamp": "2024-05-08T10:00:00.000+0000",
    },
    {
        "Id": "00Q000000000006AAA",
        "LastName": "Deleted",
        "Company": "Gone Inc",
        "Title": "VP Ops",
        "Email": "gone@x.org",
        "Industry": "Software",
        "NumberOfEmployees": 50,
        "AnnualRevenue": 1e6,
        "Country": "US",
        "OwnerId": A,
        "IsConverted": 0,
        "IsDeleted": 1,
        "CreatedDate": "2024-05-10T09:00:00.000+0000",
        "SystemModstamp": "2024-05-10T09:00:00.000+0000",
    },
    {
        "Id": "00Q000000000007AAA",
        "LastName": "Zed",
        "Company": "Zeta",
        "Title": "Intern",
        "Email": "z@x.org",
        "Industry": "Energy",
        "NumberOfEmployees": 0,
        "AnnualRevenue": 0.0,
        "Country": "US",
        "OwnerId": B,
        "IsConverted": 0,
        "CreatedDate": "2024-05-09T00:00:00.000+0000",
        "SystemModstamp": "2024-05-09T00:00:00.000+0000",
    },
    {
        "Id": "00Q000000000008AAA",
        "LastName": "Underscore",
        "Company": "a_b",
        "Title": "Director",
        "Email": "u@x.org",
        "Industry": "Finance",
        "NumberOfEmployees": 1000,
        "AnnualRevenue": 2e6,
        "Country": "FR",
        "OwnerId": A,
        "IsConverted": 0,
        "Pain_Points__c": "line1\nline2",
        "CreatedDate": "2024-03-01T00:00:00.000+0000",
        "SystemModstamp": "2024-05-02T00:00:00.000+0000",
    },
]
L1, L2, L3, L4, L5, L6, L7, L8 = (lead["Id"] for lead in LEADS)
MEMBERS = [
    {
        "Id": "00v000000000001AAA",
        "CampaignId": CAMPAIGNS[0]["Id"],
        "LeadId": L1,
        "Status": "Registered",
        "HasResponded": 1,
        "FirstRespondedDate": "2024-05-02",
    },
    {
        "Id": "00v000000000002AAA",
        "CampaignId": CAMPAIGNS[1]["Id"],
        "LeadId": L1,
        "Status": "Sent",
        "HasResponded": 0,
    },
    {
        "Id": "00v000000000003AAA",
        "CampaignId": CAMPAIGNS[0]["Id"],
        "LeadId": L2,
        "Status": "Attended",
        "HasResponded": 1,
        "FirstRespondedDate": "2024-05-09",
    },
    {
        "Id": "00v000000000004AAA",
        "CampaignId": CAMPAIGNS[2]["Id"],
        "LeadId": L3,
        "Status": "Sent",
        "HasResponded": 0,
    },
    {
        "Id": "00v000000000005AAA",
        "CampaignId": "701000000000099AAA",
        "LeadId": L4,
        "Status": "Sent",
        "HasResponded": 0,
    },
    {
        "Id": "00v000000000006AAA",
        "CampaignId": CAMPAIGNS[0]["Id"],
        "LeadId": L5,
        "Status": "Responded",
        "HasResponded": 1,
        "IsDeleted": 1,
    },
]
TASKS = [
    {
        "Id": "00T000000000001AAA",
        "WhoId": L1,
        "Subject": "Call",
        "Type": "Call",
        "Status": "Completed",
        "ActivityDate": "2024-05-09",
        "OwnerId": A,
        "CreatedById": A,
    },
    {
        "Id": "00T000000000002AAA",
        "WhoId": L1,
        "Subject": "Email Opened: Hi",
        "Type": "Email",
        "Status": "Completed",
        "ActivityDate": "2024-05-10",
        "OwnerId": M,
        "CreatedById": M,
    },
    {
        "Id": "00T000000000003AAA",
        "WhoId": None,
        "Subject": "Prep",
        "Type": "Other",
        "Status": "Not Started",
        "ActivityDate": None,
        "OwnerId": B,
        "CreatedById": B,
    },
    {
        "Id": "00T000000000004AAA",
        "WhoId": "00Q000000000099AAA",
        "Subject": "Orphan",
        "Type": "Call",
        "Status": "Completed",
        "ActivityDate": "2024-05-01",
        "OwnerId": B,
        "CreatedById": B,
    },
    {
        "Id": "00T000000000005AAA",
        "WhoId": L4,
        "Subject": "Meeting",
        "Type": "Meeting",
        "Status": "Completed",
        "ActivityDate": "2024-04-30",
        "OwnerId": A,
        "CreatedById": A,
    },
    {
        "Id": "00T000000000006AAA",
        "WhoId": L2,
        "Subject": "Deleted call",
        "Type": "Call",
        "Status": "Completed",
        "ActivityDate": "2024-05-08",
        "OwnerId": A,
        "CreatedById": A,
        "IsDeleted": 1,
    },
]
WEB = [
    {
        "Id": "a0W000000000001AAA",
        "Name": "WA-1",
        "Lead__c": L1,
        "Url__c": "https://x.com/pricing",
        "Visited_At__c": "2024-05-09T10:00:00.000+0000",
    },
    {
        "Id": "a0W000000000002AAA",
        "Name": "WA-2",
        "Lead__c": L3,
        "Url__c": "https://x.com/vs-foo",
        "Visited_At__c": None,
    },
]


def _insert(conn: sqlite3.Connection, obj: str, row: dict[str, Any]) -> None:
    values = {"IsDeleted": 0, "CreatedDate": STAMP, "CreatedById": A, "LastModifiedDate": STAMP,
              "LastModifiedById": A, "SystemModstamp": STAMP, **row}  # fmt: skip
    columns = ", ".join(f'"{c}"' for c in values)
    marks = ", ".join("?" for _ in values)
    conn.execute(f'INSERT INTO "{obj}" ({columns}) VALUES ({marks})', list(values.values()))


@pytest.fixture(name="soql_db")
def _soql_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(tmp_path_factory.mktemp("soql") / "org.sqlite3")
    schema.create_tables(conn)
    tables = {"User": USERS, "Campaign": CAMPAIGNS, "Lead": LEADS, "CampaignMember": MEMBERS,
              "Task": TASKS, "Web_Activity__c": WEB}  # fmt: skip
    for obj, rows in tables.items():
        for row in rows:
            _insert(conn, obj, row)
    conn.commit()
    yield conn
    conn.close()


def _ids(result: QueryResult) -> list[str]:
    return [row["Id"] for row in result.rows]


def _sql_ids(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...] = ()) -> list[str]:
    return [r[0] for r in conn.execute(sql, params)]


LIVE = 'SELECT Id FROM Lead WHERE "IsDeleted" = 0'
# (SOQL, the same question asked of SQLite directly). Unordered SOQL is compared as sets.
CASES = [
    ("SELECT Id FROM Lead", LIVE),
    ("SELECT Id FROM Lead WHERE Company = 'ACME'", LIVE + " AND lower(Company) = 'acme'"),
    ("SELECT Id FROM Lead WHERE Company != 'acme'", LIVE + " AND lower(Company) <> 'acme'"),
    (
        "SELECT Id FROM Lead WHERE Country <> 'US'",
        LIVE + " AND (Country IS NULL OR Country <> 'US')",
    ),
    ("SELECT Id FROM Lead WHERE NumberOfEmployees < 200", LIVE + " AND NumberOfEmployees < 200"),
    ("SELECT Id FROM Lead WHERE NumberOfEmployees <= 200", LIVE + " AND NumberOfEmployees <= 200"),
    ("SELECT Id FROM Lead WHERE AnnualRevenue > 1.5", LIVE + " AND AnnualRevenue > 1.5"),
    ("SELECT Id FROM Lead WHERE AnnualRevenue >= 1.5", LIVE + " AND AnnualRevenue >= 1.5"),
    ("SELECT Id FROM Lead WHERE Email = null", LIVE + " AND Email IS NULL"),
    ("SELECT Id FROM Lead WHERE Email != null", LIVE + " AND Email IS NOT NULL"),
    ("SELECT Id FROM Lead WHERE IsConverted = true", LIVE + " AND IsConverted = 1"),
    ("SELECT Id FROM Lead WHERE IsConverted = false", LIVE + " AND IsConverted = 0"),
    (
        "SELECT Id FROM Lead WHERE SFS_Needs_Follow_Up__c = null",
        LIVE + " AND coalesce(SFS_Needs_Follow_Up__c, 0) = 0",
    ),
    (
        "SELECT Id FROM Lead WHERE Industry IN ('SOFTWARE', 'Energy')",
        LIVE + " AND lower(Industry) IN ('software', 'energy')",
    ),
    (
        "SELECT Id FROM Lead WHERE Industry NOT IN ('Software', 'Energy')",
        LIVE + " AND (Industry IS NULL OR lower(Industry) NOT IN ('software', 'energy'))",
    ),
    (
        "SELECT Id FROM Lead WHERE Industry IN ('Energy', null)",
        LIVE + " AND (Industry IS NULL OR Industry = 'Energy')",
    ),
    (
        "SELECT Id FROM Lead WHERE Industry NOT IN ('Energy', null)",
        LIVE + " AND Industry IS NOT NULL AND Industry <> 'Energy'",
    ),
    ("SELECT Id FROM Lead WHERE Title LIKE 'vp%'", LIVE + " AND lower(Title) LIKE 'vp%'"),
    ("SELECT Id FROM Lead WHERE Title LIKE '%SALES'", LIVE + " AND Title = 'VP Sales'"),
    ("SELECT Id FROM Lead WHERE Company LIKE '50\\% %'", LIVE + " AND Company = '50% Off_Deals'"),
    ("SELECT Id FROM Lead WHERE Company LIKE 'a_b'", LIVE + " AND Company = 'a_b'"),
    ("SELECT Id FROM Lead WHERE Company LIKE 'a\\_%'", LIVE + " AND Company = 'a_b'"),
    ("SELECT Id FROM Lead WHERE Company LIKE '%\\_%'", LIVE + " AND instr(Company, '_') > 0"),
    ("SELECT Id FROM Lead WHERE Company LIKE 'müller%'", LIVE + " AND Company = 'Müller GmbH'"),
    ("SELECT Id FROM Lead WHERE Company LIKE 'MÜLLER GMBH'", LIVE + " AND Company = 'Müller GmbH'"),
    ("SELECT Id FROM Lead WHERE Company LIKE 'O\\'Brien%'", LIVE + " AND LastName = 'O''Brien'"),
    (
        "SELECT Id FROM Lead WHERE Pain_Points__c = 'line1\\nline2'",
        LIVE + " AND Pain_Points__c = 'line1' || char(10) || 'line2'",
    ),
    (
        "SELECT Id FROM Lead WHERE Title LIKE 'vp%' AND Country = 'US' AND Industry != null",
        LIVE + " AND lower(Title) LIKE 'vp%' AND Country = 'US' AND Industry IS NOT NULL",
    ),
    (
        "SELECT Id FROM Lead WHERE Country = 'DE' OR NumberOfEmployees > 999",
        LIVE + " AND (Country = 'DE' OR NumberOfEmployees > 999)",
    ),
    (
        "SELECT Id FROM Lead WHERE NOT Country = 'US'",
        LIVE + " AND (Country IS NULL OR Country <> 'US')",
    ),
    (
        "SELECT Id FROM Lead WHERE NOT NumberOfEmployees > 100",
        LIVE + " AND (NumberOfEmployees IS NULL OR NumberOfEmployees <= 100)",
    ),
    (
        "SELECT Id FROM Lead WHERE (Country = 'DE' OR Country = 'IE') AND NOT (Title LIKE 'CTO')",
        LIVE + " AND Country IN ('DE', 'IE') AND (Title IS NULL OR Title <> 'CTO')",
    ),
    (
        "SELECT Id FROM Lead WHERE SystemModstamp >= 2024-05-01T00:00:00Z",
        LIVE + " AND SystemModstamp >= '2024-05-01T00:00:00.000+0000'",
    ),
    (
        "SELECT Id FROM Lead WHERE SystemModstamp > 2024-05-01T00:00:00.000Z",
        LIVE + " AND SystemModstamp > '2024-05-01T00:00:00.000+0000'",
    ),
    (
        "SELECT Id FROM Lead WHERE SystemModstamp < 2024-05-01T02:00:00+02:00",
        LIVE + " AND SystemModstamp < '2024-05-01T00:00:00.000+0000'",
    ),
    (
        "SELECT Id FROM Lead WHERE CreatedDate = 2024-05-09",
        LIVE + " AND substr(CreatedDate, 1, 10) = '2024-05-09'",
    ),
    (
        "SELECT Id FROM Lead WHERE CreatedDate > 2024-05-08",
        LIVE + " AND substr(CreatedDate, 1, 10) > '2024-05-08'",
    ),
    (
        "SELECT Id FROM Lead WHERE CreatedDate <= 2024-05-08",
        LIVE + " AND substr(CreatedDate, 1, 10) <= '2024-05-08'",
    ),
    (
        "SELECT Id FROM Lead WHERE CreatedDate != 2024-05-09",
        LIVE + " AND substr(CreatedDate, 1, 10) <> '2024-05-09'",
    ),
    (
        "SELECT Id FROM Lead WHERE ConvertedDate = 2024-05-01",
        LIVE + " AND ConvertedDate = '2024-05-01'",
    ),
    (
        "SELECT Id FROM Lead WHERE ConvertedDate = 2024-04-30T23:00:00-02:00",
        LIVE + " AND ConvertedDate = '2024-05-01'",
    ),
    (
        "SELECT Id FROM Lead WHERE CreatedDate = TODAY",
        LIVE + " AND substr(CreatedDate, 1, 10) = '2024-05-10'",
    ),
    (
        "SELECT Id FROM Lead WHERE CreatedDate = YESTERDAY",
        LIVE + " AND substr(CreatedDate, 1, 10) = '2024-05-09'",
    ),
    (
        "SELECT Id FROM Lead WHERE CreatedDate < YESTERDAY",
        LIVE + " AND substr(CreatedDate, 1, 10) < '2024-05-09'",
    ),
    (
        "SELECT Id FROM Lead WHERE CreatedDate = LAST_N_DAYS:2",
        LIVE + " AND substr(CreatedDate, 1, 10) BETWEEN '2024-05-08' AND '2024-05-10'",
    ),
    (
        "SELECT Id FROM Lead WHERE CreatedDate < LAST_N_DAYS:30",
        LIVE + " AND substr(CreatedDate, 1, 10) < '2024-04-10'",
    ),
    (
        "SELECT Id FROM Lead WHERE CreatedDate >= LAST_N_DAYS:1",
        LIVE + " AND substr(CreatedDate, 1, 10) >= '2024-05-09'",
    ),
    (
        "SELECT Id FROM Lead WHERE CreatedDate IN (TODAY, 2024-05-03)",
        LIVE + " AND substr(CreatedDate, 1, 10) IN ('2024-05-10', '2024-05-03')",
    ),
    (
        "SELECT Id FROM Lead WHERE Owner.Name = 'alice rep'",
        LIVE + " AND OwnerId = '005000000000001AAA'",
    ),
    (
        "SELECT Id FROM Lead WHERE Owner.Name = null",
        LIVE + " AND OwnerId NOT IN (SELECT Id FROM User)",
    ),
    (
        "SELECT Id FROM Lead WHERE Owner.IsActive = true",
        LIVE + " AND OwnerId IN (SELECT Id FROM User WHERE IsActive = 1)",
    ),
    ("SELECT Id FROM Lead ORDER BY Company, Id", LIVE + " ORDER BY Company COLLATE NOCASE, Id"),
    (
        "SELECT Id FROM Lead ORDER BY NumberOfEmployees DESC",
        LIVE + " ORDER BY NumberOfEmployees DESC NULLS LAST, Id",
    ),
    (
        "SELECT Id FROM Lead ORDER BY NumberOfEmployees DESC NULLS FIRST",
        LIVE + " ORDER BY NumberOfEmployees IS NOT NULL, NumberOfEmployees DESC, Id",
    ),
    (
        "SELECT Id FROM Lead ORDER BY Country ASC NULLS LAST, SystemModstamp DESC",
        LIVE + " ORDER BY Country IS NULL, Country, SystemModstamp DESC, Id",
    ),
    (
        "SELECT Id FROM Lead ORDER BY Owner.Name DESC, Id",
        "SELECT l.Id FROM Lead l LEFT JOIN User u ON u.Id = l.OwnerId WHERE l.IsDeleted = 0 "
        "ORDER BY u.Name DESC NULLS LAST, l.Id",
    ),
    (
        "SELECT Id FROM Lead ORDER BY SystemModstamp LIMIT 3",
        LIVE + " ORDER BY SystemModstamp, Id LIMIT 3",
    ),
    (
        "SELECT Id FROM Lead ORDER BY SystemModstamp LIMIT 3 OFFSET 2",
        LIVE + " ORDER BY SystemModstamp, Id LIMIT 3 OFFSET 2",
    ),
    ("SELECT Id FROM Lead ORDER BY Id OFFSET 5", LIVE + " ORDER BY Id LIMIT -1 OFFSET 5"),
    (
        "SELECT Id FROM CampaignMember WHERE Campaign.Type = 'Webinar'",
        "SELECT m.Id FROM CampaignMember m JOIN Campaign c ON c.Id = m.CampaignId "
        "WHERE m.IsDeleted = 0 AND c.Type = 'Webinar'",
    ),
    (
        "SELECT Id FROM CampaignMember WHERE Campaign.Type = null",
        "SELECT m.Id FROM CampaignMember m LEFT JOIN Campaign c ON c.Id = m.CampaignId "
        "WHERE m.IsDeleted = 0 AND c.Type IS NULL",
    ),
    (
        "SELECT Id FROM CampaignMember WHERE Campaign.Type != 'Webinar' AND HasResponded = false",
        "SELECT m.Id FROM CampaignMember m LEFT JOIN Campaign c ON c.Id = m.CampaignId "
        "WHERE m.IsDeleted = 0 AND (c.Type IS NULL OR c.Type <> 'Webinar') AND m.HasResponded = 0",
    ),
    (
        "SELECT Id FROM Task WHERE Who.Title LIKE 'vp%' AND Status = 'Completed'",
        "SELECT t.Id FROM Task t JOIN Lead l ON l.Id = t.WhoId "
        "WHERE t.IsDeleted = 0 AND lower(l.Title) LIKE 'vp%' AND t.Status = 'Completed'",
    ),
    (
        "SELECT Id FROM Task WHERE Who.Type = 'Lead'",
        "SELECT t.Id FROM Task t JOIN Lead l ON l.Id = t.WhoId WHERE t.IsDeleted = 0",
    ),
    (
        "SELECT Id FROM CampaignMember WHERE Lead.Owner.Name = 'Alice Rep'",
        "SELECT m.Id FROM CampaignMember m JOIN Lead l ON l.Id = m.LeadId "
        "JOIN User u ON u.Id = l.OwnerId WHERE m.IsDeleted = 0 AND u.Name = 'Alice Rep'",
    ),
    (
        "SELECT Id FROM Task WHERE CreatedBy.Name != 'Marketing Automation' AND Type IN ('Call')",
        "SELECT Id FROM Task WHERE IsDeleted = 0 AND CreatedById <> '005000000000003AAA' "
        "AND Type = 'Call'",
    ),
    (
        "SELECT Id FROM Task WHERE ActivityDate >= LAST_N_DAYS:1",
        "SELECT Id FROM Task WHERE IsDeleted = 0 AND ActivityDate >= '2024-05-09'",
    ),
    (
        "SELECT Id FROM Task WHERE WhoId IN ('00Q000000000001AAA', '00Q000000000004AAA')",
        "SELECT Id FROM Task WHERE IsDeleted = 0 AND WhoId IN "
        "('00Q000000000001AAA', '00Q000000000004AAA')",
    ),
    (
        "SELECT Id FROM Web_Activity__c WHERE Lead__r.Industry = 'Energy'",
        "SELECT w.Id FROM Web_Activity__c w JOIN Lead l ON l.Id = w.Lead__c "
        "WHERE w.IsDeleted = 0 AND l.Industry = 'Energy'",
    ),
    (
        "SELECT Id FROM Web_Activity__c WHERE Visited_At__c < TODAY",
        "SELECT Id FROM Web_Activity__c WHERE IsDeleted = 0 "
        "AND Visited_At__c < '2024-05-10T00:00:00.000+0000'",
    ),
    (
        "SELECT Id FROM User WHERE IsActive = true",
        "SELECT Id FROM User WHERE IsDeleted = 0 AND IsActive = 1",
    ),
]


@pytest.mark.parametrize(("soql", "sql"), CASES, ids=[c[0] for c in CASES])
def test_matches_direct_sqlite_query(soql_db, soql, sql):
    """Each supported construct returns the same records as a hand-written SQLite query."""
    got = _ids(run_soql(soql_db, soql, now=NOW))
    expected = _sql_ids(soql_db, sql)

    assert expected, "the data set must make every case select something"
    if "ORDER BY" in soql:
        assert expected == got
    else:
        assert sorted(expected) == sorted(got)


def test_include_deleted_is_query_all(soql_db):
    """queryAll semantics return deleted rows too; query leaves them out."""
    live = _ids(run_soql(soql_db, "SELECT Id FROM Lead WHERE Industry = 'Software'"))
    everything = _ids(
        run_soql(soql_db, "SELECT Id FROM Lead WHERE Industry = 'Software'", include_deleted=True)
    )

    assert (live, everything) == ([L1, L2], [L1, L2, L6])


def test_can_filter_on_is_deleted(soql_db):
    """`IsDeleted = true` under queryAll returns only the deleted rows."""
    result = run_soql(soql_db, "SELECT Id FROM Task WHERE IsDeleted = true", include_deleted=True)

    assert _ids(result) == ["00T000000000006AAA"]


def test_count(soql_db):
    """COUNT() returns the number of matches as total_size and no rows."""
    result = run_soql(soql_db, "SELECT COUNT() FROM Lead WHERE Industry != null")

    assert (result.total_size, result.rows) == (6, [])


def test_count_respects_limit_offset_and_query_all(soql_db):
    """COUNT() honours LIMIT/OFFSET and counts deleted rows only under queryAll."""
    capped = run_soql(soql_db, "SELECT COUNT() FROM Lead LIMIT 3")
    offset = run_soql(soql_db, "SELECT COUNT() FROM Lead OFFSET 5")
    everything = run_soql(soql_db, "SELECT COUNT() FROM Lead", include_deleted=True)

    assert (capped.total_size, offset.total_size, everything.total_size) == (3, 2, 8)


def test_count_field_returns_aggregate_result(soql_db):
    """COUNT(field) counts non-null values in one AggregateResult row named exprN or the alias."""
    result = run_soql(soql_db, "SELECT COUNT(Id), COUNT(Email) withEmail FROM Lead")

    assert result.total_size == 1
    assert result.rows == [{"attributes": {"type": "AggregateResult"}, "expr0": 7, "withEmail": 6}]


def test_count_field_honours_limit_and_offset(soql_db):
    """LIMIT and OFFSET apply to the single aggregate row instead of being ignored."""
    skipped = run_soql(soql_db, "SELECT COUNT(Id) FROM Lead OFFSET 1")
    kept = run_soql(soql_db, "SELECT COUNT(Id) FROM Lead LIMIT 1")

    assert (skipped.total_size, skipped.rows, kept.total_size) == (0, [], 1)


def test_record_shape(soql_db):
    """Rows follow Salesforce's JSON shape: attributes first, SELECT order, JSON-typed values."""
    result = run_soql(
        soql_db,
        "SELECT Id, email, IsConverted, NumberOfEmployees, AnnualRevenue, SFS_Score__c, "
        "Owner.Name, ConvertedDate, SystemModstamp, Owner.IsActive FROM Lead "
        "WHERE Id IN ('00Q000000000001AAA', '00Q000000000004AAA') ORDER BY Id",
        api_version="59.0",
    )

    assert [
        {
            "attributes": {"type": "Lead", "url": f"/services/data/v59.0/sobjects/Lead/{L1}"},
            "Id": L1,
            "Email": "jane@acme.com",
            "IsConverted": False,
            "NumberOfEmployees": 250,
            "AnnualRevenue": 5000000.0,
            "SFS_Score__c": 150.0,
            "Owner": {
                "attributes": {"type": "User", "url": f"/services/data/v59.0/sobjects/User/{A}"},
                "Name": "Alice Rep",
                "IsActive": True,
            },
            "ConvertedDate": None,
            "SystemModstamp": "2024-05-10T08:00:00.000+0000",
        },
        {
            "attributes": {"type": "Lead", "url": f"/services/data/v59.0/sobjects/Lead/{L4}"},
            "Id": L4,
            "Email": "ob@x.org",
            "IsConverted": False,
            "NumberOfEmployees": 5000,
            "AnnualRevenue": 50000000.0,
            "SFS_Score__c": None,
            "Owner": None,
            "ConvertedDate": None,
            "SystemModstamp": "2024-05-05T12:00:00.000+0000",
        },
    ] == result.rows
    assert list(result.rows[0])[:4] == ["attributes", "Id", "Email", "IsConverted"]
    assert isinstance(result.rows[0]["IsConverted"], bool)
    assert isinstance(result.rows[0]["AnnualRevenue"], float)
    assert isinstance(result.rows[0]["NumberOfEmployees"], int)


def test_two_level_parent_and_null_parents(soql_db):
    """Two-level paths nest twice; a dangling reference gives a null parent."""
    result = run_soql(
        soql_db, "SELECT Id, Lead.Name, Lead.Owner.Name, Status FROM CampaignMember ORDER BY Id"
    )
    by_id = {row["Id"]: row for row in result.rows}

    lead = by_id["00v000000000001AAA"]["Lead"]
    assert (lead["attributes"]["type"], lead["Owner"]["attributes"]["type"]) == ("Lead", "User")
    assert list(by_id["00v000000000001AAA"]) == ["attributes", "Id", "Lead", "Status"]
    assert by_id["00v000000000005AAA"]["Lead"]["Owner"] is None


def test_polymorphic_parent_names_its_object(soql_db):
    """Who (Contact or Lead) nests the matched record typed by its object; null when none."""
    result = run_soql(soql_db, "SELECT Id, Who.Name, Who.Type, Subject FROM Task ORDER BY Id")
    by_id = {row["Id"]: row for row in result.rows}

    who = by_id["00T000000000001AAA"]["Who"]
    assert (who["attributes"]["type"], who["Type"]) == ("Lead", "Lead")
    assert who["attributes"]["url"].endswith(f"/sobjects/Lead/{L1}")
    assert list(who) == ["attributes", "Name", "Type"]
    assert None is by_id["00T000000000003AAA"]["Who"]
    assert None is by_id["00T000000000004AAA"]["Who"]


def test_parent_field_on_campaign_member(soql_db):
    """`Campaign.Type` comes back nested under Campaign, as the REST API nests it."""
    result = run_soql(
        soql_db,
        "SELECT LeadId, Campaign.Type FROM CampaignMember WHERE LeadId = '00Q000000000001AAA'",
    )

    assert [
        (r["Campaign"]["Type"], r["Campaign"]["attributes"]["url"].rsplit("/", 1)[1][:3])
        for r in result.rows
    ] == [("Webinar", "701"), ("Trade Show", "701")]
    assert "Id" not in result.rows[0]
    assert result.rows[0]["attributes"]["url"].endswith("/CampaignMember/00v000000000001AAA")


def test_unselected_order_field_does_not_appear(soql_db):
    """Fields used only in WHERE or ORDER BY are not added to the records."""
    result = run_soql(soql_db, "SELECT Id FROM Lead WHERE Owner.Name != null ORDER BY Company")

    assert all(list(row) == ["attributes", "Id"] for row in result.rows)


def test_execute_takes_a_parsed_query(soql_db):
    """`execute` runs a Query from `parse`, the path the HTTP server uses."""
    query = parse("SELECT Id FROM Lead WHERE CreatedDate = TODAY")

    naive_now = NOW.replace(tzinfo=None)
    assert _ids(execute(soql_db, query, now=naive_now)) == [L1]
    assert _ids(execute(soql_db, query, now=datetime(2030, 1, 1, tzinfo=UTC))) == []


def test_literals_are_bound_not_spliced(soql_db):
    """A literal that looks like SQL is just a value: nothing is injected, nothing breaks."""
    result = run_soql(soql_db, "SELECT Id FROM Lead WHERE Company = 'x\\' OR 1=1 --'")

    assert result.rows == []
    assert soql_db.execute('SELECT count(*) FROM "Lead"').fetchone()[0] == 8


# --- property test: random WHERE trees against a Python evaluation of the same rows -----

_FIELDS: dict[str, tuple[str, st.SearchStrategy[Any]]] = {
    "Industry": ("text", st.sampled_from(["Software", "software", "Energy", "Finance", "Nope"])),
    "Country": ("text", st.sampled_from(["US", "us", "DE", "IE", "FR", "ZZ"])),
    "Company": ("text", st.sampled_from(["Acme", "acme", "Zeta", "a_b", "B", "zz"])),
    "NumberOfEmployees": ("number", st.sampled_from([0, 10, 199, 200, 250, 1000, 5000])),
    "AnnualRevenue": ("number", st.sampled_from([0.0, 1.5, 1e6, 2e6, 5e6, 5e7])),
    "IsConverted": ("bool", st.booleans()),
    "SystemModstamp": ("datetime", st.sampled_from([
        "2024-04-30T23:59:59Z", "2024-05-01T00:00:00Z", "2024-05-05T12:00:00Z",
        "2024-05-09T00:00:00Z", "2024-05-10T08:00:00Z"])),
}  # fmt: skip


def _soql_literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith("2024-"):
        return value
    if isinstance(value, str):
        return "'" + value + "'"
    return repr(value)


def _comparable(kind: str, value: Any) -> Any:
    """Map a stored or literal value onto one Python ordering that matches Salesforce's."""
    if value is None:
        return None
    if kind == "text":
        return value.lower()
    if kind == "datetime":
        return value[:19]  # both '2024-05-01T00:00:00Z' and the stored text start alike
    if kind == "bool":
        return bool(value)
    return value


_OPS = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}  # fmt: skip


@st.composite
def _leaf(draw: st.DrawFn) -> tuple[str, Any]:
    name = draw(st.sampled_from(sorted(_FIELDS)))
    kind, values = _FIELDS[name]
    shape = draw(st.sampled_from(["cmp", "null", "in"]))
    if shape == "null":
        op = draw(st.sampled_from(["=", "!="]))

        def is_null(row: dict[str, Any]) -> bool:
            # Salesforce: on a boolean field `= null` means false, `!= null` means true.
            null = not row[name] if kind == "bool" else row[name] is None
            return null if op == "=" else not null

        return f"{name} {op} null", is_null
    if shape == "in" and kind != "bool":
        items = draw(st.lists(values, min_size=1, max_size=3))
        negated = draw(st.booleans())
        text = f"{name} {'NOT IN' if negated else 'IN'} ({', '.join(map(_soql_literal, items))})"
        wanted = {_comparable(kind, v) for v in items}

        def in_list(row: dict[str, Any]) -> bool:
            value = _comparable(kind, row[name])
            hit = value is not None and value in wanted
            return not hit if negated else hit

        return text, in_list
    op = draw(st.sampled_from(["=", "!="] if kind == "bool" else sorted(_OPS)))
    value = draw(values)

    def compare(row: dict[str, Any]) -> bool:
        left = _comparable(kind, row[name])
        hit = left is not None and _OPS["=" if op == "!=" else op](left, _comparable(kind, value))
        return not hit if op == "!=" else hit

    return f"{name} {op} {_soql_literal(value)}", compare


def _tree(depth: int) -> st.SearchStrategy[tuple[str, Any]]:
    if depth == 0:
        return _leaf()
    sub = _tree(depth - 1)

    @st.composite
    def node(draw: st.DrawFn) -> tuple[str, Any]:
        kind = draw(st.sampled_from(["leaf", "and", "or", "not"]))
        if kind == "leaf":
            return draw(_leaf())
        if kind == "not":
            text, pred = draw(sub)
            return f"NOT ({text})", lambda row: not pred(row)
        parts = draw(st.lists(sub, min_size=2, max_size=3))
        joiner = " AND " if kind == "and" else " OR "
        combine = all if kind == "and" else any
        return (
            joiner.join(f"({t})" for t, _ in parts),
            lambda row: combine(p(row) for _, p in parts),
        )

    return node()


@pytest.fixture(name="soql_rows", scope="module")
def _soql_rows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(tmp_path_factory.mktemp("soql_prop") / "org.sqlite3")
    schema.create_tables(conn)
    for row in LEADS:
        _insert(conn, "Lead", row)
    conn.commit()
    yield conn
    conn.close()


@settings(max_examples=150, deadline=None)
@given(where=_tree(3))
def test_random_where_trees_match_python_evaluation(soql_rows, where):
    """Random AND/OR/NOT trees of comparisons and IN lists select what a Python filter selects."""
    text, predicate = where
    expected = sorted(
        row["Id"] for row in LEADS
        if not row.get("IsDeleted") and predicate({**dict.fromkeys(_FIELDS), **row})
    )  # fmt: skip

    got = sorted(_ids(run_soql(soql_rows, f"SELECT Id FROM Lead WHERE {text}", now=NOW)))

    assert expected == got, text

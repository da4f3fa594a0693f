from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from sfsync.backfill.estimate import COLLECTION_LIMIT, INGEST_JOB_CALLS, plan_writes
from sfsync.backfill.report import csv_safe, iter_csv_rows
from sfsync.backfill.scope import Slice, combine_where, month_slices, validate_where
from sfsync.errors import ConfigError


@pytest.mark.parametrize(
    "condition",
    [
        "LeadSource = 'Web'",
        "  Industry IN ('Software', 'Healthcare') AND NumberOfEmployees >= 200 ",
        "(Country = 'US' OR Country = 'CA') AND IsConverted = false",
        "CreatedDate >= 2025-01-01T00:00:00Z AND CreatedDate < LAST_N_DAYS:30",
        "Title LIKE '%VP%'",
        "Company = 'O\\'Brien; SELECT (LIMIT)'",
        "AnnualRevenue > 5000000.50",
        "ConvertedDate = 2025-03-01",
    ],
)
def test_validate_where_accepts_conditions(condition: str) -> None:
    """Ordinary conditions pass (strings may hold anything) and come back stripped."""
    assert condition.strip() == validate_where(condition)


@pytest.mark.parametrize(
    ("condition", "why"),
    [
        ("", "empty condition"),
        ("LeadSource = 'Web'; DELETE", "';'"),
        ("LeadSource = 'Web' LIMIT 5", "'LIMIT' is not allowed"),
        ("Id != null) OR (Id != null", "')' closes nothing"),
        ("(LeadSource = 'Web'", "unclosed '('"),
        ("LeadSource = 'Web", "unterminated string literal"),
        ("Id IN (SELECT LeadId FROM CampaignMember)", "'SELECT' is not allowed"),
        ("LeadSource = :source", "':'"),
        ("LeadSource = 'Web' ORDER BY Name", "'ORDER' is not allowed"),
        ("IsConverted = false FOR UPDATE", "'FOR' is not allowed"),
        ('LeadSource = "Web"', "'\"'"),
        ("LeadSource", "not a condition"),
        ("x" * 4001 + " = 1", "characters"),
    ],
)
def test_validate_where_rejects_dangerous_input(condition: str, why: str) -> None:
    """Anything that could end the condition or change the query is refused, saying why."""
    with pytest.raises(ConfigError) as info:
        validate_where(condition)
    assert why in str(info.value)
    assert str(info.value).startswith("--where")


def test_month_slices_cover_every_created_date() -> None:
    """Month slices are contiguous, open at both ends, and one slice when all is one month."""
    slices = month_slices(
        datetime(2025, 11, 14, 9, tzinfo=UTC), datetime(2026, 2, 3, 1, tzinfo=UTC)
    )
    assert [
        Slice(None, datetime(2025, 12, 1, tzinfo=UTC)),
        Slice(datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)),
        Slice(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)),
        Slice(datetime(2026, 2, 1, tzinfo=UTC), None),
    ] == slices
    assert [s.label for s in slices] == ["… 2025-11", "2025-12", "2026-01", "2026-02 …"]
    assert [Slice()] == month_slices(
        datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 2, 28, tzinfo=UTC)
    )
    assert slices[1] == Slice.from_json(json.loads(json.dumps(slices[1].to_json())))


def test_slice_condition_and_combined_scope() -> None:
    """A slice is a CreatedDate range ANDed, in parentheses, with the --where scope."""
    part = Slice(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
    assert combine_where("LeadSource = 'Web'", part.condition()) == (
        "(LeadSource = 'Web') AND "
        "(CreatedDate >= 2026-01-01T00:00:00Z AND CreatedDate < 2026-02-01T00:00:00Z)"
    )
    assert combine_where(None, Slice().condition()) is None
    assert combine_where("LeadSource = 'Web'", None) == "LeadSource = 'Web'"


def test_plan_writes_counts_collections_and_bulk_jobs() -> None:
    """Up to the bulk threshold one request per 200 records; above it one Bulk job."""
    records = [{"Id": f"00Q{i:015d}", "SFS_Score__c": i % 100} for i in range(450)]
    collections = plan_writes(records, bulk_write_threshold=2000)
    assert (collections.calls, collections.ingest_jobs) == (3, 0)
    assert COLLECTION_LIMIT == 200
    bulk = plan_writes(records, bulk_write_threshold=100)
    assert (bulk.calls, bulk.ingest_jobs) == (INGEST_JOB_CALLS, 1)
    # The CSV: a header line plus one line per record, ids are 18 characters.
    assert (
        len("Id,SFS_Score__c\n") + sum(19 + len(str(i % 100)) + 1 for i in range(450))
        == bulk.upload_bytes
    )
    assert plan_writes([], bulk_write_threshold=1).calls == 0


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+25 Title: VP", "'+25 Title: VP"),
        ("-10 Free-mail address", "'-10 Free-mail address"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("Sales Ready", "Sales Ready"),
        ("", ""),
    ],
)
def test_csv_safe_defuses_formulas(text: str, safe: str) -> None:
    """Cells starting with = + - @ tab or CR get a leading quote; others are unchanged."""
    assert safe == csv_safe(text)


def test_csv_rows_render_values_for_people() -> None:
    """None is empty, booleans true/false, whole floats without .0, all made safe."""
    change = {
        "Id": "00Q000000000001AAA",
        "changes": {
            "SFS_Score__c": {"old": 75.0, "new": 80},
            "SFS_Needs_Follow_Up__c": {"old": None, "new": True},
            "SFS_Reasons__c": {"old": None, "new": "+25 Title: VP\n-10 Free-mail address"},
        },
    }
    assert list(iter_csv_rows([change])) == [
        ("00Q000000000001AAA", "SFS_Score__c", "75", "80"),
        ("00Q000000000001AAA", "SFS_Needs_Follow_Up__c", "", "true"),
        ("00Q000000000001AAA", "SFS_Reasons__c", "", "'+25 Title: VP\n-10 Free-mail address"),
    ]

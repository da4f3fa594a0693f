from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from sfsync.salesforce.records import (
    WriteResult,
    csv_cell,
    csv_line,
    csv_row_converter,
    field_types,
    ingest_columns,
    ingest_row,
    parse_bulk_error,
    rest_value,
    result_from_save,
    strip_attributes,
)
from tests.salesforce.conftest import payload, payload_text


def test_strip_attributes_nested_and_children() -> None:
    """attributes go from the record, its parents and its child records."""
    record = payload("query_lead_with_child_tasks.json")["records"][0]
    clean = strip_attributes(record)
    assert "attributes" not in clean
    assert {"Id", "TaskSubtype", "Status", "ActivityDate"} == set(clean["Tasks"]["records"][0])
    owner = strip_attributes(payload("query_lead_first_page.json")["records"][0])["Owner"]
    assert owner == {"Name": "Alice Owner"}


def test_result_from_save_partial_response() -> None:
    """SaveResults map by position; a failure without id takes the request's id."""
    items = payload("composite_sobjects_update_response_partial.json")
    ids = ["00Q5g00000AbCdEFGH", "00Q5g00000ZzYyXXAA", "00Q5g00000BadIdAAA"]
    results = [result_from_save(i, item) for i, item in zip(ids, items, strict=True)]
    assert [
        WriteResult("00Q5g00000AbCdEFGH", True),
        WriteResult(
            "00Q5g00000ZzYyXXAA",
            False,
            "UNABLE_TO_LOCK_ROW",
            "unable to obtain exclusive access to this record or 1 records: 00Q5g00000ZzYyXXAA",
        ),
        WriteResult(
            "00Q5g00000BadIdAAA",
            False,
            "MALFORMED_ID",
            "Lead ID: id value of incorrect type: 00Q5g00000BadIdAAA",
            ("Id",),
        ),
    ] == results


def test_parse_bulk_error_recorded_row() -> None:
    """sf__Error splits into code, message (with its own colons) and fields."""
    row = next(csv.DictReader(io.StringIO(payload_text("bulk2_ingest_failedResults.csv"))))
    assert parse_bulk_error(row["sf__Error"]) == (
        "UNABLE_TO_LOCK_ROW",
        "unable to obtain exclusive access to this record or 1 records: 00Q5g00000LoCkEdAA",
        (),
    )


def test_parse_bulk_error_with_fields_and_bare_code() -> None:
    """Field lists are kept; a bare code still parses."""
    assert (parse_bulk_error("REQUIRED_FIELD_MISSING:Required fields are missing:LastName --")) == (
        "REQUIRED_FIELD_MISSING",
        "Required fields are missing",
        ("LastName",),
    )
    assert parse_bulk_error("SOMETHING") == ("SOMETHING", "", ())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "#N/A"),
        ("", "#N/A"),
        (True, "true"),
        (0, "0"),
        (87.5, "87.5"),
        ('Webinar "Q3"', 'Webinar "Q3"'),
        (datetime(2024, 5, 1, 10, 0, 0, 123_456, tzinfo=UTC), "2024-05-01T10:00:00.123Z"),
        (date(2024, 5, 1), "2024-05-01"),
    ],
)
def test_csv_cell(value: object, expected: str) -> None:
    """Ingest cells use #N/A for null and Salesforce's literal formats."""
    assert expected == csv_cell(value)


def test_csv_cell_rejects_naive_datetime() -> None:
    """A naive datetime is refused rather than guessed."""
    with pytest.raises(ValueError):
        csv_cell(datetime(2024, 5, 1))


def test_ingest_csv_matches_recorded_upload() -> None:
    """The generated CSV equals the recorded upload body byte for byte."""
    records = [
        {
            "Id": "00Q5g00000AbCdEFGH",
            "Lead_Score__c": 87,
            "Score_Reasons__c": "Visited pricing page; 2 completed calls",
            "Sales_Touches__c": 2,
        },
        {
            "Id": "00Q5g00000ZzYyXXAA",
            "Lead_Score__c": 12,
            "Score_Reasons__c": None,
            "Sales_Touches__c": 0,
        },
        {
            "Id": "00Q5g00000LoCkEdAA",
            "Lead_Score__c": 55,
            "Score_Reasons__c": 'Webinar "Q3" attendee',
            "Sales_Touches__c": 1,
        },
    ]
    columns = ingest_columns(records)
    body = csv_line(columns) + b"".join(csv_line(ingest_row(r, columns)) for r in records)
    expected = payload_text("bulk2_ingest_upload_body.csv").replace(
        '"Visited pricing page; 2 completed calls"', "Visited pricing page; 2 completed calls"
    )
    assert expected.encode() == body


def test_ingest_row_leaves_fields_a_record_does_not_mention_empty() -> None:
    """A field another record names is an empty cell (unchanged); None is #N/A (null)."""
    records = [{"Id": "00Q1", "A__c": "x", "B__c": None}, {"Id": "00Q9"}]
    columns = ingest_columns(records)
    assert ["Id", "A__c", "B__c"] == columns
    assert [["00Q1", "x", "#N/A"], ["00Q9", "", ""]] == [ingest_row(r, columns) for r in records]


def test_ingest_csv_requires_ids() -> None:
    """A record without Id cannot be updated."""
    with pytest.raises(ValueError, match="Id"):
        ingest_row({"A__c": 1}, ["Id", "A__c"])


def _convert(row: dict[str, str], types: dict[str, str]) -> dict[str, object]:
    return csv_row_converter(list(row), types)(row)


def test_csv_rows_convert_to_the_rest_shape() -> None:
    """CSV strings become typed values; parent columns nest, or None when all empty."""
    types = field_types(payload("describe_lead_response_trimmed.json")) | {
        "Owner.Name": "string",
        "IsConverted": "boolean",
        "NumberOfEmployees": "int",
    }
    rows = list(csv.DictReader(io.StringIO(payload_text("bulk2_query_results_page1.csv"))))
    assert _convert(rows[0], types) == {
        "Id": "00Q5g00000AbCdEFGH",
        "Email": "jane.doe@example.com",
        "Status": "Open - Not Contacted",
        "Owner": {"Name": "Alice Owner"},
        "SystemModstamp": "2024-05-01T09:15:42.000+0000",
    }
    assert {k: v for k, v in _convert(rows[1], types).items() if k in {"Email", "Owner"}} == {
        "Email": None,
        "Owner": None,
    }
    row = {
        "IsConverted": "false",
        "NumberOfEmployees": "250",
        "Lead_Score__c": "42.5",
        "Other": "7",
    }
    assert _convert(row, types) == {
        "IsConverted": False,
        "NumberOfEmployees": 250,
        "Lead_Score__c": 42.5,
        "Other": "7",
    }


def test_rest_value() -> None:
    """Datetimes and Decimals become JSON-ready; other values pass through."""
    from decimal import Decimal

    assert rest_value(datetime(2024, 5, 1, 10, tzinfo=UTC)) == "2024-05-01T10:00:00.000Z"
    assert rest_value(Decimal("1.5")) == 1.5
    assert rest_value(True) is True

"""Salesforce datetimes: every form reads as one UTC moment, each channel's form is written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sfsync.values.datetimes import (
    bulk_to_rest_datetime,
    format_bulk_datetime,
    format_sf_datetime,
    format_soql_datetime,
    parse_sf_datetime,
    to_datetime,
)

MOMENT = datetime(2026, 11, 20, 10, 0, 0, 123_456, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-20T10:00:00.000+0000",
        "2026-11-20T10:00:00Z",
        "2026-11-20T10:00:00.000+00:00",
        "2026-11-20T12:00:00.000+0200",
        " 2026-11-20T10:00:00.000+0000 ",
        "2026-11-20T10:00:00",
    ],
)
def test_datetime_forms(text: str) -> None:
    """Salesforce's datetime forms (and a time without offset) all read as the same UTC moment."""
    assert datetime(2026, 11, 20, 10, tzinfo=UTC) == to_datetime(text)
    assert datetime(2026, 11, 20, 10, tzinfo=UTC) == parse_sf_datetime(text)


def test_a_date_alone_is_midnight_utc() -> None:
    """A Date field's value reads as the start of that day in UTC."""
    assert datetime(2026, 11, 20, tzinfo=UTC) == to_datetime("2026-11-20")


def test_malformed_datetimes_are_none() -> None:
    """Malformed or wrong-typed dates read as None instead of raising."""
    assert [to_datetime(v) for v in ("yesterday", 17, "2026-13-01", None)] == [None] * 4


def test_parse_sf_datetime_refuses_what_is_no_datetime() -> None:
    """A watermark or stored moment that is no datetime is an error, not None."""
    with pytest.raises(ValueError, match="yesterday"):
        parse_sf_datetime("yesterday")


def test_aware_and_naive_datetimes_read_as_utc() -> None:
    """A datetime value passes through; a naive one is taken as UTC."""
    berlin = datetime(2026, 11, 20, 11, tzinfo=timezone(timedelta(hours=1)))
    assert berlin == to_datetime(berlin)
    assert datetime(2026, 11, 20, tzinfo=UTC) == to_datetime(datetime(2026, 11, 20))


def test_each_channel_gets_its_own_form() -> None:
    """REST/JSON `+0000` with ms, Bulk CSV `Z` with ms, SOQL literal `Z` in whole seconds."""
    berlin = MOMENT.astimezone(timezone(timedelta(hours=1)))
    assert "2026-11-20T10:00:00.123+0000" == format_sf_datetime(berlin)
    assert "2026-11-20T10:00:00.123Z" == format_bulk_datetime(berlin)
    assert "2026-11-20T10:00:00Z" == format_soql_datetime(berlin)


def test_written_forms_read_back_as_the_same_millisecond() -> None:
    """What sfsync writes reads back as the moment it wrote (to the millisecond)."""
    expected = MOMENT.replace(microsecond=123_000)
    assert expected == to_datetime(format_sf_datetime(MOMENT))
    assert expected == to_datetime(format_bulk_datetime(MOMENT))


def test_bulk_csv_datetimes_become_the_rest_form() -> None:
    """A Bulk API CSV datetime becomes the text the REST API returns for the same value."""
    assert "2026-11-20T10:00:00.000+0000" == bulk_to_rest_datetime("2026-11-20T10:00:00.000Z")
    assert "2026-11-20" == bulk_to_rest_datetime("2026-11-20")

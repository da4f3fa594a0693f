"""Reference moments and the split by time: which leads teach, when, and which judge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sfsync.tune.training import (
    LeadDates,
    latest_moment,
    lead_dates,
    plan_references,
    split_by_time,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
H = timedelta(days=14)


def day(offset: float) -> datetime:
    """NOW plus *offset* days."""
    return NOW + timedelta(days=offset)


def test_converted_lead_is_judged_horizon_before_its_conversion_day() -> None:
    """A converted lead's reference moment is the horizon before the start of its day."""
    dates = [LeadDates("00Q1", day(-100), day(-30).replace(hour=0))]

    plan = plan_references(dates, now=NOW, horizon=H)

    assert plan.references["00Q1"].at == day(-44).replace(hour=0)
    assert plan.references["00Q1"].converted is True


def test_fast_converter_is_judged_at_creation() -> None:
    """A lead that converted within the horizon is judged when it was created, never later."""
    dates = [LeadDates("00Q1", day(-40), day(-35).replace(hour=0))]

    plan = plan_references(dates, now=NOW, horizon=H)

    assert day(-40) == plan.references["00Q1"].at


def test_open_leads_get_a_converted_leads_age_the_same_way_every_run() -> None:
    """Open leads are judged at an age drawn from converters' ages, fixed by their Id."""
    converters = [
        LeadDates(f"00QC{i}", day(-300), day(-300 + 20 + i).replace(hour=0)) for i in range(5)
    ]
    ages = {
        r_at - day(-300)
        for r_at in (
            plan_references(converters, now=NOW, horizon=H).references[c.lead_id].at
            for c in converters
        )
    }
    opens = [LeadDates(f"00QO{i}", day(-200), None) for i in range(40)]

    first = plan_references(converters + opens, now=NOW, horizon=H)
    again = plan_references(list(reversed(converters + opens)), now=NOW, horizon=H)

    assert first.references == again.references
    assert {first.references[o.lead_id].at - day(-200) for o in opens} <= ages
    assert len({first.references[o.lead_id].at for o in opens}) > 1
    assert not any(first.references[o.lead_id].converted for o in opens)


def test_open_lead_too_young_to_judge_is_left_out() -> None:
    """An open lead that has not stayed open for the horizon past its drawn age is left out."""
    converters = [LeadDates("00QC", day(-300), day(-200).replace(hour=0))]  # age ~86 days
    young = LeadDates("00QY", day(-50), None)

    plan = plan_references([*converters, young], now=NOW, horizon=H)

    assert "00QY" not in plan.references
    assert plan.too_recent == 1


def test_future_is_unknown_as_of_now() -> None:
    """Converted after `now` counts as open; created after `now` does not exist yet."""
    converters = [LeadDates("00QC", day(-300), day(-280).replace(hour=0))]
    later = LeadDates("00QL", day(-200), day(10).replace(hour=0))
    unborn = LeadDates("00QU", day(5), None)

    plan = plan_references([*converters, later, unborn], now=NOW, horizon=H)

    assert plan.references["00QL"].converted is False
    assert "00QU" not in plan.references
    assert plan.undated == 1


def test_conversion_before_creation_is_left_out() -> None:
    """A lead converted days before it was created cannot be judged before converting."""
    converters = [LeadDates("00QC", day(-300), day(-280).replace(hour=0))]
    backwards = LeadDates("00QB", day(-100), day(-120).replace(hour=0))
    same_day = LeadDates("00QS", day(-100).replace(hour=15), day(-100).replace(hour=0))

    plan = plan_references([*converters, backwards, same_day], now=NOW, horizon=H)

    assert "00QB" not in plan.references
    assert plan.references["00QS"].at == same_day.created
    assert plan.undated == 1


def test_lead_dates_reads_salesforce_shapes() -> None:
    """CreatedDate and a converted lead's ConvertedDate (a date) are read; others are None."""
    lead = {
        "Id": "00Q1",
        "CreatedDate": "2026-01-02T03:04:05.000+0000",
        "IsConverted": "true",
        "ConvertedDate": "2026-02-03",
    }

    dates = lead_dates(lead)

    assert dates == LeadDates(
        "00Q1", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), datetime(2026, 2, 3, tzinfo=UTC)
    )
    assert lead_dates({"Id": "00Q2"}) is None
    assert lead_dates({**lead, "ConvertedDate": None}) is None  # converted, but when?
    assert lead_dates({**lead, "IsConverted": False}).converted is None  # type: ignore[union-attr]


def test_latest_moment_is_the_newest_creation_or_conversion() -> None:
    """The default `now` comes from the data, so a rerun on the same mirror is the same."""
    dates = [LeadDates("a", day(-10), None), LeadDates("b", day(-20), day(-2))]

    assert day(-2) == latest_moment(dates)
    assert latest_moment([]) is None


def test_split_trains_on_older_and_tests_on_newer_leads() -> None:
    """The newest share is held out; a moment shared by several leads is never split."""

    class Ref:
        def __init__(self, at: datetime, lead_id: str) -> None:
            self.at, self.lead_id = at, lead_id

    refs = [Ref(day(-i // 2), f"{i:03d}") for i in range(20, 0, -1)]
    refs.sort(key=lambda r: (r.at, r.lead_id))

    split = split_by_time(refs, 0.3)

    assert max(refs[i].at for i in split.train) < min(refs[i].at for i in split.holdout)
    assert split.cutoff == refs[split.holdout[0]].at
    assert sorted(split.train + split.holdout) == list(range(20))
    assert 5 <= len(split.holdout) <= 7


def test_split_rejects_a_holdout_outside_zero_and_one() -> None:
    """A holdout share must be a proper fraction."""
    with pytest.raises(ValueError, match="between 0 and 1"):
        split_by_time([], 1.0)

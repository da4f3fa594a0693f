"""`contributions` reads each criterion exactly as `qualify` scores it (golden sample)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sfsync.errors import RecordError
from sfsync.scoring import qualify
from sfsync.scoring.contributions import MET, NO_BAND, contributions
from tests.scoring.factories import with_lead_score
from tests.scoring.test_golden import GOLDEN_CASES, definition


@pytest.mark.parametrize("case", GOLDEN_CASES, ids=[c["case"] for c in GOLDEN_CASES])
def test_contributions_agree_with_the_explanation(case: dict[str, Any]) -> None:
    """Bands, adjustments, BANT, decayed signal points and the last hand-raise match qualify."""
    c = definition(case["definition"])
    now = datetime.fromisoformat(case["now"])
    q = qualify(
        case["lead"],
        case["activities"],
        c,
        now=now,
        users=case["users"],
        integration_user_id=case["integration_user_id"],
    )
    k = contributions(case["lead"], case["activities"], c, now=now)
    ex = q.explanation

    fit_items = [i for i in ex.fit if i.kind in ("account", "person")]
    points = [
        0 if band == NO_BAND else crit.bands[band].points
        for crit, band in zip(c.criteria, k.bands, strict=True)
    ]
    assert [i.points for i in fit_items] == points
    assert [i.outcome != "unknown" for i in fit_items] == list(k.known)
    adjustments = [i.outcome == "matched" for i in ex.fit if i.kind == "adjustment"]
    assert adjustments == list(k.adjustments)
    assert any(i.outcome == "matched" for i in ex.fit if i.kind == "disqualifier") == k.disqualified
    assert [b.outcome for b in ex.bant] == list(k.bant)
    assert q.bant == sum(1 for b in k.bant if b == MET)
    decayed = {t.signal: t.decayed for t in ex.signal_totals}
    for signal, weighted, count in zip(c.signals, k.occurrences, k.counts, strict=True):
        assert signal.points * weighted == pytest.approx(decayed.get(signal.name, 0.0), abs=1e-9)
        assert count == sum(1 for s in ex.signals if s.signal == signal.name)
    hand_raises = [s.at for s in ex.signals if s.hand_raise]
    assert k.last_hand_raise == max(hand_raises, default=None)


def test_contributions_need_a_lead_id() -> None:
    """A lead without a usable Id is a RecordError, as in qualify."""
    case = GOLDEN_CASES[0]
    with pytest.raises(RecordError):
        contributions(
            {"Id": "  "},
            {},
            definition(case["definition"]),
            now=datetime.fromisoformat(case["now"]),
        )


def test_a_signal_kept_on_the_lead_counts_as_in_qualify() -> None:
    """A score the Lead keeps (`object: Lead`) fires once its date has passed, as in qualify."""
    c = with_lead_score(60)
    lead = {
        "Id": "00Q000000000001AAA",
        "Industry": "Software",
        "pi__score__c": 75,
        "pi__last_activity__c": "2026-11-10T09:00:00.000+0000",
    }
    rank = [s.name for s in c.signals].index("ma_score")

    for now, fired in (
        (datetime(2026, 11, 20, tzinfo=UTC), 1),
        (datetime(2026, 11, 1, tzinfo=UTC), 0),
    ):
        k = contributions(lead, {}, c, now=now)
        q = qualify(lead, {}, c, now=now)
        assert k.counts[rank] == fired
        assert sum(1 for s in q.explanation.signals if s.signal == "ma_score") == fired

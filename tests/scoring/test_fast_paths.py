"""
The engine's fast paths give what the plain definitions give: compiled text comparisons,
email domains and date parsing against their reference readings, and the lazily built
explanation against an eagerly built one.
"""

from __future__ import annotations

import copy
import math
import pickle
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfsync.definition import conditions
from sfsync.definition.condition_model import Condition
from sfsync.definition.conditions import canonical, compile_value_test
from sfsync.scoring import Explanation, qualify
from sfsync.values.datetimes import to_datetime

from .factories import NOW, USERS, days_ago, default_definition, make_lead, sf_time

FAST = settings(max_examples=150, deadline=None)

words = st.sampled_from(["Completed", " completed ", "COMPLETED", "Call", "call", "", "  ", "ß"])
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True),
    words,
    st.text(max_size=8),
    st.lists(st.integers(), max_size=2),
)
operands = st.lists(st.one_of(words, st.booleans(), st.text(max_size=6)), max_size=4)


@FAST
@given(operands, values, st.sampled_from(["in", "not_in"]))
def test_text_membership_matches_its_reference(operand: list[Any], value: Any, op: str) -> None:
    """in/not_in on text and booleans: the compiled test is the canonical-key comparison."""
    test = compile_value_test(Condition.model_validate({op: operand}))
    keys = {k for k in (canonical(x, numeric=False) for x in operand) if k is not None}
    key = canonical(value, numeric=False)
    expected = key in keys if op == "in" else key is not None and key not in keys
    assert test(value, NOW) is expected


@FAST
@given(
    st.lists(st.sampled_from(["gmail.com", "Acme.example", "mail.example"]), max_size=3),
    st.one_of(st.none(), st.integers(), st.text(max_size=12), st.from_regex(r"[a-z]*@[A-Za-z.]*")),
)
def test_email_domains_match_their_reference(domains: list[str], value: Any) -> None:
    """email_domain_in: the domain after @ is listed, or a subdomain of a listed one."""
    test = compile_value_test(Condition.model_validate({"email_domain_in": domains}))
    listed = {d.lower() for d in domains}
    domain = (
        value.strip().rsplit("@", 1)[1].strip().lower().rstrip(".")
        if isinstance(value, str) and "@" in value
        else ""
    )
    expected = bool(domain) and (domain in listed or any(domain.endswith("." + d) for d in listed))
    assert test(value, NOW) is expected


def reference_datetime(value: Any) -> datetime | None:
    """to_datetime as documented, without its fast path."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))]),
)


@FAST
@given(
    st.one_of(
        moments.map(sf_time),
        moments.map(lambda m: m.isoformat()),
        moments.map(lambda m: " " + m.date().isoformat() + " "),
        moments.map(lambda m: m.strftime("%Y-%m-%dT%H:%M:%S.%f%z")),
        moments,
        st.text(max_size=12),
        st.none(),
        st.integers(),
    )
)
def test_datetimes_read_as_their_reference(value: Any) -> None:
    """The fast path of to_datetime gives the general path's instant, tzinfo and fields."""
    got, expected = to_datetime(value), reference_datetime(value)
    assert got == expected
    if got is not None and expected is not None:
        assert (got.isoformat(), got.tzinfo) == (expected.isoformat(), expected.tzinfo)


def busy_lead() -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """A Sales Ready lead with signals, touches and an undated record."""
    acts: dict[str, list[dict[str, Any]]] = {
        "Web_Activity__c": [
            {"Id": f"a01{n}", "Url__c": "/pricing", "Visited_At__c": sf_time(days_ago(n))}
            for n in range(3)
        ]
        + [{"Id": "a019", "Url__c": "/", "Visited_At__c": "soon"}],
        "Task": [
            {
                "Id": f"00T{n}",
                "Type": "Call",
                "Status": "Completed",
                "Subject": "Call",
                "CreatedById": next(iter(USERS)),
                "CreatedDate": sf_time(days_ago(n + 0.5)),
            }
            for n in range(2)
        ],
    }
    return make_lead(), acts


def test_lazy_explanation_behaves_as_an_explanation() -> None:
    """It equals, hashes, prints, copies and pickles like the Explanation it stands for."""
    lead, acts = busy_lead()
    first = qualify(lead, acts, default_definition(), now=NOW, users=USERS)
    second = qualify(lead, acts, default_definition(), now=NOW, users=USERS)
    ex = first.explanation
    assert isinstance(ex, Explanation)
    assert ex.status == first.reasons[0]
    assert [t.signal for t in ex.signal_totals] == ["pricing_page_view"]
    assert len(ex.touches) == 2
    assert ex.ignored == ("1 Web_Activity__c record without a valid Visited_At__c ignored",)
    plain = Explanation(
        ex.fit, ex.signals, ex.signal_totals, ex.bant, ex.status, ex.touches, ex.ignored
    )
    assert ex == plain
    assert plain == ex
    assert hash(ex) == hash(plain) == hash(second.explanation)
    assert repr(second.explanation) == repr(plain)
    assert type(pickle.loads(pickle.dumps(second)).explanation) is Explanation
    assert copy.deepcopy(second).explanation == plain
    assert math.isclose(sum(s.decayed for s in ex.signals), ex.signal_totals[0].decayed)


titles = st.one_of(
    st.sampled_from(["VP Sales", "vp sales", " CEO ", "Head of IT", "Intern", "", "\u017ftudent"]),
    st.text(max_size=12),
    st.none(),
    st.integers(),
)


@FAST
@given(st.lists(titles, max_size=30), st.sampled_from([r"\b(vp|head of)\b", r"^email (opened):"]))
def test_memoised_matches_give_the_plain_search(texts: list[Any], pattern: str) -> None:
    """A `matches` test answers as a fresh regex search, however often a text repeats."""
    test = compile_value_test(Condition.model_validate({"matches": pattern}))
    search = re.compile(pattern, re.IGNORECASE).search
    for text in [*texts, *texts]:
        assert test(text, NOW) is (isinstance(text, str) and search(text) is not None)


def test_matches_memo_is_bounded_and_counts_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The memo holds at most MEMO_SIZE texts; with MATCH_STATS set it counts its lookups."""
    stats: list[conditions.MatchStats] = []
    monkeypatch.setattr(conditions, "MEMO_SIZE", 3)
    monkeypatch.setattr(conditions, "MATCH_STATS", stats)
    test = compile_value_test(Condition.model_validate({"matches": r"\bvp\b"}))
    answers = [test(text, NOW) for text in ["VP", "vp x", "CEO", "a", "VP", "VP", 7]]
    assert answers == [True, True, False, False, True, True, False]
    (memo,) = stats
    # "VP" was forgotten when the memo, full at 3 texts, started over at "a"
    assert (memo.pattern, memo.hits, memo.misses) == (r"\bvp\b", 1, 5)

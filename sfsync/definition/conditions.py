"""
The closed set of condition operators, compiled once into plain predicates.

A *value predicate* tests one lead input: `test(value, now) -> bool`. A *record predicate*
tests an activity record in Salesforce's JSON shape: `test(record, now) -> bool`, reading
its `field` (parent fields nested, as `{"Campaign": {"Type": "Webinar"}}`).

Salesforce data is messy, so every predicate is total: it never raises. Values are read
leniently: text ignores case and surrounding whitespace, numbers may arrive as text ("250",
"1,000"), booleans as "true"/"false", datetimes in any of Salesforce's forms
("2026-11-20T10:00:00.000+0000", "...Z", "...+00:00", or a date "2026-11-20"). A value that
cannot be read as what the operator needs does not match (blank never matches, except for
`known: false`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sfsync.definition.condition_model import Condition
from sfsync.values.datetimes import to_datetime

ValueTest = Callable[[Any, datetime], bool]
RecordTest = Callable[[Mapping[str, Any], datetime], bool]


def clean(value: Any) -> Any:
    """
    Return *value* with blanks made None: stripped text, finite numbers and booleans pass,
    anything else (lists, dicts, NaN, blank text) is None.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return None


def to_number(value: Any) -> float | None:
    """Read a number from a number or text ("250", "1,000.5"); None when it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("_", "")
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def to_text(value: Any) -> str | None:
    """The canonical text of a value for comparisons: casefolded, numbers without `.0`."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        text = value.strip().casefold()
        return text or None
    return None


def canonical(value: Any, *, numeric: bool) -> str | None:
    """The comparison key of a value; with *numeric*, text that reads as a number counts as one."""
    if numeric and isinstance(value, str):
        number = to_number(value)
        if number is not None:
            return to_text(number)
    return to_text(value)


def _domain(value: Any) -> str | None:
    if not isinstance(value, str) or "@" not in value:
        return None
    domain = value.strip().rsplit("@", 1)[1].strip().lower().rstrip(".")
    return domain or None


def compile_value_test(cond: Condition) -> ValueTest:
    """Compile a condition on a lead input into `test(value, now) -> bool`."""
    children = [compile_value_test(child) for child in cond.children()]
    if cond.all is not None:
        return _all(children)
    if cond.any is not None:
        return _any(children)
    if cond.not_ is not None:
        inner = children[0]
        return lambda v, now: not inner(v, now)
    return _leaf(cond)


def compile_record_test(cond: Condition) -> RecordTest:
    """Compile a condition on an activity record into `test(record, now) -> bool`."""
    children = [compile_record_test(child) for child in cond.children()]
    if cond.all is not None:
        return _all(children)
    if cond.any is not None:
        return _any(children)
    if cond.not_ is not None:
        inner = children[0]
        return lambda r, now: not inner(r, now)
    # Leaves read raw values leniently themselves (blank text never matches), so no clean().
    path = cond.field or ""
    parts = path.split(".")
    keys = _text_keys(cond)
    if keys and len(parts) <= 2:
        return _record_in(parts, keys)  # the hot leaves, with the field read inline
    if cond.operator == "matches" and len(parts) == 1 and _anchored(str(cond.operand)):
        search = re.compile(str(cond.operand), re.IGNORECASE).search
        name = parts[0]
        return lambda r, now: isinstance(v := r.get(name), str) and search(v) is not None
    leaf = _leaf(cond)
    if "." not in path:  # the common case, without the getter's extra call
        return lambda r, now: leaf(r.get(path), now)
    get = field_getter(path)
    return lambda r, now: leaf(get(r), now)


def _record_in(parts: list[str], keys: frozenset[str]) -> RecordTest:
    """`_leaf`'s text `equals`/`in` test on the record's field *parts* (`Type`,
    `Campaign.Type`), in one call."""
    if_true, if_false = "true" in keys, "false" in keys  # to_text of booleans
    if len(parts) == 1:
        name = parts[0]

        def flat_in(r: Mapping[str, Any], now: datetime) -> bool:
            v = r.get(name)
            if type(v) is str:
                return v.strip().casefold() in keys
            if v is True:
                return if_true
            if v is False:
                return if_false
            return to_text(v) in keys

        return flat_in
    parent, child = parts

    def nested_in(r: Mapping[str, Any], now: datetime) -> bool:
        v = r.get(parent)  # what field_getter reads
        if type(v) is dict:
            v = v.get(child)
        else:
            v = v.get(child) if v is not None and isinstance(v, Mapping) else None
        if type(v) is str:
            return v.strip().casefold() in keys
        if v is True:
            return if_true
        if v is False:
            return if_false
        return to_text(v) in keys

    return nested_in


# Every predicate returns a bool, so `a and b` is `all((a, b))`, short-circuiting alike.


def _all(tests: list[Callable[[Any, datetime], bool]]) -> Callable[[Any, datetime], bool]:
    if not tests:
        return lambda x, now: True
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        a, b = tests
        return lambda x, now: a(x, now) and b(x, now)
    if len(tests) == 3:
        a, b, c = tests
        return lambda x, now: a(x, now) and b(x, now) and c(x, now)
    return lambda x, now: all(test(x, now) for test in tests)


def _any(tests: list[Callable[[Any, datetime], bool]]) -> Callable[[Any, datetime], bool]:
    if not tests:
        return lambda x, now: False
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        a, b = tests
        return lambda x, now: a(x, now) or b(x, now)
    return lambda x, now: any(test(x, now) for test in tests)


MEMO_SIZE = 8192
"""Texts a `matches` memo holds before it is emptied and starts over (see `_matches`)."""


@dataclass
class MatchStats:
    """Lookups of one `matches` memo, counted only when `MATCH_STATS` is set (benchmarks)."""

    pattern: str
    hits: int = 0
    misses: int = 0


MATCH_STATS: list[MatchStats] | None = None
"""Set to a list before compiling to have the compiled `matches` memos count their lookups
there; None (the default) compiles them without counting."""


def _anchored(pattern: str) -> bool:
    """
    Whether *pattern* starts with `^`: its search tries the start only, which costs about
    as much as a memo lookup, and the texts tested this way (URLs with query strings, Task
    subjects) repeat less than titles; measured, a memo made these slower. Not memoised.
    """
    return pattern.startswith("^")


def _matches(pattern: str) -> ValueTest:
    """
    `matches`: a case-insensitive regex search, memoised by text. A search is pure, so a
    text's result never changes; real orgs repeat titles, URLs and subjects heavily, and a
    dict lookup is far cheaper than a search with alternatives and word boundaries. The memo
    belongs to this compiled condition and is bounded: holding `MEMO_SIZE` texts, it is
    emptied and starts over.
    """
    search = re.compile(pattern, re.IGNORECASE).search
    if _anchored(pattern):
        return lambda v, now: isinstance(v, str) and search(v) is not None
    results: dict[str, bool] = {}
    known = results.get
    size = MEMO_SIZE

    def matches(v: Any, now: datetime) -> bool:
        if type(v) is not str:
            return isinstance(v, str) and search(v) is not None
        result = known(v)
        if result is None:
            result = search(v) is not None
            if len(results) >= size:
                results.clear()
            results[v] = result
        return result

    if MATCH_STATS is None:
        return matches
    stats = MatchStats(pattern)
    MATCH_STATS.append(stats)

    def counted(v: Any, now: datetime) -> bool:
        if type(v) is str:
            if v in results:
                stats.hits += 1
            else:
                stats.misses += 1
        return matches(v, now)

    return counted


def field_getter(path: str) -> Callable[[Mapping[str, Any]], Any]:
    """Return a function reading *path* (`Subject`, `Campaign.Type`) from a record, or None."""
    parts = path.split(".")
    if len(parts) == 1:
        name = parts[0]
        return lambda r: r.get(name)

    def get(record: Mapping[str, Any]) -> Any:
        value: Any = record
        for part in parts:
            # dict first: isinstance against the Mapping ABC is slow
            if type(value) is not dict and (value is None or not isinstance(value, Mapping)):
                return None
            value = value.get(part)
        return value

    return get


def _text_keys(cond: Condition) -> frozenset[str] | None:
    """The keys of a text `equals`/`in` leaf (as `_leaf` builds them), else None."""
    if cond.operator not in ("equals", "in"):
        return None
    values = list(cond.operand) if cond.operator == "in" else [cond.operand]
    if any(isinstance(x, int | float) and not isinstance(x, bool) for x in values):
        return None
    return frozenset(k for k in (canonical(x, numeric=False) for x in values) if k is not None)


def _leaf(cond: Condition) -> ValueTest:  # noqa: PLR0911 - one branch per operator
    op, operand = cond.operator, cond.operand
    if op == "known":
        want = bool(operand)
        return lambda v, now: (clean(v) is not None) is want
    if op in ("equals", "not_equals", "in", "not_in"):
        values = list(operand) if op in ("in", "not_in") else [operand]
        numeric = any(isinstance(x, int | float) and not isinstance(x, bool) for x in values)
        keys = frozenset(
            k for k in (canonical(x, numeric=numeric) for x in values) if k is not None
        )
        if not numeric:  # text keys: text is compared as its stripped, casefolded self
            if op in ("equals", "in"):
                if not keys:
                    return lambda v, now: False
                if_true, if_false = "true" in keys, "false" in keys  # to_text of booleans

                def in_keys(v: Any, now: datetime) -> bool:
                    if type(v) is str:
                        return v.strip().casefold() in keys
                    if v is True:
                        return if_true
                    if v is False:
                        return if_false
                    return to_text(v) in keys

                return in_keys
            return lambda v, now: (
                (k := v.strip().casefold() if type(v) is str else to_text(v)) is not None
                and k != ""
                and k not in keys
            )
        if op in ("equals", "in"):
            return lambda v, now: canonical(v, numeric=numeric) in keys
        return lambda v, now: (k := canonical(v, numeric=numeric)) is not None and k not in keys
    if op == "contains":
        needle = str(operand).casefold()
        return lambda v, now: isinstance(v, str) and needle in v.casefold()
    if op == "contains_any":
        needles = tuple(str(x).casefold() for x in operand)
        return lambda v, now: isinstance(v, str) and any(n in v.casefold() for n in needles)
    if op == "starts_with":
        prefix = str(operand).casefold()
        return lambda v, now: isinstance(v, str) and v.strip().casefold().startswith(prefix)
    if op == "matches":
        return _matches(str(operand))
    if op == "email_domain_in":
        domains = frozenset(str(d).lower() for d in operand)
        if not domains:
            return lambda v, now: False
        subdomains = tuple(sorted("." + d for d in domains))

        def in_domains(v: Any, now: datetime) -> bool:
            domain = _domain(v)
            if domain is None:
                return False
            return domain in domains or domain.endswith(subdomains)

        return in_domains
    if op in ("gte", "lte", "between"):
        lo, hi = (
            (float(operand), math.inf)
            if op == "gte"
            else (-math.inf, float(operand))
            if op == "lte"
            else (float(operand[0]), float(operand[1]))
        )

        def in_range(v: Any, now: datetime) -> bool:
            number = v if type(v) is float else to_number(v)
            return number is not None and lo <= number <= hi

        return in_range
    if op == "within_days":
        window = timedelta(days=float(operand))

        def within(v: Any, now: datetime) -> bool:
            at = to_datetime(v)
            return at is not None and now - window <= at <= now

        return within
    msg = f"unsupported operator {op!r}"  # unreachable: the model allows only the closed set
    raise AssertionError(msg)

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from sfsync.errors import ConfigError
from sfsync.salesforce.soql import (
    build_count,
    build_select,
    escape_like,
    format_soql,
    object_from_soql,
    quote_field,
    quote_object,
    quote_value,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", "'plain'"),
        ("O'Brien", r"'O\'Brien'"),
        ('say "hi"', r"""'say \"hi\"'"""),
        ("back\\slash", r"'back\\slash'"),
        ("a\nb\rc\td", r"'a\nb\rc\td'"),
        ("\b\f", r"'\b\f'"),
        ("' OR Name != '", r"'\' OR Name != \''"),
        ("\\' OR Id != null OR Name = '", r"'\\\' OR Id != null OR Name = \''"),
        ("", "''"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (42, "42"),
        (-3, "-3"),
        (2.5, "2.5"),
        (1e-05, "0.00001"),
        (1e16, "10000000000000000"),
        (Decimal("12.50"), "12.50"),
        (date(2024, 5, 1), "2024-05-01"),
        (datetime(2024, 5, 1, 10, 0, tzinfo=UTC), "2024-05-01T10:00:00Z"),
        (
            datetime(2024, 5, 1, 12, 0, 0, 999_999, tzinfo=timezone(timedelta(hours=2))),
            "2024-05-01T10:00:00Z",
        ),
        (["a", "b'c"], r"('a','b\'c')"),
        (("x",), "('x')"),
        ({"b", "a"}, "('a','b')"),
        ([1, None, True], "(1,null,true)"),
    ],
)
def test_quote_value(value: object, expected: str) -> None:
    """Each Python value renders as the SOQL literal Salesforce expects."""
    assert expected == quote_value(value)


@pytest.mark.parametrize(
    "value",
    [datetime(2024, 5, 1, 10, 0), float("nan"), float("inf"), [], set(), object(), b"bytes"],
)
def test_quote_value_rejects(value: object) -> None:
    """Naive datetimes, non-finite numbers, empty lists and unknown types are refused."""
    with pytest.raises(ValueError):
        quote_value(value)


def test_format_soql_quotes_positional_and_keyword_values() -> None:
    """format_soql quotes every replacement field, positional or keyword."""
    soql = format_soql(
        "SELECT Id FROM Lead WHERE Email = {} AND SystemModstamp > {since} AND Status IN {st}",
        "x' OR Name != 'y",
        since=datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
        st=["Open", "Working"],
    )
    assert soql == (
        "SELECT Id FROM Lead WHERE Email = 'x\\' OR Name != \\'y' AND "
        "SystemModstamp > 2024-05-01T10:00:00Z AND Status IN ('Open','Working')"
    )


def test_format_soql_specs() -> None:
    """The literal, like, field and object specs insert validated or pre-built text."""
    soql = format_soql(
        "SELECT {f:field} FROM {o:object} WHERE Title LIKE '%{t:like}%' AND {w:literal}",
        f="Owner.Name",
        o="Lead",
        t="50%_off'",
        w="IsDeleted = false",
    )
    assert soql == (
        "SELECT Owner.Name FROM Lead WHERE Title LIKE '%50\\%\\_off\\'%' AND IsDeleted = false"
    )


@pytest.mark.parametrize("spec", ["{x:field}", "{x:object}"])
def test_format_soql_rejects_bad_identifiers(spec: str) -> None:
    """An identifier spec refuses SOQL fragments."""
    with pytest.raises(ConfigError):
        format_soql(spec, x="Name FROM User --")


def test_format_soql_unknown_spec() -> None:
    """An unknown format spec is a programming error, not silently applied."""
    with pytest.raises(ValueError, match="unknown SOQL format spec"):
        format_soql("{x:>10}", x="a")


def test_escape_like() -> None:
    """LIKE escaping covers wildcards, quotes and backslashes."""
    assert escape_like("100% _x\\ '") == r"100\% \_x\\ \'"


@pytest.mark.parametrize("name", ["Lead", "Web_Activity__c", "ns__Thing__c", "A" * 80])
def test_quote_object_accepts(name: str) -> None:
    """Standard, custom and namespaced object names pass unchanged."""
    assert name == quote_object(name)


@pytest.mark.parametrize(
    "name",
    ["", "1Lead", "Lead;", "Lead WHERE", "Owner.Name", "_Lead", "Le'ad", "A" * 81, None, 3],
)
def test_quote_object_rejects(name: object) -> None:
    """Anything but a plain API name is refused with ConfigError."""
    with pytest.raises(ConfigError):
        quote_object(name)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["Email", "SFS_Score__c", "Owner.Name", "Campaign.Type"])
def test_quote_field_accepts(name: str) -> None:
    """Fields and relationship paths pass unchanged."""
    assert name == quote_field(name)


@pytest.mark.parametrize("name", ["Owner.", ".Name", "COUNT()", "Name, Id", "Name)", "a..b"])
def test_quote_field_rejects(name: str) -> None:
    """Function calls, lists and malformed paths are refused."""
    with pytest.raises(ConfigError):
        quote_field(name)


def test_build_select_full() -> None:
    """build_select assembles every clause in SOQL order and drops duplicate fields."""
    where = format_soql("SystemModstamp > {}", datetime(2024, 5, 1, tzinfo=UTC))
    soql = build_select(
        "Lead",
        ["Id", "Email", "Owner.Name", "Id"],
        where=where,
        order_by=["SystemModstamp asc", "Id DESC nulls last"],
        limit=500,
    )
    assert soql == (
        "SELECT Id, Email, Owner.Name FROM Lead WHERE SystemModstamp > 2024-05-01T00:00:00Z "
        "ORDER BY SystemModstamp ASC, Id DESC NULLS LAST LIMIT 500"
    )


def test_build_select_minimal() -> None:
    """Without options only SELECT and FROM are emitted."""
    assert build_select("Task", ["Id"], order_by="Id") == "SELECT Id FROM Task ORDER BY Id"
    assert build_select("Task", ("Id",)) == "SELECT Id FROM Task"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"fields": []}, ConfigError),
        ({"fields": ["Id, (SELECT Id FROM Tasks)"]}, ConfigError),
        ({"fields": ["Id"], "order_by": "Id; DROP"}, ConfigError),
        ({"fields": ["Id"], "limit": 0}, ValueError),
        ({"fields": ["Id"], "limit": True}, ValueError),
    ],
)
def test_build_select_rejects(kwargs: dict[str, object], error: type[Exception]) -> None:
    """Empty field lists, injected fields, bad ORDER BY and bad LIMIT are refused."""
    with pytest.raises(error):
        build_select("Lead", **kwargs)  # type: ignore[arg-type]


def test_build_count() -> None:
    """build_count uses COUNT() so the answer is the result's totalSize."""
    assert build_count("Lead") == "SELECT COUNT() FROM Lead"
    assert (
        build_count("Lead", format_soql("IsConverted = {}", False))
        == "SELECT COUNT() FROM Lead WHERE IsConverted = false"
    )
    with pytest.raises(ConfigError):
        build_count("Lead WHERE Id != null")


@pytest.mark.parametrize(
    ("soql", "expected"),
    [
        ("SELECT Id FROM Lead", "Lead"),
        (
            "select Id, (SELECT Id FROM Tasks) from Lead where Id IN (SELECT WhoId FROM Task)",
            "Lead",
        ),
        ("SELECT COUNT() FROM Web_Activity__c", "Web_Activity__c"),
        ("SELECT Id", None),
    ],
)
def test_object_from_soql(soql: str, expected: str | None) -> None:
    """The top-level FROM object is found, skipping subqueries."""
    assert expected == object_from_soql(soql)

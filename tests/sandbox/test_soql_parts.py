"""The SOQL engine's parts on their own: tokens, error layout, paths, select items, nodes."""

from __future__ import annotations

import pytest

from sfsync.sandbox import schema
from sfsync.sandbox.soql.errors import UNSUPPORTED, SoqlError, fail
from sfsync.sandbox.soql.lexer import describe_token, tokenize
from sfsync.sandbox.soql.nodes import Aggregate, GroupedField
from sfsync.sandbox.soql.parser import parse
from sfsync.sandbox.soql.paths import MAX_RELATIONSHIP_DEPTH, NAME_OBJECT, PathError, resolve
from sfsync.sandbox.soql.select import AGGREGATE_FUNCTIONS


def test_tokens_tell_literals_apart() -> None:
    """Datetimes, dates, numbers, dotted names and quoted text are distinct tokens."""
    tokens = tokenize(
        "x = 2024-05-01T10:00:00Z AND d = 2024-05-01 AND n = -1.5 AND o.Name = 'a\\'b'"
    )
    kinds = [(t.kind, t.text) for t in tokens if t.kind != "ident" or "." in t.text]
    assert ("datetime", "2024-05-01T10:00:00Z") in kinds
    assert ("date", "2024-05-01") in kinds
    assert ("number", "-1.5") in kinds
    assert ("ident", "o.Name") in kinds
    assert tokens[-2].value == "a'b"
    assert describe_token(tokens[-1]) == "<EOF>"


def test_error_caret_points_at_the_row_and_column() -> None:
    """A failure on the second line echoes that line with the caret under the position."""
    soql = "SELECT Id\nFROM Leed"
    error = fail("INVALID_TYPE", soql, soql.index("Leed"), "no such object")
    assert error.message == "\nFROM Leed\n     ^\nERROR at Row:2:Column:6\nno such object"


def test_polymorphic_paths_lead_to_the_name_object() -> None:
    """Who resolves to Name, whose Type lists the possible objects; Company is not on it."""
    who_type = resolve(schema.TASK, "Who.Type")
    assert who_type.relationships[0].target.name == NAME_OBJECT
    assert who_type.field.picklist == ("Contact", "Lead")
    assert resolve(schema.LEAD, "Owner.Profile.Name").field.name == "Name"
    with pytest.raises(PathError, match="No such column 'Company' on entity 'Name'"):
        resolve(schema.TASK, "Who.Company")
    too_deep = ".".join(["Lead"] * (MAX_RELATIONSHIP_DEPTH + 1)) + ".Id"
    with pytest.raises(PathError, match="Too many levels"):
        resolve(schema.CAMPAIGN_MEMBER, too_deep)


@pytest.mark.parametrize("function", AGGREGATE_FUNCTIONS)
def test_every_aggregate_function_takes_a_number(function: str) -> None:
    """Each aggregate function parses over a number field and names its result exprN."""
    (column,) = parse(f"SELECT {function}(NumberOfEmployees) FROM Lead").columns
    assert isinstance(column, Aggregate)
    assert (column.function, column.key) == (function, "expr0")
    assert column.display == f"{function.lower()}(NumberOfEmployees)"


def test_aggregate_result_types_and_grouped_keys() -> None:
    """Counts are ints, MIN/MAX the field's type; a grouped field's key is its alias or name."""
    query = parse(
        "SELECT Campaign.Type, Status s, COUNT(Id), MAX(CreatedDate) FROM CampaignMember"
        " GROUP BY Campaign.Type, Status"
    )
    kinds = [
        c.key if isinstance(c, GroupedField) else (c.key, c.result_type) for c in query.columns
    ]
    assert kinds == ["Type", "s", ("expr0", "int"), ("expr1", "datetime")]
    with pytest.raises(SoqlError) as info:
        parse("SELECT Status FROM CampaignMember GROUP BY CUBE(Status)")
    assert info.value.error_code == UNSUPPORTED

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from sfsync.sandbox import schema
from sfsync.sandbox.soql import (
    Aggregate,
    And,
    Comparison,
    FieldPath,
    GroupedField,
    InList,
    Like,
    Not,
    Or,
    OrderKey,
    Relationship,
    RelativeDate,
    SoqlError,
    format_datetime,
    parent_of,
    parse,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "salesforce"


def path(object_name: str, dotted: str) -> FieldPath:
    """Build the FieldPath a dotted name should resolve to, straight from the schema."""
    obj = schema.OBJECTS[object_name.lower()]
    hops = []
    *rels, leaf = dotted.split(".")
    for rel in rels:
        ref = next(f for f in obj.fields if f.relationship_name == rel)
        target = parent_of(ref)
        assert target is not None
        hops.append(Relationship(rel, ref, target))
        obj = target
    field = obj.get(leaf)
    assert field is not None
    return FieldPath(tuple(hops), field)


def lead(dotted: str) -> FieldPath:
    return path("Lead", dotted)


UTC_MAY_1 = datetime(2024, 5, 1, tzinfo=UTC)

WHERE_CASES = [
    ("Email = 'a@x.com'", Comparison(lead("Email"), "=", "a@x.com")),
    ("Email != 'a@x.com'", Comparison(lead("Email"), "!=", "a@x.com")),
    ("Email <> 'a@x.com'", Comparison(lead("Email"), "!=", "a@x.com")),
    ("NumberOfEmployees < 10", Comparison(lead("NumberOfEmployees"), "<", 10)),
    ("NumberOfEmployees <= -3", Comparison(lead("NumberOfEmployees"), "<=", -3)),
    ("AnnualRevenue > 1.5", Comparison(lead("AnnualRevenue"), ">", 1.5)),
    ("AnnualRevenue >= 100", Comparison(lead("AnnualRevenue"), ">=", 100)),
    ("Industry IN ('Energy','Software')",
     InList(lead("Industry"), ("Energy", "Software"))),
    ("Industry NOT IN ('Energy', null)",
     InList(lead("Industry"), ("Energy", None), negated=True)),
    ("Title LIKE 'vp%'", Like(lead("Title"), "vp%")),
    (r"Company LIKE '50\% off\_x'", Like(lead("Company"), r"50\% off\_x")),
    (r"Company LIKE 'a\\%'", Like(lead("Company"), r"a\\%")),
    ("Email = null", Comparison(lead("Email"), "=", None)),
    ("Email != NULL", Comparison(lead("Email"), "!=", None)),
    ("IsConverted = true", Comparison(lead("IsConverted"), "=", True)),
    ("IsConverted = FALSE", Comparison(lead("IsConverted"), "=", False)),
    (r"Company = 'O\'Brien \"Co\" \\ \n\r\t\b\f'",
     Comparison(lead("Company"), "=", "O'Brien \"Co\" \\ \n\r\t\b\f")),
    (r"Company = 'a\_b\%'", Comparison(lead("Company"), "=", "a_b%")),
    ("SystemModstamp > 2024-05-01T00:00:00Z",
     Comparison(lead("SystemModstamp"), ">", UTC_MAY_1)),
    ("SystemModstamp > 2024-05-01T00:00:00.000Z",
     Comparison(lead("SystemModstamp"), ">", UTC_MAY_1)),
    ("SystemModstamp > 2024-05-01T01:00:00+01:00",
     Comparison(lead("SystemModstamp"), ">", UTC_MAY_1)),
    ("SystemModstamp > 2024-04-30T22:00:00-02:00",
     Comparison(lead("SystemModstamp"), ">", UTC_MAY_1)),
    ("ConvertedDate = 2024-05-01", Comparison(lead("ConvertedDate"), "=", date(2024, 5, 1))),
    ("CreatedDate >= 2024-05-01", Comparison(lead("CreatedDate"), ">=", date(2024, 5, 1))),
    ("CreatedDate = TODAY", Comparison(lead("CreatedDate"), "=", RelativeDate("TODAY"))),
    ("CreatedDate = yesterday",
     Comparison(lead("CreatedDate"), "=", RelativeDate("YESTERDAY"))),
    ("CreatedDate = LAST_N_DAYS:7",
     Comparison(lead("CreatedDate"), "=", RelativeDate("LAST_N_DAYS", 7))),
    ("Owner.Name = 'Alice'", Comparison(lead("Owner.Name"), "=", "Alice")),
    ("owner.name = 'Alice'", Comparison(lead("Owner.Name"), "=", "Alice")),
    ("Email = 'a' AND Title = 'b' and Company = 'c'",
     And((Comparison(lead("Email"), "=", "a"), Comparison(lead("Title"), "=", "b"),
          Comparison(lead("Company"), "=", "c")))),
    ("Email = 'a' OR Title = 'b'",
     Or((Comparison(lead("Email"), "=", "a"), Comparison(lead("Title"), "=", "b")))),
    ("NOT Email = 'a'", Not(Comparison(lead("Email"), "=", "a"))),
    ("NOT Title LIKE 'x%'", Not(Like(lead("Title"), "x%"))),
    ("(Email = 'a' OR Title = 'b') AND NOT (Company = 'c' AND Country = 'd')",
     And((Or((Comparison(lead("Email"), "=", "a"), Comparison(lead("Title"), "=", "b"))),
          Not(And((Comparison(lead("Company"), "=", "c"),
                   Comparison(lead("Country"), "=", "d"))))))),
    ("((Email = 'a'))", Comparison(lead("Email"), "=", "a")),
]  # fmt: skip


@pytest.mark.parametrize(("where", "expected"), WHERE_CASES, ids=[c[0] for c in WHERE_CASES])
def test_parses_where(where, expected):
    """Every supported WHERE construct parses into the expected expression tree."""
    query = parse(f"SELECT Id FROM Lead WHERE {where}")

    assert expected == query.where


SELECT_CASES = [
    ("SELECT Id, Email FROM Lead", "Lead", ["Id", "Email"]),
    ("select id, EMAIL, systemmodstamp from LEAD", "Lead", ["Id", "Email", "SystemModstamp"]),
    ("SELECT Id, Owner.Name, CreatedBy.Name FROM Lead", "Lead",
     ["Id", "Owner.Name", "CreatedBy.Name"]),
    ("SELECT Id, LeadId, Campaign.Type FROM CampaignMember", "CampaignMember",
     ["Id", "LeadId", "Campaign.Type"]),
    ("SELECT Id, Who.Name, Who.Title, Who.Type FROM Task", "Task",
     ["Id", "Who.Name", "Who.Title", "Who.Type"]),
    ("SELECT Id, Lead__r.Company FROM web_activity__c", "Web_Activity__c",
     ["Id", "Lead__r.Company"]),
    ("SELECT Owner.Profile.Name FROM Lead", "Lead", ["Owner.Profile.Name"]),
    ("SELECT Lead.Owner.Name FROM CampaignMember", "CampaignMember", ["Lead.Owner.Name"]),
    ("SELECT SFS_Reasons__c FROM Lead", "Lead", ["SFS_Reasons__c"]),
]  # fmt: skip


@pytest.mark.parametrize(("soql", "obj", "fields"), SELECT_CASES, ids=[c[0] for c in SELECT_CASES])
def test_parses_select_list(soql, obj, fields):
    """Field lists resolve case-insensitively to canonical names, through parent relationships."""
    query = parse(soql)

    assert (obj, fields, False) == (
        query.object.name,
        [f.api_name for f in query.fields],
        query.is_count,
    )
    assert [path(obj, f) for f in fields] == list(query.fields)


def test_parses_count():
    """`COUNT()` alone makes a count query with no fields."""
    query = parse("SELECT COUNT() FROM Lead WHERE IsDeleted = false LIMIT 5")

    assert (query.is_count, query.fields, query.counts, query.limit) == (True, (), (), 5)


def test_parses_count_field_with_and_without_alias():
    """An unaliased aggregate gets exprN, counting only the unaliased ones, as Salesforce does."""
    query = parse("SELECT COUNT(Id), COUNT(Email) withEmail, MAX(CreatedDate) FROM Lead")

    assert (
        Aggregate("COUNT", lead("Id"), "expr0"),
        Aggregate("COUNT", lead("Email"), "withEmail"),
        Aggregate("MAX", lead("CreatedDate"), "expr1"),
    ) == query.columns
    assert (query.is_aggregate, query.is_count, query.group_by) == (True, False, ())


def test_parses_group_by_having_and_aggregate_order():
    """GROUP BY on plain and parent fields, HAVING on an aggregate, ORDER BY an aggregate."""
    query = parse(
        "SELECT Campaign.Type kind, COUNT(Id), COUNT_DISTINCT(LeadId) people FROM CampaignMember "
        "WHERE HasResponded = true GROUP BY Campaign.Type HAVING COUNT(Id) > 2 "
        "ORDER BY COUNT(Id) DESC LIMIT 5"
    )
    member = lambda dotted: path("CampaignMember", dotted)  # noqa: E731

    assert (
        GroupedField(member("Campaign.Type"), "kind"),
        Aggregate("COUNT", member("Id"), "expr0"),
        Aggregate("COUNT_DISTINCT", member("LeadId"), "people"),
    ) == query.columns
    assert (member("Campaign.Type"),) == query.group_by
    assert Comparison(Aggregate("COUNT", member("Id")), ">", 2) == query.having
    assert (OrderKey(Aggregate("COUNT", member("Id")), descending=True, nulls_last=True),) == (
        query.order_by
    )
    assert [c.key for c in query.columns] == ["kind", "expr0", "people"]


def test_parses_order_by_limit_offset():
    """ORDER BY keys keep direction and null placement; defaults follow Salesforce."""
    query = parse(
        "SELECT Id FROM Lead ORDER BY SystemModstamp, Email DESC, Title ASC NULLS LAST, "
        "Company DESC NULLS FIRST, Owner.Name LIMIT 10 OFFSET 20"
    )

    assert (
        OrderKey(lead("SystemModstamp"), descending=False, nulls_last=False),
        OrderKey(lead("Email"), descending=True, nulls_last=True),
        OrderKey(lead("Title"), descending=False, nulls_last=True),
        OrderKey(lead("Company"), descending=True, nulls_last=False),
        OrderKey(lead("Owner.Name")),
    ) == query.order_by
    assert (query.limit, query.offset) == (10, 20)


def test_parses_multiline_query():
    """Newlines and tabs are whitespace like any other."""
    query = parse("SELECT Id,\n\tEmail\nFROM Lead\nWHERE Email != null\nLIMIT 1")

    assert ([f.api_name for f in query.fields], query.limit) == (["Id", "Email"], 1)


def test_datetime_literal_is_normalised_to_storage_text():
    """An offset datetime literal compares as the UTC text the store holds."""
    query = parse("SELECT Id FROM Lead WHERE SystemModstamp > 2024-05-01T12:30:00.250+02:00")

    assert isinstance(query.where, Comparison)
    assert isinstance(query.where.value, datetime)
    assert format_datetime(query.where.value) == "2024-05-01T10:30:00.250+0000"


M, F, T, U = "MALFORMED_QUERY", "INVALID_FIELD", "INVALID_TYPE", "SANDBOX_UNSUPPORTED_QUERY"
# (soql, error code, the text at which the error points)
REJECTED = [
    ("SELECT Id FROM Lead HAVING COUNT(Id) > 1", M, "HAVING"),
    ("SELECT Id, (SELECT Id FROM Tasks) FROM Lead", U, "SELECT Id FROM Tasks"),
    ("SELECT Id FROM Lead WHERE Id IN (SELECT WhoId FROM Task)", U, "SELECT WhoId"),
    ("SELECT Id FROM Lead WHERE Id NOT IN (SELECT WhoId FROM Task)", U, "SELECT WhoId"),
    ("SELECT Id FROM Lead FOR UPDATE", U, "FOR"),
    ("SELECT Id FROM Lead LIMIT 1 FOR VIEW", U, "FOR"),
    ("SELECT Id FROM Lead WITH SECURITY_ENFORCED", U, "WITH"),
    ("SELECT TYPEOF Who WHEN Lead THEN Name END FROM Task", U, "TYPEOF"),
    ("SELECT FIELDS(ALL) FROM Lead LIMIT 200", U, "FIELDS"),
    ("SELECT Id FROM Lead USING SCOPE mine", U, "USING"),
    ("SELECT Id FROM Lead WHERE CALENDAR_YEAR(CreatedDate) = 2024", U, "CALENDAR_YEAR"),
    ("SELECT Id FROM Lead ORDER BY DAY_ONLY(CreatedDate)", U, "DAY_ONLY"),
    ("SELECT toLabel(Status) FROM Lead", U, "toLabel"),
    ("SELECT Industry, COUNT(Id) FROM Lead GROUP BY ROLLUP(Industry)", U, "ROLLUP"),
    ("SELECT COUNT() FROM Lead GROUP BY Industry", U, "GROUP"),
    ("SELECT Industry, COUNT(Id) FROM Lead GROUP BY CALENDAR_YEAR(CreatedDate)", U,
     "CALENDAR_YEAR"),
    ("SELECT Id FROM Lead WHERE COUNT(Id) > 1", M, "COUNT"),
    ("SELECT Industry, Title, COUNT(Id) FROM Lead GROUP BY Industry", M, "Title,"),
    ("SELECT Industry FROM Lead GROUP BY AnnualRevenue", F, "AnnualRevenue"),
    ("SELECT Industry FROM Lead GROUP BY SFS_Reasons__c", F, "SFS_Reasons__c"),
    ("SELECT SUM(Email) FROM Lead", F, "Email)"),
    ("SELECT MAX(IsConverted) FROM Lead", F, "IsConverted)"),
    ("SELECT Industry, COUNT(Id) FROM Lead GROUP BY Industry HAVING Title = 'x'", M, "Title ="),
    ("SELECT Industry, COUNT(Id) FROM Lead GROUP BY Industry ORDER BY Title", M, "Title"),
    ("SELECT Industry i FROM Lead", M, "i FROM"),
    ("SELECT Who.Company FROM Task", F, "Who.Company"),
    ("SELECT Who.Owner.Name FROM Task", F, "Who.Owner.Name"),
    ("SELECT Id FROM Lead garbage", M, "garbage"),
    ("SELECT Id FROM Lead l", M, " l"),
    ("SELECT Id FROM Lead WHERE Email = 'a' garbage", M, "garbage"),
    ("SELECT Id FROM Lead LIMIT 5 6", M, " 6"),
    ("SELECT Id FROM Lead;", M, ";"),
    ("SELECT Id FROM Lead WHERE", M, ""),
    ("SELECT Id Lead", M, ""),
    ("SELECT FROM Lead", M, "FROM"),
    ("SELECT Id, FROM Lead", M, "FROM"),
    ("SELECT Id FROM Foo", T, "Foo"),
    ("SELECT Id FROM Account", T, "Account"),
    ("SELECT Id, Foo__c FROM Lead", F, "Foo__c"),
    ("SELECT Id FROM Lead WHERE LastActivityDate = TODAY", F, "LastActivityDate"),
    ("SELECT Id FROM Lead ORDER BY Foo", F, "Foo"),
    ("SELECT Id, Foo.Name FROM Lead", F, "Foo.Name"),
    ("SELECT Id, Owner.Foo FROM Lead", F, "Owner.Foo"),
    ("SELECT Owner FROM Lead", F, "Owner"),
    ("SELECT Id FROM Lead WHERE Email = 'a' AND Title = 'b' OR Company = 'c'", M, "OR"),
    ("SELECT Id FROM Lead WHERE Email = 'a' OR Title = 'b' AND Company = 'c'", M, "AND"),
    ("SELECT Id FROM Lead WHERE SystemModstamp > '2024-05-01T00:00:00Z'", F, "'2024"),
    ("SELECT Id FROM Lead WHERE CreatedDate = 5", F, "5"),
    ("SELECT Id FROM Lead WHERE IsConverted = 'true'", F, "'true'"),
    ("SELECT Id FROM Lead WHERE IsConverted = 1", F, "1"),
    ("SELECT Id FROM Lead WHERE IsConverted > false", F, ">"),
    ("SELECT Id FROM Lead WHERE NumberOfEmployees = '5'", F, "'5'"),
    ("SELECT Id FROM Lead WHERE Email = 5", F, "5"),
    ("SELECT Id FROM Lead WHERE Email = true", F, "true"),
    ("SELECT Id FROM Lead WHERE Email IN ('a', 5)", F, "5"),
    ("SELECT Id FROM Lead WHERE Email = TODAY", F, "TODAY"),
    ("SELECT Id FROM Lead WHERE Email < null", M, "null"),
    ("SELECT Id FROM Lead WHERE NumberOfEmployees LIKE '5%'", F, "NumberOfEmployees"),
    ("SELECT Id FROM Lead WHERE Title LIKE 5", F, "5"),
    ("SELECT Id FROM Lead WHERE SFS_Reasons__c = 'x'", F, "SFS_Reasons__c"),
    ("SELECT Id FROM Lead ORDER BY SFS_Reasons__c", F, "SFS_Reasons__c"),
    ("SELECT Id FROM Lead WHERE CreatedDate = THIS_MONTH", U, "THIS_MONTH"),
    ("SELECT Id FROM Lead WHERE CreatedDate = LAST_N_DAYS", M, ""),
    ("SELECT Id FROM Lead WHERE ConvertedDate = 2024-02-30", M, "2024-02-30"),
    ("SELECT Id FROM Lead WHERE Email = :email", M, ":"),
    ('SELECT Id FROM Lead WHERE Email = "a"', M, '"'),
    (r"SELECT Id FROM Lead WHERE Email = 'a\qb'", M, r"\q"),
    ("SELECT Id FROM Lead WHERE Email = 'abc", M, "'abc"),
    ("SELECT Id FROM Lead WHERE Email INCLUDES ('a')", U, "INCLUDES"),
    ("SELECT Id FROM Lead WHERE (Email = 'a'", M, ""),
    ("SELECT Id FROM Lead WHERE Email IN ()", M, ")"),
    ("SELECT Id FROM Lead LIMIT -1", M, "-1"),
    ("SELECT Id FROM Lead LIMIT ten", M, "ten"),
    ("SELECT Id FROM Lead ORDER BY Email NULLS", M, ""),
    ("SELECT Id, Email, Id FROM Lead", M, "Id FROM"),
    ("SELECT COUNT(), Id FROM Lead", M, "COUNT"),
    ("SELECT COUNT(), COUNT() FROM Lead", M, "COUNT() FROM"),
    ("SELECT Id, COUNT(Id) FROM Lead", M, "SELECT"),
    ("SELECT COUNT() FROM Lead ORDER BY Email", M, "ORDER"),
    ("SELECT COUNT(Foo__c) FROM Lead", F, "Foo__c"),
    ("UPDATE Lead SET Email = 'a'", M, "UPDATE"),
    ("", M, ""),
]  # fmt: skip


@pytest.mark.parametrize(
    ("soql", "code", "at"), REJECTED, ids=[c[0] or "<empty>" for c in REJECTED]
)
def test_rejects_unsupported_or_invalid(soql, code, at):
    """Unsupported clauses and unknown names fail with Salesforce's code and a Row/Column caret."""
    with pytest.raises(SoqlError) as info:
        parse(soql)

    column = (soql.index(at) + (1 if at.startswith(" ") else 0) if at else len(soql)) + 1
    lines = info.value.message.split("\n")
    assert code == info.value.error_code
    assert ["", soql, " " * (column - 1) + "^", f"ERROR at Row:1:Column:{column}"] == lines[:4]
    assert lines[4]


def test_error_names_the_unsupported_clause():
    """Valid SOQL the sandbox lacks says it is unsupported here, not that it is malformed."""
    with pytest.raises(SoqlError, match="GROUP BY ROLLUP is not supported by the sandbox org"):
        parse("SELECT Industry, COUNT(Id) FROM Lead GROUP BY ROLLUP(Industry)")
    with pytest.raises(SoqlError) as info:
        parse("SELECT Id, (SELECT Id FROM Tasks) FROM Lead")
    assert info.value.error_code == "SANDBOX_UNSUPPORTED_QUERY"
    assert "subquery is not supported by the sandbox org" in info.value.message


def test_polymorphic_relationship_reads_the_name_object():
    """Who (Contact or Lead) offers the Name object's fields, as in a real org."""
    with pytest.raises(SoqlError) as info:
        parse("SELECT Who.Company FROM Task")

    assert info.value.error_code == "INVALID_FIELD"
    assert "No such column 'Company' on entity 'Name'" in info.value.message


def test_multiline_error_points_at_the_row():
    """An error on a later line reports that row and echoes that line under the caret."""
    with pytest.raises(SoqlError) as info:
        parse("SELECT Id\nFROM Lead\nWHERE Bogus__c = 1")

    assert "\nWHERE Bogus__c = 1\n      ^\nERROR at Row:3:Column:7\nNo such column 'Bogus__c'" in (
        info.value.message
    )


@pytest.mark.parametrize(
    ("soql", "fixture"),
    [
        ("SELECT Id FROM Lead WHERE", "error_400_malformed_query.json"),
        ("SELECT Id, Foo__c FROM Lead", "error_400_invalid_field_query.json"),
    ],
)
def test_error_matches_recorded_salesforce_body(soql, fixture):
    """The error code and message equal the recorded Salesforce error bodies."""
    (expected,) = json.loads((FIXTURES / fixture).read_text())

    with pytest.raises(SoqlError) as info:
        parse(soql)

    assert expected == {"message": info.value.message, "errorCode": info.value.error_code}


def test_unknown_object_message():
    """An unknown object is INVALID_TYPE with Salesforce's wording."""
    with pytest.raises(SoqlError) as info:
        parse("SELECT Id FROM Foo")

    assert info.value.message.endswith(
        "sObject type 'Foo' is not supported. If you are attempting to use a custom object, be "
        "sure to append the '__c' after the entity name. Please reference your WSDL or the "
        "describe call for the appropriate names."
    )


def test_type_mismatch_message():
    """A quoted datetime uses Salesforce's 'must be of type dateTime' wording."""
    with pytest.raises(SoqlError) as info:
        parse("SELECT Id FROM Lead WHERE SystemModstamp > '2024-05-01'")

    assert info.value.message.endswith(
        "value of filter criterion for field 'SystemModstamp' must be of type dateTime and "
        "should not be enclosed in quotes"
    )


def test_soql_error_is_an_sfsync_error():
    """SoqlError sits in the SfsyncError tree and carries code and message as attributes."""
    from sfsync.errors import SfsyncError

    error = SoqlError("MALFORMED_QUERY", "\nx\n^\nERROR at Row:1:Column:1\nboom")

    assert isinstance(error, SfsyncError)
    assert (error.error_code, error.message.rsplit("\n")[-1]) == ("MALFORMED_QUERY", "boom")


def test_accepts_what_the_salesforce_client_builds():
    """The SOQL sfsync's own query builder emits parses in the sandbox."""
    from sfsync.salesforce import soql as client_soql

    where = client_soql.format_soql(
        "SystemModstamp > {} AND Email LIKE '{:like}%' AND Industry IN {} AND IsDeleted = {}",
        datetime(2024, 5, 1, 10, tzinfo=UTC),
        "50%_o'k\\",
        ("Energy", "Software"),
        False,
    )
    text = client_soql.build_select(
        "Lead", ["Id", "Email", "Owner.Name"], where=where,
        order_by=["SystemModstamp ASC", "Id"], limit=2000,
    )  # fmt: skip

    query = parse(text)

    assert isinstance(query.where, And)
    assert Like(lead("Email"), r"50\%\_o'k\\%") == query.where.items[1]
    assert parse(client_soql.build_count("Lead", where)).is_count

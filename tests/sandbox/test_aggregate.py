"""Aggregate SOQL over the REST API: GROUP BY, HAVING, functions, and columns=true."""

from __future__ import annotations

from typing import Any

import pytest

from sfsync.sandbox.server import RunningSandbox
from tests.sandbox.conftest import PinnedSession, auth_headers

API = "/services/data/v62.0"


def _query(http: PinnedSession, sandbox: RunningSandbox, soql: str, **params: str) -> Any:
    response = http.get(
        f"{sandbox.url}{API}/query", params={"q": soql, **params}, headers=auth_headers(sandbox)
    )
    assert response.status_code == 200, response.text
    return response.json()


def _sql(sandbox: RunningSandbox, sql: str) -> list[tuple[Any, ...]]:
    with sandbox.org.lock:
        return [tuple(r) for r in sandbox.org.conn.execute(sql).fetchall()]


def test_group_by_counts_match_the_store(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """COUNT per Subject and Type equals a direct count of live tasks, biggest first."""
    body = _query(
        http, sandbox,
        "SELECT Subject, Type, COUNT(Id) n FROM Task GROUP BY Subject, Type ORDER BY COUNT(Id)"
        " DESC, Subject",
    )  # fmt: skip
    expected = _sql(
        sandbox,
        'SELECT Subject, Type, COUNT(*) FROM "Task" WHERE IsDeleted = 0 GROUP BY Subject, Type'
        " ORDER BY COUNT(*) DESC, Subject COLLATE NOCASE",
    )
    got = [(r["Subject"], r["Type"], r["n"]) for r in body["records"]]
    assert got == [tuple(r) for r in expected]
    assert body["totalSize"] == len(expected)


def test_group_by_parent_field_with_having(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """Responded members per Campaign.Type (key `Type`), HAVING keeps the bigger groups."""
    body = _query(
        http, sandbox,
        "SELECT Campaign.Type, COUNT(Id), COUNT_DISTINCT(LeadId) FROM CampaignMember"
        " WHERE HasResponded = true GROUP BY Campaign.Type HAVING COUNT(Id) >= 5",
    )  # fmt: skip
    expected = _sql(
        sandbox,
        'SELECT c.Type, COUNT(*), COUNT(DISTINCT m.LeadId) FROM "CampaignMember" m'
        ' LEFT JOIN "Campaign" c ON c.Id = m.CampaignId WHERE m.IsDeleted = 0'
        " AND m.HasResponded = 1 GROUP BY c.Type HAVING COUNT(*) >= 5 ORDER BY c.Type",
    )
    assert [(r["Type"], r["expr0"], r["expr1"]) for r in body["records"]] == expected
    assert expected


@pytest.mark.parametrize(
    ("soql", "sql"),
    [
        ("SELECT MIN(CreatedDate), MAX(CreatedDate) FROM Lead",
         'SELECT MIN(CreatedDate), MAX(CreatedDate) FROM "Lead" WHERE IsDeleted = 0'),
        ("SELECT SUM(NumberOfEmployees), AVG(AnnualRevenue) FROM Lead WHERE Industry = 'Software'",
         'SELECT SUM(NumberOfEmployees), AVG(AnnualRevenue) FROM "Lead" WHERE IsDeleted = 0'
         " AND Industry = 'Software'"),
        ("SELECT COUNT(Id), COUNT(Title) FROM Lead WHERE Title = 'nobody at all'",
         'SELECT 0, 0'),
    ],
)  # fmt: skip
def test_aggregate_functions_without_group_by(
    http: PinnedSession, sandbox: RunningSandbox, soql: str, sql: str
) -> None:
    """Without GROUP BY there is one row, even over no records, values typed as the API types."""
    (row,) = _query(http, sandbox, soql)["records"]
    (expected,) = _sql(sandbox, sql)
    values = [row[f"expr{i}"] for i in range(len(expected))]
    assert values == pytest.approx(list(expected))
    assert row["attributes"] == {"type": "AggregateResult"}


def test_columns_true_answers_column_metadata(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """columns=true describes the columns (parents nested), as the sf CLI reads them."""
    plain = _query(http, sandbox, "SELECT Id, Email, Owner.Name FROM Lead", columns="true")
    assert "records" not in plain
    assert (plain["entityName"], plain["idSelected"], plain["groupBy"]) == ("Lead", True, False)
    names = [c["columnName"] for c in plain["columnMetadata"]]
    assert names == ["Id", "Email", "Owner"]
    owner = plain["columnMetadata"][2]
    assert (owner["foreignKeyName"], [j["columnName"] for j in owner["joinColumns"]]) == (
        "OwnerId",
        ["Name"],
    )
    assert plain["columnMetadata"][0]["apexType"] == "Id"

    grouped = _query(
        http, sandbox,
        "SELECT Industry, COUNT(Id), MAX(AnnualRevenue) top FROM Lead GROUP BY Industry",
        columns="true",
    )  # fmt: skip
    aggregates = [c for c in grouped["columnMetadata"] if c["aggregate"]]
    assert [(c["columnName"], c["displayName"]) for c in aggregates] == [
        ("expr0", "count(Id)"),
        ("top", "max(AnnualRevenue)"),
    ]
    assert grouped["groupBy"] is True

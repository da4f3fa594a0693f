"""`sfsync init`'s reading half against a running sandbox org: what it reads, and its cost."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sfsync.cli import main
from sfsync.config import load_settings
from sfsync.onboarding.survey import lead_candidates, survey_org
from sfsync.salesforce.client import connect
from sfsync.sandbox.org import DB_FILE, SandboxOrg
from sfsync.sandbox.profiles.users import MARKETING_USER_ID
from sfsync.sandbox.seed import seed_org
from sfsync.sandbox.server import RunningSandbox, start_sandbox

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(name="sandbox", scope="module")
def _sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    data_dir = tmp_path_factory.mktemp("survey")
    org = SandboxOrg(data_dir / DB_FILE)
    with org.lock:
        seed_org(org.conn, leads=300, seed=2, now=NOW)
    org.close()
    with start_sandbox(data_dir) as running:
        yield running


def _sql(sandbox: RunningSandbox, query: str) -> int:
    with closing(sqlite3.connect(f"file:{sandbox.db_path}?mode=ro", uri=True)) as conn:
        return int(conn.execute(query).fetchone()[0])


def test_the_survey_reads_counts_groups_and_users_for_a_few_calls(
    sandbox: RunningSandbox,
) -> None:
    """Exact counts from aggregates, one sample, the custom web object; ~20 calls in all."""
    client = connect(load_settings(sandbox.env_file))
    before = sandbox.org.api_calls
    survey = survey_org(client, instance=sandbox.url)
    # init reports its requests; the org counts those that use the daily limit (not userinfo)
    assert sandbox.org.api_calls - before <= survey.api_calls <= 30

    assert 300 == survey.leads == survey.sample_size
    budget = survey.lead_fields["Budget__c"]
    assert _sql(sandbox, 'SELECT COUNT(Budget__c) FROM "Lead"') == budget.filled
    assert {"Approved", "Planned", "None"} == set(budget.picklist)
    live_tasks = "SELECT COUNT(*) FROM \"Task\" WHERE IsDeleted = 0 AND WhoId LIKE '00Q%'"
    assert _sql(sandbox, live_tasks) == sum(g.records for g in survey.task_groups)
    assert sum(g.records for g in survey.task_groups) == sum(
        g.records for g in survey.task_subjects
    )
    (web,) = survey.activity_objects
    assert ("Web_Activity__c", "Lead__c", ("Visited_At__c",)) == (
        web.name,
        web.lead_field,
        web.date_fields,
    )
    assert sum(web.values["Url__c"].values()) == web.records
    marketing = survey.users[MARKETING_USER_ID]
    assert ("Marketing Automation", True) == (marketing.name, marketing.tasks > 0)
    assert survey.integration_user_id in survey.users
    assert "sfsync Sandbox Org" == survey.org_name
    responded = {g.type for g in survey.campaign_groups if g.responded}
    assert {"Content Download", "Webinar"} <= responded


def test_lead_candidates_leave_out_ids_names_outputs_and_long_text() -> None:
    """Only fields a definition could read are counted and sampled, standard ones first."""
    describe = {
        "fields": [
            {"name": "Id", "type": "id"},
            {"name": "FirstName", "type": "string"},
            {"name": "SFS_Score__c", "type": "double"},
            {"name": "Notes__c", "type": "textarea", "length": 32000},
            {"name": "Budget__c", "type": "picklist", "custom": True},
            {"name": "Industry", "type": "picklist"},
            {"name": "OwnerId", "type": "reference"},
        ]
    }
    assert ["Industry", "Budget__c"] == [f["name"] for f in lead_candidates(describe)]


def test_init_never_overwrites_a_file_unless_told(
    sandbox: RunningSandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An existing --out is refused with exit 2 and the fix; --force replaces it."""
    out = tmp_path / "acme.yaml"
    out.write_text("mine\n")
    code = main(["--env-file", str(sandbox.env_file), "init", "--out", str(out)])
    assert 2 == code
    assert "add --force to overwrite it" in capsys.readouterr().err
    assert "mine\n" == out.read_text()
    assert 0 == main(["--env-file", str(sandbox.env_file), "init", "--out", str(out), "--force"])
    assert out.read_text().startswith("# Proposed by `sfsync init`")

"""Org profiles: each seeds the schema and data of an org with that setup."""

from __future__ import annotations

import itertools
import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from sfsync.cli import cli
from sfsync.commands.sandbox import PROFILE_NAMES
from sfsync.errors import ConfigError
from sfsync.sandbox.org import DB_FILE, SandboxOrg
from sfsync.sandbox.profiles import PROFILES, profile_named, stored_profile
from sfsync.sandbox.profiles.account_engagement import FORM_HANDLERS
from sfsync.sandbox.profiles.base import custom_field
from sfsync.sandbox.profiles.demo import DemoWriter
from sfsync.sandbox.profiles.hubspot import HubSpotWriter
from sfsync.sandbox.profiles.intent import Planner, calibrate
from sfsync.sandbox.profiles.marketo import MarketoWriter
from sfsync.sandbox.profiles.people import email_address
from sfsync.sandbox.profiles.plain import PlainWriter
from sfsync.sandbox.profiles.rows import LeadWriter
from sfsync.sandbox.profiles.timeline import DAY, HISTORY_DAYS, campaigns
from sfsync.sandbox.profiles.users import (
    INTEGRATION_USER_ID,
    MARKETING_USER_ID,
    REP_IDS,
    user_rows,
)
from sfsync.sandbox.seed import seed_org
from sfsync.sandbox.server import start_sandbox
from tests.sandbox.conftest import PinnedSession

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
LEADS = 1_500
# Lead fields each profile must have (beyond the standard ones) and must not have.
HAS = {
    "demo": {"Budget__c", "Purchase_Timeframe__c", "Pain_Points__c"},
    "plain": set(),
    "account-engagement": {
        "pi__score__c",
        "pi__grade__c",
        "pi__last_activity__c",
        "pi__conversion_date__c",
        "pi__conversion_object_name__c",
        "pi__conversion_object_type__c",
    },
    "marketo": {
        "mkto71_Lead_Score__c",
        "mkto_si__Last_Interesting_Moment_Date__c",
        "mkto_si__Last_Interesting_Moment_Desc__c",
        "Budget_Status__c",
        "Purchase_Timeline__c",
    },
    "hubspot": {
        "HubSpot_Score__c",
        "Lifecycle_Stage__c",
        "HubSpot_Recent_Conversion_Date__c",
        "Do_you_have_a_budget_allocated__c",
    },
}
# SQL for the leads that raised a hand, as each setup records it.
HAND_RAISERS = {
    "demo": "SELECT LeadId FROM CampaignMember m JOIN Campaign c ON c.Id = m.CampaignId"
    " WHERE m.HasResponded = 1 AND c.Type IN ('Content Download', 'Webinar')",
    "plain": "SELECT LeadId FROM CampaignMember m JOIN Campaign c ON c.Id = m.CampaignId"
    " WHERE m.HasResponded = 1 AND c.Type IN ('Content Download', 'Webinar')",
    "account-engagement": "SELECT Id FROM Lead WHERE pi__score__c >= 100",
    "marketo": "SELECT WhoId FROM Task WHERE Subject LIKE 'Filled Out Form:%'",
    "hubspot": "SELECT WhoId FROM Task WHERE Subject LIKE 'Form submission:%'",
}


@pytest.fixture(name="orgs", scope="module")
def _orgs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One seeded database per profile."""
    out = {}
    for name in PROFILES:
        path = tmp_path_factory.mktemp(name) / DB_FILE
        with sqlite3.connect(path) as conn:
            report = seed_org(conn, leads=LEADS, seed=5, now=NOW, profile=name)
        assert report.profile == name
        out[name] = path
    return out


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_the_cli_offers_every_profile() -> None:
    """`sandbox seed --profile` lists exactly the profiles the sandbox has, demo first."""
    assert tuple(PROFILES) == PROFILE_NAMES
    assert "demo" == PROFILE_NAMES[0]
    with pytest.raises(ConfigError, match="pick one of demo, plain"):
        profile_named("pardot")


@pytest.mark.parametrize("name", list(PROFILES))
def test_each_profile_describes_its_own_lead_fields(orgs: dict[str, Path], name: str) -> None:
    """Describe over HTTPS shows the profile's package fields and none of the demo's extras."""
    data_dir = orgs[name].parent
    with start_sandbox(data_dir) as sandbox, PinnedSession(sandbox.ca_file) as http:
        headers = {"Authorization": f"Bearer {sandbox.token}"}
        base = f"{sandbox.url}/services/data/v62.0"
        lead = http.get(f"{base}/sobjects/Lead/describe", headers=headers, timeout=30).json()
        objects = http.get(f"{base}/sobjects", headers=headers, timeout=30).json()
        query = http.get(f"{base}/query", headers=headers, timeout=30,
                         params={"q": "SELECT COUNT() FROM Lead"}).json()  # fmt: skip
    names = {f["name"] for f in lead["fields"]}
    custom_inputs = {n for n in names if n.endswith("__c") and not n.startswith("SFS_")}
    assert HAS[name] <= names
    assert (
        set()
        .union(*(HAS[other] for other in HAS if other != name))
        .isdisjoint(custom_inputs - HAS[name])
    )
    has_web = "Web_Activity__c" in {o["name"] for o in objects["sobjects"]}
    assert has_web == (name == "demo")
    assert LEADS == query["totalSize"]


@pytest.mark.parametrize("name", list(PROFILES))
def test_hand_raisers_convert_more_often(orgs: dict[str, Path], name: str) -> None:
    """Each profile's own record of a hand-raise predicts conversion (so reports find it)."""
    path = orgs[name]
    raised = {r[0] for r in _rows(path, HAND_RAISERS[name])}
    leads = _rows(path, "SELECT Id, IsConverted FROM Lead")
    with_ = [c for i, c in leads if i in raised]
    without = [c for i, c in leads if i not in raised]
    assert len(with_) >= 50
    assert sum(with_) / len(with_) > 2 * sum(without) / len(without)


@pytest.mark.parametrize(
    ("name", "user", "pattern"),
    [
        ("demo", "Marketing Automation", "Email Opened: %"),
        ("account-engagement", "B2BMA Integration", "Pardot List Email: %"),
        ("marketo", "Marketo Sync", "Opened Email: %"),
        ("hubspot", "HubSpot Integration", "Marketing email opened: %"),
    ],
)
def test_the_automation_user_logs_the_packages_tasks(
    orgs: dict[str, Path], name: str, user: str, pattern: str
) -> None:
    """Marketing activity Tasks are created by the package's user, never by a rep."""
    path = orgs[name]
    ((who,),) = _rows(path, f"SELECT Name FROM User WHERE Id = '{MARKETING_USER_ID}'")
    assert user == who
    sql = f"SELECT DISTINCT CreatedById FROM Task WHERE Subject LIKE '{pattern}'"
    creators = {r[0] for r in _rows(path, sql)}
    assert {MARKETING_USER_ID} == creators


def test_plain_logs_no_marketing_tasks_and_account_engagement_only_its_sends(
    orgs: dict[str, Path],
) -> None:
    """Without a package every Task is a rep's; Account Engagement's connector logs only sends."""
    creators = {r[0] for r in _rows(orgs["plain"], "SELECT DISTINCT CreatedById FROM Task")}
    assert creators <= set(REP_IDS)
    sql = f"SELECT Subject FROM Task WHERE CreatedById = '{MARKETING_USER_ID}'"
    subjects = [r[0] for r in _rows(orgs["account-engagement"], sql)]
    assert subjects
    assert all(s.startswith("Pardot List Email: ") for s in subjects)
    sql = "SELECT DISTINCT CreatedById FROM Task WHERE Subject NOT LIKE 'Pardot List Email:%'"
    assert {r[0] for r in _rows(orgs["account-engagement"], sql)} <= set(REP_IDS)


def test_account_engagement_form_handlers_are_campaign_responses(orgs: dict[str, Path]) -> None:
    """Form handler submissions show as responded members of their campaigns, with scores."""
    path = orgs["account-engagement"]
    rows = _rows(
        path,
        "SELECT c.Name, COUNT(*), MIN(m.HasResponded) FROM CampaignMember m"
        " JOIN Campaign c ON c.Id = m.CampaignId WHERE c.Type = 'Website' GROUP BY c.Name",
    )
    assert set(FORM_HANDLERS) == {r[0] for r in rows}
    assert all(count > 10 and responded == 1 for _, count, responded in rows)
    types = {r[0] for r in _rows(path, "SELECT DISTINCT pi__conversion_object_type__c FROM Lead")}
    assert {"Form", "Form Handler", "Landing Page", None} == types
    grades = {r[0] for r in _rows(path, "SELECT DISTINCT pi__grade__c FROM Lead")}
    assert {"A", "B", "C"} <= {g[0] for g in grades if g}


def test_same_seed_and_profile_give_the_same_org(tmp_path: Path) -> None:
    """Seeding is deterministic per profile, and profiles differ from each other."""
    dumps = []
    for i, name in enumerate(("marketo", "marketo", "hubspot")):
        path = tmp_path / f"{i}.sqlite3"
        with sqlite3.connect(path) as conn:
            seed_org(conn, leads=200, seed=9, now=NOW, profile=name)
            dumps.append(list(conn.iterdump()))
    assert dumps[0] == dumps[1]
    assert dumps[0] != dumps[2]


def test_reseeding_changes_the_profile_a_reopened_org_serves(tmp_path: Path) -> None:
    """The profile is stored with the org: reloaded at once, and after a restart."""
    org = SandboxOrg(tmp_path / DB_FILE)
    try:
        assert "web_activity__c" in org.objects
        with org.lock:
            seed_org(org.conn, leads=20, now=NOW, profile="plain")
        org.reload_objects()
        assert "web_activity__c" not in org.objects
        assert "budget__c" not in {f.name.lower() for f in org.objects["lead"].fields}
        assert "plain" == stored_profile(org.conn).name
    finally:
        org.close()
    reopened = SandboxOrg(tmp_path / DB_FILE)
    try:
        assert "web_activity__c" not in reopened.objects
    finally:
        reopened.close()


def test_seed_command_takes_a_profile(tmp_path: Path) -> None:
    """`sfsync sandbox seed --profile hubspot` seeds that org and says which profile it is."""
    result = CliRunner().invoke(
        cli,
        ["sandbox", "seed", "--data-dir", str(tmp_path), "--leads", "40", "--profile", "hubspot"],
    )
    assert 0 == result.exit_code, result.output
    assert "(profile hubspot)" in result.output
    assert "profile changed" not in result.output  # a new org had none before
    rows = _rows(tmp_path / DB_FILE, "SELECT COUNT(*) FROM Lead WHERE HubSpot_Score__c >= 0")
    assert [(40,)] == rows
    again = CliRunner().invoke(
        cli, ["sandbox", "seed", "--data-dir", str(tmp_path), "--leads", "40", "--profile", "plain"]
    )
    assert "profile changed from hubspot to plain: restart a running" in again.output


@pytest.mark.parametrize("name", list(PROFILES))
def test_every_column_a_writer_fills_is_a_field_of_its_schema(name: str) -> None:
    """A profile writes only fields its org describes, and every package field it adds."""
    profile = PROFILES[name]
    objects = {o.name: o for o in profile.schema().values()}
    for table, columns in profile.writer.columns().items():
        fields = {f.name for f in objects[table].fields}
        assert set(columns) <= fields, table
    added = {f.name for f in profile.lead_fields}
    assert added <= set(profile.writer.columns()["Lead"])
    proprietary = {"pi__score__c", "pi__grade__c", "pi__campaign__c"}  # read-only in Salesforce
    assert all(not f.updateable for f in profile.lead_fields if f.name in proprietary)


def test_every_campaign_type_runs_before_the_first_lead() -> None:
    """Each campaign type has a campaign older than the oldest lead; newsletters are monthly."""
    now_s = int(NOW.timestamp())
    camps = campaigns(now_s)
    first_lead = now_s - HISTORY_DAYS * DAY
    by_type: dict[str, list[int]] = {}
    for c in camps:
        by_type.setdefault(c.type, []).append(c.start)
    assert all(min(starts) < first_lead for starts in by_type.values())
    letters = sorted(c.start for c in camps if c.name.startswith("Newsletter"))
    gaps = {round((b - a) / DAY) for a, b in itertools.pairwise(letters)}
    assert gaps <= {28, 29, 30, 31}


def test_about_one_lead_in_seven_gives_a_free_mail_address() -> None:
    """Addresses are mostly on the company's domain; ~15% free-mail, ~2% none."""
    rng = random.Random(3)
    addresses = [email_address(rng.random, "Ada", "Lovelace", "example.com") for _ in range(5000)]
    free = sum(1 for a in addresses if a and not a.endswith("@example.com"))
    assert 0.12 < free / 5000 < 0.18
    assert 0.01 < addresses.count(None) / 5000 < 0.03


def test_calibration_hits_the_asked_activity_per_lead() -> None:
    """More activity per lead asks for more background, less thins the plans out."""
    now_s = int(NOW.timestamp())
    planner = Planner(random.Random(1), leads=1000, now_s=now_s)
    busy = calibrate(planner, 1, 9.0)
    quiet = calibrate(planner, 1, 2.0)
    assert busy[0] == 1.0
    assert busy[1] > 0
    assert quiet[0] < 1.0
    assert quiet[1] == 0.0


def test_the_automation_user_is_named_by_the_profile() -> None:
    """User rows name the automation user as the profile says; the integration user is fixed."""
    rows = {r[0]: r[1] for r in user_rows(int(NOW.timestamp()), ("B2BMA", "Integration"))}
    assert "B2BMA Integration" == rows[MARKETING_USER_ID]
    assert "sfsync Integration" == rows[INTEGRATION_USER_ID]
    assert "B2BMA Integration" == next(
        r[1]
        for r in user_rows(0, PROFILES["account-engagement"].automation_user)
        if r[0] == MARKETING_USER_ID
    )


def test_a_package_field_is_read_only_for_the_integration_user() -> None:
    """Managed package fields are neither createable nor updateable; admin fields are."""
    synced = custom_field("pi__score__c", "double", "Score", read_only=True)
    admin = custom_field("Budget_Status__c", "picklist", "Budget Status")
    assert (synced.updateable, synced.createable, synced.custom) == (False, False, True)
    assert (admin.updateable, admin.createable) == (True, True)


def test_writers_of_all_profiles_share_the_lead_rows_head() -> None:
    """Every writer's Lead row starts with the standard fields and ends with the audit ones."""
    for writer in (DemoWriter, PlainWriter, HubSpotWriter, MarketoWriter, LeadWriter):
        columns = writer.columns()["Lead"]
        assert columns[:2] == ("Id", "FirstName")
        assert columns[-1] == "SystemModstamp"

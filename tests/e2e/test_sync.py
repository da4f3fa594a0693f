"""
`sfsync sync` end to end: the real CLI against the sandbox org, asserting on what the org
holds (its database) and on the API calls it answered (its call log).
"""

from __future__ import annotations

import math
import os
import re
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sfsync.commands.runtime import PACKAGED_DEFINITION
from sfsync.sandbox.org import DB_FILE, LEAD_ROUTER_USER_ID
from tests.e2e.conftest import (
    ALWAYS_SET,
    NOW,
    NOW_ARG,
    OUTPUT_FIELDS,
    Org,
    changed_leads,
    read_leads,
    read_rows,
)

pytestmark = pytest.mark.e2e

STATUSES = {"Sales Ready", "Nurture", "Recycled", "Disqualified", "Insufficient Data"}
TOUCH_TARGET = 6  # the default definition's
# A pass that finds nothing to do: /limits, then a count and one query page for each of
# User, Lead and the four activity objects.
NO_CHANGE_CALL_BOUND = 1 + 2 * 6
REPORT_KEYS = {
    "run_id": str,
    "mode": str,
    "dry_run": bool,
    "outcome": str,
    "read": dict,
    "qualified": int,
    "changed": int,
    "written": int,
    "rejected": int,
    "recovered": int,
    "skipped_converted": int,
    "skipped_invalid": int,
    "status_mapping_blocked": int,
    "held_back": int,
    "api_calls": int,
    "duration_seconds": float,
    "statuses": dict,
    "watermarks": dict,
    "error": type(None),
    "partial": bool,
}


def sf_datetime(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def writes(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every call that could change data: anything but GET (reads, describes, limits)."""
    return [c for c in calls if c["method"] != "GET"]


def scored(leads: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i: r for i, r in leads.items() if not r["IsConverted"]}


def pick_lead(org: Org, **where: Any) -> dict[str, Any]:
    """The first (by Id) non-converted lead matching `field=value`, or the predicate."""
    predicate = where.pop("predicate", lambda row: True)
    for _, row in sorted(scored(org.leads()).items()):
        if all(row[k] == v for k, v in where.items()) and predicate(row):
            return row
    raise AssertionError(f"the seeded org has no lead with {where}")


def test_first_sync_writes_every_lead_and_a_second_sync_writes_nothing(fresh_org: Org) -> None:
    org = fresh_org
    before = org.leads()
    converted = {i for i, r in before.items() if r["IsConverted"]}
    to_score = set(before) - converted
    assert converted
    assert to_score

    org.reset_calls()
    first = org.sync()

    assert first["outcome"] == "success"
    assert first["partial"] is False
    assert first["written"] == first["changed"] == len(to_score)
    assert first["rejected"] == 0
    assert first["skipped_converted"] == len(converted)
    assert sum(first["statuses"].values()) == len(to_score)
    after = org.leads()
    for lead_id in to_score:
        row = after[lead_id]
        assert [f for f in ALWAYS_SET if row[f] is None] == [], lead_id
        assert row["SFS_Status__c"] in STATUSES
        if row["SFS_Status__c"] in ("Sales Ready", "Recycled"):
            remaining = max(0, TOUCH_TARGET - row["SFS_Touches__c"])
            assert row["SFS_Touches_Remaining__c"] == remaining
        if row["SFS_Status__c"] == "Sales Ready":
            assert row["SFS_Sales_Ready_Since__c"] is not None
    calls = org.calls()
    # Collections PATCH, 200 leads a call: nothing else wrote.
    assert {(c["method"], c["path"].rsplit("/v62.0/", 1)[-1]) for c in writes(calls)} == {
        ("PATCH", "composite/sobjects")
    }
    assert len(writes(calls)) == math.ceil(len(to_score) / 200)
    assert sum(c["records"] for c in writes(calls)) == len(to_score)
    assert first["api_calls"] == len(calls)

    org.reset_calls()
    second = org.sync()

    calls = org.calls()
    print(f"\nfirst sync of {len(before)} leads: {first['api_calls']} API calls")
    print(f"no-change sync: {second['api_calls']} API calls")
    assert second["outcome"] == "success"
    assert second["changed"] == 0
    assert second["written"] == 0
    assert writes(calls) == []
    assert second["api_calls"] == len(calls) <= NO_CHANGE_CALL_BOUND
    assert org.leads() == after


def test_sync_json_prints_one_report_object(synced_org: Org) -> None:
    result = synced_org.cli("sync", "--json")

    assert result.returncode == 0, result.stderr
    report = result.json()
    assert set(report) == set(REPORT_KEYS)
    for key, kind in REPORT_KEYS.items():
        assert isinstance(report[key], kind), key
    assert report["mode"] == "incremental"
    assert set(report["read"]) == {
        "User",
        "Lead",
        "Task",
        "Event",
        "CampaignMember",
        "Web_Activity__c",
    }
    assert set(report["statuses"]) <= STATUSES
    assert len(result.stdout.strip().splitlines()) == 1


def test_one_new_pricing_page_view_rewrites_exactly_that_lead(synced_org: Org) -> None:
    org = synced_org
    lead = pick_lead(
        org,
        SFS_Status__c="Nurture",
        predicate=lambda r: (
            r["SFS_Engagement_Score__c"] <= 50 and "Pricing page" not in r["SFS_Reasons__c"]
        ),
    )
    visit = {
        "Name": "pricing visit",
        "Lead__c": lead["Id"],
        "Url__c": "https://www.example.com/pricing",
        "Visited_At__c": sf_datetime(NOW - timedelta(hours=1)),
    }
    assert org.rest("POST", "/sobjects/Web_Activity__c", json_body=visit).status_code == 201
    before = org.leads()

    report = org.sync()

    after = org.leads()
    assert report["mode"] == "incremental"
    assert report["read"]["Web_Activity__c"] >= 1
    assert report["changed"] == report["written"] == 1
    assert changed_leads(before, after) == {lead["Id"]}
    assert after[lead["Id"]]["SFS_Engagement_Score__c"] > lead["SFS_Engagement_Score__c"]
    assert "Pricing page viewed" in after[lead["Id"]]["SFS_Reasons__c"]


def test_deleting_a_sales_task_lowers_the_touch_count(synced_org: Org) -> None:
    org = synced_org
    lead, task_id = None, None
    for row in sorted(scored(org.leads()).values(), key=lambda r: r["Id"]):
        if row["SFS_Status__c"] != "Sales Ready" or not row["SFS_Touches__c"]:
            continue
        explained = org.cli("explain", row["Id"], "--json", "--now", NOW_ARG)
        assert explained.returncode == 0, explained.stderr
        touches = explained.json()["touches"]["records"]
        counted = [t for t in touches if t["counted"] and t["object"] == "Task"]
        if counted:
            lead, task_id = row, counted[-1]["record_id"]
            break
    assert lead is not None, "no Sales Ready lead with a counted sales Task in the seeded org"

    assert org.rest("DELETE", f"/sobjects/Task/{task_id}").status_code == 204
    deleted = org.query(f"SELECT Id, IsDeleted FROM Task WHERE Id = '{task_id}'", all_rows=True)
    assert [r["IsDeleted"] for r in deleted] == [True]
    assert org.query(f"SELECT Id FROM Task WHERE Id = '{task_id}'") == []

    report = org.sync()

    after = org.leads()[lead["Id"]]
    assert report["read"]["Task"] >= 1
    assert report["written"] == 1
    assert after["SFS_Touches__c"] == lead["SFS_Touches__c"] - 1
    assert after["SFS_Touches_Remaining__c"] == max(0, TOUCH_TARGET - after["SFS_Touches__c"])


def test_no_sync_changes_an_owner_or_touches_a_converted_lead(
    synced_org: Org, seeded_template: Path
) -> None:
    org = synced_org
    seeded = read_leads(seeded_template / DB_FILE)

    org.sync()
    org.sync("--full")
    org.sync("--rescore")

    leads = org.leads()
    assert {i: r["OwnerId"] for i, r in leads.items()} == {
        i: r["OwnerId"] for i, r in seeded.items()
    }
    converted = {i for i, r in seeded.items() if r["IsConverted"]}
    assert converted
    for lead_id in converted:
        assert leads[lead_id] == seeded[lead_id]
        assert all(
            leads[lead_id][f] is None for f in OUTPUT_FIELDS if f != "SFS_Needs_Follow_Up__c"
        )

    # The assignment rule is live: the same update without Sforce-Auto-Assign: FALSE re-owns.
    lead_id = min(set(leads) - converted)
    assert org.rest("PATCH", f"/sobjects/Lead/{lead_id}", json_body={"Title": "CEO"}).ok
    assert org.leads()[lead_id]["OwnerId"] == LEAD_ROUTER_USER_ID != seeded[lead_id]["OwnerId"]


def test_dry_run_reports_the_change_and_writes_nothing(synced_org: Org) -> None:
    org = synced_org
    lead = pick_lead(org, SFS_Status__c="Nurture")
    visit = {
        "Lead__c": lead["Id"],
        "Url__c": "/pricing",
        "Visited_At__c": sf_datetime(NOW - timedelta(hours=2)),
    }
    assert org.rest("POST", "/sobjects/Web_Activity__c", json_body=visit).status_code == 201
    before = org.leads()
    org.reset_calls()

    dry = org.sync("--dry-run")

    assert dry["dry_run"] is True
    assert dry["changed"] >= 1
    assert dry["written"] == 0
    assert writes(org.calls()) == []
    assert org.leads() == before
    text = org.cli("sync", "--dry-run", "--now", NOW_ARG)
    assert text.returncode == 0, text.stderr
    assert "dry run" in text.stdout

    real = org.sync()

    assert real["written"] == 1
    assert changed_leads(before, org.leads()) == {lead["Id"]}


def test_an_edited_definition_requalifies_every_lead_on_the_next_incremental_pass(
    synced_org: Org, tmp_path: Path
) -> None:
    org = synced_org
    edited = tmp_path / "edited.yaml"
    text = PACKAGED_DEFINITION.read_text()
    edited.write_text(re.sub(r"(?m)^version: .*$", 'version: "e2e-edited-1"', text, count=1))
    leads = org.leads()

    report = org.sync("--definition", str(edited))

    assert report["mode"] == "incremental"
    assert report["qualified"] == len(leads)  # converted ones too: nothing was left out
    assert report["written"] == len(scored(leads))
    assert {r["SFS_Definition_Version__c"] for r in scored(org.leads()).values()} == {
        "e2e-edited-1"
    }
    again = org.sync("--definition", str(edited))
    assert again["written"] == 0
    # Only what the overlap window re-read (our own writes' echo) is qualified again.
    assert again["qualified"] < len(leads)


def test_a_reject_the_org_no_longer_needs_is_settled_not_pending_forever(
    synced_org: Org, tmp_path: Path
) -> None:
    """
    Leads rejected while adopting an edited definition, then the old definition back: the
    org already holds their values, so nothing is written and the rejects are cleared (no
    exit 3, no "Rejected by the org" in explain for a lead that is fine).
    """
    org = synced_org
    edited = tmp_path / "edited.yaml"
    text = PACKAGED_DEFINITION.read_text()
    edited.write_text(re.sub(r"(?m)^version: .*$", 'version: "e2e-edited-2"', text, count=1))
    ids = sorted(scored(org.leads()))[:3]
    rule = {"validation_rules": [{"message": "Under legal review", "ids": ids}]}
    assert org.rest("POST", "/__sandbox/faults", json_body=rule).status_code == 200

    faulted = org.cli("sync", "--json", "--now", NOW_ARG, "--definition", str(edited))
    assert faulted.returncode == 3, faulted.stderr
    assert faulted.json()["rejected"] == len(ids)
    assert len(read_rows(org.state_path, "SELECT lead_id FROM reject")) == len(ids)

    back = org.sync()  # the packaged definition again; the rule is still active

    assert back["rejected"] == 0
    assert back["written"] == len(scored(org.leads())) - len(ids)
    assert read_rows(org.state_path, "SELECT lead_id FROM reject") == []
    explained = org.cli("explain", ids[0], "--json", "--now", NOW_ARG)
    assert explained.returncode == 0, explained.stderr
    assert explained.json()["rejects"] == []


def test_an_optional_input_the_org_lacks_is_scored_as_unknown(
    synced_org: Org, tmp_path: Path
) -> None:
    """An optional input mapped to a field the org lacks: the pass reads the other fields,
    scores that input as unknown and says so in a warning (DESIGN §3: never crash)."""
    org = synced_org
    edited = tmp_path / "remapped.yaml"
    text = PACKAGED_DEFINITION.read_text().replace(
        "budget: {field: Budget__c, optional: true}",
        "budget: {field: Budget_Approved__c, optional: true}",
    )
    edited.write_text(re.sub(r"(?m)^version: .*$", 'version: "e2e-remapped-1"', text, count=1))

    result = org.cli(
        "--log-format", "json", "sync", "--json", "--now", NOW_ARG, "--definition", str(edited)
    )

    assert result.returncode == 0, result.stderr
    assert result.json()["written"] == len(scored(org.leads()))
    warnings = [
        e for e in result.log_lines() if e["event"] == "sfsync.sync.optional_inputs_missing"
    ]
    assert [w["fields"] for w in warnings] == [["Budget_Approved__c"]]
    for lead in scored(org.leads()).values():
        assert "budget unknown" in str(lead["SFS_Reasons__c"]) or "Insufficient" in str(
            lead["SFS_Status__c"]
        )


def test_an_output_field_the_org_lacks_exits_2_pointing_at_check(
    synced_org: Org, tmp_path: Path
) -> None:
    """A definition naming an output field the org does not have is a setup error (exit 2)
    that points at `sfsync check`, not a failure with the org's truncated SOQL echo."""
    org = synced_org
    edited = tmp_path / "renamed.yaml"
    edited.write_text(
        PACKAGED_DEFINITION.read_text()
        .replace("score: SFS_Score__c", "score: LQ_Score__c")
        .replace('version: "default-2026.11.2"', 'version: "renamed-1"')  # new content
    )
    leads = org.leads()

    result = org.cli("sync", "--now", NOW_ARG, "--definition", str(edited))

    assert result.returncode == 2, result.stderr
    assert "INVALID_FIELD" in result.stderr
    assert "`sfsync check` lists each one with its fix" in result.stderr
    assert "Traceback" not in result.stderr
    assert org.leads() == leads


def test_a_definition_reading_a_new_field_reads_it_for_every_lead(
    synced_org: Org, tmp_path: Path
) -> None:
    """A definition that maps an input to a field earlier passes did not read makes the next
    incremental pass read that object in full, so no lead is qualified with the field unknown
    from a mirror that never held it."""
    org = synced_org
    edited = tmp_path / "need-from-source.yaml"
    text = PACKAGED_DEFINITION.read_text().replace(
        "pain_points: {field: Pain_Points__c, optional: true}",
        "pain_points: {field: LeadSource, optional: true}",
    )
    edited.write_text(re.sub(r"(?m)^version: .*$", 'version: "e2e-need-1"', text, count=1))
    sources = {r["Id"]: r["LeadSource"] for r in org.rows('SELECT Id, LeadSource FROM "Lead"')}

    report = org.sync("--definition", str(edited), SFSYNC_OVERLAP_SECONDS="0")

    leads = org.leads()
    assert report["read"]["Lead"] == len(leads)
    with_source = [r for i, r in scored(leads).items() if sources[i]]
    assert with_source
    for lead in with_source:
        assert "need unknown" not in str(lead["SFS_Reasons__c"]), lead["Id"]
    again = org.sync("--definition", str(edited), SFSYNC_OVERLAP_SECONDS="0")
    assert again["read"]["Lead"] < len(leads)


def test_a_state_store_never_runs_against_another_org(synced_org: Org) -> None:
    """The org Id from the login is bound to the state store; another org is refused, exit 2."""
    cc = {"SFSYNC_SF_AUTH": "client_credentials"}
    bound = synced_org.cli("sync", "--json", "--now", NOW_ARG, **cc)
    assert bound.returncode == 0, bound.stderr
    stored = read_rows(synced_org.state_path, "SELECT value FROM meta WHERE key = 'org_id'")
    assert [row["value"][:3] for row in stored] == ["00D"]

    with closing(sqlite3.connect(synced_org.state_path)) as db, db:
        db.execute("UPDATE meta SET value = '00D000000000999AAA' WHERE key = 'org_id'")
    synced_org.reset_calls()
    refused = synced_org.cli("sync", "--now", NOW_ARG, **cc)

    assert refused.returncode == 2, refused.stderr
    assert "00D000000000999AAA" in refused.stderr
    assert "SFSYNC_STATE_PATH" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not [c for c in synced_org.calls() if c["method"] in ("PATCH", "PUT")]


def test_a_writing_sync_waits_for_no_one_while_another_writer_holds_the_org(
    synced_org: Org,
) -> None:
    """A daemon (or backfill) holds the org's lock: `sync` exits 2, `sync --dry-run` still runs."""
    from sfsync.state.lock import InstanceLock

    with InstanceLock(Path(str(synced_org.state_path) + ".lock")):
        refused = synced_org.cli("sync", "--now", NOW_ARG)
        dry = synced_org.cli("sync", "--dry-run", "--json", "--now", NOW_ARG)

    assert refused.returncode == 2, refused.stderr
    assert "already running" in refused.stderr
    assert str(os.getpid()) in refused.stderr
    assert dry.returncode == 0, dry.stderr
    after = synced_org.cli("sync", "--json", "--now", NOW_ARG)
    assert after.returncode == 0, after.stderr

"""
Hostile records, synced end to end by the real CLI (REST and Bulk API paths): every hostile
lead is written or rejected with a clear reason, none blocks the seeded leads, SOQL
fragments stay data, and `explain` renders any of them without crashing or passing terminal
escapes through. The corpus and how it gets into the org: `corpus.py`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.badinput.corpus import SOQL, TEXTS, Corpus, insert_corpus
from tests.reliability.orgkit import (
    NOW_ARG,
    CliResult,
    Snapshot,
    install_faults,
    lead_snapshot,
    run_cli,
    running_org,
    seed_template,
    snapshot_diff,
    sync_argv,
)

pytestmark = pytest.mark.e2e

SEEDED = 40
PATHS = {
    "rest": {},
    "bulk": {"SFSYNC_BULK_READ_THRESHOLD": "1", "SFSYNC_BULK_WRITE_THRESHOLD": "5"},
}
MISSING_ID = "00Q5g00000Gone1"
RULE_MESSAGE = "Blocked by rule \x1b[31m[/bold] ' OR Name LIKE '%"
REJECTED_LABELS = ("text:rich_markup", "text:soql_like")
EXPLAINED = ("text:control", "text:rich_markup", "text:unicode", "long_100k", "nul_chars",
             "nulls_everywhere", "text:csv_breaker")  # fmt: skip


@dataclass
class Synced:
    """One org with the corpus, synced twice, and what the CLI said."""

    path: str
    corpus: Corpus
    first: CliResult
    second: CliResult
    after: Snapshot
    explained: dict[str, CliResult]
    bad_ids: list[tuple[str, bool, CliResult]]
    calls: list[dict[str, Any]]

    def label(self, lead_id: str) -> str:
        return self.corpus.leads[lead_id]

    def lead_id(self, label: str) -> str:
        return next(i for i, name in self.corpus.leads.items() if name == label)


@pytest.fixture(name="template", scope="module")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_template(tmp_path_factory.mktemp("badinput-template"), leads=SEEDED)


@pytest.fixture(name="clean", scope="module")
def _clean(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """The seeded leads' outputs after a sync of the org without the corpus."""
    work = tmp_path_factory.mktemp("badinput-clean")
    with running_org(template, work / "org") as sandbox:
        result = run_cli(sync_argv(sandbox), env={"SFSYNC_STATE_PATH": str(work / "s.db")})
        assert result.returncode == 0, result.describe()
        return lead_snapshot(sandbox)


def _sync(template: Path, work: Path, path: str, *, explain: bool) -> Synced:
    """Insert the corpus into a copy of the org, sync twice, explain, and collect it all."""
    env = {"SFSYNC_STATE_PATH": str(work / "state.sqlite3"), **PATHS[path]}
    with running_org(template, work / "org") as sandbox:
        corpus = insert_corpus(sandbox)
        by_label = {label: i for i, label in corpus.leads.items()}
        rule = {"message": RULE_MESSAGE, "ids": [by_label[x] for x in REJECTED_LABELS]}
        install_faults(sandbox, {"validation_rules": [rule]})
        sandbox.org.calls.reset()
        first = run_cli(sync_argv(sandbox), env=env)
        second = run_cli(sync_argv(sandbox), env=env)
        after = lead_snapshot(sandbox)
        base = ["--env-file", str(sandbox.env_file), "--log-format", "json"]
        explained, bad_ids = {}, []
        if explain:
            for label in EXPLAINED:
                argv = [*base, "explain", by_label[label], "--now", NOW_ARG]
                explained[label] = run_cli(argv, env=env)
            for bad in (SOQL, "00Q' OR Id != '", "x" * 5000, MISSING_ID):
                for live in (False, True):
                    argv = [*base, "explain", bad, *(["--live"] if live else [])]
                    bad_ids.append((bad, live, run_cli(argv, env=env)))
        calls = sandbox.org.calls.recent(10_000)
    return Synced(path, corpus, first, second, after, explained, bad_ids, calls)


@pytest.fixture(name="rest", scope="module")
def _rest(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Synced:
    """REST query reads, Collections writes; with `explain` runs."""
    return _sync(template, tmp_path_factory.mktemp("badinput-rest"), "rest", explain=True)


@pytest.fixture(name="bulk", scope="module")
def _bulk(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Synced:
    """Bulk API 2.0 query reads and ingest writes."""
    return _sync(template, tmp_path_factory.mktemp("badinput-bulk"), "bulk", explain=False)


@pytest.fixture(name="synced", params=sorted(PATHS))
def _synced(request: pytest.FixtureRequest) -> Synced:
    synced: Synced = request.getfixturevalue(str(request.param))
    return synced


def _report(result: CliResult) -> dict[str, Any]:
    report = result.report
    assert report is not None, result.describe()
    return report


def test_every_hostile_lead_is_written_or_rejected_with_a_reason(synced: Synced) -> None:
    """Exit 3 (the rule's rejects); each hostile lead has outputs or a reject with a reason."""
    assert synced.first.returncode == 3, synced.first.describe()
    rejected = {e["record_id"]: e for e in synced.first.named("sfsync.record.rejected")}
    skipped = {e["record_id"]: e for e in synced.first.named("sfsync.record.skipped")}
    verdicts = {}
    for lead_id, label in synced.corpus.leads.items():
        written = synced.after[lead_id]["SFS_Definition_Version__c"] is not None
        if lead_id in rejected:
            event = rejected[lead_id]
            assert event["error_code"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION", event
            assert event["error"] == RULE_MESSAGE
            assert not written, label
            verdicts[label] = "rejected"
        elif lead_id in skipped:
            assert skipped[lead_id]["error"], skipped[lead_id]
            verdicts[label] = "skipped"
        else:
            assert written, f"{label}: neither written nor rejected nor skipped"
            verdicts[label] = "written"
    assert {k for k, v in verdicts.items() if v == "rejected"} == set(REJECTED_LABELS)
    assert _report(synced.first)["rejected"] == len(REJECTED_LABELS)
    assert len(verdicts) == len(TEXTS) + 9


def test_hostile_records_block_nobody(synced: Synced, clean: Snapshot) -> None:
    """The seeded leads get exactly the outputs a sync without the corpus gives them."""
    seeded = {k: v for k, v in synced.after.items() if k not in synced.corpus.leads}
    assert not snapshot_diff(seeded, clean)
    # Orphan activity (wrong-object or missing lookups) invents no lead.
    report = _report(synced.first)
    assert report["qualified"] == len(clean) + len(synced.corpus.leads)


def test_hostile_text_gives_stable_outputs(synced: Synced) -> None:
    """The second pass rewrites nothing: only the two rejects are retried (and rejected)."""
    assert synced.second.returncode == 3, synced.second.describe()
    report = _report(synced.second)
    assert (report["written"], report["rejected"]) == (0, len(REJECTED_LABELS))


def test_logs_stay_one_json_object_per_line(synced: Synced) -> None:
    """No traceback, and control characters or newlines in data never break a log line."""
    for result in (synced.first, synced.second):
        assert "Traceback" not in result.stderr
        for line in result.stderr.splitlines():
            assert isinstance(json.loads(line), dict), line[:200]


def test_soql_fragments_stay_data(synced: Synced) -> None:
    """Every query the sync sent was well formed; nothing in the data changed its shape."""
    failed = [c for c in synced.calls if c["status"] == 400]
    assert not failed, failed[:3]
    queries = [c for c in synced.calls if "/query" in c["path"] or "/jobs/query" in c["path"]]
    assert queries


def test_explain_renders_hostile_leads_safely(rest: Synced) -> None:
    """Markup is shown literally, escapes never reach the terminal, huge values are cut."""
    assert set(rest.explained) == set(EXPLAINED)
    for label, result in rest.explained.items():
        assert result.returncode == 0, f"{label}\n{result.describe()}"
        assert "Traceback" not in result.stderr
        assert "\x1b" not in result.stdout, label
        assert "\x00" not in result.stdout, label
        assert len(result.stdout) < 60_000, f"{label}: {len(result.stdout)} characters"
    markup = rest.explained["text:rich_markup"].stdout
    assert "[/bold][red]x[/]" in markup
    assert "Rejected by the org" in markup
    assert "[/bold] ' OR Name LIKE '%" in markup


def test_explain_with_hostile_ids_is_a_clear_error(rest: Synced) -> None:
    """An Id that is SOQL, or 5,000 characters, is reported in one line (exit 2)."""
    assert rest.bad_ids
    for bad, live, result in rest.bad_ids:
        what = f"explain {bad[:20]!r}{' --live' if live else ''}"
        assert result.returncode == 2, f"{what}\n{result.describe()}"
        assert "Traceback" not in result.stderr, what
        lines = result.stderr.splitlines()
        message = [line for line in lines if line.startswith("sfsync:")] + [
            event["message"]
            for event in (json.loads(line) for line in lines if line.startswith("{"))
            if event.get("event") == "sfsync.command.ended"
        ]
        assert len(message) == 1, f"{what}: {result.stderr[-500:]}"
        assert len(message[0]) < 300, what
        if bad == MISSING_ID:
            expected = "was not found in the org" if live else "is not in the local mirror"
        else:
            expected = "LEAD_ID: expected a 15- or 18-character Salesforce Id"
        assert expected in message[0], what

"""
Onboarding any org, end to end: for each sandbox org profile, from a fresh org without the
output fields, `init` -> `definition lint` -> `fields --deploy` -> `check` ->
`backfill --apply` -> `report` runs without editing a file, and the result is plausible.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from sfsync.definition import load_compiled
from sfsync.definition.loader import compile_loaded, parse_definition
from sfsync.sandbox.org import DB_FILE, SandboxOrg
from sfsync.sandbox.seed import seed_org
from sfsync.sandbox.server import start_sandbox
from tests.e2e.conftest import NOW, NOW_ARG, CliResult, Org, PinnedSession
from tests.scoring.factories import DEFAULT_YAML

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LEADS = 700
# What each org's own signals are called in the reasons (the labels init gives them).
OWN_SIGNALS = {
    "demo": "Content form fill (Content Download, Webinar)",
    "plain": "Content form fill (Content Download, Webinar)",
    "account-engagement": "Account Engagement form or form handler",
    "marketo": "Marketo form fill (Filled Out Form)",
    "hubspot": "HubSpot form fill (Form submission)",
}


@pytest.fixture(name="org_for")
def _org_for(tmp_path: Path) -> Iterator[object]:
    """A factory: a running sandbox org of one profile, seeded, without output fields."""
    started: list[tuple[object, PinnedSession]] = []

    def make(profile: str) -> Org:
        data_dir = tmp_path / profile
        data_dir.mkdir()
        seeded = SandboxOrg(data_dir / DB_FILE, output_fields=False)
        with seeded.lock:
            seed_org(seeded.conn, leads=LEADS, seed=3, now=NOW, profile=profile)
            seeded.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        seeded.close()
        sandbox = start_sandbox(data_dir)
        http = PinnedSession(sandbox.ca_file)
        started.append((sandbox, http))
        return Org(sandbox, data_dir, http)

    yield make
    for sandbox, http in started:
        http.close()
        sandbox.stop()  # type: ignore[attr-defined]


def _run(org: Org, *args: str) -> CliResult:
    definition = str(org.dir / "definition.yaml")
    result = org.cli(*args, SFSYNC_DEFINITION=definition)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


def _bands(report: str) -> list[tuple[int, int]]:
    """(leads, converted) per score band from `report`'s table, lowest band first."""
    rows = re.findall(r"│ (\d+-\d+)\s+│\s+([\d,]+) │\s+([\d,]+) │", report)
    return [(int(n.replace(",", "")), int(c.replace(",", ""))) for _, n, c in rows]


@pytest.mark.parametrize("profile", list(OWN_SIGNALS))
def test_init_to_backfill_runs_on_every_profile_without_editing_a_file(
    org_for: object, profile: str
) -> None:
    """The whole path from init to a filled org, checked for plausibility at each step."""
    org = org_for(profile)  # type: ignore[operator]
    org.reset_calls()
    init = _run(org, "init", "--out", str(org.dir / "definition.yaml"))
    init_calls = len(org.calls())
    assert init_calls <= 30
    assert f"with {init_calls} API calls" in init.stderr.replace("\n", " ")
    text = (org.dir / "definition.yaml").read_text()
    assert "# Not mapped: decide these." in text

    lint = _run(org, "definition", "lint", str(org.dir / "definition.yaml"))
    assert lint.stdout.startswith("✓ ")
    _run(org, "fields", "--deploy")
    check = _run(org, "check")
    assert "✗" not in check.stdout
    _run(org, "backfill", "--apply", "--now", NOW_ARG)
    report = _run(org, "report", "--now", NOW_ARG, "--out", str(org.dir / "report.html"))

    leads = org.rows('SELECT IsConverted, SFS_Status__c, SFS_Reasons__c FROM "Lead"')
    open_leads = [r for r in leads if not r["IsConverted"]]
    assert all(r["SFS_Status__c"] for r in open_leads)
    ready = [r for r in open_leads if r["SFS_Status__c"] == "Sales Ready"]
    assert 0.01 <= len(ready) / len(open_leads) <= 0.30
    assert any(OWN_SIGNALS[profile] in r["SFS_Reasons__c"] for r in ready)
    bands = [(n, c) for n, c in _bands(report.stdout) if n >= 20]
    rates = [c / n for n, c in bands]
    assert len(rates) >= 3
    assert rates == sorted(rates), report.stdout


def test_a_field_hidden_from_the_integration_user_is_not_used_and_said_so(
    org_for: object,
) -> None:
    """init proposes only what describe shows, and names the role it could not fill."""
    org = org_for("demo")  # type: ignore[operator]
    hidden = {"Lead": {"Budget__c": None, "Pain_Points__c": None}}
    assert org.rest("POST", "/__sandbox/describe", json_body=hidden).status_code == 200

    result = _run(org, "init", "--dry-run")

    assert "Budget__c" not in result.stdout
    assert "Pain_Points__c" not in result.stdout
    assert "# - input budget: no readable Lead field is named or labelled like 'budget'" in (
        result.stdout
    )
    assert "field-level security" in result.stdout
    assert "timeframe:" in result.stdout  # what is visible is still used
    assert not (org.dir / "definition.yaml").exists()


def _synced(org: Org, definition: Path) -> dict[str, object]:
    result = org.cli("sync", "--json", "--now", NOW_ARG, SFSYNC_DEFINITION=str(definition))
    assert result.returncode == 0, result.stderr
    report: dict[str, object] = result.json()
    return report


def test_an_edit_without_a_new_version_stamps_nothing_until_the_version_is_bumped(
    org_for: object,
) -> None:
    """The version guard: exit 2 with the fix and no write; after the bump, one rewrite each."""
    org = org_for("plain")  # type: ignore[operator]
    definition = org.dir / "definition.yaml"
    _run(org, "init", "--out", str(definition))
    _run(org, "fields", "--deploy")
    first = _synced(org, definition)
    assert first["written"]
    before = org.leads()
    version = re.search(r"^version: (.+)$", definition.read_text(), re.MULTILINE)[1]  # type: ignore[index]
    definition.write_text(definition.read_text().replace("min_fit: 50", "min_fit: 60"))

    refused = org.cli("sync", "--now", NOW_ARG, SFSYNC_DEFINITION=str(definition))

    assert 2 == refused.returncode
    (line,) = refused.stderr.strip().splitlines()
    assert f"definition version {version!r} was applied with other content" in line
    assert "bump `version:`" in line
    assert org.leads() == before

    definition.write_text(definition.read_text().replace(version, f"{version}.2"))
    bumped = _synced(org, definition)
    after = org.leads()
    unconverted = [i for i, lead in after.items() if not lead["IsConverted"]]
    assert len(unconverted) == bumped["written"]
    assert {f"{version}.2"} == {after[i]["SFS_Definition_Version__c"] for i in unconverted}
    assert 0 == _synced(org, definition)["written"]


def test_init_on_the_demo_org_reads_what_the_default_definition_reads(org_for: object) -> None:
    """Equivalent to mappings/default.yaml in what it reads: fields, objects, signals, users."""
    org = org_for("demo")  # type: ignore[operator]
    text = _run(org, "init", "--dry-run").stdout
    proposed = compile_loaded(parse_definition(text, source="init"), source="init")
    default = load_compiled(DEFAULT_YAML)
    assert {k: v.field for k, v in default.definition.inputs.items()} == {
        k: v.field for k, v in proposed.definition.inputs.items()
    }
    assert default.read_fields().keys() == proposed.read_fields().keys()
    for obj, fields in default.read_fields().items():
        assert set(fields) == set(proposed.read_fields()[obj]), obj
    assert set(default.definition.engagement.signals) == set(proposed.definition.engagement.signals)
    assert [s.signal for s in default.definition.engagement.sources] == [
        s.signal for s in proposed.definition.engagement.sources
    ]
    assert default.excluded_creators == proposed.excluded_creators
    assert [n for n, _ in default.definition.bant.judged()] == [
        n for n, _ in proposed.definition.bant.judged()
    ]

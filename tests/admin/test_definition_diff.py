from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from sfsync.state import StateStore
from tests.admin.conftest import DEFAULT_DEFINITION, NOW, Org

NEW_VERSION = "default-2026.12.0-test"


@pytest.fixture(name="stricter")
def _stricter(tmp_path: Path) -> Path:
    """A copy of the default definition with a higher Sales Ready bar (fit 65, engagement 50)."""
    text = DEFAULT_DEFINITION.read_text(encoding="utf-8")
    for old, new in (
        ("min_fit: 50", "min_fit: 65"),
        ("min_engagement: 40", "min_engagement: 50"),
        ('version: "default-2026.11.2"', f'version: "{NEW_VERSION}"'),
    ):
        assert text.count(old) == 1
        text = text.replace(old, new)
    path = tmp_path / "stricter.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_diff_reports_exactly_what_the_sync_then_does(
    make_org: Callable[..., Org], capsys: pytest.CaptureFixture[str], stricter: Path
) -> None:
    """The diff's transitions, scores and rewrites are what a sync with the new definition does."""
    org = make_org()
    assert org.cli("backfill", "--apply", "--now", NOW, capsys=capsys)[0] == 0
    before = org.leads()
    unconverted = {i for i, f in before.items() if not f["IsConverted"]}

    code, diff = org.cli_json(
        "definition", "diff", str(DEFAULT_DEFINITION), str(stricter), "--now", NOW, capsys=capsys
    )
    assert code == 0
    assert len(unconverted) == diff["leads"] == diff["rewrites"]
    assert len(before) - len(unconverted) == diff["converted_skipped"]
    assert diff["status_changes"] > 0
    assert diff["transitions"]["Sales Ready"]["Nurture"] > 0

    code, sync = org.cli_json("sync", "--definition", str(stricter), "--now", NOW, capsys=capsys)
    assert code == 0
    after = org.leads()

    assert diff["rewrites"] == sync["written"]
    produced = Counter((before[i]["SFS_Status__c"], after[i]["SFS_Status__c"]) for i in unconverted)
    reported = Counter(
        {(old, new): n for old, row in diff["transitions"].items() for new, n in row.items() if n}
    )
    assert reported == produced
    changed = {c["Id"]: c for c in diff["changes"]}
    assert diff["leads_affected"] == len(changed)
    for lead_id in unconverted:
        got = after[lead_id]
        assert got["SFS_Definition_Version__c"] == NEW_VERSION
        if lead_id in changed:
            expected = changed[lead_id]
            assert expected["status"][1] == got["SFS_Status__c"]
            assert expected["score"][1] == got["SFS_Score__c"]
            assert expected["grade"][1] == got["SFS_Grade__c"]
            assert expected["status"][0] == before[lead_id]["SFS_Status__c"]
        else:
            unchanged = ("SFS_Status__c", "SFS_Score__c", "SFS_Grade__c", "SFS_Reasons__c")
            assert [before[lead_id][f] for f in unchanged] == [got[f] for f in unchanged]

    with StateStore(org.state_path) as store:
        history = Counter(
            (e.old, e.new)
            for e in store.iter_history()
            if e.field == "SFS_Status__c" and e.definition_version == NEW_VERSION
        )
    assert Counter({k: n for k, n in reported.items() if k[0] != k[1]}) == history

    code, again = org.cli_json("sync", "--definition", str(stricter), "--now", NOW, capsys=capsys)
    assert (code, again["written"]) == (0, 0)


def test_diff_prints_a_matrix_for_people(
    make_org: Callable[..., Org], capsys: pytest.CaptureFixture[str], stricter: Path
) -> None:
    """Without --json the diff shows the matrix, the score shifts and the rewrite count."""
    org = make_org()
    assert org.cli("backfill", "--apply", "--now", NOW, capsys=capsys)[0] == 0
    code, out = org.cli(
        "definition", "diff", str(DEFAULT_DEFINITION), str(stricter), "--now", NOW, capsys=capsys
    )
    assert code == 0
    for text in ("status transitions", "score shift", "mean score", "rewrites", NEW_VERSION):
        assert text in out


def test_diff_without_a_mirror_exits_2(
    make_org: Callable[..., Org], capsys: pytest.CaptureFixture[str], stricter: Path
) -> None:
    """With no state store yet the diff says to sync first."""
    org = make_org()
    code, _ = org.cli("definition", "diff", str(DEFAULT_DEFINITION), str(stricter), capsys=capsys)
    assert code == 2
    assert "run `sfsync sync` first" in org.err

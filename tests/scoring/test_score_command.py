"""`sfsync score` end to end on a small JSON Lines fixture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sfsync.cli import main

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "leads" / "small.jsonl"
NOW = "2026-11-20T12:00:00Z"


def test_scores_good_lines_and_rejects_bad_ones(capsys: pytest.CaptureFixture[str]) -> None:
    """Good lines are scored in order; bad lines are reported as `line N:` and exit 3."""
    assert main(["score", "--input", str(FIXTURE), "--now", NOW]) == 3
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["Id"] for r in rows] == [
        "00Q000000000001AAA",
        "00Q000000000002AAA",
        "00Q000000000003AAA",
    ]
    assert [r["SFS_Status__c"] for r in rows] == [
        "Sales Ready",
        "Disqualified",
        "Insufficient Data",
    ]
    assert next(iter(rows[0])) == "Id"
    assert list(rows[0])[1] == "SFS_Score__c"
    assert "line 3: not JSON" in err
    assert "line 4: lead has no usable Id" in err
    assert out.splitlines()[0] == json.dumps(rows[0], ensure_ascii=False, separators=(",", ":"))


def test_output_is_reproducible_and_written_to_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two runs with the same --now write byte-identical files."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for target in (first, second):
        main(["score", "--input", str(FIXTURE), "--now", NOW, "--output", str(target)])
    capsys.readouterr()
    assert first.read_bytes() == second.read_bytes()
    assert len(first.read_text().splitlines()) == 3


def test_clean_input_exits_0_and_table_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file of good lines exits 0; --format table shows Id, score, grade and status."""
    good = tmp_path / "good.jsonl"
    good.write_text(FIXTURE.read_text().splitlines()[0] + "\n")
    assert main(["score", "--input", str(good), "--now", NOW, "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert "00Q000000000001AAA" in out
    assert "Sales Ready" in out


@pytest.mark.parametrize(
    "args",
    [
        ["--input", "missing.jsonl"],
        ["--input", str(FIXTURE), "--definition", "missing.yaml"],
        ["--input", str(FIXTURE), "--now", "next tuesday"],
    ],
)
def test_missing_files_and_bad_now_exit_2(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing input or definition file, or an unreadable --now, is a usage error (exit 2)."""
    assert main(["score", *args, *([] if "--now" in args else ["--now", NOW])]) == 2
    assert "sfsync:" in capsys.readouterr().err

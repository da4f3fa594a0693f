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


def _lead_line(lead_id: str, activities: object) -> str:
    lead = {"Id": lead_id, "Title": "VP Marketing", "Industry": "Software"}
    return json.dumps({"lead": lead, "activities": activities})


def test_byte_order_mark_on_the_first_line_is_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file saved as "UTF-8 with BOM" (Excel, PowerShell) scores its first line too."""
    source = tmp_path / "bom.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + FIXTURE.read_text().splitlines()[0].encode() + b"\n")
    assert main(["score", "--input", str(source), "--now", NOW]) == 0
    assert json.loads(capsys.readouterr().out)["Id"] == "00Q000000000001AAA"


def test_empty_now_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """`--now ""` (an unset shell variable) is an error, not silently the current time."""
    assert main(["score", "--input", str(FIXTURE), "--now", ""]) == 2
    assert "--now ''" in capsys.readouterr().err


def test_query_results_and_flat_parent_fields_count_as_activity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A REST query result {"records": [...]} and a flat "Campaign.Type" key (Bulk CSV,
    Data Loader) are read like a list of nested records."""
    webinar = {"HasResponded": True, "FirstRespondedDate": "2026-11-19"}
    source = tmp_path / "shapes.jsonl"
    lines = [
        _lead_line(
            "00Q00000000000AAAA", {"CampaignMember": [{**webinar, "Campaign.Type": "Webinar"}]}
        ),
        _lead_line(
            "00Q00000000000BAAA",
            {
                "CampaignMember": {
                    "totalSize": 1,
                    "done": True,
                    "records": [{**webinar, "Campaign": {"Type": "Webinar"}}],
                }
            },
        ),
    ]
    source.write_text("\n".join(lines) + "\n")
    assert main(["score", "--input", str(source), "--now", NOW]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["SFS_Engagement_Score__c"] > 0 for r in rows] == [True, True]
    assert all("Content form fill" in r["SFS_Reasons__c"] for r in rows)


def test_malformed_activities_are_rejected_not_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Activities of the wrong shape reject the line with the path of the problem, instead of
    scoring the lead as if it had no activity."""
    source = tmp_path / "bad.jsonl"
    lines = [
        _lead_line("00Q00000000000AAAA", [1, 2]),
        _lead_line("00Q00000000000BAAA", {"Task": "call"}),
        _lead_line("00Q00000000000CAAA", {"Task": [{"Subject": "Call"}, 7]}),
        _lead_line("00Q00000000000DAAA", {"Task": None}),
    ]
    source.write_text("\n".join(lines) + "\n")
    assert main(["score", "--input", str(source), "--now", NOW]) == 3
    out, err = capsys.readouterr()
    assert [json.loads(line)["Id"] for line in out.splitlines()] == ["00Q00000000000DAAA"]
    assert 'line 1: "activities": expected an object' in err
    assert 'line 2: "activities.Task": expected a list of records' in err
    assert 'line 3: "activities.Task[1]": expected a record object' in err

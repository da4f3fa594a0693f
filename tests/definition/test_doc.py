from __future__ import annotations

import re
from pathlib import Path

import pytest

from sfsync.cli import main
from sfsync.definition.doc import render_markdown
from sfsync.definition.loader import load_definition
from sfsync.definition.model import Definition
from sfsync.definition.terms import STATUSES

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "mappings" / "default.yaml"
VALID = sorted((ROOT / "tests" / "fixtures" / "definitions" / "valid").glob("*.yaml"))


@pytest.fixture(name="definition", scope="module")
def _definition() -> Definition:
    return load_definition(DEFAULT)


@pytest.fixture(name="page", scope="module")
def _page(definition: Definition) -> str:
    return render_markdown(definition)


def test_page_has_title_version_description_and_sections(page: str, definition: Definition) -> None:
    """The page starts with the name and version and has every section, in reading order."""
    assert page.startswith(f"# {definition.name}\n")
    assert f"`{definition.version}`" in page
    assert 'half of the "rubbish" leads turn out to be buyers' in page
    headings = re.findall(r"^## (.+)$", page, flags=re.MULTILINE)
    assert headings == [
        "At a glance",
        "Inputs: which Lead fields feed the definition",
        "Fit: is this the kind of account and person we sell to?",
        "BANT: budget, authority, need, timeframe",
        "Engagement: is the lead showing interest now?",
        "Sales touches: are we following up?",
        "Status: what happens to the lead",
        "Grade and score",
        "What reps see on the Lead",
        "What this definition does not judge",
        "Sign-off",
    ]


def test_page_names_every_input_and_its_lead_field(page: str, definition: Definition) -> None:
    """The inputs table names every input and the Lead field that feeds it."""
    for name, spec in definition.inputs.items():
        assert re.search(rf"^\| `{name}` \| `{re.escape(spec.field)}` \|", page, re.MULTILINE)


def test_page_lists_every_criterion_band_and_points(page: str, definition: Definition) -> None:
    """Every fit criterion, band reason and its signed points appear in the page."""
    for group in (definition.fit.account, definition.fit.person):
        assert f"(at most {group.max} points)" in page
        for criterion in group.criteria:
            assert f"**{criterion.label}**" in page
            for band in criterion.bands:
                assert f"**+{band.points} points** ({band.says})" in page
    assert "**\u221210 points** (Free-mail address)" in page  # a real minus sign
    assert (
        "Industry is one of Software, Technology, Financial Services, Healthcare or "
        "Manufacturing → **+20 points**"
    ) in page
    assert "Employees is 200 to 999 → **+15 points**" in page
    assert "Annual revenue is 50,000,000 or more → **+10 points**" in page


def test_page_lists_disqualifiers_and_empty_lists(page: str, definition: Definition) -> None:
    """Disqualifiers are listed, and empty exclusion lists read as "none configured"."""
    for dq in definition.fit.disqualifiers:
        assert f"**{dq.says}**" in page
    assert "**Excluded industry**: none configured (the list is empty)." in page
    assert "**Competitor email domain**: none configured (the list is empty)." in page
    assert "“student”, “intern”, “internship”, “retired” or “unemployed”" in page


def test_page_explains_bant(page: str) -> None:
    """Each BANT criterion appears with what meets it in words."""
    for name in ("Budget", "Authority", "Need", "Timeframe"):
        assert f"| **{name}** |" in page
    assert "Budget is one of Approved or Planned" in page
    assert "Pain points is known (not blank)" in page
    assert "“Unknown” counts as unknown" in page


def test_page_lists_every_signal_with_points_cap_and_half_life(
    page: str, definition: Definition
) -> None:
    """Every signal has a table row with points and cap; the half-life is said in words."""
    for signal in definition.engagement.signals.values():
        hand = "yes" if signal.hand_raise else ""
        assert f"| **{signal.label}** | {signal.points:g} | {signal.cap:g} | {hand} |" in page
    assert "worth half after 30 days, a quarter after 60 days" in page
    assert "A hand-raiser asked us for something: Content form fill." in page


def test_page_says_which_records_count_as_which_signal(page: str) -> None:
    """Sources read as sentences about records, in order, with the signal they count as."""
    assert (
        "4. A campaign response (`CampaignMember`) where the lead responded and the campaign "
        "type is one of Content Download or Webinar → **Content form fill**"
    ) in page
    assert "3. Any web activity (`Web_Activity__c`) → **Site visit**" in page
    assert "/pricing" in page


def test_page_explains_touches(page: str) -> None:
    """What counts as a touch, who is excluded, the target and the cadence are all stated."""
    assert "the status is Completed" in page
    assert "Any event (meeting) (`Event`), listed as *Meeting*" in page
    assert "activity created by “Marketing Automation” or the user sfsync runs as" in page
    assert "**Target:** 6 touches" in page
    assert "no touch for 3 days is flagged *needs follow-up*" in page


def test_page_lists_status_rules_in_order_with_thresholds(page: str) -> None:
    """The five statuses appear as numbered rules in order, with their thresholds."""
    rules = re.findall(r"^\d\. \*\*(.+?)\*\*", page, flags=re.MULTILINE)
    assert [r for r in rules if r in STATUSES] == [
        "Disqualified",
        "Insufficient Data",
        "Recycled",
        "Sales Ready",
        "Nurture",
    ]
    assert "fewer than 2 of these are known" in page
    assert "fit is at least 50 and either engagement is at least 40" in page
    assert "Sales Ready for at least 30 days, got at least 6 touches" in page
    assert "sfsync never changes the rep-owned `Status` field" in page


def test_page_explains_grade_and_score(page: str) -> None:
    """Grade thresholds and the score formula are in words."""
    assert "`A` fit 75 or more, `B` fit 50 or more, `C` fit 25 or more, `D` fit below 25" in page
    assert "`1` engagement 60 or more" in page
    assert "**Score** = 0.5 \u00d7 fit + 0.5 \u00d7 engagement" in page


def test_page_lists_every_output_field(page: str, definition: Definition) -> None:
    """Every output field's API name appears in the outputs table."""
    for _, api_name in definition.outputs.items():
        assert re.search(rf"^\| [^|]+ \| `{api_name}` \|", page, re.MULTILINE), api_name


def test_page_ends_with_a_sign_off_block(page: str) -> None:
    """The page ends with Sales and Marketing sign-off rows."""
    tail = page[page.index("## Sign-off") :]
    assert "| Sales |  |  |  |" in tail
    assert "| Marketing |  |  |  |" in tail
    assert "| Team | Name | Signature | Date |" in tail


@pytest.mark.parametrize("path", [DEFAULT, *VALID], ids=lambda p: p.stem)
def test_page_never_shows_raw_operators(path: Path) -> None:
    """No operator name or raw dict leaks into the page, for any valid definition."""
    page = render_markdown(load_definition(path))

    assert "{" not in page
    assert "[" not in page.replace("[^/]", "")  # no raw lists (regex classes aside)
    for raw in (
        "email_domain_in",
        "not_in",
        "contains_any",
        "starts_with",
        "within_days",
        "gte",
        "lte",
        "between",
    ):
        assert raw not in page


def test_page_is_deterministic(definition: Definition) -> None:
    """Rendering the same definition twice, or a fresh load of it, gives the same bytes."""
    assert render_markdown(definition) == render_markdown(load_definition(DEFAULT))


def test_every_operator_variant_reads_in_words() -> None:
    """The operator showcase renders each operator as a phrase."""
    page = render_markdown(load_definition(VALID[0].parent / "every_operator.yaml"))

    for phrase in (
        "Industry contains “software”",
        "Employees is 10 or more and Employees is 49 or less",
        "Lead source contains any of “Referral” or “Partner”",
        "Lead source starts with “Purchased”",
        "Created is within the last 90 days",
        "Email is blank or unknown",
        "Budget is known and is not None",
        "Timeframe is known and is none of 12+ months",
        "the URL starts with “/compare” or the URL contains “/vs-”",
        "and not (the subject matches the pattern",
    ):
        assert phrase in page


def test_standard_status_mapping_is_rendered() -> None:
    """An enabled standard Status mapping shows the order and each mapped status."""
    page = render_markdown(load_definition(VALID[0].parent / "standard_status_enabled.yaml"))

    assert "On: sfsync moves the rep-owned `Status` forward only" in page
    assert "| **Sales Ready** | Working - Contacted |" in page
    assert "| **Disqualified** | Closed - Not Converted |" in page


def test_cli_writes_the_page_to_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`definition doc --output` writes the same page render_markdown returns."""
    out = tmp_path / "definition.md"

    code = main(["definition", "doc", str(DEFAULT), "--output", str(out)])

    assert code == 0
    assert render_markdown(load_definition(DEFAULT)) == out.read_text(encoding="utf-8")
    assert f"Wrote {out}" in capsys.readouterr().err


def test_cli_prints_the_page_without_output(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --output the page goes to standard output."""
    code = main(["definition", "doc", str(DEFAULT)])

    assert code == 0
    assert render_markdown(load_definition(DEFAULT)) == capsys.readouterr().out


def test_cli_refuses_to_render_an_invalid_file(capsys: pytest.CaptureFixture[str]) -> None:
    """An invalid definition exits 2 with its problems and writes no page."""
    bad = ROOT / "tests" / "fixtures" / "definitions" / "invalid" / "negative_cap.yaml"

    code = main(["definition", "doc", str(bad)])

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "engagement.signals.site_visit.cap" in captured.err


def test_output_field_meanings_read_as_written(page: str) -> None:
    """The output-field table shows the grade range as `A1 … D4`, not a dash and a dot."""
    grade = next(line for line in page.splitlines() if "`SFS_Grade__c`" in line)
    assert "A1 … D4" in grade
    assert "\N{EN DASH}." not in page

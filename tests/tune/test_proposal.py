"""The proposal is the definition's own text: only the changed numbers and their comments differ."""

from __future__ import annotations

import pytest
import yaml

from sfsync.definition.loader import parse_definition
from sfsync.tune.proposal import Change, ProposalError, apply_changes, bump_version
from tests.scoring.factories import DEFAULT_YAML

CHANGES = [
    Change(("version",), "default-2026.11.3", "version bumped"),
    Change(("fit", "account", "criteria", 1, "bands", 0, "points"), 24, "1000+ 20 → 24"),
    Change(("engagement", "signals", "site_visit", "points"), 8, "visit 5 → 8"),
    Change(("engagement", "signals", "site_visit", "cap"), 32, "visit cap 20 → 32"),
    Change(("fit", "adjustments", 0, "points"), -3, "free mail -10 → -3"),
    Change(("score", "fit_weight"), 0.35, "0.5 → 0.35"),
    Change(("score", "engagement_weight"), 0.65, "0.5 → 0.65"),
]


def test_only_changed_numbers_and_their_comments_differ() -> None:
    """Every other line, comment and style of the definition is kept byte for byte."""
    text = DEFAULT_YAML.read_text(encoding="utf-8")

    proposal = apply_changes(text, CHANGES, header=["proposed by a test"])

    added = [line for line in proposal.splitlines() if line.lstrip().startswith("# tune: ")]
    kept = [line for line in proposal.splitlines() if not line.lstrip().startswith("# tune: ")]
    original = text.splitlines()
    assert len(added) == len(CHANGES) + 1
    assert len(kept) == len(original)
    differing = [(a, b) for a, b in zip(original, kept, strict=True) if a != b]
    assert differing == [
        ('version: "default-2026.11.2"', 'version: "default-2026.11.3"'),
        (
            '          - {when: {gte: 1000}, points: 20, says: "1000+ employees"}',
            '          - {when: {gte: 1000}, points: 24, says: "1000+ employees"}',
        ),
        ("      points: -10", "      points: -3"),
        (
            "    site_visit: {label: Site visit, points: 5, cap: 20}",
            "    site_visit: {label: Site visit, points: 8, cap: 32}",
        ),
        ("  fit_weight: 0.5", "  fit_weight: 0.35"),
        ("  engagement_weight: 0.5", "  engagement_weight: 0.65"),
    ]


def test_each_comment_sits_just_above_its_number_at_its_indentation() -> None:
    """A reader finds old → new and why on the line above the changed number."""
    proposal = apply_changes(DEFAULT_YAML.read_text(encoding="utf-8"), CHANGES)
    lines = proposal.splitlines()

    at = lines.index("    site_visit: {label: Site visit, points: 8, cap: 32}")
    assert lines[at - 2 : at] == ["    # tune: visit 5 → 8", "    # tune: visit cap 20 → 32"]
    at = lines.index("      points: -3")
    assert lines[at - 1] == "      # tune: free mail -10 → -3"


def test_the_proposal_is_a_valid_definition_with_the_new_values() -> None:
    """The edited text parses to the same definition with exactly the new values."""
    proposal = apply_changes(DEFAULT_YAML.read_text(encoding="utf-8"), CHANGES)

    data = parse_definition(proposal)

    assert data.version == "default-2026.11.3"
    assert data.fit.account.criteria[1].bands[0].points == 24
    assert data.engagement.signals["site_visit"].cap == 32
    assert data.fit.adjustments[0].points == -3
    assert (data.score.fit_weight, data.score.engagement_weight) == (0.35, 0.65)
    before = yaml.safe_load(DEFAULT_YAML.read_text(encoding="utf-8"))
    after = yaml.safe_load(proposal)
    before["version"], before["score"] = after["version"], after["score"]
    before["fit"]["account"]["criteria"][1]["bands"][0]["points"] = 24
    before["fit"]["adjustments"][0]["points"] = -3
    before["engagement"]["signals"]["site_visit"].update(points=8, cap=32)
    assert before == after


def test_tuning_a_proposal_again_replaces_its_comments() -> None:
    """Comments an earlier run added are dropped, not piled up; people's comments stay."""
    once = apply_changes(DEFAULT_YAML.read_text(encoding="utf-8"), CHANGES, header=["first"])

    twice = apply_changes(once, CHANGES[1:2], header=["second"])

    assert "# tune: first" not in twice
    assert "# tune: free mail" not in twice
    assert twice.count("# tune: ") == 2
    assert "# Which Lead fields feed which inputs." in twice


def test_a_tune_marker_inside_text_is_not_a_comment() -> None:
    """A `# tune:` line inside a block of text is data and is kept."""
    text = 'version: "1"\ndescription: |\n  # tune: not a comment\n  more\nname: x\n'

    proposal = apply_changes(text, [Change(("version",), "2", "bumped")])

    assert yaml.safe_load(proposal)["description"] == "# tune: not a comment\nmore\n"


def test_a_change_to_a_missing_path_is_an_error() -> None:
    """A path the text does not have is named in the error."""
    with pytest.raises(ProposalError, match="no key 'nope'"):
        apply_changes(DEFAULT_YAML.read_text(encoding="utf-8"), [Change(("nope",), 1, "x")])


@pytest.mark.parametrize(
    ("version", "bumped"),
    [
        ("default-2026.11.1", "default-2026.11.2"),
        ("7", "8"),
        ("acme-v9-final", "acme-v10-final"),
        ("gold", "gold.1"),
    ],
)
def test_bump_version_increments_the_last_number(version: str, bumped: str) -> None:
    """The last number goes up by one; a version without a number gets `.1`."""
    assert bump_version(version) == bumped


def test_bump_version_stays_within_the_field_length() -> None:
    """The version is Text(40) on every lead: a bump that does not fit is an error."""
    with pytest.raises(ProposalError, match="40"):
        bump_version("x" * 40)

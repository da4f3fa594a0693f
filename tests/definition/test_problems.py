"""Where a definition's mistakes are: lines of keys, dotted paths, values in words."""

from __future__ import annotations

import pytest

from sfsync.definition.problems import describe_value, dotted, map_lines


def test_every_key_has_its_line_and_a_missing_key_its_nearest_parent() -> None:
    """Problems point at the key's own line, or at the closest ancestor in the file."""
    lines = map_lines("version: 1\nfit:\n  account:\n    max: 5\n")
    assert 4 == lines.line_of(("fit", "account", "max"))
    assert 2 == lines.line_of(("fit", "nope"))


def test_duplicate_keys_are_found_with_both_lines() -> None:
    """YAML silently keeps the last duplicate; the map remembers both places."""
    lines = map_lines("version: 1\nversion: 2\n")
    assert [(("version",), 2, 1)] == [(d.path, d.line, d.first_line) for d in lines.duplicates]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("fit", "criteria", 1, "bands"), "fit.criteria[1].bands"),
        (
            ("status", "standard_status", "map", "Sales Ready"),
            'status.standard_status.map["Sales Ready"]',
        ),
        ((), "(top level)"),
    ],
)
def test_dotted_paths(path: tuple[str | int, ...], expected: str) -> None:
    """Paths read as people write them; keys with spaces are quoted."""
    assert expected == dotted(path)


def test_values_are_described_not_dumped() -> None:
    """A wrong value is named by what it is."""
    assert ["a list of 2 item(s)", "'x'", "nothing (null)"] == [
        describe_value(v) for v in ([1, 2], "x", None)
    ]

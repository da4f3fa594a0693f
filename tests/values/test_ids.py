"""Record Ids: the 15/18-character checksum, and Id-shaped text."""

from __future__ import annotations

import pytest

from sfsync.sandbox.ids import with_checksum
from sfsync.values.ids import case_safe_id, checksum, looks_like_id


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("00Q000000000004", "00Q000000000004EAA"),
        ("00Q000000000004EAA", "00Q000000000004EAA"),
        ("00q000000000004eaa", "00Q000000000004EAA"),
        ("00Q5g00000AbCdE", "00Q5g00000AbCdEEAV"),
        ("00q5g00000abcdeeav", "00Q5g00000AbCdEEAV"),
        ("not-an-id", "not-an-id"),
    ],
)
def test_case_safe_id(given: str, expected: str) -> None:
    """15-character Ids get their checksum; 18-character ones get their case back."""
    assert expected == case_safe_id(given)


@pytest.mark.parametrize(
    ("id15", "id18"),
    [
        # Examples Salesforce admins pass around for the 15 -> 18 conversion.
        ("0015000000Gv7qJ", "0015000000Gv7qJAAR"),
        ("001A0000006Vm9r", "001A0000006Vm9rIAC"),
    ],
)
def test_checksum_matches_published_examples(id15: str, id18: str) -> None:
    """The suffix is the one Salesforce gives these well-known Ids."""
    assert id18[15:] == checksum(id15)


def test_checksum_agrees_with_the_sandbox_org() -> None:
    """sfsync and the sandbox org compute Ids independently; they agree on every case mix."""
    bodies = ["00Q5g00000AbCdE", "00Q5G00000ABCDE", "00q5g00000abcde", "0055g00000LdRtr"]
    assert [with_checksum(b) for b in bodies] == [case_safe_id(b) for b in bodies]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("00Q000000000004", True),
        ("00Q000000000004EAA", True),
        ("00Q00000000004", False),
        ("00Q000000000004EA", False),
        ("00Q000000000004-AA", False),
        ("", False),
    ],
)
def test_looks_like_id(text: str, expected: bool) -> None:
    """Only 15 or 18 letters and digits have an Id's shape."""
    assert expected == looks_like_id(text)

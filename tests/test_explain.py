"""`explain` from the mirror: everything behind one lead's outputs, rendered safely."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from sfsync.explain import explain_lead, render_explanation
from sfsync.state import StateStore
from tests.scoring.factories import NOW, default_definition, make_lead

LEAD = "00Q000000000001AAA"


@pytest.fixture(name="store")
def _store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore(tmp_path / "sfsync.sqlite3") as store:
        with store.transaction():
            store.upsert_records(
                "Lead",
                [
                    make_lead(
                        Name="\x1b]0;pwned\x07Dana [bold]Lee",
                        Company="Acme",
                        SystemModstamp="2026-10-01T09:00:00.000+0000",
                    )
                ],
                lead_field=None,
            )
        yield store


def test_explain_shows_what_the_next_sync_would_write(store: StateStore) -> None:
    """The explanation carries the outputs, the pending changes and the decision."""
    result = explain_lead(store, default_definition(), LEAD, now=NOW)

    assert result is not None
    assert LEAD == result["lead"]["Id"]
    assert result["outputs"]["SFS_Status__c"] == result["summary"]["status"]
    assert result["pending_changes"]["SFS_Score__c"] == {
        "in_org": None,
        "next_sync": result["outputs"]["SFS_Score__c"],
    }
    assert result["reasons"][0] == result["summary"]["decision"]


def test_a_lead_not_in_the_mirror_has_no_explanation(store: StateStore) -> None:
    """An unknown Id is None (the command says to sync first or use --live)."""
    assert explain_lead(store, default_definition(), "00Q000000000009AAA", now=NOW) is None


def test_a_converted_lead_has_no_pending_changes(store: StateStore) -> None:
    """The sync never writes a converted lead, so explain promises no write."""
    with store.transaction():
        store.upsert_records(
            "Lead",
            [make_lead(IsConverted=True, SystemModstamp="2026-10-02T09:00:00.000+0000")],
            lead_field=None,
        )
    result = explain_lead(store, default_definition(), LEAD, now=NOW)
    assert result is not None
    assert {} == result["pending_changes"]


def test_rendering_neutralises_terminal_escapes_and_markup(store: StateStore) -> None:
    """Org data cannot retitle the terminal or restyle the table."""
    result = explain_lead(store, default_definition(), LEAD, now=NOW)
    assert result is not None
    out = io.StringIO()
    render_explanation(result, Console(file=out, width=120, force_terminal=False))
    text = out.getvalue()
    assert "\x1b]0;" not in text
    assert "Dana [bold]Lee" in text
    assert "The next sync will write" in text


def test_explain_shows_exact_values_next_to_what_the_policy_holds_back(store: StateStore) -> None:
    """The org holds a score 3 points off the exact one: explain shows both, writes nothing."""
    first = explain_lead(store, default_definition(), LEAD, now=NOW)
    assert first is not None
    held_score = first["outputs"]["SFS_Score__c"] - 3
    with store.transaction():
        store.upsert_records(
            "Lead",
            [
                make_lead(
                    **{**first["outputs"], "SFS_Score__c": float(held_score)},
                    SystemModstamp="2026-10-02T09:00:00.000+0000",
                )
            ],
            lead_field=None,
        )

    result = explain_lead(store, default_definition(), LEAD, now=NOW)

    assert result is not None
    assert {} == result["pending_changes"]
    assert {"SFS_Score__c": {"in_org": held_score, "exact": first["outputs"]["SFS_Score__c"]}} == (
        result["held_back"]
    )
    out = io.StringIO()
    render_explanation(result, Console(file=out, width=200, force_terminal=False))
    text = " ".join(out.getvalue().split())
    assert "Exact now vs the org: held back (moved less than 5 points" in text
    assert "The next sync writes nothing (the write policy)" in text

"""
Golden outputs: the engine's results for a fixed sample of leads, recorded before the engine
was optimised (issue 2), must stay byte-identical.

`data/golden_outputs.jsonl` holds, per case, the inputs (definition version, `now`, lead,
activities, users, integration user) and the expected `to_fields()`, reasons, standard Status
and a SHA-256 of the explanation's canonical JSON. The cases are a stratified sample (every
definition in this repo x every status) of synthetic leads shaped like the benchmark's, of
fuzzed messy records, and of dense, recent activity that drives the Sales Ready/Recycled
state machine, some fed their own previous outputs as a sync would.

A deliberate change of results (a new rule, a new reason wording) means regenerating the
file; an optimisation must never change it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from sfsync.definition.compile import CompiledDefinition
from sfsync.definition.loader import load_compiled
from sfsync.scoring import Qualification, qualify

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "data" / "golden_outputs.jsonl"
DEFINITIONS = {
    "default-2026.11.2": ROOT / "mappings" / "default.yaml",
    "every-operator-1": ROOT / "tests/fixtures/definitions/valid/every_operator.yaml",
    "acme-3": ROOT / "tests/fixtures/definitions/valid/remapped_org.yaml",
    "default-2026.11.1+status": ROOT
    / "tests/fixtures/definitions/valid/standard_status_enabled.yaml",
}


@cache
def definition(version: str) -> CompiledDefinition:
    """The compiled definition with *version*."""
    compiled = load_compiled(DEFINITIONS[version])
    assert compiled.version == version
    return compiled


def cases() -> list[dict[str, Any]]:
    """The recorded cases, one per line."""
    with GOLDEN.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def explanation_digest(q: Qualification) -> str:
    """SHA-256 of the explanation as canonical JSON (datetimes as `DT:` + ISO form)."""

    def encode(value: Any) -> str:
        if isinstance(value, datetime):
            return "DT:" + value.isoformat()
        raise TypeError(type(value).__name__)

    ex = q.explanation
    data = {
        f.name: (
            getattr(ex, f.name)
            if isinstance(getattr(ex, f.name), str)
            else [
                dataclasses.asdict(item) if dataclasses.is_dataclass(item) else item
                for item in getattr(ex, f.name)
            ]
        )
        for f in dataclasses.fields(ex)
    }
    text = json.dumps(
        data, default=encode, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(text.encode()).hexdigest()


GOLDEN_CASES = cases()


def test_the_sample_covers_every_definition_and_status() -> None:
    """The sample exercises each definition and each of the five statuses."""
    assert {c["definition"] for c in GOLDEN_CASES} == set(DEFINITIONS)
    statuses = {
        value
        for c in GOLDEN_CASES
        for key, value in c["expected"]["fields"].items()
        if key.endswith("Status__c")
    }
    assert statuses == {"Sales Ready", "Nurture", "Recycled", "Disqualified", "Insufficient Data"}


@pytest.mark.parametrize("case", GOLDEN_CASES, ids=[c["case"] for c in GOLDEN_CASES])
def test_outputs_match_the_recorded_ones(case: dict[str, Any]) -> None:
    """Fields, reasons, standard Status and explanation are exactly as recorded."""
    q = qualify(
        case["lead"],
        case["activities"],
        definition(case["definition"]),
        now=datetime.fromisoformat(case["now"]),
        users=case["users"],
        integration_user_id=case["integration_user_id"],
    )
    expected = case["expected"]
    assert json.dumps(q.to_fields(), sort_keys=True) == json.dumps(
        expected["fields"], sort_keys=True
    )
    assert list(q.reasons) == expected["reasons"]
    assert q.standard_status == expected["standard_status"]
    assert explanation_digest(q) == expected["explanation_sha256"]

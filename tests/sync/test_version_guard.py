"""The signed-off version means something: one version stamps one content."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sfsync.definition.compile import CompiledDefinition, compile_definition
from sfsync.definition.fingerprint import content_fingerprint
from sfsync.definition.model import Definition
from sfsync.errors import DefinitionVersionError
from sfsync.state import StateStore
from sfsync.sync.context import PassContext
from sfsync.sync.run import run_pass
from sfsync.sync.version_guard import check_version, next_version, sign_version, version_problem
from tests.scoring.factories import NOW, default_data, make_lead
from tests.sync.fakes import REP, FakeOrg


def _definition(min_fit: int = 50, version: str | None = None) -> CompiledDefinition:
    data = default_data()
    data["status"]["sales_ready"]["min_fit"] = min_fit
    if version is not None:
        data["version"] = version
    return compile_definition(Definition.model_validate(data))


@pytest.fixture(name="store")
def _store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore(tmp_path / "sfsync.sqlite3") as store:
        yield store


def _org() -> FakeOrg:
    lead = make_lead(Id="00Q000000000000001", SystemModstamp="2026-10-01T09:00:00.000+0000")
    lead.update(LastModifiedById=REP, Name="Lee", Company="Acme")
    return FakeOrg({"Lead": [lead]})


@pytest.mark.parametrize(
    ("version", "bumped"),
    [
        ("default-2026.11.1", "default-2026.11.2"),
        ("acme-9", "acme-10"),
        ("signed", "signed.2"),
        ("x" * 40, "x" * 38 + ".2"),
        ("x" * 39 + "9", "x" * 38 + "10"),
    ],
)
def test_the_suggested_bump_is_a_next_version(version: str, bumped: str) -> None:
    """The fix names a version to use: the trailing number plus one, else `.2`."""
    assert bumped == next_version(version)


def test_a_version_stands_for_the_content_it_was_first_applied_with(store: StateStore) -> None:
    """Signing records the content; the same content passes, other content is refused."""
    signed = _definition()
    sign_version(store, signed)
    assert content_fingerprint(signed.definition) == store.version_content(signed.version)
    check_version(store, _definition())  # the same content: fine
    edited = _definition(min_fit=60)
    problem = version_problem(store, edited)
    assert problem is not None
    assert "'default-2026.11.2' was applied with other content" in problem
    assert "bump `version:`" in problem
    assert "'default-2026.11.3'" in problem
    with pytest.raises(DefinitionVersionError):
        sign_version(store, edited)
    bumped = _definition(min_fit=60, version="default-2026.11.3")
    sign_version(store, bumped)  # a new version may mean new content
    assert store.version_content("default-2026.11.2") != store.version_content(bumped.version)


def test_a_writing_pass_refuses_an_edited_definition_before_reading(store: StateStore) -> None:
    """sync/daemon/backfill passes stop at once with the fix; a dry run is still allowed."""
    org = _org()
    first = run_pass(org, store, _definition(), PassContext(now=NOW))
    assert "success" == first.outcome
    calls, runs = org.calls, store.runs(10)
    with pytest.raises(DefinitionVersionError, match="bump `version:`"):
        run_pass(org, store, _definition(min_fit=60), PassContext(now=NOW))
    assert calls == org.calls
    assert len(runs) == len(store.runs(10))
    dry = run_pass(org, store, _definition(min_fit=60), PassContext(now=NOW, dry_run=True))
    assert "success" == dry.outcome
    assert [] == org.writes[1:]


def test_a_dry_run_signs_nothing(store: StateStore) -> None:
    """Only a pass that may stamp leads records what its version means."""
    run_pass(_org(), store, _definition(), PassContext(now=NOW, dry_run=True))
    assert store.version_content("default-2026.11.2") is None

"""The conformance suite skips without node locally, and fails without it in CI."""

from __future__ import annotations

import shutil

import pytest

from tests.conformance.clients import install_clients


@pytest.mark.parametrize(
    ("required", "outcome"), [(True, pytest.fail.Exception), (False, pytest.skip.Exception)]
)
def test_missing_node_fails_only_when_required(
    monkeypatch: pytest.MonkeyPatch, required: bool, outcome: type[BaseException]
) -> None:
    """Without node the suite fails under REQUIRE_CONFORMANCE_TEST=1, else skips."""
    monkeypatch.setattr(shutil, "which", lambda name: None)

    with pytest.raises(outcome, match="node and npm are not installed"):
        install_clients(required=required)


def test_ci_requires_the_conformance_suite() -> None:
    """.ci/run sets REQUIRE_CONFORMANCE_TEST=1."""
    from tests.metadata.conftest import REPO

    assert "export REQUIRE_CONFORMANCE_TEST=1" in (REPO / ".ci" / "run").read_text()

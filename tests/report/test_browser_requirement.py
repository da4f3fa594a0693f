from __future__ import annotations

import shutil

import pytest

from tests.report.test_browser import find_chromium


@pytest.mark.parametrize(
    ("required", "outcome"), [(True, pytest.fail.Exception), (False, pytest.skip.Exception)]
)
def test_missing_chromium_fails_only_when_required(
    monkeypatch: pytest.MonkeyPatch, required: bool, outcome: type[BaseException]
) -> None:
    """Without Chromium the browser test fails under REQUIRE_BROWSER_TEST=1, else skips."""
    monkeypatch.setattr(shutil, "which", lambda name: None)

    with pytest.raises(outcome, match="apt-get install chromium chromium-driver"):
        find_chromium(required=required)


def test_ci_requires_the_browser_test() -> None:
    """.ci/run sets REQUIRE_BROWSER_TEST=1, and `make test` installs Chromium first."""
    from tests.metadata.conftest import REPO

    assert "export REQUIRE_BROWSER_TEST=1" in (REPO / ".ci" / "run").read_text()
    makefile = (REPO / "Makefile").read_text()
    assert "test: $(STAMP) browser" in makefile
    assert "apt-get install -y -qq" in makefile

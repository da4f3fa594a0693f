"""
No leakage: converters and the other leads are alike in everything up to the conversion;
only converters keep visiting the site (pricing, comparisons) from their conversion day on,
up to today. Scored today the difference is glaring; scored before converting there is
none, and `tune` must find nothing to learn and say so. The org is built through the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from sfsync.definition import load_compiled
from sfsync.scoring import qualify
from sfsync.state import StateStore
from sfsync.tune.metrics import auc
from tests.tune.apiorg import Org, api_org
from tests.tune.conftest import DEFINITION, NOW_ARG, SEED_NOW, run_tune
from tests.tune.synthetic import after_conversion_only

pytestmark = pytest.mark.slow


@pytest.fixture(name="org", scope="module")
def _org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    """2,500 leads that differ only after converting, synced."""
    root = tmp_path_factory.mktemp("leakage")
    for org in api_org(root, after_conversion_only(2500, seed=6, now=SEED_NOW)):
        assert org.run("sync", "--full", "--now", NOW_ARG) == 0
        yield org


def test_the_trap_is_real_scored_today(org: Org) -> None:
    """Scored at today's moment, the post-conversion visits separate converters clearly."""
    definition = load_compiled(DEFINITION)
    store = StateStore(org.state_path)
    try:
        pairs = [
            (qualify({**lead, "IsConverted": False}, acts, definition, now=SEED_NOW).score,
             bool(lead.get("IsConverted")))
            for batch in store.iter_leads_with_activities()
            for lead, acts in batch
        ]  # fmt: skip
    finally:
        store.close()
    score = np.array([s for s, _ in pairs], dtype=np.float64)
    converted = np.array([c for _, c in pairs], dtype=np.float64)

    assert auc(converted, score) > 0.8  # type: ignore[operator]


def test_tune_finds_nothing_to_learn_and_proposes_nothing(org: Org, tmp_path: Path) -> None:
    """Judged before converting, converters look like the rest: exit 2, no proposal, says why."""
    code, data = run_tune(org, tmp_path, "--bootstrap", "50")

    assert code == 2
    assert data["verdict"] == "nothing_to_learn"
    assert data["message"].startswith("nothing to learn")
    assert not (tmp_path / "proposal.yaml").exists()
    assert data["models"]["unconstrained"]["auc_interval"][0] <= 0.5
    assert "nothing to learn" in (tmp_path / "tune.html").read_text(encoding="utf-8")

"""
`definition tune` on every sandbox org profile, with the definition `sfsync init` writes for
that org: on the time holdout the proposal ranks leads at least as well as the current
definition and within 3% of the unconstrained model (issue 15's bar for every org).

Each org is smaller than a real one (LEADS, enough for well over 50 training conversions)
and the bootstrap is off (it draws the intervals, not the proposal), so they stay quick; the
demo org reuses the package's demo fixture and its default definition. One more case is the
Account Engagement org at 5,000 leads, where the proposal once lost to today's points on the
holdout (0.739 vs 0.743) before tune could start from them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.tune.apiorg import Org
from tests.tune.conftest import NOW_ARG, SEED_NOW, run_tune

pytestmark = pytest.mark.slow

LEADS = 1500
ORGS = [
    pytest.param(profile, LEADS, id=profile)
    for profile in ("demo", "plain", "account-engagement", "marketo", "hubspot")
]
ORGS.append(pytest.param("account-engagement", 5000, id="account-engagement-5000"))


@pytest.fixture(name="profile_org", scope="module")
def _profile_org(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[str, int], Org]]:
    """A factory: one seeded org of a profile, `init`'s definition beside it, synced once."""
    from sfsync.sandbox.org import DB_FILE, SandboxOrg
    from sfsync.sandbox.seed import seed_org
    from sfsync.sandbox.server import start_sandbox

    stops: list[Callable[[], None]] = []

    def make(profile: str, leads: int) -> Org:
        root = tmp_path_factory.mktemp(f"tune-{profile}-{leads}")
        (root / "org").mkdir()
        seeded = SandboxOrg(root / "org" / DB_FILE)
        with seeded.lock:
            seed_org(seeded.conn, leads=leads, seed=42, now=SEED_NOW, profile=profile)
        seeded.close()
        sandbox = start_sandbox(root / "org")
        stops.append(sandbox.stop)
        org = Org(sandbox, root / "state.sqlite3")
        definition = root / "definition.yaml"
        assert org.run("init", "--out", str(definition)) == 0
        assert org.run("sync", "--definition", str(definition), "--full", "--now", NOW_ARG) == 0
        return org

    yield make
    for stop in stops:
        stop()


def _tune(profile: str, leads: int, request: pytest.FixtureRequest, out: Path) -> tuple[int, Any]:
    if profile == "demo":  # the demo org and mappings/default.yaml, tuned once per package
        _, data = request.getfixturevalue("tuned")
        return 0, data
    org: Org = request.getfixturevalue("profile_org")(profile, leads)
    definition = org.state_path.parent / "definition.yaml"
    return run_tune(org, out, "--bootstrap", "0", definition=definition)


@pytest.mark.parametrize(("profile", "leads"), ORGS)
def test_the_proposal_beats_today_on_every_profile(
    profile: str, leads: int, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Holdout AUC: proposed >= current, and proposed >= 0.97 x unconstrained."""
    code, data = _tune(profile, leads, request, tmp_path)

    assert data["samples"]["train"]["converted"] >= 50, data["message"]
    auc = {name: m["auc"] for name, m in data["models"].items()}
    assert auc["proposed"] >= auc["current"], auc
    assert auc["proposed"] >= 0.97 * auc["unconstrained"], auc
    assert (code, data["verdict"]) == (0, "proposal"), data["message"]

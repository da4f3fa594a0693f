"""Shared pieces for the tune tests: an in-memory lead source and the demo org."""

from __future__ import annotations

import io
import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sfsync.sandbox.server import start_sandbox
from tests.tune.apiorg import Org

LeadWithActivities = tuple[dict[str, Any], dict[str, Any]]


class ListSource:
    """A lead source over a list, batched like the mirror."""

    def __init__(self, leads: Sequence[LeadWithActivities], *, batch: int = 250) -> None:
        self._leads = sorted(leads, key=lambda pair: pair[0]["Id"])
        self._batch = batch

    def count(self) -> int:
        """How many leads."""
        return len(self._leads)

    def leads(self) -> Iterator[list[dict[str, Any]]]:
        """The leads alone."""
        for start in range(0, len(self._leads), self._batch):
            yield [lead for lead, _ in self._leads[start : start + self._batch]]

    def batches(
        self, lead_ids: Collection[str] | None = None
    ) -> Iterator[list[LeadWithActivities]]:
        """The leads with their activity, only *lead_ids* when given."""
        wanted = None if lead_ids is None else set(lead_ids)
        chosen = [p for p in self._leads if wanted is None or p[0]["Id"] in wanted]
        for start in range(0, len(chosen), self._batch):
            yield chosen[start : start + self._batch]

    def users(self) -> Mapping[str, str]:
        """No users."""
        return {}

    def integration_user_id(self) -> str | None:
        """No integration user."""
        return None


SEED_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NOW_ARG = "2026-11-20T12:00:00"
DEMO_LEADS = 2000
"""As many leads as `make demo` seeds."""
DEFINITION = Path(__file__).resolve().parents[2] / "mappings" / "default.yaml"


@pytest.fixture(name="demo", scope="package")
def _demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    """The demo org (`make demo`'s 2,000 leads, seed 42), synced once into a state store."""
    from sfsync.sandbox.org import DB_FILE, SandboxOrg
    from sfsync.sandbox.seed import seed_org

    root = tmp_path_factory.mktemp("tune-demo")
    (root / "org").mkdir()
    org = SandboxOrg(root / "org" / DB_FILE)
    with org.lock:
        seed_org(org.conn, leads=DEMO_LEADS, seed=42, now=SEED_NOW)
    org.close()
    with start_sandbox(root / "org") as sandbox:
        demo = Org(sandbox, root / "state.sqlite3")
        assert demo.run("sync", "--full", "--now", NOW_ARG) == 0
        yield demo


def run_tune(org: Org, out: Path, *args: str, definition: Path = DEFINITION) -> tuple[int, Any]:
    """`definition tune --json` writing into *out*: the exit code and the JSON printed."""
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        code = org.run(
            "definition", "tune", "--definition", str(definition), "--out",
            str(out / "proposal.yaml"), "--evidence", str(out / "tune.html"), "--json", *args,
        )  # fmt: skip
    text = buffer.getvalue()
    return code, json.loads(text) if text.strip() else None


@pytest.fixture(name="tuned", scope="package")
def _tuned(demo: Org, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """One tune run on the demo org (default options): its directory and its JSON."""
    out = tmp_path_factory.mktemp("tuned")
    code, data = run_tune(demo, out)
    assert code == 0, data
    return out, data

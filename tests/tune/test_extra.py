"""The learning stack is an optional extra: tested in CI, never loaded by the rest of sfsync."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    found = re.match(r"[A-Za-z0-9_.-]+", requirement)
    assert found is not None, requirement
    return found.group(0).lower()


def test_the_tests_group_installs_the_tune_extra() -> None:
    """Every package of `sfsync[tune]` is in the tests group, so `make test` and CI run tune."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extra = project["project"]["optional-dependencies"]["tune"]
    tests = [r for r in project["dependency-groups"]["tests"] if isinstance(r, str)]

    assert {_name(r) for r in extra} <= {_name(r) for r in tests}
    assert {_name(r) for r in extra}.isdisjoint(
        _name(r) for r in project["project"]["dependencies"]
    )


def test_the_daemon_and_the_cli_never_import_the_learning_stack() -> None:
    """Sync, daemon and every command's help run without scikit-learn or scipy loaded."""
    code = (
        "import sys\n"
        "from sfsync import cli, daemon, sync\n"
        "for args in (['--help'], ['definition', '--help'], ['definition', 'tune', '--help']):\n"
        "    assert cli.main(args) == 0\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy'))\n"
        "print(loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )

    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "pip install 'sfsync[tune]'" in done.stdout

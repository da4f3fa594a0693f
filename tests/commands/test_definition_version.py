"""`definition lint` warns when a definition's content changed but its version did not."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from sfsync.cli import main
from sfsync.commands.definition_version import version_warnings
from sfsync.definition.loader import load_compiled
from sfsync.state import StateStore
from tests.scoring.factories import DEFAULT_YAML

_GIT = shutil.which("git")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.fixture(name="repo")
def _repo(tmp_path: Path) -> Path:
    if _GIT is None:
        pytest.skip("git is not installed")
    _git(tmp_path, "init", "-q")
    shutil.copy(DEFAULT_YAML, tmp_path / "acme.yaml")
    _git(tmp_path, "add", "acme.yaml")
    _git(tmp_path, "commit", "-qm", "signed off")
    return tmp_path


def test_an_edit_under_the_committed_version_is_a_warning(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Raising min_fit without a new version: lint still passes (exit 0) but warns with the fix."""
    path = repo / "acme.yaml"
    _edit(path, "min_fit: 50", "min_fit: 60")
    code = main(["definition", "lint", str(path)])
    out = capsys.readouterr().out
    assert 0 == code
    assert "! version: content changed since the committed file" in out
    assert "bump `version:` (e.g. to 'default-2026.11.3')" in out
    _edit(path, 'version: "default-2026.11.2"', 'version: "default-2026.11.3"')
    main(["definition", "lint", str(path)])
    assert "! version" not in capsys.readouterr().out


def test_comments_and_words_are_not_content(repo: Path) -> None:
    """A new comment or description is no reason to bump the version."""
    path = repo / "acme.yaml"
    _edit(path, "name: Default agreed definition", "name: Acme agreed definition\n# reviewed")
    assert [] == version_warnings(path, load_compiled(path), None)


def test_outside_git_there_is_nothing_to_compare(tmp_path: Path) -> None:
    """An untracked file (or no git at all) gives no version warning."""
    path = tmp_path / "loose.yaml"
    shutil.copy(DEFAULT_YAML, path)
    assert [] == version_warnings(path, load_compiled(path), None)


def test_the_state_store_knows_what_each_version_stamped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the org's settings, lint compares with the content the version was applied with."""
    path = tmp_path / "acme.yaml"
    shutil.copy(DEFAULT_YAML, path)
    state = tmp_path / "sfsync.sqlite3"
    with StateStore(state) as store:
        store.set_version_content("default-2026.11.2", "0123456789ab")
    env = tmp_path / "org.env"
    env.write_text(f"SFSYNC_STATE_PATH={state}\n")
    code = main(["--env-file", str(env), "definition", "lint", str(path)])
    out = capsys.readouterr().out
    assert 0 == code
    assert "! version: definition version 'default-2026.11.2' was applied with other" in out
    assert f"(the state store {state} says so; `sfsync sync` would refuse it)" in out

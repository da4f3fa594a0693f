"""
What `definition lint` knows about a definition's version, besides the file itself:

- the state store at SFSYNC_STATE_PATH (from `--env-file` or the environment): the content
  each version was applied with by a writing pass; a version that already stamped leads with
  other content is a warning here and a refusal (exit 2) in `sync`, `daemon` and
  `backfill --apply`;
- git: the file as committed (`HEAD`); an edit under the committed version is what a
  reviewer should catch before it is merged and signed off.

Either source is optional: without a state store or outside a git checkout there is nothing
to compare with, and lint says nothing about the version.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import structlog

from sfsync.commands.app import AppContext
from sfsync.definition import CompiledDefinition
from sfsync.definition.fingerprint import content_fingerprint
from sfsync.definition.loader import parse_definition
from sfsync.errors import ConfigError, SfsyncError

log = structlog.get_logger(__name__)
_GIT_SECONDS = 10


def version_warnings(
    path: Path, definition: CompiledDefinition, app: AppContext | None
) -> list[str]:
    """Warnings about *definition*'s version: applied or committed with other content."""
    return [w for w in (_state_warning(definition, app), _git_warning(path, definition)) if w]


def _state_warning(definition: CompiledDefinition, app: AppContext | None) -> str | None:
    if app is None:
        return None
    try:
        state_path = app.settings().state_path
    except ConfigError as exc:  # lint checks files; bad settings only skip this comparison
        log.info("sfsync.definition.version_check_skipped", reason=str(exc).splitlines()[0])
        return None
    if not state_path.is_file():
        return None
    from sfsync.state import StateStore
    from sfsync.sync.version_guard import version_problem

    try:
        store = StateStore(state_path)
        try:
            problem = version_problem(store, definition)
        finally:
            store.close()
    except SfsyncError as exc:
        log.info("sfsync.definition.version_check_skipped", reason=str(exc))
        return None
    if problem is None:
        return None
    return f"{problem} (the state store {state_path} says so; `sfsync sync` would refuse it)"


def _git_warning(path: Path, definition: CompiledDefinition) -> str | None:
    committed = _committed_text(path)
    if committed is None:
        return None
    try:
        before = parse_definition(committed, source=f"HEAD:{path}")
    except ConfigError:
        return None  # the committed file was invalid: nothing signed off to compare with
    if before.version != definition.version:
        return None
    old, new = content_fingerprint(before), content_fingerprint(definition.definition)
    if old == new:
        return None
    from sfsync.sync.version_guard import next_version

    return (
        f"content changed since the committed file (fingerprint {old} -> {new}) but version "
        f"is still {definition.version!r}: bump `version:` (e.g. to "
        f"{next_version(definition.version)!r}) before it is signed off and synced"
    )


def _committed_text(path: Path) -> str | None:
    """The file as committed at HEAD, or None (not in a git checkout, untracked, no git)."""
    folder = path.resolve().parent
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],  # noqa: S607 - git from PATH, no shell
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=_GIT_SECONDS,
            check=False,
        )
        if top.returncode != 0:
            return None
        relative = path.resolve().relative_to(Path(top.stdout.strip()).resolve())
        shown = subprocess.run(  # noqa: S603 - fixed argv: git show HEAD:<path>
            ["git", "show", f"HEAD:{relative.as_posix()}"],  # noqa: S607 - a path, no shell
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=_GIT_SECONDS,
            check=False,
        )
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    return shown.stdout if shown.returncode == 0 else None

"""
The signed-off version means something: a definition version stamped on leads
(`SFS_Definition_Version__c`) always stands for one content. The state store keeps, per
version, the content fingerprint it was first applied with; a writing pass (sync, the
daemon's passes, `backfill --apply`) with the same version but other content is refused
before anything is read or written, with the fix: bump `version`.
"""

from __future__ import annotations

import re

from sfsync.definition import CompiledDefinition
from sfsync.definition.fingerprint import content_fingerprint
from sfsync.errors import DefinitionVersionError
from sfsync.state import StateStore

_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")


def next_version(version: str) -> str:
    """
    A bumped version to suggest (at most 40 characters, the stamp's length): the trailing
    number plus one, else `.2` appended.
    """
    match = _TRAILING_NUMBER.match(version)
    head, tail = (match[1], str(int(match[2]) + 1)) if match else (version, ".2")
    return head[: 40 - len(tail)] + tail


def version_problem(store: StateStore, definition: CompiledDefinition) -> str | None:
    """
    Why *definition* must not stamp leads here, in one line with the fix, or None when its
    version is new here or was applied with exactly this content.

    Raises:
        StateStoreError: SQLite failed.
    """
    applied = store.version_content(definition.version)
    current = content_fingerprint(definition.definition)
    if applied is None or applied == current:
        return None
    return (
        f"definition version {definition.version!r} was applied with other content "
        f"(fingerprint {applied}, this file's is {current}): bump `version:` in the "
        f"definition, e.g. to {next_version(definition.version)!r}, so every lead is "
        "rewritten once with the new stamp"
    )


def check_version(store: StateStore, definition: CompiledDefinition) -> None:
    """
    Refuse a definition whose version was applied here with other content.

    Raises:
        DefinitionVersionError: the content changed but the version did not.
        StateStoreError: SQLite failed.
    """
    problem = version_problem(store, definition)
    if problem is not None:
        raise DefinitionVersionError(problem)


def sign_version(store: StateStore, definition: CompiledDefinition) -> None:
    """
    Record the content *definition*'s version stands for, before its first stamp is written.

    Raises:
        DefinitionVersionError: the version already stands for other content.
        StateStoreError: SQLite failed.
    """
    check_version(store, definition)
    if store.version_content(definition.version) is None:
        store.set_version_content(definition.version, content_fingerprint(definition.definition))

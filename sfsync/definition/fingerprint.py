"""
A definition's identity, in the two forms sfsync needs.

- `content_fingerprint`: a short hash of what decides results — everything but `version`,
  `name` and `description` (the words around it). Printed beside the version on the sign-off
  page (`definition doc`), and kept per version in the state store: a version stamped on
  leads always means the content it was first applied with (see `sync/version_guard.py`).
- `definition_fingerprint`: the version and the content fingerprint, kept in the state store
  by each pass; when it changes (a new or edited definition) the next pass re-qualifies
  every lead, because every lead's outputs (and version stamp) may change.

Both are computed from the validated model, so comments, key order and YAML spelling
(`{a: 1}` or a block) do not change them; any changed value does.
"""

from __future__ import annotations

import hashlib
import json

from sfsync.definition.compile import CompiledDefinition
from sfsync.definition.model import Definition

WORDS = frozenset({"version", "name", "description"})
"""Top-level keys that do not decide any result; the fingerprint leaves them out."""


def content_fingerprint(definition: Definition) -> str:
    """A short hash of the definition's content: the sign-off covers exactly this content."""
    data = definition.model_dump(mode="json", by_alias=True)
    content = {k: v for k, v in data.items() if k not in WORDS}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def definition_fingerprint(definition: CompiledDefinition) -> str:
    """The definition's version and content fingerprint: a new version or an edit changes it."""
    return f"{definition.version}:{content_fingerprint(definition.definition)}"

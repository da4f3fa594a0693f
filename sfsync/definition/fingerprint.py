"""
A definition's identity, in the two forms sfsync needs.

- `content_fingerprint`: a short hash of what the definition says, printed on the sign-off
  page (`definition doc`), so the people who sign know exactly what they signed.
- `definition_fingerprint`: the version and a hash of the compiled content, kept in the
  state store by each pass; when it changes (a new or edited definition) the next pass
  re-qualifies every lead, because every lead's outputs (and version stamp) may change.
"""

from __future__ import annotations

import hashlib
import json

from sfsync.definition.compile import CompiledDefinition
from sfsync.definition.model import Definition


def content_fingerprint(definition: Definition) -> str:
    """A short hash of the definition's content: the sign-off covers exactly this content."""
    canonical = json.dumps(definition.model_dump(mode="json", by_alias=True), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def definition_fingerprint(definition: CompiledDefinition) -> str:
    """The definition's version and a digest of its content: an edit changes it."""
    content = definition.definition.model_dump_json().encode()
    return f"{definition.version}:{hashlib.sha256(content).hexdigest()[:16]}"

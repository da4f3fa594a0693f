"""
What one record write is and how it ends: `WriteOp` in, `SaveResult` (with `SaveError`s) out,
in the shapes of Salesforce's SaveResult. `RecordFailedError` fails one record of a batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sfsync.sandbox.sobject import ObjectDef


@dataclass(frozen=True)
class SaveError:
    """One error of a SaveResult: `{"statusCode", "message", "fields"}`."""

    status_code: str
    message: str
    fields: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The JSON shape Collections return."""
        return {
            "statusCode": self.status_code,
            "message": self.message,
            "fields": list(self.fields),
        }

    def to_bulk(self) -> str:
        """The `sf__Error` text of Bulk API results: `CODE:message:fields` (`--` for none)."""
        return f"{self.status_code}:{self.message}:{','.join(self.fields) or '--'}"


@dataclass
class SaveResult:
    """The outcome of one record write, in request order."""

    id: str | None
    errors: list[SaveError] = field(default_factory=list)
    created: bool = False

    @property
    def success(self) -> bool:
        """Whether the write was committed."""
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        """Salesforce's SaveResult: `id` when known, `success`, `errors`."""
        out: dict[str, Any] = {}
        if self.id is not None:
            out["id"] = self.id
        out["success"] = self.success
        out["errors"] = [e.to_json() for e in self.errors]
        return out


@dataclass(frozen=True)
class WriteOp:
    """One record write: values are already in storage form and name real fields."""

    kind: Literal["insert", "update", "delete"]
    obj: ObjectDef
    record_id: str | None = None
    values: dict[str, Any] = field(default_factory=dict)


class RecordFailedError(Exception):
    """Raised inside a write: the record fails with these errors, the others go on."""

    def __init__(self, *errors: SaveError) -> None:
        self.errors = list(errors)

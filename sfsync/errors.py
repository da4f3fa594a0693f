"""
The exceptions sfsync raises, named for what the caller should do about them.

`cli.main` turns them into exit codes by type (`cli.EXIT_CODES`): `ConfigError` and its
subclasses, `OrgBusyError` and `DefinitionMismatchError` mean "change something, or wait,
then run again" (exit 2, message only); every other `SfsyncError` is a failure (exit 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class SfsyncError(Exception):
    """Root of every error sfsync raises on purpose."""


class ConfigError(SfsyncError):
    """Raised when settings, a .env file or a command-line value are unusable; fix and rerun."""


class MappingError(ConfigError):
    """Raised when a definition file is invalid; carries the file and every problem found."""

    def __init__(self, path: Path | str, problems: Sequence[str]) -> None:
        self.path = str(path)
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"{self.path}: invalid definition ({len(self.problems)} problem(s))\n{lines}"
        )


class DefinitionVersionError(ConfigError):
    """Raised when a definition's content changed but its `version` did not: leads would be
    stamped with a version whose signed-off content they were not scored with; bump it."""


class InputError(ConfigError):
    """Raised when an input file (e.g. leads.jsonl) cannot be read at all."""


class OrgMismatchError(ConfigError):
    """Raised when the state store mirrors another org than the one connected; give each
    org its own SFSYNC_STATE_PATH."""


class OrgBusyError(SfsyncError):
    """Raised when another sfsync daemon, sync or backfill holds the org's lock: nothing is
    wrong with the settings; wait for it to finish (or stop it) and run again."""


class SalesforceError(SfsyncError):
    """Raised when the Salesforce layer fails; carries the HTTP status and resource when known."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        resource: str | None = None,
        error_code: str | None = None,
    ) -> None:
        self.status = status
        self.resource = resource
        self.error_code = error_code
        super().__init__(message)


class RetriableSalesforceError(SalesforceError):
    """Raised for 5xx answers, timeouts and connection resets: retrying may succeed."""


class AuthenticationError(SalesforceError):
    """Raised when login fails, or the session is still invalid after one re-login."""


class QuotaExceededError(SalesforceError):
    """Raised when the run's API budget is spent or the org's daily limit is reached."""


class DefinitionMismatchError(SalesforceError):
    """Raised when the org lacks a field or object the definition names (INVALID_FIELD,
    INVALID_TYPE, ...): a setup problem, not an outage; `sfsync check` names each fix."""

    ERROR_CODES = frozenset({"INVALID_FIELD", "INVALID_TYPE", "INVALID_FIELD_FOR_INSERT_UPDATE"})
    """The Salesforce error codes that mean the definition names what the org lacks."""


class RecordError(SfsyncError):
    """Raised when one record cannot be mapped, scored or written; the others go on."""

    def __init__(self, message: str, *, record_id: str | None = None) -> None:
        self.record_id = record_id
        super().__init__(f"{record_id}: {message}" if record_id else message)


class StateStoreError(SfsyncError):
    """Raised when the local SQLite state store cannot be opened, migrated or written."""

"""
The exceptions sfsync raises, named for what the caller should do about them.

`commands.app.exit_code_for_error` turns them into exit codes by type (`EXIT_CODES` there):
what a person must fix — settings, the definition, credentials, the integration user's
access, a field the org lacks — or wait for (`OrgBusyError`) is exit 2, message only; a
stop request is exit 3 (resumable); every other `SfsyncError` is a failure (exit 1).
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


class MissingSettingError(ConfigError):
    """Raised when settings the chosen auth mode (or command) needs are not set; carries the
    variable names so the command can say where to set them (`--env-file`, `.env`)."""

    def __init__(self, message: str, *, names: Sequence[str]) -> None:
        self.names = list(names)
        super().__init__(message)


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
    """Raised when login fails, or the session is still invalid after one re-login: the
    credentials need fixing (a restart cannot help)."""


class AccessDeniedError(SalesforceError):
    """Raised when the org refuses the integration user an API, object or field it needs
    (403 API_DISABLED_FOR_ORG, INSUFFICIENT_ACCESS…): grant it, then rerun."""


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


class StopRequestedError(SfsyncError):
    """Raised inside a run when SIGINT/SIGTERM asked it to stop; the run ends "interrupted"
    with nothing half-applied, and the next run carries on."""


class StateStoreError(SfsyncError):
    """Raised when the local SQLite state store cannot be opened, migrated or written."""


NEEDS_A_PERSON: tuple[type[SfsyncError], ...] = (
    ConfigError,
    OrgBusyError,
    AuthenticationError,
    AccessDeniedError,
    DefinitionMismatchError,
)
"""Errors no retry or restart can fix: exit 2 from every command, and the daemon ends
(its supervisor must not restart it in a loop)."""

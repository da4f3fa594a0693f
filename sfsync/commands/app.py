"""
What every command shares: the exit codes and the `AppContext` built from the global
options. It lives here, below `cli`, so that command modules never import the composition
root (an import cycle that broke `python -m sfsync.cli`).

Exit codes (`EXIT_CODE_MEANINGS`; the README's table, the deploy/ units and scripts rely on
them, and tests/test_exit_codes.py checks that they agree):
    0  done
    1  failure: the org or the network failed, or the state store; rerun (nothing
       half-applied)
    2  a person must act: settings, definition, credentials, the integration user's access,
       a field the org lacks, or the org is busy (message only, no traceback)
    3  partial: records rejected, the API budget spent, or interrupted (resumable)
  130  a second Ctrl-C (143: a second SIGTERM) ended it at once; the next run carries on
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import click

from sfsync.config import Settings, load_settings
from sfsync.errors import NEEDS_A_PERSON, SfsyncError, StopRequestedError
from sfsync.logs import LogFormat, configure_logging

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_FORCED = 130  # 128 + SIGINT; 143 (128 + SIGTERM) after a second SIGTERM

EXIT_CODE_MEANINGS: dict[int, str] = {
    EXIT_OK: "done",
    EXIT_FAILURE: "failure: the org, the network or the state store failed; nothing is "
    "half-applied, rerun (the daemon retries outages itself and never ends for one)",
    EXIT_USAGE: "a person must act: bad settings or definition, credentials refused, a "
    "permission or field missing, or another run holds the org; fix and rerun",
    EXIT_PARTIAL: "partial: records rejected (retried next pass), the API budget spent, or "
    "interrupted by SIGINT/SIGTERM; the next run resumes",
    EXIT_FORCED: "a second Ctrl-C (143: a second SIGTERM) ended it at once; the next run "
    "carries on, recording a Bulk job the org was applying",
}
"""What each exit code means: the README's table and the deploy/ units follow it."""

EXIT_CODES: tuple[tuple[type[SfsyncError] | tuple[type[SfsyncError], ...], int], ...] = (
    (NEEDS_A_PERSON, EXIT_USAGE),
    (StopRequestedError, EXIT_PARTIAL),
    (SfsyncError, EXIT_FAILURE),
)
"""Exit code by error type, the first match wins: the same problem, the same code, from
every command (the daemon included)."""


def exit_code_for_error(exc: SfsyncError) -> int:
    """The exit code for *exc*, by its type (`EXIT_CODES`)."""
    return next(code for kind, code in EXIT_CODES if isinstance(exc, kind))


@dataclass
class AppContext:
    """What every command receives: the global options, and settings built on first use."""

    env_file: Path | None = None
    log_format: LogFormat | None = None
    verbose: bool = False
    _settings: Settings | None = field(default=None, repr=False)

    def settings(self, **overrides: object) -> Settings:
        """Load settings once (environment, --env-file, then explicit overrides)."""
        if self._settings is None or overrides:
            self._settings = load_settings(self.env_file, **overrides)
            self.configure_logging(self._settings)
        return self._settings

    def configure_logging(self, settings: Settings) -> None:
        """Logging from the options and settings: --log-format wins over SFSYNC_LOG_FORMAT;
        -v, else an explicit SFSYNC_LOG_LEVEL, else the format's default level."""
        explicit_level = "log_level" in settings.model_fields_set
        level = "debug" if self.verbose else settings.log_level if explicit_level else None
        configure_logging(self.log_format or settings.log_format, level)


pass_app = click.make_pass_decorator(AppContext)

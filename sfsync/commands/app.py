"""
What every command shares: the exit codes and the `AppContext` built from the global
options. It lives here, below `cli`, so that command modules never import the composition
root (an import cycle that broke `python -m sfsync.cli`).

Exit codes (documented in the README, relied on by scripts):
    0  done
    1  failure (Salesforce, state store, or an unexpected error)
    2  usage or configuration error, or the org is busy (message only, no traceback)
    3  partial: some records were rejected, or the API budget stopped the run early
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import click

from sfsync.config import Settings, load_settings
from sfsync.logs import LogFormat, configure_logging

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3


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
            if self.log_format is None:
                configure_logging(self._settings.log_format, self._settings.log_level)
        return self._settings


pass_app = click.make_pass_decorator(AppContext)

"""
Building the collaborators a command needs (settings, definition, store, client), and the
small pieces of terminal output the commands share.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sfsync.config import Settings
from sfsync.definition import CompiledDefinition, load_compiled
from sfsync.errors import ConfigError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from sfsync.commands.app import AppContext
    from sfsync.salesforce.client import SalesforceClient
    from sfsync.state import StateStore

PACKAGED_DEFINITION = Path(__file__).resolve().parent.parent / "definition" / "default.yaml"


def resolve_definition_path(path: Path) -> Path:
    """
    The definition file to use: the configured path, or the copy of the default shipped in
    the package when the default path is not present (sfsync run outside a checkout).
    """
    if path.is_file():
        return path
    if path == Path("mappings/default.yaml") and PACKAGED_DEFINITION.is_file():
        return PACKAGED_DEFINITION
    msg = f"SFSYNC_DEFINITION={path}: no such file (point it at your definition YAML)"
    raise ConfigError(msg)


def load_definition_for(settings: Settings, override: Path | None = None) -> CompiledDefinition:
    """Load and compile the definition named by --definition or the settings."""
    return load_compiled(resolve_definition_path(override or settings.definition))


@dataclass
class Runtime:
    """A command's collaborators, closed together."""

    settings: Settings
    definition: CompiledDefinition
    store: StateStore
    client: SalesforceClient | None


def require_state(settings: Settings) -> None:
    """
    Offline commands read the mirror a sync filled; never create an empty one.

    Raises:
        ConfigError: there is no state store at SFSYNC_STATE_PATH.
    """
    if not settings.state_path.exists():
        msg = (
            f"no local state at {settings.state_path}: run `sfsync sync` first "
            "(or point SFSYNC_STATE_PATH at the state file of the org you synced)"
        )
        raise ConfigError(msg)


@contextmanager
def open_runtime(
    app: AppContext,
    *,
    connect: bool = True,
    definition: Path | None = None,
    **overrides: object,
) -> Iterator[Runtime]:
    """Build settings, the compiled definition, the state store and (optionally) the client."""
    from sfsync.state import StateStore

    settings = app.settings(**overrides)
    compiled = load_definition_for(settings, definition)
    if not connect:
        require_state(settings)
    store = StateStore(settings.state_path)
    try:
        client = None
        if connect:
            from sfsync.salesforce.client import connect as connect_client

            client = connect_client(settings)
        yield Runtime(settings=settings, definition=compiled, store=store, client=client)
    finally:
        store.close()


def stderr_console() -> Console:
    """A rich console on stderr (progress, tables for people); stdout stays for data."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def stdout_console() -> Console:
    """A rich console on stdout for human-readable results."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


@contextmanager
def progress_reporter(enabled: bool = True) -> Iterator[Callable[[str, int, int | None], None]]:
    """
    A progress callback `(phase, done, total)` drawing rich progress bars on a terminal,
    and doing nothing when stderr is not one (logs and CI stay clean).
    """
    if not enabled or not sys.stderr.isatty():
        yield lambda phase, done, total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress: Progress = Progress(
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr_console(),
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def update(phase: str, done: int, total: int | None) -> None:
        if phase not in tasks:
            tasks[phase] = progress.add_task(phase, total=total)
        progress.update(tasks[phase], completed=done, total=total)

    with progress:
        yield update

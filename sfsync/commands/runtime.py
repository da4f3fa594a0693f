"""
Building the collaborators a command needs (settings, definition, store, client), and the
small pieces of terminal output the commands share.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sfsync.config import Settings, missing_settings_hint
from sfsync.definition import CompiledDefinition, load_compiled
from sfsync.errors import ConfigError, MissingSettingError
from sfsync.stop import Stop

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from sfsync.commands.app import AppContext
    from sfsync.salesforce.client import SalesforceClient
    from sfsync.salesforce.retry import Deadlines
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
    lock: bool = False,
    stop: Stop | None = None,
    deadlines: Deadlines | None = None,
    **overrides: object,
) -> Iterator[Runtime]:
    """
    Build settings, the compiled definition, the client (optionally), the org's writer
    lock (with *lock*) and the state store, in that order: a command that fails on its
    settings, definition or credentials creates no state file and no lock. *stop* is the
    command's stop request, *deadlines* replaces the settings' request deadlines.

    Raises:
        ConfigError: bad settings or definition; a missing setting names where to set it.
        OrgBusyError: *lock* and another run holds the org.
        SalesforceError: the login failed.
    """
    from sfsync.state import StateStore
    from sfsync.state.lock import InstanceLock

    settings = app.settings(**overrides)
    compiled = load_definition_for(settings, definition)
    client = None
    if connect:
        client = connect_client(app, settings, stop=stop, deadlines=deadlines)
    elif not lock:
        require_state(settings)
    try:
        with InstanceLock.beside(settings.state_path) if lock else nullcontext():
            store = StateStore(settings.state_path)
            try:
                yield Runtime(settings=settings, definition=compiled, store=store, client=client)
            finally:
                store.close()
    finally:
        if client is not None:
            client.close()


def connect_client(
    app: AppContext,
    settings: Settings,
    *,
    stop: Stop | None = None,
    deadlines: Deadlines | None = None,
) -> SalesforceClient:
    """
    Log in (`salesforce.client.connect`); a missing setting says where to set it.

    Raises:
        ConfigError: bad connection settings.
        SalesforceError: the login failed.
    """
    from sfsync.salesforce.client import connect

    with _where_to_set_them(app):
        return connect(settings, stop=stop, deadlines=deadlines)


def check_connection_settings(app: AppContext, settings: Settings) -> None:
    """
    Fail now on connection settings a login would refuse (before any file is created).

    Raises:
        ConfigError: a missing setting names where to set it.
    """
    from sfsync.salesforce.auth import check_login_settings

    with _where_to_set_them(app):
        check_login_settings(settings)


@contextmanager
def _where_to_set_them(app: AppContext) -> Iterator[None]:
    """Add to a missing setting's message where to set it (the flag, the .env file)."""
    try:
        yield
    except MissingSettingError as exc:
        msg = f"{exc}; {missing_settings_hint(app.env_file)}"
        raise MissingSettingError(msg, names=exc.names) from None


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

    from sfsync.commands.signals import showing_progress

    with progress, showing_progress(progress.console):
        yield update

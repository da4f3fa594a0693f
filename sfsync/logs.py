"""configure_logging(): JSON lines in production, readable console output on a terminal."""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog

LogFormat = Literal["auto", "json", "console"]


class _StderrLogger:
    """Writes each line to whatever ``sys.stderr`` is *now* (tests and daemons swap it)."""

    def msg(self, message: str) -> None:
        stream = sys.stderr
        try:
            stream.write(message + "\n")
            stream.flush()
        except ValueError:  # stream closed under us (interpreter shutdown, test capture)
            pass

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


class _StderrLoggerFactory:
    def __call__(self, *args: object) -> _StderrLogger:
        return _StderrLogger()


_json_requested = False
"""True when JSON logs were asked for by name (production): then `say` speaks JSON too."""
_for_people = False
"""True when logs are rendered for a person (console): only warnings and errors by default."""


def logs_for_people() -> bool:
    """True when logs go to a person (console rendering) rather than a log collector."""
    return _for_people


def say(message: str) -> None:
    """
    Tell the person (or the log collector) why a command ended: one `sfsync: …` line, or,
    when JSON logs were asked for by name, one JSON event, so stderr stays parseable.
    """
    if _json_requested:
        structlog.get_logger("sfsync").error("sfsync.command.ended", message=message)
    else:
        sys.stderr.write(f"sfsync: {message}\n")
        sys.stderr.flush()


def configure_logging(fmt: LogFormat = "auto", level: str | None = None) -> None:
    """
    Configure structlog once, from the composition root.

    Logs go to standard error so that standard output stays clean for data (JSON Lines,
    reports). "auto" means console when standard error is a terminal, JSON otherwise.
    Without a *level*, JSON logs carry info and up (every event a collector wants) and
    console logs only warnings and errors: a person gets each command's summary table and
    what went wrong, not the events behind it (`-v` shows them).
    """
    global _json_requested, _for_people  # noqa: PLW0603 - configured from the composition root
    _json_requested = fmt == "json"
    use_console = fmt == "console" or (fmt == "auto" and sys.stderr.isatty())
    _for_people = use_console
    if level is None:
        level = "warning" if use_console else "info"
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor
    if use_console:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    else:
        shared += [structlog.processors.dict_tracebacks]
        renderer = structlog.processors.JSONRenderer()
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=_StderrLoggerFactory(),
        cache_logger_on_first_use=False,
    )

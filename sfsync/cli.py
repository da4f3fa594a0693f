"""
The composition root: parses the command line, builds settings and logging, and turns
errors into exit codes by their type (`commands.app.EXIT_CODES`, whose meanings the README's
table and the deploy/ units follow).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click
import structlog

from sfsync import __version__
from sfsync.commands import COMMANDS
from sfsync.commands.app import (
    EXIT_CODES,
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    AppContext,
    exit_code_for_error,
)
from sfsync.errors import (
    AccessDeniedError,
    AuthenticationError,
    ConfigError,
    DefinitionMismatchError,
    OrgBusyError,
    SfsyncError,
    StopRequestedError,
)
from sfsync.logs import LogFormat, configure_logging, logs_for_people, say

__all__ = [
    "EXIT_CODES",
    "EXIT_FAILURE",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_USAGE",
    "cli",
    "exit_code_for_error",
    "main",
]

log = structlog.get_logger(__name__)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="sfsync")
@click.option(
    "--env-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read SFSYNC_* settings from this file (e.g. the sandbox's connection.env).",
)
@click.option(
    "--log-format",
    type=click.Choice(["auto", "json", "console"]),
    default=None,
    help="Log style on stderr: JSON lines for production, console for people. "
    "Default: SFSYNC_LOG_FORMAT, else console on a terminal and JSON otherwise.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log debug events too.")
@click.pass_context
def cli(ctx: click.Context, env_file: Path | None, log_format: str | None, verbose: bool) -> None:
    """
    sfsync brings one agreed definition of a qualified lead into Salesforce.

    It reads Leads and their activity, computes fit, BANT, engagement, grade, score,
    status, reasons and follow-up counters, and writes them to SFS_* fields on the Lead.

    \b
    Try it without an org:   sfsync demo
    Connect a real org:      cp .env.example .env, fill it in, then
                             sfsync --env-file .env init --out mappings/acme.yaml
                             (next: lint, fields, check, backfill; README "Connect your org")
    Exit codes: 0 done, 1 failure (rerun), 2 a person must act (settings, credentials,
    access, definition), 3 partial (rejects, budget, interrupted; resumes).
    """
    fmt: LogFormat | None = log_format  # type: ignore[assignment]
    ctx.obj = AppContext(env_file=env_file, log_format=fmt, verbose=verbose)
    configure_logging(fmt or "auto", "debug" if verbose else None)


for _command in COMMANDS:
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> int:  # noqa: PLR0911 - one return per outcome
    """Run the CLI and return the exit code; errors are handled here and only here."""
    try:
        rv = cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_FAILURE
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except (ConfigError, OrgBusyError) as exc:
        say(str(exc))
        return exit_code_for_error(exc)
    except SfsyncError as exc:
        if not logs_for_people():  # a person reads the `sfsync:` line below instead
            log.error("sfsync.command.failed", error=str(exc), error_type=type(exc).__name__)
        say(_failure_message(exc))
        return exit_code_for_error(exc)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except Exception as exc:  # a bug: one clear line, the traceback only in debug logs
        log.debug("sfsync.command.crashed", exc_info=True)
        say(
            f"unexpected {type(exc).__name__}: {exc}\n"
            "sfsync: this is a bug in sfsync; rerun with -v for the traceback and report it"
        )
        return EXIT_FAILURE
    if isinstance(rv, int):
        return rv
    return EXIT_OK


def _failure_message(exc: SfsyncError) -> str:
    """What to say on stderr about a failure, with the fix when a person must act."""
    if isinstance(exc, AuthenticationError):
        return (
            f"{exc}\nsfsync: the org refused sfsync's credentials: check the SFSYNC_SF_* "
            "settings (client id and secret, key file, username, access token) and the "
            "Connected App (docs/production.md §3); `sfsync check` tries them"
        )
    if isinstance(exc, AccessDeniedError):
        return (
            f"{exc}\nsfsync: the integration user lacks a permission: assign it the "
            "SFSync_Integration permission set (docs/production.md §4-5); `sfsync check` "
            "lists what it cannot read or edit"
        )
    if isinstance(exc, StopRequestedError):
        return "stopped before anything was written; run the same command again to carry on"
    if not isinstance(exc, DefinitionMismatchError):
        return str(exc)
    # A setup problem, not an outage. The org's message quotes the whole SELECT, cut short
    # before the field it names; `check` names each field with its fix.
    lines = str(exc).splitlines()
    said = lines[0].rstrip(": ")
    if len(lines) > 2 and lines[-2].startswith("ERROR at Row"):
        said += f": {lines[-1]}"  # the org's own words, when they were not cut short
    return (
        f"{said}\nsfsync: the org lacks a field or object the definition "
        "names; `sfsync check` lists each one with its fix"
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

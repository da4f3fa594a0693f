"""
`sfsync definition …`: check a definition file and render it for sign-off.

    sfsync definition lint mappings/default.yaml mappings/acme.yaml
    sfsync definition doc mappings/default.yaml --output definition.md

(`definition diff`, comparing two versions, is added by its own issue.)
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import structlog

from sfsync.errors import ConfigError, MappingError

log = structlog.get_logger(__name__)

EXIT_OK = 0
EXIT_INVALID = 2


@click.group()
def definition() -> None:
    """
    Check the agreed definition of a qualified lead, and render it for sign-off.
    """


@definition.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def lint(files: tuple[Path, ...]) -> int:
    """
    Check definition FILES: YAML syntax, every key and value, and that they compile.

    Prints every problem with its line and path inside the file. Exits 0 when every file is
    valid, 2 when any is not.
    """
    invalid = 0
    for path in files:
        problems, version = _check(path)
        if problems:
            invalid += 1
            click.echo(f"✗ {path}: invalid ({len(problems)} problem(s))", err=True)
            for problem in problems:
                click.echo(f"  - {problem}", err=True)
        else:
            click.echo(f"✓ {path}: valid (version {version})")
    if invalid and len(files) > 1:
        click.echo(f"{invalid} of {len(files)} file(s) invalid", err=True)
    return EXIT_INVALID if invalid else EXIT_OK


def _check(path: Path) -> tuple[list[str], str]:
    from sfsync.definition.loader import compile_loaded, load_definition

    try:
        compile_loaded(loaded := load_definition(path), source=path)
    except MappingError as exc:
        return exc.problems, ""
    except Exception as exc:  # lint reports problems, it never shows a traceback
        log.warning("sfsync.definition.check_failed", file=str(path), error=repr(exc))
        return [f"{path}: cannot check this file (a bug in sfsync, please report it): {exc!r}"], ""
    return [], loaded.version


@definition.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the Markdown page here instead of standard output.",
)
def doc(file: Path, output: Path | None) -> int:
    """
    Render definition FILE as a Markdown page that sales and marketing can read and sign off.
    """
    from sfsync.definition.doc import render_markdown
    from sfsync.definition.loader import compile_loaded, load_definition

    loaded = load_definition(file)
    compile_loaded(loaded, source=file)  # only a definition that compiles is worth signing off
    page = render_markdown(loaded)
    if output is None:
        sys.stdout.write(page)
        return EXIT_OK
    try:
        output.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{output}: cannot write the page: {exc.strerror}") from exc
    click.echo(f"Wrote {output}", err=True)
    return EXIT_OK


COMMANDS: list[click.Command] = [definition]

"""
`sfsync definition …`: check a definition file, render it for sign-off, compare two, and
(`tune.py`) propose new points learnt from conversions.

    sfsync definition lint mappings/default.yaml mappings/acme.yaml
    sfsync definition doc mappings/default.yaml --output definition.md
    sfsync definition diff mappings/default.yaml mappings/proposed.yaml

Each subcommand is a `@definition.command()` here; one that needs a module of its own
(`definition tune`) lives beside it as `commands/<noun>.py`, imports this `definition`
group and registers itself with `@definition.command()` there; `commands/__init__.py`
imports that module so the registration runs.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import structlog

from sfsync.commands.app import EXIT_OK, EXIT_USAGE, AppContext
from sfsync.commands.options import MOMENT
from sfsync.errors import ConfigError, MappingError

if TYPE_CHECKING:
    from sfsync.definition import CompiledDefinition

log = structlog.get_logger(__name__)


@click.group()
def definition() -> None:
    """
    Check, document, compare and tune the agreed definition of a qualified lead.

    \b
    sfsync definition lint mappings/default.yaml mappings/acme.yaml
    sfsync definition doc mappings/acme.yaml --output definition.md
    sfsync --env-file .env definition diff mappings/default.yaml mappings/acme.yaml
    sfsync --env-file .env definition tune --out proposal.yaml --evidence tune.html
    """


@definition.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_context
def lint(ctx: click.Context, files: tuple[Path, ...]) -> int:
    """
    Check definition FILES: YAML syntax, every key and value, and that they compile.

    \b
    Prints every problem with its line and path inside the file, then warnings that do
    not make a file invalid: parts left out and what the definition then cannot judge,
    and a version whose content changed (compared with the file committed in git, and
    with what the state store at SFSYNC_STATE_PATH applied: pass the org's --env-file).
    Exits 0 when every file is valid, 2 when any is not.
    """
    from sfsync.commands.definition_version import version_warnings
    from sfsync.definition.coverage import gaps
    from sfsync.definition.fingerprint import content_fingerprint

    app = ctx.find_object(AppContext)
    invalid = 0
    for path in files:
        problems, compiled = _check(path)
        if compiled is None:
            invalid += 1
            click.echo(f"✗ {path}: invalid ({len(problems)} problem(s))", err=True)
            for problem in problems:
                click.echo(f"  - {problem}", err=True)
            continue
        fingerprint = content_fingerprint(compiled.definition)
        click.echo(f"✓ {path}: valid (version {compiled.version}, fingerprint {fingerprint})")
        for gap in gaps(compiled.definition):
            click.echo(f"  ! not judged: {gap.where}: {gap.means}")
        for warning in version_warnings(path, compiled, app):
            click.echo(f"  ! version: {warning}")
    if invalid and len(files) > 1:
        click.echo(f"{invalid} of {len(files)} file(s) invalid", err=True)
    return EXIT_USAGE if invalid else EXIT_OK


def _check(path: Path) -> tuple[list[str], CompiledDefinition | None]:
    from sfsync.definition.loader import compile_loaded, load_definition

    try:
        compiled = compile_loaded(load_definition(path), source=path)
    except MappingError as exc:
        return exc.problems, None
    except Exception as exc:  # lint reports problems, it never shows a traceback
        log.warning("sfsync.definition.check_failed", file=str(path), error=repr(exc))
        return [
            f"{path}: cannot check this file (a bug in sfsync, please report it): {exc!r}"
        ], None
    return [], compiled


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


@definition.command()
@click.argument("old", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("new", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--now",
    type=MOMENT,
    default=None,
    help="Qualify as of this time (UTC unless an offset is given); default: now.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON on stdout.")
@click.pass_context
def diff(ctx: click.Context, old: Path, new: Path, now: datetime | None, as_json: bool) -> int:
    """
    Show what adopting definition NEW instead of OLD would change, before adopting it.

    \b
    Both definitions qualify every lead in the local mirror (run `sfsync sync` first) at
    the same moment, as a sync would; no API call is made. Shows the status transitions
    (old status rows, new status columns), score shifts, grade changes and the leads
    affected. Adopting a definition with a new version rewrites every (unconverted) lead
    once: the version stamp on each lead changes.
    """
    from sfsync.commands.runtime import require_state
    from sfsync.definition import load_compiled
    from sfsync.definition_diff import diff_definitions
    from sfsync.state import StateStore

    old_def, new_def = load_compiled(old), load_compiled(new)
    when = now or datetime.now(UTC)  # MOMENT gives an aware UTC datetime
    settings = ctx.find_object(AppContext).settings()  # type: ignore[union-attr]
    require_state(settings)
    store = StateStore(settings.state_path)
    try:
        result = diff_definitions(store, old_def, new_def, now=when)
    finally:
        store.close()
    if result.leads == 0 and not result.converted:
        raise ConfigError(
            f"{settings.state_path}: the mirror holds no leads; run `sfsync sync` first"
        )
    if as_json:
        click.echo(json.dumps(result.as_dict(), sort_keys=True))
    else:
        _print_diff(result, old, new)
    return EXIT_OK


def _print_diff(result: Any, old: Path, new: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    console.print(
        f"[bold]{old}[/] (version {result.old_version}) → [bold]{new}[/] "
        f"(version {result.new_version}), {result.leads:,} leads qualified at {result.now}"
        + (f"; {result.converted:,} converted leads left out" if result.converted else "")
    )
    matrix = Table(title="status transitions (rows: old, columns: new)")
    matrix.add_column("old \\ new")
    names = result.statuses()
    for name in names:
        matrix.add_column(name, justify="right")
    for row, cells in result.matrix().items():
        matrix.add_row(
            row,
            *(
                f"[dim]{n:,}[/]" if col == row else (f"[bold]{n:,}[/]" if n else "·")
                for col, n in cells.items()
            ),
        )
    console.print(matrix)
    shifts = Table(title="score shift")
    shifts.add_column("new - old")
    shifts.add_column("leads", justify="right")
    for label, count in result.as_dict()["score"]["shifts"].items():
        shifts.add_row(label, f"{count:,}")
    console.print(shifts)
    console.print(
        f"mean score {result.mean('old')} → {result.mean('new')} "
        f"(shift {result.mean('shift'):+}); {result.affected:,} leads affected, "
        f"{result.status_changes:,} change status, "
        f"{sum(result.grade_changes.values()):,} change grade"
    )
    if result.field_changes:
        console.print(
            "fields that change (leads): "
            + ", ".join(f"{name} {n:,}" for name, n in result.field_changes.most_common())
        )
    if result.grade_changes:
        grades = Table(title="most frequent grade changes")
        grades.add_column("old → new")
        grades.add_column("leads", justify="right")
        for (o, n), count in result.grade_changes.most_common(10):
            grades.add_row(f"{o} → {n}", f"{count:,}")
        console.print(grades)
    console.print(
        f"Adopting {new} rewrites {result.rewrites:,} lead(s) once"
        + (
            " (the version stamp changes on every lead)."
            if result.old_version != result.new_version
            else "."
        )
    )


COMMANDS: list[click.Command] = [definition]

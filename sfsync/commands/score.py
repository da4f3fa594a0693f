"""`sfsync score`: qualify leads offline, from JSON Lines of Salesforce records (DESIGN §5)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from sfsync.commands.app import EXIT_OK, EXIT_PARTIAL, AppContext, pass_app
from sfsync.commands.options import NOW_EXAMPLE, parse_moment
from sfsync.errors import ConfigError, InputError, RecordError

if TYPE_CHECKING:
    from sfsync.definition import CompiledDefinition
    from sfsync.scoring import Qualification


@click.command("score")
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    help='JSON Lines, one lead per line: {"lead": {...}, "activities": {"Task": [...], ...}};'
    " - for stdin.",
)
@click.option(
    "--now",
    "now_text",
    help="Score as of this moment (ISO 8601, e.g. 2026-11-20T12:00:00Z)."
    " Default: the current UTC time.",
)
@click.option(
    "--definition",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Definition YAML. Default: SFSYNC_DEFINITION (mappings/default.yaml).",
)
@click.option(
    "--output",
    "output_path",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    help="Write results here instead of stdout.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["jsonl", "table"]),
    default="jsonl",
    show_default=True,
    help="jsonl: one {Id, output fields...} object per line; table: a summary for people.",
)
@pass_app
def score(
    app: AppContext,
    input_path: Path,
    now_text: str | None,
    definition: Path | None,
    output_path: Path | None,
    output_format: str,
) -> int:
    """
    Qualify leads from a JSON Lines file, without an org.

    Bad lines (not JSON, no lead Id) are reported on stderr as `line N: problem` and
    skipped; the others are still scored. Exit codes: 0 all scored, 3 some lines rejected,
    2 the input or definition file is missing or invalid.

    \b
    sfsync score --input leads.jsonl --now 2026-11-20T12:00:00Z
    sfsync score --input leads.jsonl --format table
    """
    from sfsync.commands.runtime import resolve_definition_path
    from sfsync.definition import load_compiled

    now = _parse_now(now_text) if now_text is not None else datetime.now(UTC)
    path = definition if definition is not None else app.settings().definition
    compiled = load_compiled(resolve_definition_path(path))
    rejected = 0
    results: list[Qualification] = []
    with _open_input(input_path) as lines, _open_output(output_path) as out:
        for number, raw in enumerate(lines, start=1):
            # Excel and PowerShell save "UTF-8" with a byte-order mark; it is not JSON.
            line = raw.lstrip("\ufeff") if number == 1 else raw
            if not line.strip():
                continue
            try:
                result = _score_line(line, compiled, now)
            except RecordError as exc:
                rejected += 1
                click.echo(f"line {number}: {exc}", err=True)
                continue
            if output_format == "jsonl":
                out.write(_jsonl(result) + "\n")
            else:
                results.append(result)
        if output_format == "table":
            _print_table(results, out)
    return EXIT_PARTIAL if rejected else EXIT_OK


def _parse_now(text: str) -> datetime:
    """`--now` as every command reads it; unreadable is a usage error (exit 2)."""
    parsed = parse_moment(text)
    if parsed is None:
        msg = f"--now {text!r}: not an ISO 8601 date/time (e.g. {NOW_EXAMPLE})"
        raise ConfigError(msg)
    return parsed


def _score_line(line: str, compiled: CompiledDefinition, now: datetime) -> Qualification:
    """Qualify one input line; RecordError when the line cannot be used at all."""
    from sfsync.scoring import qualify

    try:
        item = json.loads(line)
    except ValueError as exc:
        msg = f"not JSON ({exc.args[0] if exc.args else exc})"
        raise RecordError(msg) from None
    if not isinstance(item, Mapping) or not isinstance(item.get("lead"), Mapping):
        msg = 'expected an object {"lead": {...}, "activities": {...}}'
        raise RecordError(msg)
    return qualify(item["lead"], _activities(item.get("activities")), compiled, now=now)


def _activities(value: Any) -> dict[str, list[Mapping[str, Any]]]:
    """
    The line's activity records by object. A REST query result (`{"records": [...]}`) stands
    for its records, and flat parent fields (`"Campaign.Type"`, as Bulk API CSV and Data
    Loader name them) are nested; any other shape is a RecordError, never silently no activity.
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        msg = '"activities": expected an object {"Task": [...], "CampaignMember": [...], ...}'
        raise RecordError(msg)
    result: dict[str, list[Mapping[str, Any]]] = {}
    for name, given in value.items():
        if given is None:
            continue
        records = given
        if isinstance(given, Mapping) and isinstance(given.get("records"), list):
            records = given["records"]
        if not isinstance(records, list):
            msg = f'"activities.{name}": expected a list of records'
            raise RecordError(msg)
        for index, record in enumerate(records):
            if not isinstance(record, Mapping):
                msg = f'"activities.{name}[{index}]": expected a record object'
                raise RecordError(msg)
        result[str(name)] = [_nested(record) for record in records]
    return result


def _nested(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """*record* with flat `"Parent.Field"` keys also readable as `{"Parent": {"Field": ...}}`."""
    if not any("." in key for key in record):
        return record
    nested: dict[str, Any] = dict(record)
    for key, value in record.items():
        *parents, leaf = key.split(".")
        target = nested
        for part in parents:
            child = target.get(part)
            if not isinstance(child, dict):
                child = {} if child is None or not isinstance(child, Mapping) else dict(child)
                target[part] = child
            target = child
        target.setdefault(leaf, value)
    return nested


def _jsonl(result: Qualification) -> str:
    return json.dumps(
        {"Id": result.lead_id, **result.to_fields()}, ensure_ascii=False, separators=(",", ":")
    )


class _Input:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: IO[str] | None = None

    def __enter__(self) -> Iterator[str]:
        if str(self.path) == "-":
            return iter(sys.stdin)
        try:
            self.handle = self.path.open(encoding="utf-8", errors="replace")
        except OSError as exc:
            msg = f"--input {self.path}: cannot read ({exc.strerror or exc})"
            raise InputError(msg) from None
        return iter(self.handle)

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()


class _Output:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.handle: IO[str] | None = None

    def __enter__(self) -> IO[str]:
        if self.path is None or str(self.path) == "-":
            return sys.stdout
        try:
            self.handle = self.path.open("w", encoding="utf-8")
        except OSError as exc:
            msg = f"--output {self.path}: cannot write ({exc.strerror or exc})"
            raise InputError(msg) from None
        return self.handle

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()


def _open_input(path: Path) -> _Input:
    return _Input(path)


def _open_output(path: Path | None) -> _Output:
    return _Output(path)


def _print_table(results: list[Qualification], out: IO[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(results)} lead(s)")
    for column in ("Id", "Score", "Grade", "Status", "Top reasons"):
        table.add_column(column, overflow="fold")
    for r in results:
        table.add_row(r.lead_id, str(r.score), r.grade, r.status, "\n".join(r.reasons[:4]))
    Console(file=out, width=140).print(table)


COMMANDS: list[click.Command] = [score]

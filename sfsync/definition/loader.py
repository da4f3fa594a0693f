"""
Read a definition file and turn every mistake in it into one plain problem line.

    definition = load_definition("mappings/default.yaml")   # raises MappingError
    compiled = load_compiled("mappings/default.yaml")       # load + compile_definition

Each problem names the file, the line, the path inside the file in dotted form and what was
expected, so an admin can fix all of them in one go:

    mappings/acme.yaml:142: engagement.signals.pricing_page_view.pionts: unknown key 'pionts'
    (did you mean 'points'?)

This is the only module of the definition package that reads files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pydantic
import yaml

from sfsync.definition.compile import CompiledDefinition, compile_definition
from sfsync.definition.model import Definition
from sfsync.definition.problems import describe_errors, describe_value, dotted, map_lines
from sfsync.errors import MappingError


def load_definition(path: Path | str) -> Definition:
    """
    Read, parse and validate the definition at *path*.

    Raises:
        MappingError: the file is missing, unreadable, not YAML, or not a valid definition;
            `.problems` lists every problem found, each with its line and dotted path.
    """
    text = _read(Path(path))
    return parse_definition(text, source=str(path))


def load_compiled(path: Path | str) -> CompiledDefinition:
    """
    Load the definition at *path* and compile it into plain functions, once.

    Raises:
        MappingError: as `load_definition`, and for problems found while compiling.
    """
    return compile_loaded(load_definition(path), source=path)


def compile_loaded(definition: Definition, *, source: Path | str) -> CompiledDefinition:
    """
    Compile a loaded *definition*, naming *source* in any problem found while compiling.

    Raises:
        MappingError: the definition validated but cannot be compiled (e.g. a bad regex).
    """
    try:
        return compile_definition(definition)
    except MappingError as exc:
        raise MappingError(source, exc.problems) from exc
    except (ValueError, TypeError, KeyError, re.error) as exc:
        raise MappingError(source, [f"{source}: cannot compile: {exc}"]) from exc


def parse_definition(text: str, *, source: str = "<definition>") -> Definition:
    """
    Validate the YAML *text* of a definition; *source* names it in problems.

    Raises:
        MappingError: as `load_definition`.
    """
    try:
        data = yaml.safe_load(text)
        lines = map_lines(text)
    except yaml.MarkedYAMLError as exc:
        raise MappingError(source, [_syntax_problem(source, exc)]) from exc
    except yaml.YAMLError as exc:
        raise MappingError(source, [f"{source}: not valid YAML: {exc}"]) from exc

    if data is None:
        raise MappingError(
            source,
            [
                f"{source}: the file is empty: expected a definition, a mapping with version, "
                "inputs, fit, bant, engagement, touches, status, grade, score and outputs "
                "(start from mappings/default.yaml)"
            ],
        )
    if not isinstance(data, dict):
        raise MappingError(
            source,
            [
                f"{source}:{lines.line_of(()) or 1}: the top level must be a mapping "
                f"(key: value lines such as `version: ...`), got {describe_value(data)}"
            ],
        )

    problems = [
        (
            dup.line,
            f"{source}:{dup.line}: {dotted(dup.path)}: duplicate key {dup.path[-1]!r} "
            f"(first at line {dup.first_line}; YAML would silently keep only the last one)",
        )
        for dup in lines.duplicates
    ]
    try:
        definition = Definition.model_validate(data)
    except pydantic.ValidationError as exc:
        problems.extend(describe_errors(exc, data, lines, source))
    if problems:
        # In file order, so they can be fixed top to bottom.
        # The cause (an unknown key) before its effect (a missing one) on the same line.
        ordered = [t for _, t in sorted(problems, key=lambda p: (p[0], "missing required" in p[1]))]
        raise MappingError(source, list(dict.fromkeys(ordered)))
    return definition


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise MappingError(
            path,
            [f"{path}: file not found: check the path (the default is mappings/default.yaml)"],
        ) from exc
    except IsADirectoryError as exc:
        raise MappingError(path, [f"{path}: is a directory: pass a definition .yaml file"]) from exc
    except PermissionError as exc:
        raise MappingError(
            path, [f"{path}: permission denied: make the file readable by this user"]
        ) from exc
    except UnicodeDecodeError as exc:
        raise MappingError(
            path, [f"{path}: not UTF-8 text (byte {exc.start}): save the file as UTF-8"]
        ) from exc
    except OSError as exc:
        raise MappingError(path, [f"{path}: cannot read the file: {exc.strerror}"]) from exc


def _syntax_problem(source: str, exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
    what = exc.problem or "not valid YAML"
    context = exc.context_mark
    if exc.context and context is not None and context is not mark:
        what += (
            f" ({exc.context} that starts at line {context.line + 1}, column {context.column + 1}"
        )
        closing = {"flow mapping": "}", "flow sequence": "]"}
        missing = next((c for kind, c in closing.items() if kind in exc.context), None)
        what += f": is a closing '{missing}' missing?)" if missing else ")"
    if "\\t" in what or "\t" in what:
        what += " (indent with spaces, not tabs)"
    return f"{where}: YAML syntax error: {what}"


# --- where things are in the file ----------------------------------------------------------


# --- pydantic errors in plain words --------------------------------------------------------


# --- the model's shape at a location -------------------------------------------------------

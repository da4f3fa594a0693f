"""
The proposal: the definition's own YAML text with new numbers, each changed number with a
one-line comment above it (old -> new, and why).

A careful text edit, not a YAML round trip: PyYAML (already a dependency) composes the text
into nodes that know the exact span of every scalar, and only those spans change; comment
lines are inserted above the lines they explain. Every other byte (comments, order, quoting,
flow or block style, blank lines) is kept, which a round-trip library such as ruamel.yaml
does not promise for every style (it re-wraps and re-indents what it re-emits). Comments
this module wrote before (`# tune: ...`) are dropped first, so tuning a proposal again does
not pile them up. Pure: text in, text out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import yaml

Path = tuple[str | int, ...]
MARK = "# tune: "
_OLD_COMMENT = re.compile(r"^[ \t]*# tune: .*(?:\r?\n|$)", re.MULTILINE)
_LAST_NUMBER = re.compile(r"(\d+)(?!.*\d)")
MAX_VERSION_LENGTH = 40


class ProposalError(ValueError):
    """A change names a path the YAML text does not have, or a version cannot be bumped."""


@dataclass(frozen=True, slots=True)
class Change:
    """Set the scalar at *path* to *new*, with a one-line *why* above it."""

    path: Path
    new: int | float | str
    why: str


def bump_version(version: str) -> str:
    """The next version: the last number in it plus one (`2026.11.1` -> `2026.11.2`)."""
    match = _LAST_NUMBER.search(version)
    bumped = (
        version[: match.start()] + str(int(match.group(1)) + 1) + version[match.end() :]
        if match
        else f"{version}.1"
    )
    if len(bumped) > MAX_VERSION_LENGTH:
        msg = f"version {version!r} cannot be bumped within {MAX_VERSION_LENGTH} characters"
        raise ProposalError(msg)
    return bumped


def strip_tune_comments(text: str) -> str:
    """
    The text without the `# tune: ...` comment lines an earlier proposal added; unchanged
    when such a line is not a comment (inside a block of text), which would change the data.
    """
    stripped = _OLD_COMMENT.sub("", text)
    if stripped != text and yaml.safe_load(stripped) != yaml.safe_load(text):
        return text
    return stripped


def _literal(value: int | float | str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else f"{value:.1f}"
    return json.dumps(value, ensure_ascii=False)  # a double-quoted YAML scalar


def _find(root: yaml.Node, path: Path) -> yaml.ScalarNode:
    node = root
    for part in path:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == part:
                    node = value
                    break
            else:
                raise ProposalError(f"no key {part!r} at {_dotted(path)}")
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                raise ProposalError(f"no item {part} at {_dotted(path)}")
            node = node.value[part]
        else:
            raise ProposalError(f"cannot follow {part!r} at {_dotted(path)}")
    if not isinstance(node, yaml.ScalarNode):
        raise ProposalError(f"{_dotted(path)} is not a single value")
    return node


def _dotted(path: Path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def apply_changes(text: str, changes: Sequence[Change], *, header: Sequence[str] = ()) -> str:
    """
    The YAML *text* with every change applied and explained, and *header* comment lines
    above the top-level `version` key.

    Raises:
        ProposalError: a change names a path the text does not have.
    """
    text = strip_tune_comments(text)
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is None:
        raise ProposalError("the definition text is empty")
    spans: list[tuple[int, int, str]] = []
    notes: dict[int, list[str]] = {}
    for change in changes:
        node = _find(root, change.path)
        spans.append((node.start_mark.index, node.end_mark.index, _literal(change.new)))
        notes.setdefault(node.start_mark.line, []).append(change.why)
    if header:
        version_line = _find(root, ("version",)).start_mark.line
        notes.setdefault(version_line, [])[:0] = list(header)
    for start, end, literal in sorted(spans, reverse=True):
        text = text[:start] + literal + text[end:]
    lines = text.splitlines(keepends=True)
    for line_no in sorted(notes, reverse=True):
        target = lines[line_no]
        indent = target[: len(target) - len(target.lstrip(" \t"))]
        newline = "\r\n" if target.endswith("\r\n") else "\n"
        lines[line_no:line_no] = [f"{indent}{MARK}{note}{newline}" for note in notes[line_no]]
    return "".join(lines)

"""
The proposal as a definition file (pure): YAML in the layout of mappings/default.yaml, with
the reason for every choice as a comment above it, a header saying what init read (and at
what cost), and the list of what is left to decide at the end. `yaml.safe_load` of the text
gives back exactly the proposal's data.
"""

from __future__ import annotations

import textwrap
from typing import Any

import yaml

from sfsync.onboarding.proposal import Proposal

_WIDTH = 96
_FLOW_KEYS = frozenset({"when", "met", "groups", "map", "fit_letters", "engagement_digits"})


def _scalar(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10**9, sort_keys=False)
    lines = [line for line in text.splitlines() if line.strip() != "..."]
    return "\n".join(lines).strip()


def _comment(lines: list[str], indent: str) -> list[str]:
    out: list[str] = []
    for line in lines:
        width = _WIDTH - len(indent) - 2  # a URL stays whole, on a line of its own if long
        wrapped = textwrap.wrap(line, width, break_on_hyphens=False, break_long_words=False)
        wrapped = wrapped or [""]
        out += [f"{indent}# {w}" for w in wrapped]
    return out


def _is_leafy(value: Any) -> bool:
    if isinstance(value, dict):
        return all(not isinstance(v, dict | list) or _is_leafy(v) for v in value.values()) and (
            len(_scalar(value)) < 70
        )
    if isinstance(value, list):
        return all(not isinstance(v, dict | list) for v in value)
    return True


def _emit(key: str, value: Any, path: str, indent: str, notes: dict[str, list[str]]) -> list[str]:
    out = _comment(notes.get(path.replace(".criteria.", "."), []), indent)
    if (
        key in _FLOW_KEYS
        or not isinstance(value, dict | list)
        or (isinstance(value, dict) and _is_leafy(value) and path.count(".") >= 2)
    ):
        return [*out, f"{indent}{key}: {_scalar(value)}"]
    if isinstance(value, dict | list) and not value:
        return [*out, f"{indent}{key}: {_scalar(value)}"]
    if isinstance(value, list) and _is_leafy(value):
        return [*out, f"{indent}{key}: {_scalar(value)}"]
    out.append(f"{indent}{key}:")
    inner = indent + "  "
    if isinstance(value, dict):
        for k, v in value.items():
            out += _emit(str(k), v, f"{path}.{k}", inner, notes)
        return out
    for i, item in enumerate(value):
        name = item.get("name") if isinstance(item, dict) else None
        item_path = f"{path}.{name if name else i}"
        out += _comment(notes.get(item_path.replace(".criteria.", "."), []), inner)
        if not isinstance(item, dict):
            out.append(f"{inner}- {_scalar(item)}")
            continue
        first = True
        for k, v in item.items():
            lines = _emit(str(k), v, f"{item_path}.{k}", inner + "  ", notes)
            if first:
                lines[0] = f"{inner}- {lines[0].lstrip()}"
                first = False
            out += lines
    return out


def render_definition(proposal: Proposal) -> str:
    """The definition file's text: commented YAML that loads back to `proposal.data`."""
    survey = proposal.survey
    notes = proposal.notes.by_path
    head = [
        f"Proposed by `sfsync init` for {survey.instance}: {survey.leads:,} leads, read with "
        f"{survey.api_calls} API calls (describes, COUNT and GROUP BY aggregates, a sample of "
        f"the {survey.sample_size:,} newest leads).",
        "Every choice below says why, with the counts it rests on. Review it with sales and "
        "marketing, then `sfsync definition lint` and `sfsync definition doc` for sign-off.",
        *notes.get("footprints", []),
        *survey.notes,
    ]
    lines = [*_comment(head, ""), ""]
    for key, value in proposal.data.items():
        if key == "description":
            lines += [
                "description: >-",
                *textwrap.wrap(value, _WIDTH - 2, initial_indent="  ", subsequent_indent="  "),
                "",
            ]
            continue
        if key == "bant":
            off = [
                line
                for k in ("budget", "need", "timeframe")
                for line in notes.get(f"bant.{k}.off", [])
            ]
            lines += _comment(off, "")
        lines += _emit(key, value, key, "", notes)
        lines.append("")
    if "bant" not in proposal.data:
        lines += _comment(
            [
                "bant: left out entirely (no field for budget, need or timeframe, "
                "and no title for authority)"
            ],
            "",
        )
    if proposal.notes.unmapped:
        lines += _comment(["Not mapped: decide these."], "")
        for what, decide in proposal.notes.unmapped:
            lines += _comment([f"- {what}: {decide}"], "")
    text = "\n".join(lines).rstrip() + "\n"
    if yaml.safe_load(text) != proposal.data:  # pragma: no cover - a bug, never a user error
        msg = "the rendered definition does not load back to the proposal"
        raise AssertionError(msg)
    return text

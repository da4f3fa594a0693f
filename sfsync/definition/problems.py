"""
Where a definition's mistakes are, and what to say about each: the line of every key in
the YAML file (`map_lines`), paths in dotted form (`dotted`), and every pydantic error
turned into one plain problem line that says what was expected (`describe_errors`).
"""

from __future__ import annotations

import datetime
import difflib
import re
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import annotated_types
import pydantic
import yaml

from sfsync.definition.model import Definition
from sfsync.definition.terms import API_NAME, FIELD_PATH, NAME

DataPath = tuple[str | int, ...]


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


_MAX_CHOICES = 20


_FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


_TYPE_TAGS = frozenset({"str", "bool", "int", "float", "list", "dict", "tuple", "none"})


_PATTERNS_IN_WORDS = {
    NAME: "a snake_case name (lowercase letters, digits and _, a letter first)",
    API_NAME: "a Salesforce API name (letters, digits and _, a letter first)",
    FIELD_PATH: "a field API name, parent fields as Campaign.Type",
}


@dataclass(frozen=True)
class DuplicateKey:
    """A key that appears twice in one mapping."""

    path: DataPath
    line: int
    first_line: int


@dataclass
class LineMap:
    """The 1-based line of every key and list item in one YAML document."""

    lines: dict[DataPath, int] = field(default_factory=dict)
    duplicates: list[DuplicateKey] = field(default_factory=list)

    def line_of(self, path: DataPath) -> int | None:
        """Return the line of *path*, or of its nearest ancestor present in the file."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


def map_lines(text: str) -> LineMap:
    """
    Compose *text* and record the line where each key and list item starts.

    Keys are recorded at the key's own line, so "unknown key" problems point at the key.
    """
    result = LineMap()
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        result.lines[()] = root.start_mark.line + 1
        _walk_nodes(root, (), result)
    return result


def _walk_nodes(node: yaml.Node, path: DataPath, result: LineMap) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            child = (*path, key)
            line = key_node.start_mark.line + 1
            if key in seen:
                result.duplicates.append(DuplicateKey(child, line, seen[key]))
            else:
                seen[key] = line
                result.lines[child] = line
            _walk_nodes(value_node, child, result)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            result.lines[child] = item.start_mark.line + 1
            _walk_nodes(item, child, result)


def dotted(path: Iterable[str | int]) -> str:
    """
    Render a path the way people read it: `fit.account.criteria[1].bands[0].when`.

    Keys that are not plain identifiers are quoted: `status.standard_status.map["Sales Ready"]`.
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f'["{part}"]'
    return out or "(top level)"


_EXPECTED_BY_TYPE = {
    "str": "text",
    "bool": "true/false",
    "int": "a number",
    "float": "a number",
}


def describe_errors(
    exc: pydantic.ValidationError, data: Any, lines: LineMap, source: str
) -> list[tuple[int, str]]:
    """
    Turn every pydantic error into `file:line: dotted.path: what was expected`.

    Returns:
        (line, problem) pairs; the line is 0 when the file has no line for the path.
    """
    explained: dict[DataPath, list[str]] = {}
    union_types: dict[DataPath, list[str]] = {}
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        path = data_path(loc, data)
        if loc and loc[-1] in _EXPECTED_BY_TYPE and error["type"].endswith(("_type", "_parsing")):
            # One member of a union (text | true/false | number) refused the value: say it once.
            union_types.setdefault(path, []).append(_EXPECTED_BY_TYPE[loc[-1]])
            explained.setdefault(path, [])
            continue
        explained.setdefault(path, []).append(_explain(error, loc, path))
    problems: list[tuple[int, str]] = []
    for path, messages in explained.items():
        if path in union_types:
            kinds = list(dict.fromkeys(union_types[path]))
            got = describe_value(_value_at(data, path))
            either = ", ".join(kinds[:-1]) + " or " + kinds[-1] if len(kinds) > 1 else kinds[0]
            messages = [f"expected {either}, got {got}", *messages]  # noqa: PLW2901
        line = lines.line_of(path)
        where = f"{source}:{line}" if line else source
        problems.extend((line or 0, f"{where}: {dotted(path)}: {message}") for message in messages)
    return problems


def data_path(loc: tuple[Any, ...], data: Any) -> DataPath:
    """
    Follow pydantic's *loc* through *data*, dropping the tags pydantic inserts for unions and
    dict keys (`str`, `[key]`, `function-after[...]`) that are not keys in the file.
    """
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and (key := _matching_key(node, part)) is not None:
            path.append(key if isinstance(key, str) else str(key))  # ints are list indices
            node = node[key]
        elif isinstance(part, int):
            path.append(part)
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
        elif not _is_tag(part):
            path.append(part)  # a key that is not in the file: a missing one
            node = None
    return tuple(path)


def _value_at(data: Any, path: DataPath) -> Any:
    node = data
    for part in path:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_dict or in_list):
            return None
        node = node[part]
    return node


def _matching_key(node: Mapping[Any, Any], part: Any) -> Any:
    if part in node:
        return part
    for key in node:
        if str(key) == str(part):
            return key
    return None


def _is_tag(part: str) -> bool:
    """Is *part* a tag pydantic adds to a location (not a key someone could write)?"""
    return part in _TYPE_TAGS or not _FIELD_NAME.match(part)


def _explain(error: Mapping[str, Any], loc: tuple[Any, ...], path: DataPath) -> str:  # noqa: PLR0911 - one flat table of error kinds
    kind: str = error["type"]
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    got = describe_value(error.get("input"))
    info = _field_at(loc)
    if loc and loc[-1] == "[key]":
        return f"the key {got} is not valid: {_explain({**error, 'loc': loc[:-1]}, loc[:-1], path)}"
    if kind == "invalid_key":
        return f"the key {got} must be text: put it in quotes"
    if kind == "missing":
        return _missing(loc, path)
    if kind == "extra_forbidden":
        return _unknown_key(str(path[-1]) if path else str(loc[-1]), loc)
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return f"expected a whole number{_bounds_in_words(info)}, got {got}"
    if kind in {"float_parsing", "float_type", "decimal_parsing", "decimal_type", "finite_number"}:
        return f"expected a number{_bounds_in_words(info)}, got {got}"
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        what = "whole number" if info is not None and _unwrap(info.annotation) is int else "number"
        bounds = _bounds_in_words(info) or " " + _OPERATOR_WORDS[kind] + f" {_fmt(*ctx.values())}"
        return f"expected a {what}{bounds}, got {got}"
    if kind in {"bool_parsing", "bool_type"}:
        return f"expected true or false, got {got}"
    if kind in {"string_type", "string_unicode"}:
        value = error.get("input")
        # YAML reads 1.0, yes and 2026-11-01 as a number, a boolean and a date.
        if isinstance(value, bool):
            return f"expected text, got {got} (put the word in quotes)"
        if isinstance(value, int | float | datetime.date):
            return f"expected text, got {got} (put it in quotes: '{value}')"
        return f"expected text, got {got}"
    if kind == "string_too_long":
        return f"expected at most {ctx.get('max_length')} characters, got {got}"
    if kind == "string_too_short":
        return "expected some text, got an empty value"
    if kind == "too_short":
        return f"expected at least {ctx.get('min_length')} item(s), got {got}"
    if kind == "too_long":
        return f"expected at most {ctx.get('max_length')} item(s), got {got}"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern"))
        return f"expected {_PATTERNS_IN_WORDS.get(pattern, f'text matching {pattern}')}, got {got}"
    if kind in {"list_type", "tuple_type", "set_type", "frozen_set_type"}:
        return f"expected a list, got {got}"
    if kind in {"dict_type", "model_type", "model_attributes_type", "dataclass_type"}:
        return f"expected a mapping (key: value lines), got {got}"
    if kind in {"literal_error", "enum"}:
        return f"expected one of {ctx.get('expected')}, got {got}"
    if kind in {"value_error", "assertion_error"}:
        return str(ctx.get("error", error.get("msg", "")))
    if kind == "definition":
        return str(error.get("msg", ""))
    return f"{error.get('msg', 'invalid value')}, got {got}"


_OPERATOR_WORDS = {
    "greater_than": ">",
    "greater_than_equal": ">=",
    "less_than": "<",
    "less_than_equal": "<=",
}


def _missing(loc: tuple[Any, ...], path: DataPath) -> str:
    if not path:
        return "missing required value"
    if isinstance(path[-1], int):
        parent = _field_at(loc[:-1])
        hint = f" ({parent.description})" if parent is not None and parent.description else ""
        return f"too few items: item [{path[-1]}] is missing{hint}"
    info = _field_at(loc)
    hint = f": {info.description}" if info is not None and info.description else ""
    return f"missing required key {path[-1]!r}{hint}"


def _unknown_key(key: str, loc: tuple[Any, ...]) -> str:
    allowed = _keys_of(_parent_model(loc))
    if not allowed:
        return f"unknown key {key!r}"
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown key {key!r} (did you mean {close[0]!r}?)"
    shown = allowed[:_MAX_CHOICES]
    more = ", …" if len(allowed) > _MAX_CHOICES else ""
    return f"unknown key {key!r} (expected one of: {', '.join(shown)}{more})"


def describe_value(value: Any) -> str:  # noqa: PLR0911 - one return per kind of value
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if len(value) > 40:
            return f"{value[:37] + '...'!r} ({len(value)} characters)"
        return repr(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} item(s)"
    if isinstance(value, dict):
        keys = ", ".join(str(k) for k in list(value)[:4])
        return f"a mapping ({keys})" if keys else "an empty mapping"
    return type(value).__name__


def _fmt(value: Any = "?") -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _bounds_in_words(info: pydantic.fields.FieldInfo | None) -> str:
    if info is None:
        return ""
    low = high = None
    words: list[str] = []
    for meta in info.metadata:
        if isinstance(meta, annotated_types.Ge):
            low = meta.ge
            words.append(f">= {_fmt(meta.ge)}")
        elif isinstance(meta, annotated_types.Gt):
            words.append(f"> {_fmt(meta.gt)}")
        elif isinstance(meta, annotated_types.Le):
            high = meta.le
            words.append(f"<= {_fmt(meta.le)}")
        elif isinstance(meta, annotated_types.Lt):
            words.append(f"< {_fmt(meta.lt)}")
    if low is not None and high is not None and len(words) == 2:
        return f" from {_fmt(low)} to {_fmt(high)}"
    return " " + " and ".join(words) if words else ""


def _keys_of(model: type[pydantic.BaseModel] | None) -> list[str]:
    if model is None:
        return []
    keys: list[str] = []
    for name, info in model.model_fields.items():
        alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        keys.append(alias or name)
    return keys


def _parent_model(loc: tuple[Any, ...]) -> type[pydantic.BaseModel] | None:
    return _model_along(loc[:-1])


def _field_at(loc: tuple[Any, ...]) -> pydantic.fields.FieldInfo | None:
    model = _model_along(loc[:-1])
    if model is None or not loc:
        return None
    return _field_named(model, str(loc[-1]))


def _field_named(model: type[pydantic.BaseModel], key: str) -> pydantic.fields.FieldInfo | None:
    for name, info in model.model_fields.items():
        if key in {name, info.alias, info.validation_alias}:
            return info
    return None


def _model_along(loc: tuple[Any, ...]) -> type[pydantic.BaseModel] | None:
    """Follow *loc* through the model's annotations; return the model found at its end."""
    current: Any = Definition
    for part in loc:
        current = _step(current, part)
        if current is None:
            return None
    candidates = _models_in(current)
    return candidates[0] if len(candidates) == 1 else None


def _step(annotation: Any, part: Any) -> Any:
    for candidate in _members(annotation):
        if isinstance(candidate, type) and issubclass(candidate, pydantic.BaseModel):
            if isinstance(part, str) and candidate.__name__ == part:
                return candidate
            info = _field_named(candidate, str(part))
            if info is not None:
                return info.annotation
        origin = typing.get_origin(candidate)
        args = typing.get_args(candidate)
        if origin in (list, tuple, set, frozenset) and args and isinstance(part, int):
            return args[0]
        if origin is dict and len(args) == 2:
            return args[1]
    if isinstance(part, str) and _is_tag(part):
        return annotation  # a tag pydantic added (a union member, a dict key): stay here
    return None


def _members(annotation: Any) -> list[Any]:
    annotation = _strip_annotated(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return [m for arg in typing.get_args(annotation) for m in _members(arg)]
    return [annotation]


def _models_in(annotation: Any) -> list[type[pydantic.BaseModel]]:
    return [
        m for m in _members(annotation) if isinstance(m, type) and issubclass(m, pydantic.BaseModel)
    ]


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _unwrap(annotation: Any) -> Any:
    members = [m for m in _members(annotation) if m is not type(None)]
    return members[0] if len(members) == 1 else annotation

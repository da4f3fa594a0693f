"""
The definition's cross-checks: the rules that need the whole file (DESIGN §3), each
problem reported with its path inside the file, all of them at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sfsync.definition.terms import STATUSES

if TYPE_CHECKING:
    from sfsync.definition.condition_model import Condition
    from sfsync.definition.model import Definition, FitGroup


def definition_problems(  # noqa: PLR0912 - one flat list of checks
    self: Definition,
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """
    Every rule that needs the whole file, as `(path, problem)`: inputs that are declared,
    signals that exist, lead fields that agree, outputs that are not inputs, ...
    """
    declared = sorted(self.inputs)

    def check_input(
        loc: tuple[str | int, ...], name: str
    ) -> Iterator[tuple[tuple[str | int, ...], str]]:
        if name not in self.inputs:
            yield loc, f"{name!r} is not a declared input (declared: {', '.join(declared)})"

    names: dict[str, tuple[str | int, ...]] = {}
    fit_items: list[tuple[tuple[str | int, ...], str, str]] = []
    for group in ("account", "person"):
        fit_group: FitGroup = getattr(self.fit, group)
        for i, crit in enumerate(fit_group.criteria):
            loc: tuple[str | int, ...] = ("fit", group, "criteria", i)
            fit_items.append((loc, crit.name, crit.input))
            for j, band in enumerate(crit.bands):
                yield from _lead_condition_problems((*loc, "bands", j, "when"), band.when)
    for i, adj in enumerate(self.fit.adjustments):
        loc = ("fit", "adjustments", i)
        fit_items.append((loc, adj.name, adj.input))
        yield from _lead_condition_problems((*loc, "when"), adj.when)
    for i, dq in enumerate(self.fit.disqualifiers):
        loc = ("fit", "disqualifiers", i)
        fit_items.append((loc, dq.name, dq.input))
        yield from _lead_condition_problems((*loc, "when"), dq.when)
    for loc, name, input_name in fit_items:
        yield from check_input((*loc, "input"), input_name)
        if name in names:
            yield (*loc, "name"), f"name {name!r} is already used at {_dotted(names[name])}"
        names[name] = loc
    for crit_name, bant in self.bant.judged():
        yield from check_input(("bant", crit_name, "input"), bant.input)
        yield from _lead_condition_problems(("bant", crit_name, "met"), bant.met)

    signals = list(self.engagement.signals)
    for i, source in enumerate(self.engagement.sources):
        loc = ("engagement", "sources", i)
        if source.signal not in self.engagement.signals:
            yield (
                (*loc, "signal"),
                (f"{source.signal!r} is not a signal (signals: {', '.join(signals)})"),
            )
        if source.when is not None:
            yield from _record_condition_problems((*loc, "when"), source.when)
    for i, touch in enumerate(self.touches.sources):
        if touch.when is not None:
            yield from _record_condition_problems(("touches", "sources", i, "when"), touch.when)
    yield from _lead_field_problems(self)

    for group_name, members in self.status.insufficient_data.groups.items():
        if not members:
            yield (
                ("status", "insufficient_data", "groups", group_name),
                "a group needs at least one input",
            )
        for member in members:
            yield from check_input(("status", "insufficient_data", "groups", group_name), member)
    n_groups = len(self.status.insufficient_data.groups)
    if self.status.insufficient_data.min_known > n_groups:
        yield (
            ("status", "insufficient_data", "min_known"),
            (
                f"min_known {self.status.insufficient_data.min_known} is more than the "
                f"{n_groups} groups: every lead would be Insufficient Data"
            ),
        )
    std = self.status.standard_status
    for status, value in std.map.items():
        if status not in STATUSES:
            yield (
                ("status", "standard_status", "map", status),
                (f"{status!r} is not a computed status ({', '.join(STATUSES)})"),
            )
        if value not in std.order:
            yield (
                ("status", "standard_status", "map", status),
                (f"{value!r} is not in standard_status.order"),
            )
    if len(set(std.order)) != len(std.order):
        yield ("status", "standard_status", "order"), "values must be unique"
    if std.enabled and not std.map:
        yield ("status", "standard_status", "map"), "enabled but the map is empty"

    seen: dict[str, str] = {}
    for key, api_name in self.outputs.items():
        other = seen.get(api_name.lower())
        if other is not None:
            yield ("outputs", key), f"{api_name} is already the output for {other}"
        seen[api_name.lower()] = key
    for name, spec in self.inputs.items():
        if spec.field.lower() in seen:
            yield (
                ("inputs", name, "field"),
                (
                    f"{spec.field} is an output field ({seen[spec.field.lower()]}); "
                    "an input cannot be one of sfsync's own outputs"
                ),
            )


def _dotted(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _lead_condition_problems(
    loc: tuple[str | int, ...], cond: Condition
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if cond.field is not None:
        yield (
            (*loc, "field"),
            (
                "a condition on a lead input tests the input itself: remove `field` "
                "(only activity conditions name a field)"
            ),
        )
    for i, child in enumerate(cond.children()):
        key: str = "not" if cond.not_ is not None else ("all" if cond.all is not None else "any")
        child_loc: tuple[str | int, ...] = (*loc, key) if key == "not" else (*loc, key, i)
        yield from _lead_condition_problems(child_loc, child)


def _record_condition_problems(
    loc: tuple[str | int, ...], cond: Condition
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if cond.operator is not None and cond.field is None:
        yield loc, f"an activity condition must name the `field` its `{cond.operator}` tests"
    for i, child in enumerate(cond.children()):
        key: str = "not" if cond.not_ is not None else ("all" if cond.all is not None else "any")
        child_loc: tuple[str | int, ...] = (*loc, key) if key == "not" else (*loc, key, i)
        yield from _record_condition_problems(child_loc, child)


def _lead_field_problems(definition: Definition) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Each activity object must point at the Lead through one field, in every source."""
    first: dict[str, tuple[str, tuple[str | int, ...]]] = {}
    sources: list[tuple[tuple[str | int, ...], str, str]] = []
    for i, source in enumerate(definition.engagement.sources):
        sources.append((("engagement", "sources", i), source.object, source.lead_field))
    for i, touch in enumerate(definition.touches.sources):
        sources.append((("touches", "sources", i), touch.object, touch.lead_field))
    for loc, obj, lead_field in sources:
        if obj == "Lead" and loc[0] == "touches":
            yield (*loc, "object"), "Lead is not an activity object: a touch is a Task or Event"
            continue
        if obj == "Lead" and lead_field != "Id":
            yield (
                (*loc, "lead_field"),
                "a signal on the Lead itself points at it through its own Id: use lead_field: Id",
            )
            continue
        if obj in first and first[obj][0] != lead_field:
            yield (
                (*loc, "lead_field"),
                (
                    f"{obj} already points at the Lead through {first[obj][0]} "
                    f"(at {_dotted(first[obj][1])}); use one lead_field per object"
                ),
            )
        first.setdefault(obj, (lead_field, loc))

"""
Fit and BANT (pure): each input read once as its conditions expect it, then the fit
criteria, caps, adjustments and disqualifiers, and the BANT criteria, with their reasons.

Each function has a fast path for `qualify` (no explanation items) and fills the items
when `explain` asks for them; see engine.py for the rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sfsync.definition.compile import CompiledDefinition, signed
from sfsync.definition.conditions import clean, to_number, to_text
from sfsync.scoring.result import BantItem, FitItem
from sfsync.values.datetimes import to_datetime


def any_known(values: Mapping[str, Any], members: tuple[str, ...]) -> bool:
    for member in members:  # noqa: SIM110 - a plain loop beats any() over a generator here
        if values[member] is not None:
            return True
    return False


def read_inputs(
    lead: Mapping[str, Any], c: CompiledDefinition
) -> tuple[dict[str, Any], dict[str, str]]:
    """Each input's value as its conditions expect it (None when unknown), and why unreadable."""
    values: dict[str, Any] = {}
    unreadable: dict[str, str] = {}
    get = lead.get
    for name, field, kind in c.input_plan:
        raw = get(field)
        # clean(), with its most common case inline
        value = (raw.strip() or None) if type(raw) is str else clean(raw)
        if value is not None:
            if kind == "number":
                if type(value) is float:
                    number: float | None = value
                elif type(value) is int:
                    number = float(value)  # what to_number does with an int
                else:
                    number = to_number(value)
                if number is None:
                    unreadable[name] = "not a number"
                value = number
            elif kind == "date":
                at = to_datetime(value)
                if at is None:
                    unreadable[name] = "not a date"
                value = at
            elif not isinstance(value, str):
                value = to_text(value)
        values[name] = value
    return values, unreadable


def score_fit(
    values: Mapping[str, Any],
    unreadable: Mapping[str, str],
    c: CompiledDefinition,
    now: datetime,
    ranked: list[tuple[int, int, str]],
    items: list[FitItem] | None,
) -> tuple[int, list[str]]:
    """
    Fit and the disqualifiers that matched; adds (-abs(points), order, text) reasons to
    *ranked* and, when given, FitItems to *items*.
    """
    sums = {"account": 0, "person": 0}
    for order, (name, group, bands, label) in enumerate(c.criteria_plan):
        value = values[name]
        if value is None:
            why = "unknown" + (f" ({unreadable[name]})" if name in unreadable else "")
            ranked.append((0, order, f"0 {label}: {why}"))
            if items is not None:  # explain's items; `qualify` passes None (the hot path)
                crit = c.criteria[order]
                items.append(FitItem(group, crit.name, label, name, None, 0, "unknown", why))
            continue
        for band, (test, points, reason) in enumerate(bands):
            if test(value, now):
                sums[group] += points
                ranked.append((-abs(points), order, reason))
                if items is not None:
                    crit = c.criteria[order]
                    says = crit.bands[band].says
                    items.append(
                        FitItem(group, crit.name, label, name, value, points, "matched", says)
                    )
                break
        else:
            shown = shown_value(value)
            ranked.append((0, order, f"0 {label}: {shown} (no points)"))
            if items is not None:
                crit = c.criteria[order]
                why = f"no band for {shown}"
                items.append(FitItem(group, crit.name, label, name, value, 0, "no match", why))
    total = 0
    for order, (group, cap) in enumerate((("account", c.account_max), ("person", c.person_max))):
        if sums[group] > cap:
            ranked.append(
                (
                    -abs(cap - sums[group]),
                    50 + order,
                    f"{signed(cap - sums[group])} {group.title()} fit capped at {cap}",
                )
            )
        total += min(sums[group], cap)
    for order, rule in enumerate(c.adjustments):
        value = values[rule.input]
        matched = value is not None and rule.test(value, now)
        if items is not None:
            items.append(
                FitItem(
                    "adjustment",
                    rule.name,
                    rule.label,
                    rule.input,
                    value,
                    rule.points if matched else 0,
                    "matched" if matched else ("unknown" if value is None else "no match"),
                    rule.says,
                )
            )
        if matched:
            total += rule.points
            ranked.append((-abs(rule.points), 60 + order, rule.reason))
    fit = min(100, max(0, total))
    if fit != total:
        ranked.append((-abs(fit - total), 90, f"{signed(fit - total)} Fit kept within 0..100"))
    disqualified: list[str] = []
    for rule in c.disqualifiers:
        value = values[rule.input]
        matched = value is not None and rule.test(value, now)
        if items is not None:
            items.append(
                FitItem(
                    "disqualifier",
                    rule.name,
                    rule.label,
                    rule.input,
                    value,
                    0,
                    "matched" if matched else ("unknown" if value is None else "no match"),
                    rule.says,
                )
            )
        if matched:
            disqualified.append(rule.says)
    return fit, disqualified


def score_bant(
    values: Mapping[str, Any], c: CompiledDefinition, now: datetime, items: list[BantItem] | None
) -> tuple[int | None, str]:
    """
    BANT criteria met and the BANT reason line (`BANT 2/3 (...)` when a criterion is left
    out); BantItems added to *items*. None and no line when no criterion is judged.
    """
    if not c.bant:
        return None, ""
    met = 0
    missing: list[str] = []
    for crit in c.bant:
        value = values[crit.input]
        if value is None or (crit.unknown_values and to_text(value) in crit.unknown_values):
            outcome = "unknown"
            missing.append(f"{crit.name} unknown")
        elif crit.test(value, now):
            outcome = "met"
            met += 1
        else:
            outcome = "not met"
            missing.append(f"{crit.name} not met")
        if items is not None:
            items.append(BantItem(crit.name, crit.input, value, outcome, crit.says))
    line = f"BANT {met}/{len(c.bant)}" + (f" ({', '.join(missing)})" if missing else "")
    return met, line


def shown_value(value: Any) -> str:
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else f"{value:.2f}"
    else:
        text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"

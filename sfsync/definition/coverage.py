"""
What a definition does not judge: the parts left out (a BANT criterion, a fit group, the
engagement signals), signals nothing feeds, inputs nothing reads, and thresholds no lead can
reach. `definition lint` prints them as warnings and `definition doc` as a section, so an
admin who fits the definition to an org with less data sees what that costs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sfsync.definition.model import Criterion, Definition, FitGroup
from sfsync.definition.terms import BANT_CRITERIA


@dataclass(frozen=True)
class Gap:
    """One thing the definition does not judge, and what that means."""

    where: str
    """The part of the file, dotted (`bant.need`, `fit.person`, `engagement.signals.ad_click`)."""
    means: str
    """What the definition then cannot judge, in words."""


def _group_max(group: FitGroup) -> int:
    best = sum(max(0, *(band.points for band in c.bands)) for c in group.criteria)
    return min(group.max, best)


def max_fit(d: Definition) -> int:
    """The highest fit any lead can get (all best bands and every positive adjustment)."""
    bonus = sum(max(0, a.points) for a in d.fit.adjustments)
    return min(100, _group_max(d.fit.account) + _group_max(d.fit.person) + bonus)


def _fed_signals(d: Definition) -> set[str]:
    return {s.signal for s in d.engagement.sources}


def max_engagement(d: Definition) -> float:
    """The highest engagement any lead can get (every fed signal at its cap)."""
    fed = _fed_signals(d)
    return min(100.0, sum(s.cap for name, s in d.engagement.signals.items() if name in fed))


# What each fit group is about (the sign-off page's words), and how a criterion shows it
# judges one: a stem in its name, label or input, or the standard Lead field it reads.
_ASPECTS: dict[str, tuple[tuple[str, tuple[str, ...], str | None], ...]] = {
    "account": (
        ("industry", ("industr",), "Industry"),
        ("company size", ("size", "employee"), "NumberOfEmployees"),
        ("revenue", ("revenue",), "AnnualRevenue"),
    ),
    "person": (
        ("seniority", ("senior", "level"), None),
        ("buying function", ("function", "department"), None),
    ),
}


def _judges(d: Definition, c: Criterion, stems: tuple[str, ...], standard: str | None) -> bool:
    text = f"{c.name} {c.label} {c.input}".lower()
    spec = d.inputs.get(c.input)
    return any(s in text for s in stems) or (spec is not None and spec.field == standard)


def _unjudged_aspects(d: Definition, name: str, group: FitGroup) -> list[Gap]:
    """A criterion left out of a group that is still on: say which aspect goes unjudged."""
    return [
        Gap(f"fit.{name}", f"no {name} fit criterion judges {words}")
        for words, stems, standard in _ASPECTS[name]
        if not any(_judges(d, c, stems, standard) for c in group.criteria)
    ]


def gaps(d: Definition) -> list[Gap]:
    """Everything *d* does not judge, in the order of the file."""
    out: list[Gap] = []
    for name, group in (("account", d.fit.account), ("person", d.fit.person)):
        if not group.criteria:
            what = "industry, size and revenue" if name == "account" else "seniority and function"
            out.append(Gap(f"fit.{name}", f"{name} fit is off: {what} are not judged"))
        else:
            out += _unjudged_aspects(d, name, group)
    top = max_fit(d)
    if top < d.status.sales_ready.min_fit:
        out.append(
            Gap(
                "status.sales_ready.min_fit",
                f"no lead can be Sales Ready: fit reaches at most {top}, below min_fit "
                f"{d.status.sales_ready.min_fit}",
            )
        )
    if not d.fit.disqualifiers:
        out.append(Gap("fit.disqualifiers", "no disqualifiers: no lead is ever Disqualified"))
    judged = [name for name, _ in d.bant.judged()]
    for name in BANT_CRITERIA:
        if getattr(d.bant, name) is None:
            counted = f"{len(judged)} criteri{'on' if len(judged) == 1 else 'a'}"
            rest = f"BANT counts {counted}" if judged else "BANT is not judged"
            which = f" ({', '.join(judged)})" if judged else ""
            out.append(Gap(f"bant.{name}", f"{name} is off: {rest}{which}"))
    signals = d.engagement.signals
    fed = _fed_signals(d)
    if not signals:
        out.append(Gap("engagement.signals", "no engagement signals: engagement is always 0"))
    for name, spec in signals.items():
        if name not in fed:
            out.append(
                Gap(f"engagement.signals.{name}", f"{spec.label!r} has no source: never earned")
            )
    hand_raise = any(s.hand_raise for n, s in signals.items() if n in fed)
    if not hand_raise:
        out.append(
            Gap(
                "engagement.signals",
                "no hand-raise signal with a source: only engagement of "
                f"{d.status.sales_ready.min_engagement}+ makes a lead Sales Ready",
            )
        )
        if max_engagement(d) < d.status.sales_ready.min_engagement:
            out.append(
                Gap(
                    "status.sales_ready.min_engagement",
                    f"no lead can be Sales Ready: engagement reaches at most "
                    f"{max_engagement(d):g}, below min_engagement "
                    f"{d.status.sales_ready.min_engagement}",
                )
            )
    if not d.touches.sources:
        out.append(
            Gap("touches.sources", "no touch sources: touches stay 0 and no lead is Recycled")
        )
    used = input_users(d)
    out.extend(
        Gap(f"inputs.{name}", f"input {name!r} ({spec.field}) is declared but nothing reads it")
        for name, spec in d.inputs.items()
        if name not in used
    )
    return out


def input_users(d: Definition) -> dict[str, list[str]]:
    """Input name -> what reads it, in words (fit criteria, BANT, the data check)."""
    users: dict[str, list[str]] = {}

    def add(name: str, what: str) -> None:
        if what not in users.setdefault(name, []):
            users[name].append(what)

    for group_name, group in (("account fit", d.fit.account), ("person fit", d.fit.person)):
        for c in group.criteria:
            add(c.input, f"{group_name} ({c.label})")
    for a in d.fit.adjustments:
        add(a.input, f"adjustment ({a.says})")
    for q in d.fit.disqualifiers:
        add(q.input, f"disqualifier ({q.says})")
    for name, crit in d.bant.judged():
        add(crit.input, f"BANT {name}")
    for group_name, members in d.status.insufficient_data.groups.items():
        for member in members:
            add(member, f"enough data? ({group_name})")
    return users


def not_judged_section(d: Definition) -> str:
    """The sign-off page's section on what is off (says so when nothing is)."""
    found = gaps(d)
    out = ["## What this definition does not judge", ""]
    if not found:
        out.append("Nothing is left out: every part of the definition is on.")
    else:
        out.append(
            "These parts are off or cannot change a result, so nobody signs off on something "
            "the definition does not do:"
        )
        out.append("")
        out += [f"- `{gap.where}`: {gap.means}." for gap in found]
    return "\n".join(out)

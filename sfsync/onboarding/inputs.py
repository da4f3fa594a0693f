"""
Proposing the Lead side of a definition (pure): which field feeds each input, by API name,
label, type and the values the org holds; then the fit criteria, adjustments, disqualifiers,
BANT criteria and the "enough data?" groups those inputs allow. Every choice carries the
reason (`Notes`), every role left open says what to decide (`Unmapped`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sfsync.onboarding.facts import NUMBER_TYPES, FieldFacts, OrgSurvey
from sfsync.onboarding.footprints import Footprint

# The default definition's target industries (DESIGN §3) and spellings orgs use for them.
TARGET_INDUSTRIES = {
    "software": "Software",
    "computer software": "Software",
    "technology": "Technology",
    "information technology": "Technology",
    "high tech": "Technology",
    "information technology and services": "Technology",
    "financial services": "Financial Services",
    "fintech": "Financial Services",
    "healthcare": "Healthcare",
    "health care": "Healthcare",
    "hospital & health care": "Healthcare",
    "manufacturing": "Manufacturing",
}
SENIORITY = [
    (
        r"\b(chief|ceo|cfo|cto|cio|cmo|coo|cro|owner|founder|co-founder|president)\b",
        30,
        "C-level/owner/founder (decision maker)",
    ),
    (r"\b(vp|svp|evp|vice president|head of)\b", 25, "VP/head (decision maker)"),
    (r"\bdirector\b", 20, "director (influencer)"),
    (r"\b(manager|lead|team lead)\b", 10, "manager/lead"),
]
FUNCTION = (
    r"\b(marketing|sales|revenue|growth|demand|operations|ops|it|information technology|"
    r"digital|crm|commercial)\b"
)
AUTHORITY = (
    r"\b(chief|ceo|cfo|cto|cio|cmo|coo|cro|owner|founder|co-founder|president|vp|svp|evp|"
    r"vice president|head of|director)\b"
)
NOT_A_BUYER = r"\b(student|intern|internship|retired|unemployed)\b"
FREE_MAIL = [
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "ymail.com",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "msn.com",
    "aol.com",
    "icloud.com",
    "me.com",
    "gmx.com",
    "gmx.de",
    "web.de",
    "mail.com",
    "protonmail.com",
    "proton.me",
    "yandex.com",
]
_POSITIVE = re.compile(
    r"^(yes|approved|allocated|planned|pending( approval)?|secured|available"
    r"|confirmed|in budget|true)$",
    re.IGNORECASE,
)
_UNKNOWN = re.compile(r"^(unknown|not sure|unsure|don'?t know|tbd|n/?a|other)$", re.IGNORECASE)
_SOON = re.compile(
    r"(immediate|asap|\bnow\b|this (month|quarter)|next (month|quarter))", re.IGNORECASE
)
_NEVER = re.compile(
    r"(no plan|never|not (looking|buying|planned)|next year|\+|>|over|more than)", re.IGNORECASE
)


@dataclass(frozen=True)
class Role:
    """An input the definition can use, and how to recognise its field."""

    name: str
    standard: str | None
    words: tuple[str, ...]
    numeric: bool = False


ROLES = (
    Role("industry", "Industry", ("industry", "sector", "vertical")),
    Role("employees", "NumberOfEmployees", ("employees", "headcount", "employee count"), True),
    Role("revenue", "AnnualRevenue", ("annual revenue", "revenue", "turnover"), True),
    Role("title", "Title", ("job title", "title", "position")),
    Role("email", "Email", ("email",)),
    Role("country", "Country", ("country",)),
    Role("budget", None, ("budget",)),
    Role(
        "timeframe",
        None,
        ("timeframe", "time frame", "timeline", "purchase time", "buying time", "horizon", "when"),
    ),
    Role(
        "pain_points",
        None,
        ("pain", "need", "challenge", "problem", "looking into", "why are you", "use case"),
    ),
)


@dataclass
class Notes:
    """Comments by dotted path in the file, and what was left open."""

    by_path: dict[str, list[str]] = field(default_factory=dict)
    unmapped: list[tuple[str, str]] = field(default_factory=list)
    """(what, what to decide)."""

    def add(self, path: str, *lines: str) -> None:
        """Comment lines for the key at *path*."""
        self.by_path.setdefault(path, []).extend(lines)

    def open(self, what: str, decide: str) -> None:
        """Something init could not map, and what the admin decides."""
        self.unmapped.append((what, decide))


def share(n: int, total: int) -> str:
    """`1,234 of 5,000 leads (25%)`."""
    pct = 100 * n / total if total else 0
    return f"{n:,} of {total:,} leads ({pct:.0f}%)"


def _matches(f: FieldFacts, role: Role, reserved: set[str]) -> bool:
    if f.name in reserved:
        return False
    if role.numeric != (f.type in NUMBER_TYPES):
        return False
    if role.name == "email":
        return f.type == "email"
    text = f"{f.label} {f.name.replace('_', ' ')}".lower()
    return any(re.search(rf"\b{re.escape(w)}\b", text) for w in role.words)


def pick_field(
    role: Role, survey: OrgSurvey, reserved: set[str]
) -> tuple[FieldFacts | None, list[FieldFacts]]:
    """The field for *role* (standard first, then the best-filled match) and the others."""
    fields = survey.lead_fields
    standard = fields.get(role.standard) if role.standard else None
    if standard is not None and standard.fill_share(survey.leads) >= 0.05:
        return standard, []
    found = [f for f in fields.values() if _matches(f, role, reserved) and f is not standard]
    # An inferred or package-derived field only when nothing the lead told us exists.
    found.sort(key=lambda f: ("inferred" in f.label.lower(), -f.fill_share(survey.leads)))
    usable = [f for f in found if f.fill_share(survey.leads) >= 0.01]
    if usable:
        return usable[0], usable[1:]
    if standard is not None and standard.fill_share(survey.leads) > 0:
        return standard, []
    return None, found


def classify_budget(values: Iterable[str]) -> tuple[list[str], list[str], list[str]]:
    """Budget answers as (met, unknown, not met) by their words."""
    met, unknown, other = [], [], []
    for value in values:
        text = str(value).strip()
        if _POSITIVE.match(text):
            met.append(text)
        elif _UNKNOWN.match(text):
            unknown.append(text)
        else:
            other.append(text)
    return met, unknown, other


def classify_timeframe(values: Iterable[str]) -> tuple[list[str], list[str], list[str]]:
    """Timeframe answers as (within 12 months, unknown, later or never) by their words."""
    met, unknown, other = [], [], []
    for value in values:
        text = str(value).strip()
        numbers = [int(n) for n in re.findall(r"\d+", text)]
        if _UNKNOWN.match(text):
            unknown.append(text)
        elif _SOON.search(text) or (numbers and max(numbers) <= 12 and not _NEVER.search(text)):
            met.append(text)
        else:
            other.append(text)
    return met, unknown, other


def values_of(f: FieldFacts) -> list[str]:
    """The field's values: its picklist, else what the sample held (most frequent first)."""
    if f.picklist:
        return list(f.picklist)
    return [str(v) for v, _ in f.sample.most_common(50)]


def ma_fields(footprints: list[Footprint]) -> set[str]:
    """Package fields never proposed as plain inputs (they are read as signals or grades)."""
    return {n for fp in footprints for n in (fp.score, fp.score_date, fp.grade) if n}


def propose_inputs(
    survey: OrgSurvey, footprints: list[Footprint], notes: Notes
) -> dict[str, dict[str, Any]]:
    """`inputs:` by role, each with a note saying which field and why."""
    inputs: dict[str, dict[str, Any]] = {}
    reserved = ma_fields(footprints)
    total = survey.leads
    for role in ROLES:
        chosen, others = pick_field(role, survey, reserved)
        if chosen is None:
            seen = ", ".join(f.name for f in others) or "none"
            notes.open(
                f"input {role.name}",
                f"no readable Lead field is named or labelled like {role.words[0]!r} "
                f"(candidates with almost no values: {seen}). Fields hidden from the "
                "integration user by field-level security are invisible to sfsync: grant "
                "read access, or leave this out (what it feeds is then not judged).",
            )
            continue
        reserved.add(chosen.name)
        spec: dict[str, Any] = {"field": chosen.name}
        if chosen.custom:
            spec["optional"] = True
        inputs[role.name] = spec
        how = "standard field" if chosen.name == role.standard else f"label {chosen.label!r}"
        filled = chosen.filled if chosen.filled is not None else sum(chosen.sample.values())
        notes.add(
            f"inputs.{role.name}",
            f"{chosen.name} ({chosen.type}, {how}): filled on {share(filled, total)}",
        )
        if others:
            notes.add(
                f"inputs.{role.name}",
                "also looked like it: " + ", ".join(o.name for o in others[:3]),
            )
    return inputs


def field_of(survey: OrgSurvey, inputs: dict[str, dict[str, Any]], name: str) -> FieldFacts:
    """The facts of the field feeding input *name*."""
    return survey.lead_fields[inputs[name]["field"]]

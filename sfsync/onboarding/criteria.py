"""
Proposing fit, BANT and the "enough data?" rule from the inputs the org has (pure): the
default definition's bands where their input exists, target industries the org's values
hold, BANT answers classified by their words, and a package's fit grade as an adjustment.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sfsync.onboarding.facts import OrgSurvey
from sfsync.onboarding.footprints import Footprint
from sfsync.onboarding.inputs import (
    AUTHORITY,
    FREE_MAIL,
    FUNCTION,
    NOT_A_BUYER,
    SENIORITY,
    TARGET_INDUSTRIES,
    Notes,
    classify_budget,
    classify_timeframe,
    field_of,
    share,
    values_of,
)

_EMPLOYEE_BANDS = [
    {"when": {"gte": 1000}, "points": 20, "says": "1000+ employees"},
    {"when": {"between": [200, 999]}, "points": 15, "says": "200-999 employees"},
    {"when": {"between": [50, 199]}, "points": 10, "says": "50-199 employees"},
]
_REVENUE_BANDS = [
    {"when": {"gte": 50000000}, "points": 10, "says": "revenue 50M+"},
    {"when": {"gte": 5000000}, "points": 5, "says": "revenue 5M+"},
]


def propose_fit(
    survey: OrgSurvey, inputs: dict[str, dict[str, Any]], footprints: list[Footprint], notes: Notes
) -> dict[str, Any]:
    """The `fit:` section for the inputs present."""
    account: list[dict[str, Any]] = []
    if "industry" in inputs:
        facts = field_of(survey, inputs, "industry")
        values = values_of(facts)
        targets = [v for v in values if v.strip().lower() in TARGET_INDUSTRIES]
        if targets:
            account.append(
                {
                    "name": "industry",
                    "label": "Industry",
                    "input": "industry",
                    "bands": [{"when": {"in": targets}, "points": 20, "says": "target industry"}],
                }
            )
            counts = Counter({v: facts.sample.get(v, 0) for v in targets})
            notes.add(
                "fit.account.industry",
                "target industries: the default definition's (software, technology, financial "
                "services, healthcare, manufacturing) as this org spells them; in the sample: "
                + ", ".join(f"{v} {n}" for v, n in counts.most_common()),
                "decide which industries you sell to; add or remove values here",
            )
        else:
            notes.open(
                "fit: target industries",
                f"{facts.name} holds none of the default target industries "
                f"(its values: {', '.join(values[:8])}…): list the ones you sell to as an "
                "industry criterion under fit.account",
            )
    if "employees" in inputs:
        account.append(
            {
                "name": "company_size",
                "label": "Employees",
                "input": "employees",
                "bands": _EMPLOYEE_BANDS,
            }
        )
        notes.add("fit.account.company_size", "the default definition's size bands")
    if "revenue" in inputs:
        account.append(
            {
                "name": "revenue",
                "label": "Annual revenue",
                "input": "revenue",
                "bands": _REVENUE_BANDS,
            }
        )
        notes.add("fit.account.revenue", "the default definition's revenue bands")
    person: list[dict[str, Any]] = []
    if "title" in inputs:
        bands = [{"when": {"matches": rx}, "points": p, "says": says} for rx, p, says in SENIORITY]
        bands.append({"when": {"known": True}, "points": 5, "says": "other known title"})
        person += [
            {"name": "seniority", "label": "Title", "input": "title", "bands": bands},
            {
                "name": "buying_function",
                "label": "Function",
                "input": "title",
                "bands": [{"when": {"matches": FUNCTION}, "points": 20, "says": "buying function"}],
            },
        ]
        notes.add(
            "fit.person.seniority",
            "seniority and buying function from the title, as in the default definition",
        )
    fit: dict[str, Any] = {}
    if account:
        fit["account"] = {"max": 50, "criteria": account}
    if person:
        fit["person"] = {"max": 50, "criteria": person}
    fit["adjustments"] = _adjustments(survey, inputs, footprints, notes)
    fit["disqualifiers"] = _disqualifiers(inputs)
    return fit


def _adjustments(
    survey: OrgSurvey, inputs: dict[str, dict[str, Any]], footprints: list[Footprint], notes: Notes
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if "email" in inputs:
        out.append(
            {
                "name": "free_mail",
                "label": "Email",
                "input": "email",
                "when": {"email_domain_in": FREE_MAIL},
                "points": -10,
                "says": "Free-mail address",
            }
        )
    for footprint in footprints:
        grade = survey.lead_fields.get(footprint.grade or "")
        if grade is None or grade.fill_share(survey.leads) < 0.05:
            continue
        inputs["ma_grade"] = {"field": grade.name, "optional": True}
        notes.add(
            "inputs.ma_grade",
            f"{grade.name}: {footprint.name}'s grade, how well the lead matches its profiles "
            f"({footprint.sources[0]}); filled on {share(grade.filled or 0, survey.leads)}",
        )
        name = footprint.short
        out += [
            {
                "name": "ma_grade_high",
                "label": f"{name} grade",
                "input": "ma_grade",
                "when": {"matches": r"^a"},
                "points": 10,
                "says": f"{name} grade A",
            },
            {
                "name": "ma_grade_low",
                "label": f"{name} grade",
                "input": "ma_grade",
                "when": {"matches": r"^(d|f)"},
                "points": -10,
                "says": f"{name} grade D or F",
            },
        ]
        notes.add(
            "fit.adjustments.ma_grade_high",
            f"{footprint.name} grades leads against its own profiles: an A adds, a D or F "
            "takes off points beside sfsync's own fit criteria; drop these two if you judge "
            "fit only by the criteria above",
        )
    return out


def _disqualifiers(inputs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if "title" in inputs:
        out.append(
            {
                "name": "not_a_buyer",
                "label": "Title",
                "input": "title",
                "when": {"matches": NOT_A_BUYER},
                "says": "Title is student/intern/retired/unemployed",
            }
        )
    for name, label, key, says in (
        ("excluded_industry", "Industry", "industry", "Excluded industry"),
        ("excluded_country", "Country", "country", "Excluded country"),
    ):
        if key in inputs:
            out.append(
                {"name": name, "label": label, "input": key, "when": {"in": []}, "says": says}
            )
    if "email" in inputs:
        out.append(
            {
                "name": "competitor",
                "label": "Email",
                "input": "email",
                "when": {"email_domain_in": []},
                "says": "Competitor email domain",
            }
        )
    return out


def _classified(
    survey: OrgSurvey,
    inputs: dict[str, dict[str, Any]],
    notes: Notes,
    name: str,
    classify: Any,
    says: str,
    words: tuple[str, str],
) -> dict[str, Any] | None:
    """A BANT criterion met by the answers *classify* calls positive; None when none is."""
    facts = field_of(survey, inputs, name)
    met, unknown, other = classify(values_of(facts))
    if not met:
        del inputs[name]
        notes.open(
            f"bant.{name}",
            f"{facts.name}'s values ({', '.join(other[:6])}) do not say {words[0]}: write the "
            f"{name} criterion by hand",
        )
        return None
    notes.add(
        f"bant.{name}",
        f"{words[1]}: {', '.join(met)}" + (f"; not met: {', '.join(other)}" if other else ""),
    )
    return {
        "input": name,
        "met": {"in": met},
        **({"unknown_values": unknown} if unknown else {}),
        "says": says,
    }


def propose_bant(
    survey: OrgSurvey, inputs: dict[str, dict[str, Any]], notes: Notes
) -> dict[str, Any]:
    """The `bant:` criteria the inputs allow; the others are left out (and said so)."""
    bant: dict[str, Any] = {}
    if "budget" in inputs:
        budget = _classified(
            survey, inputs, notes, "budget", classify_budget, "budget approved or planned",
            ("approved/planned", f"met when {inputs['budget']['field']} is"),
        )  # fmt: skip
        if budget:
            bant["budget"] = budget
    if "title" in inputs:
        bant["authority"] = {
            "input": "title",
            "met": {"matches": AUTHORITY},
            "says": "decision maker or influencer",
        }
        notes.add("bant.authority", "decision makers and influencers by title")
    if "pain_points" in inputs:
        facts = field_of(survey, inputs, "pain_points")
        bant["need"] = {
            "input": "pain_points",
            "met": {"known": True},
            "says": f"{facts.label.rstrip(' ?')} recorded",
        }
        notes.add("bant.need", f"need is met when {facts.name} has any value")
    if "timeframe" in inputs:
        timeframe = _classified(
            survey, inputs, notes, "timeframe", classify_timeframe, "buying within 12 months",
            ("a period within 12 months", "within 12 months"),
        )  # fmt: skip
        if timeframe:
            bant["timeframe"] = timeframe
    for name in ("budget", "need", "timeframe"):
        if name not in bant:
            notes.add(
                f"bant.{name}.off", f"{name}: left out (no field for it; BANT counts the others)"
            )
    return bant


def propose_known_groups(inputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """`status.insufficient_data` from the inputs present (two of three groups, as default)."""
    groups: dict[str, list[str]] = {}
    if "industry" in inputs:
        groups["industry"] = ["industry"]
    size: list[str] = [n for n in ("employees", "revenue") if n in inputs]
    if size:
        groups["company size or revenue"] = size
    if "title" in inputs:
        groups["title"] = ["title"]
    if not groups:
        groups["email"] = ["email"] if "email" in inputs else [next(iter(inputs))]
    return {"min_known": min(2, len(groups)), "groups": groups}

"""
The definition in words: conditions as phrases ("Title contains VP or Director"), and the
small helpers `definition doc` writes numbers, lists and Markdown tables with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sfsync.definition.condition_model import Condition

DASH, TIMES, MINUS = "\u2013", "\u00d7", "\u2212"  # typography: en dash, times, minus

_WORD_ALTERNATION = re.compile(r"^\\b\(?([\w &/.'-]+(?:\|[\w &/.'-]+)*)\)?\\b$")
_YES_NO = {"HasResponded": ("the lead responded", "the lead did not respond")}
_OBJECT_WORDS = {
    "Web_Activity__c": "web activity",
    "CampaignMember": "campaign response",
    "Task": "task",
    "Event": "event (meeting)",
    "Lead": "lead record itself",
}
_FIELD_WORDS = {
    "Url__c": "URL",
    "Campaign.Type": "campaign type",
    "HasResponded": "responded",
    "TaskSubtype": "task subtype",
    "CreatedDate": "created date",
    "ActivityDate": "activity date",
    "StartDateTime": "start time",
    "FirstRespondedDate": "first response date",
    "Visited_At__c": "visit time",
}


def condition(cond: Condition, subject: str) -> str:
    """Say what *cond* tests, with *subject* naming the value (a lead input's label)."""
    if cond.all is not None:
        return _combine(cond.all, subject, "and", "always")
    if cond.any is not None:
        return _combine(cond.any, subject, "or", "never")
    if cond.not_ is not None:
        return f"not ({condition(cond.not_, subject)})"
    if cond.field is not None:
        if cond.field in _YES_NO and isinstance(cond.equals, bool):
            return _YES_NO[cond.field][0 if cond.equals else 1]
        subject = f"the {field_name(cond.field)}"
    op = cond.operator or ""
    return _OPERATORS[op](subject, cond.operand)


def record_phrase(object_name: str, cond: Condition | None) -> str:
    noun = f"{_OBJECT_WORDS.get(object_name, field_name(object_name))} (`{object_name}`)"
    if cond is None:
        return f"any {noun}"
    return f"{_article(noun)} where {condition(cond, 'the value')}"


def _combine(children: Sequence[Condition], subject: str, word: str, empty: str) -> str:
    if not children:
        return empty
    parts = [
        f"({condition(c, subject)})" if c.all or c.any else condition(c, subject) for c in children
    ]
    # "one of A, B or C" already says "or": separate the parts more clearly then.
    glue = f"; {word} " if any(f" {word} " in p for p in parts) else f" {word} "
    return glue.join(parts)


def _op_equals(subject: str, value: Any) -> str:
    if value is True:
        return f"{subject} is yes"
    if value is False:
        return f"{subject} is no"
    return f"{subject} is {_value(value)}"


def _op_not_equals(subject: str, value: Any) -> str:
    return f"{subject} is known and is not {_value(value)}"


def _op_in(subject: str, value: Any) -> str:
    if not value:
        return f"{subject} is in an empty list (never matches)"
    if len(value) == 1:
        return f"{subject} is {_value(value[0])}"
    return f"{subject} is one of {join_or([_value(v) for v in value])}"


def _op_not_in(subject: str, value: Any) -> str:
    return f"{subject} is known and is none of {join_or([_value(v) for v in value])}"


def _op_contains(subject: str, value: Any) -> str:
    return f"{subject} contains {quote(value)}"


def _op_contains_any(subject: str, value: Any) -> str:
    return f"{subject} contains any of {join_or([quote(v) for v in value])}"


def _op_matches(subject: str, value: Any) -> str:
    words = _WORD_ALTERNATION.match(str(value))
    if words:
        found = [quote(w) for w in words[1].split("|")]
        if len(found) == 1:
            return f"{subject} contains the word {found[0]}"
        return f"{subject} contains one of the words {join_or(found)}"
    return f"{subject} matches the pattern `{value}` (ignoring case)"


def _op_starts_with(subject: str, value: Any) -> str:
    return f"{subject} starts with {quote(value)}"


def _op_gte(subject: str, value: Any) -> str:
    return f"{subject} is {number(value)} or more"


def _op_lte(subject: str, value: Any) -> str:
    return f"{subject} is {number(value)} or less"


def _op_between(subject: str, value: Any) -> str:
    return f"{subject} is {number(value[0])} to {number(value[1])}"


def _op_known(subject: str, value: Any) -> str:
    return f"{subject} is known (not blank)" if value else f"{subject} is blank or unknown"


def _op_email_domain_in(subject: str, value: Any) -> str:
    if not value:
        return f"{subject}'s domain is in an empty list (never matches)"
    return f"{subject}'s domain is one of {join_or([f'`{v}`' for v in value])} (or a subdomain)"


def _op_within_days(subject: str, value: Any) -> str:
    return f"{subject} is within the last {days(value)}"


def is_empty_list(cond: Condition) -> bool:
    return cond.operator in {"in", "email_domain_in", "contains_any"} and not cond.operand


def subject_of(label: str) -> str:
    return label if label[:1].isupper() else label.capitalize()


def field_name(api_name: str) -> str:
    if api_name in _FIELD_WORDS:
        return _FIELD_WORDS[api_name]
    words = re.sub(r"__c$", "", api_name).replace(".", " ")
    words = re.sub(r"__", " ", words).replace("_", " ")  # a namespace: `pi__score` -> `pi score`
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", words).lower()


def _article(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def points(points: float) -> str:
    sign = "+" if points > 0 else (MINUS if points < 0 else "")
    value = abs(points)
    return f"**{sign}{number(value)} point{'s' if value != 1 else ''}**"


def number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:g}"


def days(value: float) -> str:
    return f"{number(value)} day{'s' if value != 1 else ''}"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return number(value)
    return str(value)


def quote(value: Any) -> str:
    return f"“{value}”"


def join_or(items: Sequence[str]) -> str:
    return _join(items, "or")


def join_and(items: Sequence[str]) -> str:
    return _join(items, "and")


def join_then(items: Sequence[str]) -> str:
    return " → ".join(items)


def _join(items: Sequence[str], word: str) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_OPERATORS: dict[str, Callable[[str, Any], str]] = {
    "equals": _op_equals,
    "not_equals": _op_not_equals,
    "in": _op_in,
    "not_in": _op_not_in,
    "contains": _op_contains,
    "contains_any": _op_contains_any,
    "matches": _op_matches,
    "starts_with": _op_starts_with,
    "gte": _op_gte,
    "lte": _op_lte,
    "between": _op_between,
    "known": _op_known,
    "email_domain_in": _op_email_domain_in,
    "within_days": _op_within_days,
}


def write_policy_phrase(points: int) -> str:
    """The sign-off page's sentence on when a lead is written (the definition's write policy)."""
    if points == 0:
        return "**When a lead is written:** whenever any of its values changes."
    return (
        "**When a lead is written** (a quiet org): when anything a person acts on changes "
        "(status, grade, BANT, the follow-up flag, the touch counters and dates, the reasons, "
        f"the version), or when score, fit or engagement moved by {points} points or more from "
        "the value the org holds. Decay alone moves them a point or two a night; those "
        "small moves wait until they add up. A reason counts as changed when it appears, goes "
        "or says something new, not when decay only lowers its points."
    )

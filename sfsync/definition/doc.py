"""
The definition as a Markdown page that sales and marketing read and sign off.

    page = render_markdown(load_definition("mappings/default.yaml"))

Everything is said in words (no YAML, no operator names, no raw values), in the order a
reader asks: what feeds it, is this a fit, is there BANT, is the lead engaged now, are we
following up, what status does it get, and what reps see on the Lead. The page depends on the
definition only, so the same file always renders byte for byte the same page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sfsync.definition.fingerprint import content_fingerprint
from sfsync.definition.model import (
    BANT_CRITERIA,
    STATUSES,
    Condition,
    Definition,
    FitGroup,
)

# --- words for values, fields and objects ----------------------------------------------------

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
_OBJECT_WORDS = {
    "Web_Activity__c": "web activity",
    "CampaignMember": "campaign response",
    "Task": "task",
    "Event": "event (meeting)",
}
_OUTPUT_TITLES = {
    "score": "Score",
    "fit_score": "Fit score",
    "engagement_score": "Engagement score",
    "grade": "Grade",
    "bant": "BANT",
    "status": "Status",
    "reasons": "Reasons",
    "sales_ready_since": "Sales Ready since",
    "touches": "Touches",
    "touches_remaining": "Touches remaining",
    "last_touch": "Last touch",
    "first_touch_hours": "Hours to first touch",
    "needs_follow_up": "Needs follow-up",
    "definition_version": "Definition version",
}
DASH, TIMES, MINUS = "\u2013", "\u00d7", "\u2212"  # typography: en dash, times, minus

_YES_NO = {"HasResponded": ("the lead responded", "the lead did not respond")}
_STATUS_MEANING = {
    "Disqualified": "not a buyer for us; sales and marketing leave it alone",
    "Insufficient Data": "too little is known to judge; enrich the record first",
    "Recycled": "sales worked it and it went quiet; back to marketing for nurture",
    "Sales Ready": "hand it to sales now",
    "Nurture": "a legitimate lead that is not ready yet (the invisible pipeline): keep nurturing",
}
_WORD_ALTERNATION = re.compile(r"^\\b\(?([\w &/.'-]+(?:\|[\w &/.'-]+)*)\)?\\b$")


def render_markdown(definition: Definition) -> str:
    """Render *definition* as a Markdown sign-off page (deterministic)."""
    d = definition
    parts: list[str] = [
        f"# {d.name}",
        f"**Version `{d.version}`** · fingerprint `{content_fingerprint(d)}`",
    ]
    if d.description.strip():
        parts.append(" ".join(d.description.split()))
    parts += [
        _overview(d),
        _inputs(d),
        _fit(d),
        _bant(d),
        _engagement(d),
        _touches(d),
        _status(d),
        _grade_and_score(d),
        _outputs(d),
        _sign_off(d),
    ]
    return "\n\n".join(p.rstrip() for p in parts) + "\n"


# --- sections --------------------------------------------------------------------------------


def _overview(d: Definition) -> str:
    ready = d.status.sales_ready
    return "\n".join(
        [
            "## At a glance",
            "",
            "Every lead in Salesforce is scored against this page, automatically, every few "
            "minutes, and the result is written on the Lead for reps to see:",
            "",
            f"- **Fit** (0{DASH}100): is this the kind of account and person we sell to?",
            f"- **BANT** (0{DASH}4): budget, authority, need and timeframe we know of.",
            f"- **Engagement** (0{DASH}100): is the lead showing interest *now*? Recent activity "
            "counts most; old activity fades.",
            f"- **Sales Ready** when fit is at least {ready.min_fit} and engagement is at least "
            f"{ready.min_engagement}, or the lead raised a hand in the last "
            f"{_days(ready.hand_raise_within_days)}. Everything else that is legitimate is "
            "**nurtured**, not discarded.",
            f"- **Follow-up** is visible: sales touches are counted against a target of "
            f"{d.touches.target}.",
        ]
    )


def _inputs(d: Definition) -> str:
    users = _input_users(d)
    rows = [
        [
            f"`{name}`",
            f"`{spec.field}`",
            "optional (scored as unknown if the org lacks it)" if spec.optional else "required",
            ", ".join(users.get(name, [])) or "not used",
        ]
        for name, spec in d.inputs.items()
    ]
    return "\n".join(
        [
            "## Inputs: which Lead fields feed the definition",
            "",
            _table(["Input", "Lead field", "Needed", "Used by"], rows),
        ]
    )


def _fit(d: Definition) -> str:
    out = [
        "## Fit: is this the kind of account and person we sell to?",
        "",
        f"Fit is scored from 0 to 100: account fit (at most {d.fit.account.max} points) plus "
        f"person fit (at most {d.fit.person.max} points), plus the adjustments below, kept "
        f"within 0{DASH}100. For each criterion the first line that matches gives its points; an "
        "unknown (blank) value gives 0 points, and the reasons on the Lead say so.",
        "",
        _group("Account fit", d.fit.account),
        "",
        _group("Person fit", d.fit.person),
        "",
        "### Adjustments",
        "",
    ]
    if d.fit.adjustments:
        out += [
            f"- **{a.label}**: when {_condition(a.when, _subject(a.label))} → "
            f"{_points(a.points)} ({a.says})"
            for a in d.fit.adjustments
        ]
    else:
        out.append("None configured.")
    out += [
        "",
        "### Disqualifiers",
        "",
        "Any one of these makes the lead **Disqualified**, whatever its scores. A blank value "
        "never disqualifies.",
        "",
    ]
    if d.fit.disqualifiers:
        for dq in d.fit.disqualifiers:
            if _is_empty_list(dq.when):
                out.append(f"- **{dq.says}**: none configured (the list is empty).")
            else:
                out.append(f"- **{dq.says}**: when {_condition(dq.when, _subject(dq.label))}.")
    else:
        out.append("None configured.")
    return "\n".join(out)


def _group(title: str, group: FitGroup) -> str:
    out = [f"### {title} (at most {group.max} points)", ""]
    if not group.criteria:
        out.append("None configured.")
    for criterion in group.criteria:
        out.append(f"**{criterion.label}** (from input `{criterion.input}`):")
        out.append("")
        subject = _subject(criterion.label)
        for band in criterion.bands:
            out.append(
                f"- {_capital(_condition(band.when, subject))} → {_points(band.points)} "
                f"({band.says})"
            )
        out.append("- Anything else, or unknown → 0 points")
        out.append("")
    return "\n".join(out).rstrip()


def _bant(d: Definition) -> str:
    rows = []
    for name in BANT_CRITERIA:
        crit = getattr(d.bant, name)
        subject = _subject(crit.input.replace("_", " "))
        unknown = (
            f"; {_join_or([_quote(v) for v in crit.unknown_values])} counts as unknown"
            if crit.unknown_values
            else ""
        )
        rows.append(
            [
                f"**{name.capitalize()}**",
                _capital(_condition(crit.met, subject)) + unknown,
                crit.says,
            ]
        )
    return "\n".join(
        [
            "## BANT: budget, authority, need, timeframe",
            "",
            f"BANT on the Lead is the number of these four that are met (0{DASH}4); the reasons "
            "name the ones that are unknown, so reps know what to ask.",
            "",
            _table(["Criterion", "Met when", "Means"], rows),
        ]
    )


def _engagement(d: Definition) -> str:
    e = d.engagement
    half = _days(e.half_life_days)
    rows = [
        [
            f"**{signal.label}**",
            _number(signal.points),
            _number(signal.cap),
            "yes" if signal.hand_raise else "",
        ]
        for signal in e.signals.values()
    ]
    out = [
        "## Engagement: is the lead showing interest now?",
        "",
        "Engagement is scored from 0 to 100. Each occurrence of a signal earns its points when "
        f"it happens and fades with time: it is worth half after {half}, a quarter after "
        f"{_days(e.half_life_days * 2)}, an eighth after {_days(e.half_life_days * 3)}. "
        "All occurrences of one signal together earn at most its cap, so one loud signal "
        "cannot make a lead look engaged on its own.",
        "",
        _table(["Signal", "Points per occurrence", "Cap", "Hand-raiser"], rows),
        "",
        "### Which records count as which signal",
        "",
        "Each activity record counts once, as the first line below that matches it:",
        "",
    ]
    labels = {name: spec.label for name, spec in e.signals.items()}
    if not e.sources:
        out.append("None configured: no activity counts as engagement.")
    for i, source in enumerate(e.sources, 1):
        what = _record_phrase(source.object, source.when)
        out.append(
            f"{i}. {_capital(what)} → **{labels.get(source.signal, source.signal)}** "
            f"(dated by its {_field_name(source.at)})"
        )
    hand_raisers = [spec.label for spec in e.signals.values() if spec.hand_raise]
    out += ["", "### Hand-raisers", ""]
    if hand_raisers:
        out.append(
            f"A hand-raiser asked us for something: {_join_and(hand_raisers)}. A hand-raise in "
            f"the last {_days(d.status.sales_ready.hand_raise_within_days)} makes a lead that "
            "fits Sales Ready on its own, whatever its engagement score."
        )
    else:
        out.append("None configured: only the engagement score can make a lead Sales Ready.")
    return "\n".join(out)


def _touches(d: Definition) -> str:
    t = d.touches
    out = [
        "## Sales touches: are we following up?",
        "",
        "A touch is a human sales contact with the lead. Touches are counted from the moment "
        "the lead last became Sales Ready (from its creation if it never was).",
        "",
        "**What counts as a touch:**",
        "",
    ]
    if not t.sources:
        out.append("None configured: no activity counts as a touch.")
    out += [
        f"- {_capital(_record_phrase(s.object, s.when))}, listed as *{s.label}* "
        f"(dated by its {_field_name(s.at)})"
        for s in t.sources
    ]
    excluded = [_quote(name) for name in t.exclude_created_by.names]
    if t.exclude_created_by.integration_user:
        excluded.append("the user sfsync runs as (the integration user)")
    out += [
        "",
        "**Never a touch:** "
        + (f"activity created by {_join_or(excluded)}." if excluded else "no one is excluded."),
        "",
        f"**Target:** {t.target} touches per Sales Ready lead (5{DASH}10 touches before a lead "
        f"converts are normal). **Cadence:** a Sales Ready lead below the target with no touch "
        f"for {_days(t.cadence_days)} is flagged *needs follow-up*.",
    ]
    return "\n".join(out)


def _status(d: Definition) -> str:
    s = d.status
    groups = [
        f"{name} ({_join_or([f'`{m}`' for m in members])})"
        for name, members in s.insufficient_data.groups.items()
    ]
    ready = s.sales_ready
    rules = {
        "Disqualified": "any disqualifier matches.",
        "Insufficient Data": f"fewer than {s.insufficient_data.min_known} of these are known: "
        f"{_join_and(groups)}.",
        "Recycled": f"the lead was Sales Ready for at least "
        f"{_days(s.recycled.min_days_sales_ready)}, got at least {d.touches.target} touches "
        "(the touch target), is not converted, and has had no new hand-raise and no "
        f"engagement of {ready.min_engagement} or more since. A new hand-raise or engagement "
        "makes it Sales Ready again.",
        "Sales Ready": f"fit is at least {ready.min_fit} and either engagement is at least "
        f"{ready.min_engagement} or the lead raised a hand in the last "
        f"{_days(ready.hand_raise_within_days)}.",
        "Nurture": "for everything else.",
    }
    order = ("Disqualified", "Insufficient Data", "Recycled", "Sales Ready", "Nurture")
    out = [
        "## Status: what happens to the lead",
        "",
        "The status is recomputed on every run. The first rule that matches wins:",
        "",
    ]
    out += [
        f"{i}. **{name}** {'' if name == 'Nurture' else 'when '}{rules[name]} "
        f"*Meaning: {_STATUS_MEANING[name]}.*"
        for i, name in enumerate(order, 1)
    ]
    std = s.standard_status
    out += ["", "### The standard Lead Status", ""]
    if not std.enabled:
        out.append(
            f"Off: sfsync never changes the rep-owned `{std.field}` field; the status above "
            "lives in its own field."
        )
    else:
        out.append(
            f"On: sfsync moves the rep-owned `{std.field}` forward only (in the order "
            f"{_join_then([_quote(v) for v in std.order])}), and never touches a lead whose "
            f"`{std.field}` a person changed since sfsync last wrote it."
        )
        out.append("")
        rows = [[f"**{k}**", v] for k, v in sorted(std.map.items(), key=_status_order)]
        out.append(_table(["sfsync status", f"Sets {std.field} to"], rows))
    return "\n".join(out)


def _grade_and_score(d: Definition) -> str:
    letters = _thresholds_in_words(d.grade.fit_letters, "fit")
    digits = _thresholds_in_words(d.grade.engagement_digits, "engagement")
    sample = next(iter(d.grade.fit_letters), "A") + next(iter(d.grade.engagement_digits), "1")
    fw, ew = _number(d.score.fit_weight), _number(d.score.engagement_weight)
    return "\n".join(
        [
            "## Grade and score",
            "",
            f"**Grade** = a letter for fit and a digit for engagement, e.g. `{sample}` is the "
            "best fit with the most engagement.",
            "",
            f"- Letter: {letters}.",
            f"- Digit: {digits}.",
            "",
            f"**Score** = {fw} {TIMES} fit + {ew} {TIMES} engagement, rounded to a whole "
            f"number (0{DASH}100).",
        ]
    )


def _outputs(d: Definition) -> str:
    fields = type(d.outputs).model_fields
    rows = []
    for key, api_name in d.outputs.items():
        info = fields[key].description or ""
        kind, _, meaning = info.partition(": ")
        meaning = (meaning or info).replace("...", "…").replace("..", DASH)
        rows.append([_OUTPUT_TITLES.get(key, key), f"`{api_name}`", kind, meaning])
    return "\n".join(
        [
            "## What reps see on the Lead",
            "",
            "sfsync writes only these fields, and only when a value changes. Every lead is "
            f"stamped with the version of this page (`{d.version}`).",
            "",
            _table(["What", "Lead field", "Type", "Meaning"], rows),
        ]
    )


def _sign_off(d: Definition) -> str:
    rows = [[team, "", "", ""] for team in ("Sales", "Marketing")]
    return "\n".join(
        [
            "## Sign-off",
            "",
            f"We agree that this page (version `{d.version}`, "
            f"fingerprint `{content_fingerprint(d)}`) "
            "is how we decide which leads are sales-ready, which are nurtured, and how we "
            "follow them up.",
            "",
            _table(["Team", "Name", "Signature", "Date"], rows),
        ]
    )


# --- conditions in words ---------------------------------------------------------------------


def _condition(cond: Condition, subject: str) -> str:
    """Say what *cond* tests, with *subject* naming the value (a lead input's label)."""
    if cond.all is not None:
        return _combine(cond.all, subject, "and", "always")
    if cond.any is not None:
        return _combine(cond.any, subject, "or", "never")
    if cond.not_ is not None:
        return f"not ({_condition(cond.not_, subject)})"
    if cond.field is not None:
        if cond.field in _YES_NO and isinstance(cond.equals, bool):
            return _YES_NO[cond.field][0 if cond.equals else 1]
        subject = f"the {_field_name(cond.field)}"
    op = cond.operator or ""
    return _OPERATORS[op](subject, cond.operand)


def _record_phrase(object_name: str, cond: Condition | None) -> str:
    noun = f"{_OBJECT_WORDS.get(object_name, _field_name(object_name))} (`{object_name}`)"
    if cond is None:
        return f"any {noun}"
    return f"{_article(noun)} where {_condition(cond, 'the value')}"


def _combine(children: Sequence[Condition], subject: str, word: str, empty: str) -> str:
    if not children:
        return empty
    parts = [
        f"({_condition(c, subject)})" if c.all or c.any else _condition(c, subject)
        for c in children
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
    return f"{subject} is one of {_join_or([_value(v) for v in value])}"


def _op_not_in(subject: str, value: Any) -> str:
    return f"{subject} is known and is none of {_join_or([_value(v) for v in value])}"


def _op_contains(subject: str, value: Any) -> str:
    return f"{subject} contains {_quote(value)}"


def _op_contains_any(subject: str, value: Any) -> str:
    return f"{subject} contains any of {_join_or([_quote(v) for v in value])}"


def _op_matches(subject: str, value: Any) -> str:
    words = _WORD_ALTERNATION.match(str(value))
    if words:
        found = [_quote(w) for w in words[1].split("|")]
        if len(found) == 1:
            return f"{subject} contains the word {found[0]}"
        return f"{subject} contains one of the words {_join_or(found)}"
    return f"{subject} matches the pattern `{value}` (ignoring case)"


def _op_starts_with(subject: str, value: Any) -> str:
    return f"{subject} starts with {_quote(value)}"


def _op_gte(subject: str, value: Any) -> str:
    return f"{subject} is {_number(value)} or more"


def _op_lte(subject: str, value: Any) -> str:
    return f"{subject} is {_number(value)} or less"


def _op_between(subject: str, value: Any) -> str:
    return f"{subject} is {_number(value[0])} to {_number(value[1])}"


def _op_known(subject: str, value: Any) -> str:
    return f"{subject} is known (not blank)" if value else f"{subject} is blank or unknown"


def _op_email_domain_in(subject: str, value: Any) -> str:
    if not value:
        return f"{subject}'s domain is in an empty list (never matches)"
    return f"{subject}'s domain is one of {_join_or([f'`{v}`' for v in value])} (or a subdomain)"


def _op_within_days(subject: str, value: Any) -> str:
    return f"{subject} is within the last {_days(value)}"


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


def _is_empty_list(cond: Condition) -> bool:
    return cond.operator in {"in", "email_domain_in", "contains_any"} and not cond.operand


# --- small words -----------------------------------------------------------------------------


def _input_users(d: Definition) -> dict[str, list[str]]:
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
    for name in BANT_CRITERIA:
        add(getattr(d.bant, name).input, f"BANT {name}")
    for group_name, members in d.status.insufficient_data.groups.items():
        for member in members:
            add(member, f"enough data? ({group_name})")
    return users


def _thresholds_in_words(thresholds: dict[str, int], what: str) -> str:
    ordered = sorted(thresholds.items(), key=lambda kv: -kv[1])
    parts = []
    for i, (key, low) in enumerate(ordered):
        if i == len(ordered) - 1 and low == 0:
            previous = ordered[i - 1][1] if i else 0
            parts.append(f"`{key}` {what} below {previous}" if i else f"`{key}` any {what}")
        else:
            parts.append(f"`{key}` {what} {low} or more")
    return ", ".join(parts)


def _status_order(item: tuple[str, str]) -> int:
    return STATUSES.index(item[0]) if item[0] in STATUSES else len(STATUSES)


def _subject(label: str) -> str:
    return label if label[:1].isupper() else label.capitalize()


def _field_name(api_name: str) -> str:
    if api_name in _FIELD_WORDS:
        return _FIELD_WORDS[api_name]
    words = re.sub(r"__c$", "", api_name).replace(".", " ").replace("_", " ")
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", words).lower()


def _article(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _points(points: float) -> str:
    sign = "+" if points > 0 else (MINUS if points < 0 else "")
    value = abs(points)
    return f"**{sign}{_number(value)} point{'s' if value != 1 else ''}**"


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:g}"


def _days(value: float) -> str:
    return f"{_number(value)} day{'s' if value != 1 else ''}"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return _number(value)
    return str(value)


def _quote(value: Any) -> str:
    return f"“{value}”"


def _join_or(items: Sequence[str]) -> str:
    return _join(items, "or")


def _join_and(items: Sequence[str]) -> str:
    return _join(items, "and")


def _join_then(items: Sequence[str]) -> str:
    return " → ".join(items)


def _join(items: Sequence[str], word: str) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")

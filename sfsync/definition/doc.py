"""
The definition as a Markdown page that sales and marketing read and sign off.

    page = render_markdown(load_definition("mappings/default.yaml"))

Everything is said in words (no YAML, no operator names, no raw values), in the order a
reader asks: what feeds it, is this a fit, is there BANT, is the lead engaged now, are we
following up, what status does it get, and what reps see on the Lead. The page depends on the
definition only, so the same file always renders byte for byte the same page.
"""

from __future__ import annotations

from sfsync.definition.coverage import input_users, not_judged_section
from sfsync.definition.fingerprint import content_fingerprint
from sfsync.definition.model import Definition, FitGroup
from sfsync.definition.terms import BANT_CRITERIA, STATUSES
from sfsync.definition.wording import (
    DASH,
    TIMES,
    capital,
    condition,
    days,
    field_name,
    is_empty_list,
    join_and,
    join_or,
    join_then,
    number,
    points,
    quote,
    record_phrase,
    subject_of,
    table,
    write_policy_phrase,
)

# --- words for values, fields and objects ----------------------------------------------------

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

_STATUS_MEANING = {
    "Disqualified": "not a buyer for us; sales and marketing leave it alone",
    "Insufficient Data": "too little is known to judge; enrich the record first",
    "Recycled": "sales worked it and it went quiet; back to marketing for nurture",
    "Sales Ready": "hand it to sales now",
    "Nurture": "a legitimate lead that is not ready yet (the invisible pipeline): keep nurturing",
}


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
        not_judged_section(d),
        _sign_off(d),
    ]
    return "\n\n".join(p.rstrip() for p in parts) + "\n"


# --- sections --------------------------------------------------------------------------------


def _overview(d: Definition) -> str:
    ready, bant = d.status.sales_ready, [name for name, _ in d.bant.judged()]
    return "\n".join(
        [
            "## At a glance",
            "",
            "Every lead in Salesforce is scored against this page, automatically, every few "
            "minutes, and the result is written on the Lead for reps to see:",
            "",
            f"- **Fit** (0{DASH}100): is this the kind of account and person we sell to?",
            f"- **BANT** (0{DASH}{len(bant)}): {join_and(bant)} we know of."
            if bant
            else "- **BANT**: off, no criterion is judged.",
            f"- **Engagement** (0{DASH}100): is the lead showing interest *now*? Recent activity "
            "counts most; old activity fades.",
            f"- **Sales Ready** when fit is at least {ready.min_fit} and engagement is at least "
            f"{ready.min_engagement}, or the lead raised a hand in the last "
            f"{days(ready.hand_raise_within_days)}. Everything else that is legitimate is "
            "**nurtured**, not discarded.",
            f"- **Follow-up** is visible: sales touches are counted against a target of "
            f"{d.touches.target}.",
        ]
    )


def _inputs(d: Definition) -> str:
    users = input_users(d)
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
            table(["Input", "Lead field", "Needed", "Used by"], rows),
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
            f"- **{a.label}**: when {condition(a.when, subject_of(a.label))} → "
            f"{points(a.points)} ({a.says})"
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
            if is_empty_list(dq.when):
                out.append(f"- **{dq.says}**: none configured (the list is empty).")
            else:
                out.append(f"- **{dq.says}**: when {condition(dq.when, subject_of(dq.label))}.")
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
        subject = subject_of(criterion.label)
        for band in criterion.bands:
            out.append(
                f"- {capital(condition(band.when, subject))} → {points(band.points)} ({band.says})"
            )
        out.append("- Anything else, or unknown → 0 points")
        out.append("")
    return "\n".join(out).rstrip()


def _bant(d: Definition) -> str:
    rows = []
    judged = d.bant.judged()
    for name, crit in judged:
        subject = subject_of(crit.input.replace("_", " "))
        unknown = (
            f"; {join_or([quote(v) for v in crit.unknown_values])} counts as unknown"
            if crit.unknown_values
            else ""
        )
        rows.append(
            [
                f"**{name.capitalize()}**",
                capital(condition(crit.met, subject)) + unknown,
                crit.says,
            ]
        )
    off = [name.capitalize() for name in BANT_CRITERIA if getattr(d.bant, name) is None]
    if not judged:
        return "\n".join(
            ["## BANT: budget, authority, need, timeframe", "", "Off: no BANT criterion is judged."]
        )
    return "\n".join(
        [
            "## BANT: budget, authority, need, timeframe",
            "",
            f"BANT on the Lead is the number of these {len(judged)} that are met "
            f"(0{DASH}{len(judged)}); the reasons name the ones that are unknown, so reps know "
            "what to ask.",
            "",
            table(["Criterion", "Met when", "Means"], rows),
            *(["", f"Off (not judged): {join_and(off)}."] if off else []),
        ]
    )


def _engagement(d: Definition) -> str:
    e = d.engagement
    half = days(e.half_life_days)
    rows = [
        [
            f"**{signal.label}**",
            number(signal.points),
            number(signal.cap),
            "yes" if signal.hand_raise else "",
        ]
        for signal in e.signals.values()
    ]
    out = [
        "## Engagement: is the lead showing interest now?",
        "",
        "Engagement is scored from 0 to 100. Each occurrence of a signal earns its points when "
        f"it happens and fades with time: it is worth half after {half}, a quarter after "
        f"{days(e.half_life_days * 2)}, an eighth after {days(e.half_life_days * 3)}. "
        "All occurrences of one signal together earn at most its cap, so one loud signal "
        "cannot make a lead look engaged on its own.",
        "",
        table(["Signal", "Points per occurrence", "Cap", "Hand-raiser"], rows),
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
        what = record_phrase(source.object, source.when)
        out.append(
            f"{i}. {capital(what)} → **{labels.get(source.signal, source.signal)}** "
            f"(dated by its {field_name(source.at)})"
        )
    hand_raisers = [spec.label for spec in e.signals.values() if spec.hand_raise]
    out += ["", "### Hand-raisers", ""]
    if hand_raisers:
        out.append(
            f"A hand-raiser asked us for something: {join_and(hand_raisers)}. A hand-raise in "
            f"the last {days(d.status.sales_ready.hand_raise_within_days)} makes a lead that "
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
        "A touch is a human sales contact with the lead. The touch counters on the Lead count "
        "one Sales Ready episode: while the lead is Sales Ready, the touches since it became "
        "Sales Ready; once Recycled, the touches of the episode that was worked. For every "
        "other status they are blank (touches logged then are still listed in the reasons).",
        "",
        "**What counts as a touch:**",
        "",
    ]
    if not t.sources:
        out.append("None configured: no activity counts as a touch.")
    out += [
        f"- {capital(record_phrase(s.object, s.when))}, listed as *{s.label}* "
        f"(dated by its {field_name(s.at)})"
        for s in t.sources
    ]
    excluded = [quote(name) for name in t.exclude_created_by.names]
    if t.exclude_created_by.integration_user:
        excluded.append("the user sfsync runs as (the integration user)")
    out += [
        "",
        "**Never a touch:** "
        + (f"activity created by {join_or(excluded)}." if excluded else "no one is excluded."),
        "",
        f"**Target:** {t.target} touches per Sales Ready lead (5{DASH}10 touches before a lead "
        f"converts are normal). **Cadence:** a Sales Ready lead below the target with no touch "
        f"for {days(t.cadence_days)} is flagged *needs follow-up*.",
    ]
    return "\n".join(out)


def _status(d: Definition) -> str:
    s = d.status
    groups = [
        f"{name} ({join_or([f'`{m}`' for m in members])})"
        for name, members in s.insufficient_data.groups.items()
    ]
    ready = s.sales_ready
    rules = {
        "Disqualified": "any disqualifier matches.",
        "Insufficient Data": f"fewer than {s.insufficient_data.min_known} of these are known: "
        f"{join_and(groups)}.",
        "Recycled": f"the lead was Sales Ready for at least "
        f"{days(s.recycled.min_days_sales_ready)}, got at least {d.touches.target} touches "
        "(the touch target), is not converted, and has had no new hand-raise and no "
        f"engagement of {ready.min_engagement} or more since. A new hand-raise or engagement "
        "makes it Sales Ready again.",
        "Sales Ready": f"fit is at least {ready.min_fit} and either engagement is at least "
        f"{ready.min_engagement} or the lead raised a hand in the last "
        f"{days(ready.hand_raise_within_days)}.",
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
            f"{join_then([quote(v) for v in std.order])}), and never touches a lead whose "
            f"`{std.field}` a person changed since sfsync last wrote it."
        )
        out.append("")
        rows = [[f"**{k}**", v] for k, v in sorted(std.map.items(), key=_status_order)]
        out.append(table(["sfsync status", f"Sets {std.field} to"], rows))
    return "\n".join(out)


def _grade_and_score(d: Definition) -> str:
    letters = _thresholds_in_words(d.grade.fit_letters, "fit")
    digits = _thresholds_in_words(d.grade.engagement_digits, "engagement")
    sample = next(iter(d.grade.fit_letters), "A") + next(iter(d.grade.engagement_digits), "1")
    fw, ew = number(d.score.fit_weight), number(d.score.engagement_weight)
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
            "sfsync writes only these fields. Every lead is stamped with the version of this "
            f"page (`{d.version}`).",
            "",
            write_policy_phrase(d.write_policy.min_score_change),
            "",
            table(["What", "Lead field", "Type", "Meaning"], rows),
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
            table(["Team", "Name", "Signature", "Date"], rows),
        ]
    )


# --- conditions in words ---------------------------------------------------------------------


# --- small words -----------------------------------------------------------------------------


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

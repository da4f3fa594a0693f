"""
Proposing engagement and touches from what the org holds (pure): campaign types by their
response counts, the Tasks automation logs by their subjects, custom activity objects by
their URLs, and a package's score kept on the Lead; then the human sales touches. Each
thing a lead does is counted through one source only: when a package logs form fills as
Tasks, the campaign responses those forms also create are left to the Tasks.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sfsync.onboarding.creators import NonHuman
from sfsync.onboarding.facts import OrgSurvey, numeric_values
from sfsync.onboarding.footprints import Footprint, TaskPattern, task_sent, task_signal
from sfsync.onboarding.inputs import Notes, share

# The default definition's signals (DESIGN §3), in its order.
SIGNALS: dict[str, dict[str, Any]] = {
    "site_visit": {"label": "Site visit", "points": 5, "cap": 20},
    "content_form_fill": {
        "label": "Content form fill",
        "points": 30,
        "cap": 45,
        "hand_raise": True,
    },
    "competitor_research": {"label": "Competitor research", "points": 15, "cap": 30},
    "pricing_page_view": {"label": "Pricing page viewed", "points": 15, "cap": 30},
    "email_engagement": {"label": "Email opened/clicked", "points": 3, "cap": 12},
    "ad_click": {"label": "Ad clicked", "points": 4, "cap": 12},
    "third_party_content": {"label": "3rd-party content consumed", "points": 3, "cap": 9},
    "ma_score": {"label": "Marketing automation score", "points": 20, "cap": 20},
}
_CAMPAIGN_WORDS = [  # the most specific first: "Content Syndication" is syndication
    ("third_party_content", r"syndicat|3rd|third.party|netline|techtarget"),
    ("ad_click", r"paid|\bads?\b|advert|ppc|cpc|banner|display"),
    ("email_engagement", r"e-?mail|newsletter|nurture"),
    (
        "content_form_fill",
        r"webinar|content|download|e-?book|white ?paper|guide|report|form|demo|contact|trial|"
        r"website|landing|registration",
    ),
]
_EVENTS = re.compile(r"trade ?show|event|conference|expo|seminar|booth|dinner", re.IGNORECASE)
_PRICING = re.compile(r"/pricing(/|\?|#|$)", re.IGNORECASE)
_COMPARE = re.compile(r"/(compare(/|\?|#|$)|vs-)", re.IGNORECASE)
_TOUCH_TYPES = re.compile(r"call|e-?mail|meeting|demo", re.IGNORECASE)


@dataclass
class Engagement:
    """Signals used, sources in order, and the human-touch rules."""

    signals: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)
    task_patterns: list[str] = field(default_factory=list)
    """Regexes of automation-logged Task subjects (never a touch)."""
    sent: list[str] = field(default_factory=list)
    """What the Tasks logging a package's sent emails are, for the touches' comment."""

    def use(self, name: str, label: str | None = None) -> None:
        """Use signal *name* (the default's points), labelled for this org."""
        if name not in self.signals:
            spec = dict(SIGNALS[name])
            if label:
                spec["label"] = label[:200]
            self.signals[name] = spec


def _prefix(subject: str) -> str:
    head = subject.split(":", 1)[0].strip().lower()
    return head if ":" in subject else subject.strip().lower()


@dataclass
class LoggedTasks:
    """Tasks automation logged for one signal: by subject prefix, and the patterns matched."""

    prefixes: Counter[str] = field(default_factory=Counter)
    """Subject prefix (lower case) -> Tasks."""
    patterns: dict[str, TaskPattern] = field(default_factory=dict)
    spelling: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, subject: str, records: int, pattern: TaskPattern) -> None:
        prefix = _prefix(subject)
        self.prefixes[prefix] += records
        self.patterns.setdefault(pattern.pattern, pattern)
        original = subject.split(":", 1)[0].strip()
        self.spelling.setdefault(prefix, Counter())[original] += records

    def counts(self) -> dict[str, int]:
        """Subject prefix, as the org spells it most, -> Tasks."""
        return {self.spelling[p].most_common(1)[0][0]: n for p, n in self.prefixes.items()}

    def regex(self, shared: set[str]) -> str:
        """
        The Subject test: the org's own prefixes, unless another signal's Tasks share one
        ("Visited Web Page: Pricing" and "...: Competitor Comparison"); then the patterns
        that told them apart.
        """
        if shared & set(self.prefixes):
            alternatives = "|".join(sorted(self.patterns))
            return f"^({alternatives})" if len(self.patterns) > 1 else f"^{alternatives}"
        return _regex(list(self.counts()))


def automation_tasks(
    survey: OrgSurvey, footprints: list[Footprint], robots: set[str]
) -> dict[str, LoggedTasks]:
    """Signal -> the Tasks non-human users logged for it (a package's sent emails aside)."""
    out: dict[str, LoggedTasks] = {}
    for group in survey.task_subjects:
        if group.created_by not in robots or not group.subject:
            continue
        found = task_signal(group.subject, footprints)
        if found is not None:
            out.setdefault(found.signal, LoggedTasks()).add(group.subject, group.records, found)
    return out


def sent_emails(survey: OrgSurvey, footprints: list[Footprint]) -> LoggedTasks:
    """The Tasks logging emails a package sent, whoever its connector runs as."""
    sent = LoggedTasks()
    for group in survey.task_subjects:
        found = task_sent(group.subject or "", footprints)
        if found is not None:
            sent.add(group.subject or "", group.records, found)
    return sent


def _regex(prefixes: list[str]) -> str:
    """A Subject test for these prefixes (`matches` ignores case)."""
    alternatives = "|".join(re.escape(p.lower()).replace(r"\ ", " ") for p in sorted(prefixes))
    return f"^({alternatives}):" if len(prefixes) > 1 else f"^{alternatives}:"


def propose_engagement(
    survey: OrgSurvey, footprints: list[Footprint], robots: list[NonHuman], notes: Notes
) -> Engagement:
    """The signals and sources the org's data supports, each with its evidence."""
    e = Engagement()
    robot_ids = {r.user.id for r in robots}
    tasks = automation_tasks(survey, footprints, robot_ids)
    seen: Counter[str] = Counter(p for logged in tasks.values() for p in logged.prefixes)
    shared = {p for p, n in seen.items() if n > 1}
    package = footprints[0].short if footprints else ""
    _custom_objects(survey, e, notes)
    _campaigns(survey, e, notes, logged=set(tasks), package=package)
    for signal in (
        "content_form_fill",
        "pricing_page_view",
        "competitor_research",
        "site_visit",
        "email_engagement",
    ):
        logged = tasks.get(signal)
        if logged is None:
            continue
        prefixes = logged.counts()
        regex = logged.regex(shared)
        e.task_patterns.append(regex)
        names = ", ".join(f'"{p}" {n:,}' for p, n in sorted(prefixes.items(), key=lambda i: -i[1]))
        label = _task_label(signal, prefixes, package)
        e.use(signal, label)
        index = len(e.sources)
        e.sources.append(
            {
                "object": "Task",
                "lead_field": "WhoId",
                "at": "CreatedDate",
                "when": {"field": "Subject", "matches": regex},
                "signal": signal,
            }
        )
        notes.add(f"engagement.sources.{index}", f"Tasks logged by automation: {names}")
    _sent(survey, footprints, e)
    _score(survey, footprints, e, notes, has_tasks=bool(tasks))
    return e


def _sent(survey: OrgSurvey, footprints: list[Footprint], e: Engagement) -> None:
    sent = sent_emails(survey, footprints)
    if not sent.prefixes:
        return
    e.task_patterns.append(sent.regex(set()))
    names = ", ".join(f'"{p}: ..." {n:,}' for p, n in sent.counts().items())
    sources = sorted({p.source for p in sent.patterns.values()})
    package = next(f.short for f in footprints if any(p in f.sent for p in sent.patterns.values()))
    e.sent.append(
        f"Tasks {names}: emails {package} sent, logged by its connector; a send is not "
        "engagement (what the lead did with it reaches sfsync through the package's score) "
        f"and never a sales touch, whoever the connector runs as (see {', '.join(sources)})"
    )


def _task_label(signal: str, prefixes: dict[str, int], package: str) -> str:
    label = str(SIGNALS[signal]["label"])
    if not package:
        return label
    if signal == "content_form_fill":
        top = max(prefixes, key=lambda p: prefixes[p])
        return f"{package} form fill ({top})"
    return f"{package}: {label[:1].lower() + label[1:]}"


def _campaigns(
    survey: OrgSurvey, e: Engagement, notes: Notes, *, logged: set[str], package: str
) -> None:
    responded: Counter[str] = Counter()
    names: dict[str, Counter[str]] = {}
    for g in survey.campaign_groups:
        if g.responded and g.type:
            responded[g.type] += g.members
            names.setdefault(g.type, Counter())[g.name or ""] += g.members
    by_signal: dict[str, list[str]] = {}
    for ctype, n in responded.most_common():
        # The type says what the campaign is; its names only when the type does not.
        signal = _classify(ctype) or _classify(" ".join(names[ctype]))
        if _EVENTS.search(ctype):
            notes.open(
                f"campaign type {ctype!r} ({n:,} responses)",
                "an event response counts only if you say so (a visit to your booth is not a "
                "hand-raise): add a CampaignMember source with this Campaign.Type and the "
                "signal it is, e.g. site_visit",
            )
            continue
        if signal is None or signal in logged:
            why = (
                "its responses are the same events automation logs as Tasks (counted there)"
                if signal
                else "not a kind of engagement init recognises"
            )
            notes.open(
                f"campaign type {ctype!r} ({n:,} responses)",
                f"{why}; to count it, add a CampaignMember source with Campaign.Type "
                f"{ctype!r} and the signal it is",
            )
            continue
        by_signal.setdefault(signal, []).append(ctype)
    for signal, types in by_signal.items():
        index = len(e.sources)
        top = [name for t in types for name, _ in names[t].most_common(1)]
        label = _campaign_label(signal, types, top, package)
        e.use(signal, label)
        cond = {"equals": types[0]} if len(types) == 1 else {"in": types}
        e.sources.append(
            {
                "object": "CampaignMember",
                "lead_field": "LeadId",
                "at": "FirstRespondedDate",
                "when": {
                    "all": [
                        {"field": "HasResponded", "equals": True},
                        {"field": "Campaign.Type", **cond},
                    ]
                },
                "signal": signal,
            }
        )
        evidence = []
        for t in types:
            leads, won = survey.responder_conversion.get(t, (0, 0))
            rate = f", {won / leads:.0%} of responders converted" if leads else ""
            evidence.append(f"{t}: {responded[t]:,} responses{rate}")
        base = survey.conversion_rate()
        notes.add(
            f"engagement.sources.{index}",
            "campaign responses: "
            + "; ".join(evidence)
            + (f" (all leads: {base:.0%})" if survey.sample_size else ""),
            f"e.g. {', '.join(top[:3])}",
        )


def _classify(text: str) -> str | None:
    return next((s for s, rx in _CAMPAIGN_WORDS if re.search(rx, text, re.IGNORECASE)), None)


def _campaign_label(signal: str, types: list[str], top: list[str], package: str) -> str:
    if signal == "content_form_fill":
        handlers = [n for n in top if "form handler" in n.lower() or n.lower().startswith("form")]
        if handlers and package:
            return f"{package} form or form handler"
        return f"Content form fill ({', '.join(types)})"
    if signal == "email_engagement":
        return f"Email campaign response ({', '.join(types)})"
    return str(SIGNALS[signal]["label"])


def _custom_objects(survey: OrgSurvey, e: Engagement, notes: Notes) -> None:
    for obj in survey.activity_objects:
        at = obj.date_fields[0]
        url_field = next((f for f, vals in obj.values.items() if _looks_like_urls(vals)), None)
        base = {"object": obj.name, "lead_field": obj.lead_field, "at": at}
        evidence = f"{obj.label}: {obj.records:,} records on {share(obj.leads, survey.leads)}"
        if url_field is None:
            notes.open(
                f"custom object {obj.name}",
                f"{evidence}; decide which signal its "
                "records are and add an engagement source for it",
            )
            continue
        values = obj.values[url_field]
        pricing = sum(n for v, n in values.items() if _PRICING.search(v))
        compare = sum(n for v, n in values.items() if _COMPARE.search(v))
        for signal, rx, n in (
            ("pricing_page_view", r"^(https?://[^/]+)?/pricing(/|\?|#|$)", pricing),
            ("competitor_research", r"^(https?://[^/]+)?/(compare(/|\?|#|$)|vs-)", compare),
        ):
            if n:
                e.use(signal)
                notes.add(
                    f"engagement.sources.{len(e.sources)}", f"{evidence}: {n:,} under this path"
                )
                e.sources.append(
                    {**base, "when": {"field": url_field, "matches": rx}, "signal": signal}
                )
        e.use("site_visit")
        notes.add(f"engagement.sources.{len(e.sources)}", f"{evidence}: every other page")
        e.sources.append({**base, "signal": "site_visit"})


def _looks_like_urls(values: Counter[str]) -> bool:
    urls = sum(n for v, n in values.items() if v.startswith(("http", "/")))
    return urls * 2 > sum(values.values())


def _score(
    survey: OrgSurvey, footprints: list[Footprint], e: Engagement, notes: Notes, *, has_tasks: bool
) -> None:
    for fp in footprints:
        score = survey.lead_fields.get(fp.score or "")
        dated = survey.lead_fields.get(fp.score_date or "")
        if score is None:
            if fp.score:
                notes.open(
                    f"{fp.score} ({fp.name} score)",
                    "not readable by the integration user (field-level security?), so the "
                    f"engagement that reaches sfsync only through {fp.short}'s score is not "
                    "judged: grant read access and run init again",
                )
            continue
        if has_tasks or dated is None:
            why = (
                (
                    "the activity behind it is logged as Tasks, counted above with decay; "
                    "the score too would count it twice"
                )
                if has_tasks
                else ("no date beside it, so it cannot fade with time")
            )
            notes.open(f"{score.name} ({fp.name} score)", f"not used: {why}")
            continue
        scores = sorted(v for v in numeric_values(score) if v > 0)
        if len(scores) < 20:
            notes.open(
                f"{score.name} ({fp.name} score)",
                f"not used: only {len(scores)} leads in the sample have a score above 0, too "
                "few to choose a threshold; add one by hand once the score is in use",
            )
            continue
        threshold = _nice(scores[int(len(scores) * 0.75)])
        name = fp.short
        e.use("ma_score", f"{name} score {threshold:g}+")
        notes.add(
            f"engagement.sources.{len(e.sources)}",
            f"{score.name} {threshold:g}+: the top quarter of the {len(scores):,} scored "
            f"leads in the sample; dated by {dated.name}, so it fades like any signal",
            f"page views and email clicks stay in {name}: its score is how they reach sfsync",
        )
        e.sources.append(
            {
                "object": "Lead",
                "lead_field": "Id",
                "at": dated.name,
                "when": {"field": score.name, "gte": threshold},
                "signal": "ma_score",
            }
        )


def _nice(value: float) -> float:
    step = 10 if value < 200 else 50
    return max(step, round(value / step) * step)


def propose_touches(
    survey: OrgSurvey, robots: list[NonHuman], e: Engagement, notes: Notes
) -> dict[str, Any]:
    """Human sales touches: completed calls, emails and meetings by people."""
    robot_ids = {r.user.id for r in robots}
    types: Counter[str] = Counter()
    for g in survey.task_groups:
        if g.created_by not in robot_ids and g.type and _TOUCH_TYPES.search(g.type):
            types[g.type] += g.records
    sources: list[dict[str, Any]] = []
    if types:
        conds: list[dict[str, Any]] = [
            {"field": "Status", "equals": "Completed"},
            {
                "any": [
                    {"field": "Type", "in": sorted(types)},
                    {"field": "TaskSubtype", "in": ["Call", "Email"]},
                ]
            },
        ]
        conds += [{"not": {"field": "Subject", "matches": rx}} for rx in e.task_patterns]
        sources.append(
            {
                "object": "Task",
                "lead_field": "WhoId",
                "at": "CreatedDate",
                "when": {"all": conds},
                "label": "Task",
            }
        )
        notes.add(
            "touches.sources.0",
            "completed Tasks of type "
            + ", ".join(f"{t} ({n:,})" for t, n in types.most_common())
            + " by people",
        )
    if any(g.records for g in survey.event_groups if g.created_by not in robot_ids):
        notes.add(
            f"touches.sources.{len(sources)}",
            "every Event (meeting) by people: "
            f"{sum(g.records for g in survey.event_groups):,} on leads",
        )
        sources.append(
            {"object": "Event", "lead_field": "WhoId", "at": "StartDateTime", "label": "Meeting"}
        )
    names = sorted({r.user.name for r in robots if r.user.id != survey.integration_user_id})
    notes.add("touches", *e.sent)
    notes.add(
        "touches.exclude_created_by",
        *(
            f"{r.user.name}: {r.why}; created {r.user.tasks:,} tasks and {r.user.events:,} events"
            for r in robots
        ),
    )
    return {
        "target": 6,
        "cadence_days": 3,
        "exclude_created_by": {"names": names, "integration_user": True},
        "sources": sources,
    }

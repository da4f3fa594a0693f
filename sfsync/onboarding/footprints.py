"""
The marketing-automation footprints `sfsync init` recognises, with the public source of
every field name and pattern it relies on. A footprint is the fields a package writes on
the Lead (its score, grade and last activity), the subjects of the Tasks it logs, and the
user it writes as. docs/footprints/ has a page per footprint: what init maps there and what
to check by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class TaskPattern:
    """Tasks a package logs, by subject, and the signal they are."""

    pattern: str
    """A case-insensitive regex on the Subject, anchored at its start."""
    signal: str
    """`content_form_fill`, `email_engagement`, `pricing_page_view`, `competitor_research`
    or `site_visit`; `sent` for an email the package sent (not engagement, never a touch)."""
    source: str

    def matches(self, subject: str) -> bool:
        """Whether *subject* is such a Task."""
        return re.match(self.pattern, subject, re.IGNORECASE) is not None


@dataclass(frozen=True)
class Footprint:
    """One package's fields, Task subjects and user, as public sources show them."""

    key: str
    name: str
    short: str
    """The name reasons use (`Marketo form fill`)."""
    prefixes: tuple[str, ...]
    """Lead field name prefixes (namespaces) that show the package is installed."""
    score: str | None
    """The package's engagement score field on Lead."""
    score_date: str | None
    """The date the score last moved (last activity / last interesting moment)."""
    grade: str | None
    """A fit grade (A..F) the package computes, if it has one."""
    users: tuple[str, ...]
    """Names of the user the package writes as."""
    tasks: tuple[TaskPattern, ...]
    sources: tuple[str, ...]
    doc: str
    related: tuple[str, ...] = ()
    """Fields without the package's prefix that its sync usually fills (a lifecycle stage)."""
    sent: tuple[TaskPattern, ...] = ()
    """The Tasks it logs for emails it sent (signal `sent`): a send is not engagement and,
    whoever the connector runs as, never a sales touch."""


_AE_FIELDS = (
    "https://github.com/deepakbuena/sample/blob/d0432aa0f23ab3f0696120ac01f40ac5c03dcb84/"
    "force-app/main/default/objects/Lead/fields/pi__score__c.field-meta.xml"
)
# A real org's code that treats Tasks whose Subject starts "Pardot List Email:" as system
# Tasks (the connector's log of list email sends), not people's activity; and a
# certification study guide: Account Engagement creates only emails as Salesforce tasks.
_AE_LIST_EMAIL = (
    "https://github.com/PDMJediMaster/pdm-intelligence/blob/"
    "052b26a8e7a39ed9d046d4798d956c02edc1f0c9/src/services/healthScoring.ts"
)
_AE_EMAIL_TASKS = (
    "https://www.mikequill.com/pardot-consultant-certificate/"
    "01-salesforce-pardot-connector-implementation-guide/"
)
_MARKETO_TASKS = "https://www.marketingrockstarguides.com/author/jdhill/page/35"
_MARKETO_FLOW = (
    "https://experienceleague.adobe.com/docs/marketo/using/product-docs/crm-sync/"
    "salesforce-sync/implied-salesforce-actions.html"
)
_HUBSPOT_TASKS = "https://knowledge.hubspot.com/salesforce/sync-activities-and-tasks-between-hubspot-and-salesforce"

ACCOUNT_ENGAGEMENT = Footprint(
    key="account-engagement",
    name="Account Engagement (Pardot)",
    short="Account Engagement",
    prefixes=("pi__",),
    score="pi__score__c",
    score_date="pi__last_activity__c",
    grade="pi__grade__c",
    users=("B2BMA Integration",),
    tasks=(),
    sources=(
        "https://help.salesforce.com/apex/HTViewHelpDoc?id=mktg.pardot_default_prospect_field_mapping.htm",
        _AE_FIELDS,
        "https://help.salesforce.com/apex/HTViewHelpDoc?id=mktg.pardot_leadqual_scoring_baseline.htm",
        "https://help.salesforce.com/apex/HTViewHelpDoc?id=mktg.pardot_sf_connector_integration_user.htm",
        _AE_LIST_EMAIL,
        _AE_EMAIL_TASKS,
    ),
    doc="docs/footprints/account-engagement.md",
    sent=(TaskPattern(r"pardot list email:", "sent", _AE_LIST_EMAIL),),
)
MARKETO = Footprint(
    key="marketo",
    name="Marketo Engage and Marketo Sales Insight",
    short="Marketo",
    prefixes=("mkto71_", "mkto_si__"),
    score="mkto71_Lead_Score__c",
    score_date="mkto_si__Last_Interesting_Moment_Date__c",
    grade=None,
    users=("Marketo Sync", "Marketo Integration"),
    tasks=(
        TaskPattern(r"filled out form\b", "content_form_fill", _MARKETO_TASKS),
        TaskPattern(r"(opened email|clicked link in email)\b", "email_engagement", _MARKETO_TASKS),
        TaskPattern(r"visited web page\b.*pric", "pricing_page_view", _MARKETO_TASKS),
        TaskPattern(
            r"visited web page\b.*(compar|competitor|\bvs\b)", "competitor_research", _MARKETO_TASKS
        ),
        TaskPattern(r"visited web page\b", "site_visit", _MARKETO_TASKS),
    ),
    sources=(
        "https://github.com/Gusto/sfdc/blob/48f10460a80d2e0138c99641d08848443e45a91d/"
        "force-app/main/default/objects/Lead/fields/mkto71_Lead_Score__c.field-meta.xml",
        "https://github.com/shuhuisong/salesforceTest/blob/7b1a40fcc3868b8ec123963a3e4233b692ef3c67/"
        "force-app/main/default/objects/Lead/fields/mkto_si__Last_Interesting_Moment_Date__c.field-meta.xml",
        _MARKETO_FLOW,
        _MARKETO_TASKS,
        "https://nation.marketo.com/t5/knowledgebase/sfdc-required-fields-for-sfdc-sync/ta-p/250695",
    ),
    doc="docs/footprints/marketo.md",
)
HUBSPOT = Footprint(
    key="hubspot",
    name="HubSpot",
    short="HubSpot",
    prefixes=("HubSpot_", "hubspot__", "HubSpot_Inc__"),
    score="HubSpot_Score__c",
    score_date=None,
    grade=None,
    users=("HubSpot Integration",),
    tasks=(
        TaskPattern(r"form submission\b", "content_form_fill", _HUBSPOT_TASKS),
        TaskPattern(r"marketing email (opened|clicked)\b", "email_engagement", _HUBSPOT_TASKS),
    ),
    sources=(
        "https://github.com/googlejam/salesforce-aerolase/tree/74c447589770b4e21bb2d0b88d650c62c4a72400/"
        "force-app/main/default/objects/Lead/fields",
        "https://github.com/jnelson-prosci/prosci-sfdc/blob/b1cc4074ff545467e2c0200626d3110e6b1c2720/"
        "force-app/main/default/objects/Lead/fields/HubSpot_Score__c.field-meta.xml",
        _HUBSPOT_TASKS,
    ),
    doc="docs/footprints/hubspot.md",
    related=("Lifecycle_Stage__c",),
)
FOOTPRINTS = (ACCOUNT_ENGAGEMENT, MARKETO, HUBSPOT)

# Task subjects any automation logs: the verb says what the lead did. sfsync's own rules
# (the demo org's "Email Opened: ..." among them, DESIGN §5), not a package's.
GENERIC_TASKS = (
    TaskPattern(
        r"(form (fill|submi)|filled out|submitted|download(ed)?|registered)\b",
        "content_form_fill",
        "sfsync",
    ),
    TaskPattern(
        r"(e-?mail (opened|clicked|open|click)|(opened|clicked)[^:]*e-?mail)",
        "email_engagement",
        "sfsync",
    ),
    TaskPattern(r"(visited|viewed)[^:]*pric", "pricing_page_view", "sfsync"),
    TaskPattern(r"(visited|viewed)[^:]*(compar|competitor)", "competitor_research", "sfsync"),
    TaskPattern(r"(visited|viewed) (web ?page|page|site|website)\b", "site_visit", "sfsync"),
)


def installed(field_names: set[str]) -> list[Footprint]:
    """The footprints whose fields the Lead has (by name prefix, ignoring case)."""
    lowered = {n.lower() for n in field_names}
    return [
        f
        for f in FOOTPRINTS
        if any(name.startswith(p.lower()) for p in f.prefixes for name in lowered)
        or (f.score is not None and f.score.lower() in lowered)
    ]


def package_fields(footprint: Footprint, field_names: set[str]) -> list[str]:
    """The Lead fields that belong to *footprint* (its prefixes and related fields)."""
    related = {r.lower() for r in footprint.related}
    return sorted(
        n
        for n in field_names
        if n.lower() in related or any(n.lower().startswith(p.lower()) for p in footprint.prefixes)
    )


def task_sent(subject: str, footprints: list[Footprint]) -> TaskPattern | None:
    """The package pattern that says a Task is the log of an email it sent, if any."""
    return next((p for f in footprints for p in f.sent if p.matches(subject)), None)


def task_signal(subject: str, footprints: list[Footprint]) -> TaskPattern | None:
    """The pattern that says which signal a logged Task subject is, the packages' first."""
    if task_sent(subject, footprints) is not None:
        return None
    for footprint in footprints:
        for pattern in footprint.tasks:
            if pattern.matches(subject):
                return pattern
    return next((p for p in GENERIC_TASKS if p.matches(subject)), None)

"""`sfsync init`'s pure half: a survey in, a commented definition that lints out."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import pytest
import yaml

from sfsync.definition.loader import compile_loaded, parse_definition
from sfsync.onboarding.creators import non_human_users
from sfsync.onboarding.criteria import propose_known_groups
from sfsync.onboarding.document import render_definition
from sfsync.onboarding.facts import (
    ActivityObject,
    CampaignGroup,
    FieldFacts,
    OrgSurvey,
    TaskGroup,
    UserFacts,
    numeric_values,
)
from sfsync.onboarding.footprints import ACCOUNT_ENGAGEMENT, installed
from sfsync.onboarding.inputs import Notes, classify_budget, classify_timeframe
from sfsync.onboarding.proposal import propose
from sfsync.onboarding.signals import SIGNALS
from tests.scoring.factories import DEFAULT_YAML

TODAY = date(2026, 11, 20)
REP, ROBOT, US = "005A", "005B", "005C"


def _field(name: str, kind: str, label: str = "", **values: Any) -> FieldFacts:
    sample = Counter(values.pop("sample", {}))
    return FieldFacts(name, label or name, kind, custom=name.endswith("__c"), sample=sample,
                      sample_size=1000, filled=values.pop("filled", 900), **values)  # fmt: skip


def _survey(**changes: Any) -> OrgSurvey:
    fields = {
        f.name: f
        for f in (
            _field("Industry", "picklist", picklist=("Software", "Retail", "Banking"),
                   sample={"Software": 300, "Retail": 200}),
            _field("NumberOfEmployees", "int"),
            _field("AnnualRevenue", "currency"),
            _field("Title", "string", sample={"VP Sales": 10}),
            _field("Email", "email"),
            _field("Country", "string"),
            _field("Budget_Status__c", "picklist", "Budget Status",
                   picklist=("Approved", "Pending Approval", "No Budget", "Unknown")),
            _field("Buying_Timeline__c", "picklist", "Purchase Timeline",
                   picklist=("Immediately", "1-3 Months", "6-12 Months", "12+ Months", "No Plans")),
        )
    }  # fmt: skip
    survey = OrgSurvey(
        instance="https://acme.my.salesforce.com",
        leads=1000,
        lead_fields=fields,
        converted_in_sample=80,
        sample_size=1000,
        org_name="Acme Corp",
        task_groups=[
            TaskGroup(None, "Call", "Call", "Completed", REP, 400, 200),
            TaskGroup(None, "Email", "Email", "Completed", REP, 300, 150),
            TaskGroup(None, "Other", "Task", "Completed", ROBOT, 900, 500),
        ],
        task_subjects=[
            TaskGroup("Opened Email: May Newsletter", None, None, None, ROBOT, 600, 400),
            TaskGroup("Clicked Link in Email: May Newsletter", None, None, None, ROBOT, 200, 150),
            TaskGroup("Filled Out Form: Request a Demo", None, None, None, ROBOT, 100, 90),
            TaskGroup("Call: discovery", None, None, None, REP, 400, 200),
        ],
        event_groups=[TaskGroup(None, "Meeting", None, None, REP, 50, 40)],
        campaign_groups=[
            CampaignGroup("Webinar", "Webinar: Intro", True, 120),
            CampaignGroup("Paid Ads", "Google Ads", True, 60),
            CampaignGroup("Trade Show", "Dreamforce", True, 30),
        ],
        responder_conversion={"Webinar": (100, 20)},
        users={
            REP: UserFacts(REP, "Rita Rep", tasks=700, events=50),
            ROBOT: UserFacts(ROBOT, "Marketo Sync", tasks=900),
            US: UserFacts(US, "sfsync Integration"),
        },
        integration_user_id=US,
        api_calls=17,
    )
    for key, value in changes.items():
        setattr(survey, key, value)
    return survey


def _lints(text: str) -> Any:
    return compile_loaded(parse_definition(text, source="init.yaml"), source="init.yaml")


def test_the_written_definition_lints_and_loads_back_to_the_proposal() -> None:
    """The text is valid, compiles, and yaml.safe_load gives exactly the proposal's data."""
    proposal = propose(_survey(), today=TODAY)
    text = render_definition(proposal)
    compiled = _lints(text)
    assert yaml.safe_load(text) == proposal.data
    assert "acme-corp-2026.11.1" == compiled.version
    assert "read with 17 API calls" in " ".join(text.replace("#", "").split())


def test_bant_fields_are_found_by_label_and_values() -> None:
    """Other names than the demo's: Budget Status and Purchase Timeline, classified by words."""
    data = propose(_survey(), today=TODAY).data
    assert {"field": "Budget_Status__c", "optional": True} == data["inputs"]["budget"]
    assert ["Approved", "Pending Approval"] == data["bant"]["budget"]["met"]["in"]
    assert ["Unknown"] == data["bant"]["budget"]["unknown_values"]
    assert ["Immediately", "1-3 Months", "6-12 Months"] == data["bant"]["timeframe"]["met"]["in"]
    assert "need" not in data["bant"]


def test_every_choice_carries_its_reason_and_open_roles_say_what_to_decide() -> None:
    """Notes for inputs and sources; the missing need field is listed with what to do."""
    proposal = propose(_survey(), today=TODAY)
    text = render_definition(proposal)
    assert "# Budget_Status__c (picklist, label 'Budget Status'): filled on 900 of 1,000" in text
    assert "Tasks logged by automation" in text
    assert "input pain_points: no readable Lead field" in text
    assert "campaign type 'Trade Show' (30 responses): an event response counts only" in text


def test_package_tasks_replace_the_campaign_responses_of_the_same_forms() -> None:
    """Marketo's "Filled Out Form" Tasks are the form fills; webinar responses are not mapped."""
    data = propose(_survey(), today=TODAY).data
    sources = data["engagement"]["sources"]
    assert [(s["object"], s["signal"]) for s in sources] == [
        ("CampaignMember", "ad_click"),
        ("Task", "content_form_fill"),
        ("Task", "email_engagement"),
    ]
    assert "^filled out form:" == sources[1]["when"]["matches"]
    assert "^(clicked link in email|opened email):" == sources[2]["when"]["matches"]
    assert data["engagement"]["signals"]["content_form_fill"]["hand_raise"] is True


def test_touches_are_people_s_completed_calls_and_emails_never_the_package_s() -> None:
    """The package's user is excluded by name; its Task subjects never count as touches."""
    touches = propose(_survey(), today=TODAY).data["touches"]
    assert {"names": ["Marketo Sync"], "integration_user": True} == touches["exclude_created_by"]
    task = touches["sources"][0]["when"]["all"]
    assert {"field": "Type", "in": ["Call", "Email"]} == task[1]["any"][0]
    assert {"not": {"field": "Subject", "matches": "^filled out form:"}} in task
    assert "Event" == touches["sources"][1]["object"]


def test_a_package_score_without_logged_tasks_becomes_a_dated_signal_on_the_lead() -> None:
    """Account Engagement: the score, dated by last activity, and the grade as adjustments."""
    fields = dict(_survey().lead_fields)
    fields["pi__score__c"] = _field(
        "pi__score__c", "double", sample={float(v): 10 for v in range(0, 200, 5)}
    )
    fields["pi__last_activity__c"] = _field("pi__last_activity__c", "datetime")
    fields["pi__grade__c"] = _field("pi__grade__c", "string", sample={"A": 5, "B": 5})
    survey = _survey(lead_fields=fields, task_subjects=[])
    assert [ACCOUNT_ENGAGEMENT] == installed(set(fields))
    proposal = propose(survey, today=TODAY)
    data = proposal.data
    (score,) = [s for s in data["engagement"]["sources"] if s["object"] == "Lead"]
    assert {"field": "pi__score__c", "gte": 150} == score["when"]
    assert "pi__last_activity__c" == score["at"]
    assert "Account Engagement score 150+" == data["engagement"]["signals"]["ma_score"]["label"]
    names = [a["name"] for a in data["fit"]["adjustments"]]
    assert ["free_mail", "ma_grade_high", "ma_grade_low"] == names
    _lints(render_definition(proposal))


@pytest.mark.parametrize(
    ("score", "why"),
    [
        (None, "not readable by the integration user"),  # hidden by field-level security
        (_field("pi__score__c", "double", sample={5.0: 3, 40.0: 2}), "only 5 leads"),
    ],
)
def test_a_package_score_init_cannot_use_is_listed_with_what_to_decide(
    score: FieldFacts | None, why: str
) -> None:
    """Account Engagement's score is how its page views reach sfsync: never dropped silently."""
    fields = dict(_survey().lead_fields)
    fields["pi__grade__c"] = _field("pi__grade__c", "string", sample={"A": 5, "B": 5})
    fields["pi__last_activity__c"] = _field("pi__last_activity__c", "datetime")
    if score is not None:
        fields["pi__score__c"] = score
    proposal = propose(_survey(lead_fields=fields, task_subjects=[]), today=TODAY)
    assert "ma_score" not in proposal.data["engagement"]["signals"]
    (decide,) = [d for what, d in proposal.notes.unmapped if what.startswith("pi__score__c")]
    assert why in decide
    text = " ".join(line.lstrip("# ") for line in render_definition(proposal).splitlines())
    assert "pi__score__c (Account Engagement (Pardot) score)" in text


def test_account_engagement_s_list_email_tasks_are_never_engagement_nor_a_touch() -> None:
    """Sends logged by the connector (even as a person) are recognised, cited and excluded."""
    fields = dict(_survey().lead_fields)
    fields["pi__score__c"] = _field(
        "pi__score__c", "double", sample={float(v): 10 for v in range(0, 200, 5)}
    )
    fields["pi__last_activity__c"] = _field("pi__last_activity__c", "datetime")
    sends = [
        TaskGroup("Pardot List Email: May Newsletter", None, None, None, ROBOT, 800, 700),
        TaskGroup("Pardot List Email: June Newsletter", None, None, None, REP, 50, 50),
        TaskGroup("Call: discovery", None, None, None, REP, 400, 200),
    ]
    proposal = propose(_survey(lead_fields=fields, task_subjects=sends), today=TODAY)
    data = proposal.data
    assert not [s for s in data["engagement"]["sources"] if s["object"] == "Task"]
    assert "ma_score" in data["engagement"]["signals"]  # sends are not activity Tasks
    task = data["touches"]["sources"][0]["when"]["all"]
    assert {"not": {"field": "Subject", "matches": "^pardot list email:"}} in task
    text = render_definition(proposal)
    assert 'Tasks "Pardot List Email: ..." 850: emails Account Engagement sent' in " ".join(
        line.lstrip("# ") for line in text.splitlines()
    )
    assert "# https://github.com/PDMJediMaster/pdm-intelligence/blob/" in text  # a whole URL
    (plan,) = [p for p in _lints(text).activity_plan if p.object == "Task"]
    ((touch, _, _),) = plan.touch_sources
    call = {"Status": "Completed", "Type": "Call", "Subject": "Call: discovery"}
    send = {"Status": "Completed", "Type": "Email", "Subject": "Pardot List Email: May"}
    now = datetime(2026, 11, 20, tzinfo=UTC)
    assert touch(call, now)
    assert not touch(send, now)


def test_package_tasks_that_share_a_prefix_keep_their_signals_apart() -> None:
    """Marketo's "Visited Web Page: Pricing" and "...: Competitor Comparison" stay two signals."""
    visits = [
        TaskGroup("Visited Web Page: Pricing", None, None, None, ROBOT, 300, 200),
        TaskGroup("Visited Web Page: Competitor Comparison", None, None, None, ROBOT, 40, 30),
        TaskGroup("Filled Out Form: Request a Demo", None, None, None, ROBOT, 100, 90),
    ]
    fields = dict(_survey().lead_fields)
    fields["mkto71_Lead_Score__c"] = _field("mkto71_Lead_Score__c", "double")
    data = propose(_survey(lead_fields=fields, task_subjects=visits), today=TODAY).data
    tests = {
        s["signal"]: re.compile(s["when"]["matches"], re.IGNORECASE)
        for s in data["engagement"]["sources"]
        if s["object"] == "Task"
    }
    assert {"content_form_fill", "pricing_page_view", "competitor_research"} == set(tests)
    assert tests["pricing_page_view"].search("Visited Web Page: Pricing")
    assert not tests["pricing_page_view"].search("Visited Web Page: Competitor Comparison")
    assert tests["competitor_research"].search("Visited Web Page: Competitor Comparison")
    assert "^filled out form:" == tests["content_form_fill"].pattern


def test_an_org_without_campaigns_or_automation_still_gets_a_valid_definition() -> None:
    """Nothing but standard fields and reps' calls: engagement has no source, lint says so."""
    survey = _survey(task_subjects=[], campaign_groups=[], lead_fields={
        k: v for k, v in _survey().lead_fields.items() if not k.endswith("__c")
    })  # fmt: skip
    proposal = propose(survey, today=TODAY)
    compiled = _lints(render_definition(proposal))
    assert {} == dict(compiled.definition.engagement.signals)
    assert [n for n, _ in compiled.definition.bant.judged()] == ["authority"]


def test_custom_web_activity_is_split_by_url() -> None:
    """A custom object with URLs: pricing and compare pages first, every other page a visit."""
    web = ActivityObject(
        "Page_View__c", "Page View", "Lead__c", ("Viewed_At__c",), 500, 200, ("Url__c",),
        {"Url__c": Counter({"https://x.io/pricing": 50, "https://x.io/vs-acme": 5,
                            "https://x.io/blog": 300})},
    )  # fmt: skip
    data = propose(_survey(activity_objects=[web]), today=TODAY).data
    web_sources = [s for s in data["engagement"]["sources"] if s["object"] == "Page_View__c"]
    assert ["pricing_page_view", "competitor_research", "site_visit"] == [
        s["signal"] for s in web_sources
    ]
    assert {"Viewed_At__c"} == {s["at"] for s in web_sources}


@pytest.mark.parametrize(
    ("values", "met", "unknown"),
    [
        (["Yes", "No", "Pending"], ["Yes", "Pending"], []),
        (["Approved", "Planned", "None", "Not sure"], ["Approved", "Planned"], ["Not sure"]),
    ],
)
def test_budget_answers_are_classified_by_their_words(
    values: list[str], met: list[str], unknown: list[str]
) -> None:
    """Yes/approved/planned/pending meet budget; unknown-like answers are unknown."""
    found, not_known, _ = classify_budget(values)
    assert (met, unknown) == (found, not_known)


def test_timeframes_within_twelve_months_are_met() -> None:
    """Ranges up to 12 months and 'immediately' meet timeframe; 12+ and no plans do not."""
    met, unknown, later = classify_timeframe(
        ["0-3 months", "Immediately", "6-12 Months", "12+ months", "No Plans", "Unknown"]
    )
    assert ["0-3 months", "Immediately", "6-12 Months"] == met
    assert ["Unknown"] == unknown
    assert ["12+ months", "No Plans"] == later


def test_non_human_users_by_package_name_profile_and_type() -> None:
    """The integration user, a package's user, an API-only profile, an automated user type."""
    survey = _survey(
        users={
            REP: UserFacts(REP, "Rita Rep", tasks=10),
            ROBOT: UserFacts(ROBOT, "B2BMA Integration", tasks=3),
            "005D": UserFacts("005D", "Dana Ops", profile="Minimum Access - API Only Integrations"),
            "005E": UserFacts("005E", "Flow", user_type="AutomatedProcess"),
            US: UserFacts(US, "sfsync Integration"),
        }
    )
    found = {n.user.name: n.why for n in non_human_users(survey, [ACCOUNT_ENGAGEMENT])}
    assert found == {
        "B2BMA Integration": "Account Engagement (Pardot)'s user",
        "Dana Ops": "profile 'Minimum Access - API Only Integrations'",
        "Flow": "user type AutomatedProcess",
        "sfsync Integration": "the user sfsync runs as",
    }


def test_numbers_in_the_sample_are_read_as_floats() -> None:
    """A number field's sample becomes one float per lead; text fields give none."""
    assert [1.0, 1.0, 2.5] == sorted(
        numeric_values(_field("X__c", "double", sample={1: 2, "2.5": 1}))
    )
    assert [] == numeric_values(_field("Title", "string", sample={"VP": 3}))
    assert Notes().unmapped == []


def test_the_enough_data_rule_follows_the_inputs_present() -> None:
    """Two of three groups as the default; with fewer groups, as many as there are."""
    full = {name: {} for name in ("industry", "employees", "title")}
    assert {
        "min_known": 2,
        "groups": {
            "industry": ["industry"],
            "company size or revenue": ["employees"],
            "title": ["title"],
        },
    } == propose_known_groups(full)
    assert {"min_known": 1, "groups": {"title": ["title"]}} == propose_known_groups({"title": {}})


def test_signal_points_are_the_default_definition_s() -> None:
    """A proposed signal earns what the default definition's does (tune adjusts them later)."""
    default = yaml.safe_load(DEFAULT_YAML.read_text())["engagement"]["signals"]
    for name, spec in default.items():
        assert (spec["points"], spec["cap"]) == (SIGNALS[name]["points"], SIGNALS[name]["cap"])

"""
Reading an org for `sfsync init`: describe Lead and the objects that hold activity for
leads, then a handful of cheap queries — one COUNT per Lead field group, one sample of the
newest leads, and GROUP BY aggregates over tasks, events and campaign responses — so that
a 100,000-lead org costs about twenty API calls, whatever its size.

Only the SOQL builders in `salesforce.soql` write query text. Anything the integration user
cannot see simply is not there: init proposes from what it can read, and says what is
missing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from sfsync.errors import ConfigError, SalesforceError
from sfsync.onboarding.facts import (
    DATE_TYPES,
    ActivityObject,
    CampaignGroup,
    FieldFacts,
    OrgSurvey,
    TaskGroup,
    UserFacts,
)
from sfsync.salesforce.soql import build_aggregate, build_select, format_soql

SAMPLE_SIZE = 2_000
"""Newest leads read in full (one REST page)."""
MAX_GROUPS = 2_000
"""Rows an aggregate query returns at most (Salesforce's cap for aggregate results)."""
MAX_CUSTOM_OBJECTS = 5
MAX_LEAD_FIELDS = 150
AUDIT = frozenset(
    {
        "CreatedDate",
        "LastModifiedDate",
        "SystemModstamp",
        "LastActivityDate",
        "LastViewedDate",
        "LastReferencedDate",
        "IsDeleted",
        "CreatedById",
        "LastModifiedById",
        "Id",
    }
)
_SKIP_TYPES = frozenset(
    {
        "id",
        "reference",
        "boolean",
        "address",
        "location",
        "base64",
        "encryptedstring",
        "phone",
        "anyType",
        "complexvalue",
    }
)
_PERSONAL = frozenset(
    {
        "firstname",
        "lastname",
        "name",
        "salutation",
        "middlename",
        "suffix",
        "street",
        "city",
        "state",
        "postalcode",
        "latitude",
        "longitude",
        "geocodeaccuracy",
        "statecode",
        "countrycode",
        "jigsaw",
        "photourl",
        "emailbouncedreason",
        "emailbounceddate",
        "description",
    }
)
# Standard fields a definition reads, counted and sampled first.
_STANDARD = (
    "Industry",
    "NumberOfEmployees",
    "AnnualRevenue",
    "Title",
    "Email",
    "Country",
    "LeadSource",
    "Rating",
    "Status",
)


class SurveyClient(Protocol):
    """What init calls on the org (`salesforce.client.SalesforceClient` has it)."""

    calls: int

    def describe_or_none(self, sobject: str) -> dict[str, Any] | None:
        """The object's describe, or None when the org has none the user can see."""
        ...

    def query(
        self, soql: str, *, include_deleted: bool = False, batch_size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Run *soql* and yield every record."""
        ...

    def user_id(self) -> str:
        """The user sfsync runs as."""
        ...


Progress = Callable[[str], None]


def survey_org(
    client: SurveyClient, *, instance: str, progress: Progress | None = None
) -> OrgSurvey:
    """
    Read what init needs from the org.

    Raises:
        ConfigError: the integration user cannot see the Lead object.
        SalesforceError: and subclasses, as the client raises them.
    """
    say = progress or (lambda _: None)
    start = client.calls
    say("describing Lead")
    lead = client.describe_or_none("Lead")
    if lead is None:
        msg = "the integration user cannot see the Lead object: give it read access to Leads"
        raise ConfigError(msg)
    candidates = lead_candidates(lead)
    say("counting Lead fields")
    total, filled = _fill_counts(client, candidates)
    say("sampling the newest leads")
    samples, converted, size = _sample(client, candidates)
    fields = {
        f["name"]: FieldFacts(
            name=str(f["name"]),
            label=str(f.get("label") or f["name"]),
            type=str(f.get("type")),
            custom=bool(f.get("custom")),
            picklist=tuple(
                str(p["value"]) for p in f.get("picklistValues") or [] if p.get("active", True)
            ),
            filled=filled.get(f["name"]),
            sample=samples.get(f["name"], Counter()),
            sample_size=size,
        )
        for f in candidates
    }
    survey = OrgSurvey(
        instance=instance,
        leads=total,
        lead_fields=fields,
        converted_in_sample=converted,
        sample_size=size,
    )
    say("reading activity")
    _tasks(client, survey)
    _events(client, survey)
    _campaigns(client, survey)
    survey.activity_objects = _custom_objects(client, lead, survey)
    say("reading users")
    _users(client, survey)
    rows = _rows(client, build_select("Organization", ["Name"], limit=1), survey, "Organization")
    survey.org_name = str(rows[0].get("Name") or "") if rows else ""
    survey.api_calls = client.calls - start
    return survey


# --- Lead ------------------------------------------------------------------------------------


def lead_candidates(describe: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """
    The Lead fields worth counting and sampling, standard ones first: not Ids, audit,
    address or name parts, not sfsync's own outputs, not long text; at most
    MAX_LEAD_FIELDS.
    """
    fields = [f for f in describe.get("fields", []) if _is_candidate(f)]
    order = {name: i for i, name in enumerate(_STANDARD)}
    fields.sort(key=lambda f: (order.get(f["name"], len(order)), not f.get("custom")))
    return fields[:MAX_LEAD_FIELDS]


def _is_candidate(f: Mapping[str, Any]) -> bool:
    name = str(f.get("name", ""))
    if name in AUDIT or name.lower() in _PERSONAL or name.startswith("SFS_"):
        return False
    if str(f.get("type")) in _SKIP_TYPES or f.get("aggregatable") is False:
        return False
    return not (f.get("type") == "textarea" and int(f.get("length") or 0) > 255)


def _fill_counts(
    client: SurveyClient, fields: Sequence[Mapping[str, Any]]
) -> tuple[int, dict[str, int]]:
    names = [str(f["name"]) for f in fields]
    soql = build_aggregate("Lead", [("COUNT", "Id"), *(("COUNT", n) for n in names)])
    (row,) = list(client.query(soql))
    return int(row["a0"] or 0), {n: int(row[f"a{i + 1}"] or 0) for i, n in enumerate(names)}


def _sample(
    client: SurveyClient, fields: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Counter[Any]], int, int]:
    names = [str(f["name"]) for f in fields]
    soql = build_select(
        "Lead", [*names, "IsConverted"], order_by="CreatedDate DESC", limit=SAMPLE_SIZE
    )
    samples: dict[str, Counter[Any]] = {n: Counter() for n in names}
    converted = size = 0
    for record in client.query(soql, batch_size=SAMPLE_SIZE):
        size += 1
        converted += bool(record.get("IsConverted"))
        for name in names:
            value = record.get(name)
            if value not in (None, ""):
                samples[name][value] += 1
    return samples, converted, size


# --- activity --------------------------------------------------------------------------------


def _rows(client: SurveyClient, soql: str, survey: OrgSurvey, what: str) -> list[dict[str, Any]]:
    try:
        return list(client.query(soql))
    except SalesforceError as exc:
        if exc.status in (400, 404):  # the object or a field is not visible to this user
            survey.notes.append(f"{what}: not readable ({exc.error_code or exc.status})")
            return []
        raise


def _tasks(client: SurveyClient, survey: OrgSurvey) -> None:
    if client.describe_or_none("Task") is None:
        survey.objects_missing = [*survey.objects_missing, "Task"]
        return
    on_leads = format_soql("Who.Type = {}", "Lead")
    groups = build_aggregate(
        "Task",
        [("COUNT", "Id"), ("COUNT_DISTINCT", "WhoId")],
        group_by=["Type", "TaskSubtype", "Status", "CreatedById"],
        where=on_leads,
        biggest_first=True,
        limit=MAX_GROUPS,
    )
    survey.task_groups = [
        TaskGroup(
            None,
            r.get("Type"),
            r.get("TaskSubtype"),
            r.get("Status"),
            r.get("CreatedById"),
            int(r["a0"]),
            int(r["a1"] or 0),
        )
        for r in _rows(client, groups, survey, "Task types")
    ]
    subjects = build_aggregate(
        "Task",
        [("COUNT", "Id"), ("COUNT_DISTINCT", "WhoId")],
        group_by=["Subject", "CreatedById"],
        where=on_leads,
        biggest_first=True,
        limit=MAX_GROUPS,
    )
    survey.task_subjects = [
        TaskGroup(
            r.get("Subject"),
            None,
            None,
            None,
            r.get("CreatedById"),
            int(r["a0"]),
            int(r["a1"] or 0),
        )
        for r in _rows(client, subjects, survey, "Task subjects")
    ]


def _events(client: SurveyClient, survey: OrgSurvey) -> None:
    if client.describe_or_none("Event") is None:
        survey.objects_missing = [*survey.objects_missing, "Event"]
        return
    soql = build_aggregate(
        "Event",
        [("COUNT", "Id"), ("COUNT_DISTINCT", "WhoId")],
        group_by=["Type", "CreatedById"],
        where=format_soql("Who.Type = {}", "Lead"),
        biggest_first=True,
        limit=MAX_GROUPS,
    )
    survey.event_groups = [
        TaskGroup(
            None, r.get("Type"), None, None, r.get("CreatedById"), int(r["a0"]), int(r["a1"] or 0)
        )
        for r in _rows(client, soql, survey, "Events")
    ]


def _campaigns(client: SurveyClient, survey: OrgSurvey) -> None:
    member = client.describe_or_none("CampaignMember")
    if member is None or client.describe_or_none("Campaign") is None:
        survey.objects_missing = [*survey.objects_missing, "CampaignMember"]
        return
    on_leads = "LeadId != null"
    soql = build_aggregate(
        "CampaignMember",
        [("COUNT", "Id")],
        group_by=["Campaign.Type", "Campaign.Name", "HasResponded"],
        where=on_leads,
        biggest_first=True,
        limit=MAX_GROUPS,
    )
    survey.campaign_groups = [
        CampaignGroup(r.get("Type"), r.get("Name"), bool(r.get("HasResponded")), int(r["a0"]))
        for r in _rows(client, soql, survey, "Campaign members")
    ]
    converted = build_aggregate(
        "CampaignMember",
        [("COUNT_DISTINCT", "LeadId")],
        group_by=["Campaign.Type", "Lead.IsConverted"],
        where=f"{on_leads} AND HasResponded = true",
    )
    out: dict[str, tuple[int, int]] = {}
    for r in _rows(client, converted, survey, "Campaign responders' conversion"):
        ctype = str(r.get("Type") or "")
        leads, won = out.get(ctype, (0, 0))
        n = int(r["a0"] or 0)
        out[ctype] = (leads + n, won + (n if r.get("IsConverted") else 0))
    survey.responder_conversion = out


def _custom_objects(
    client: SurveyClient, lead: Mapping[str, Any], survey: OrgSurvey
) -> list[ActivityObject]:
    children = [
        (str(c["childSObject"]), str(c["field"]))
        for c in lead.get("childRelationships", [])
        if str(c.get("childSObject", "")).endswith("__c") and c.get("field")
    ]
    found: list[ActivityObject] = []
    for name, lead_field in children[:MAX_CUSTOM_OBJECTS]:
        describe = client.describe_or_none(name)
        if describe is None:
            continue
        fields = describe.get("fields", [])
        dates = [
            str(f["name"]) for f in fields if f.get("type") in DATE_TYPES and f["name"] not in AUDIT
        ]
        if not dates:
            survey.notes.append(f"{name}: points at leads but has no date field of its own")
            continue
        texts = [
            str(f["name"])
            for f in fields
            if f.get("type") in ("url", "string", "picklist")
            and f.get("groupable")
            and f["name"] not in ("Name",)
            and f["name"] != lead_field
        ]
        found.append(_activity_object(client, survey, describe, lead_field, dates, texts[:2]))
    if len(children) > MAX_CUSTOM_OBJECTS:
        survey.notes.append(
            f"{len(children)} custom objects point at leads; read the first {MAX_CUSTOM_OBJECTS}"
        )
    return found


def _activity_object(
    client: SurveyClient,
    survey: OrgSurvey,
    describe: Mapping[str, Any],
    lead_field: str,
    dates: list[str],
    texts: list[str],
) -> ActivityObject:
    name = str(describe["name"])
    totals = _rows(
        client,
        build_aggregate(name, [("COUNT", "Id"), ("COUNT_DISTINCT", lead_field)]),
        survey,
        name,
    )
    values: dict[str, Counter[str]] = {}
    for text in texts[:1]:
        soql = build_aggregate(
            name, [("COUNT", "Id")], group_by=[text], biggest_first=True, limit=MAX_GROUPS
        )
        values[text] = Counter(
            {str(r.get(text)): int(r["a0"]) for r in _rows(client, soql, survey, name)}
        )
    row = totals[0] if totals else {}
    return ActivityObject(
        name=name,
        label=str(describe.get("label") or name),
        lead_field=lead_field,
        date_fields=tuple(dates),
        records=int(row.get("a0") or 0),
        leads=int(row.get("a1") or 0),
        text_fields=tuple(texts),
        values=values,
    )


# --- users -----------------------------------------------------------------------------------


def _users(client: SurveyClient, survey: OrgSurvey) -> None:
    describe = client.describe_or_none("User")
    names = {str(f["name"]) for f in (describe or {}).get("fields", [])}
    fields = ["Id", "Name", "IsActive", *(["UserType"] if "UserType" in names else [])]
    if "ProfileId" in names:
        fields.append("Profile.Name")
    rows = _rows(client, build_select("User", fields, limit=MAX_GROUPS), survey, "Users")
    tasks, events = Counter[str](), Counter[str]()
    for groups, counter in ((survey.task_groups, tasks), (survey.event_groups, events)):
        for group in groups:
            counter[group.created_by or ""] += group.records
    survey.users = {}
    for r in rows:
        uid, profile = str(r["Id"]), r.get("Profile")
        survey.users[uid] = UserFacts(
            id=uid,
            name=str(r.get("Name") or ""),
            active=bool(r.get("IsActive", True)),
            user_type=r.get("UserType"),
            profile=profile.get("Name") if isinstance(profile, dict) else None,
            tasks=tasks[uid],
            events=events[uid],
        )
    try:
        survey.integration_user_id = client.user_id()
    except SalesforceError:
        survey.notes.append("could not tell which user sfsync runs as")

"""Fault injection: each fault appears exactly as configured, with Salesforce's status and body."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from simple_salesforce import Salesforce

from sfsync.sandbox.faults import FaultSpec, FaultSpecError, load_faults, parse_faults
from sfsync.sandbox.server import RunningSandbox
from tests.sandbox.conftest import PinnedSession, auth_headers, lead_ids, payload


def _install(http: PinnedSession, sandbox: RunningSandbox, spec: dict[str, object]) -> None:
    response = http.post(
        f"{sandbox.url}/__sandbox/faults", json=spec, headers=auth_headers(sandbox)
    )
    assert response.status_code == 200, response.text


def _limits(http: PinnedSession, sandbox: RunningSandbox) -> requests.Response:
    return http.get(f"{sandbox.url}/services/data/v62.0/limits/", headers=auth_headers(sandbox))


def test_load_faults_from_yaml(tmp_path: Path) -> None:
    """A YAML spec loads into the dataclasses."""
    path = tmp_path / "faults.yaml"
    path.write_text(
        "http_errors:\n  - {status: 503, count: 2}\nlock_row: {share: 0.5, seed: 3}\n"
        "validation_rules:\n  - {message: Rejected, field: Title, equals: Student}\n"
    )
    spec = load_faults(path)
    assert spec.http_errors[0].status == 503
    assert spec.http_errors[0].count == 2
    assert (spec.lock_row.share, spec.lock_row.seed, spec.lock_row.attempts) == (0.5, 3, None)
    assert spec.validation_rules[0].field == "Title"


def test_bad_spec_lists_every_problem(tmp_path: Path) -> None:
    """A bad spec file raises FaultSpecError naming the file and each problem."""
    path = tmp_path / "faults.json"
    path.write_text(
        '{"http_errors": [{"status": 404, "count": -1}], "lock_row": {"share": 2},'
        ' "validation_rules": [{"ids": []}], "bogus": 1}'
    )
    with pytest.raises(FaultSpecError) as info:
        load_faults(path)
    text = str(info.value)
    assert str(path) in text
    for needle in (
        "http_errors[0].status",
        "http_errors[0].count",
        "lock_row.share",
        "validation_rules[0].message",
        "bogus: unknown key",
    ):
        assert needle in text


def test_unreadable_spec_is_config_error(tmp_path: Path) -> None:
    """A missing or unparseable file is a FaultSpecError too."""
    with pytest.raises(FaultSpecError, match="cannot read"):
        load_faults(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("http_errors: [\n")
    with pytest.raises(FaultSpecError, match="not valid JSON/YAML"):
        load_faults(tmp_path / "bad.yaml")


def test_admin_endpoint_rejects_bad_specs_and_needs_a_token(
    http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """The admin endpoint answers 400 with the problems, and 401 without a token."""
    bad = http.post(
        f"{sandbox.url}/__sandbox/faults",
        json={"http_errors": [{"status": 503}]},
        headers=auth_headers(sandbox),
    )
    assert bad.status_code == 400
    assert "count" in bad.json()["problems"][0]
    assert http.get(f"{sandbox.url}/__sandbox/faults").status_code == 401


def test_5xx_burst_for_next_n_calls(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """http_errors with count N: the next N API calls get the 5xx (HTML), then calls succeed."""
    _install(http, sandbox, {"http_errors": [{"status": 503, "count": 2}]})
    statuses = [_limits(http, sandbox) for _ in range(3)]
    assert [r.status_code for r in statuses] == [503, 503, 200]
    assert statuses[0].headers["Content-Type"].startswith("text/html")
    assert b"Service Unavailable" in statuses[0].content
    assert sandbox.org.api_calls == 1


def test_5xx_on_matching_path_every_time(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """http_errors with a path: every matching call gets the 5xx (JSON body), others pass."""
    _install(
        http, sandbox, {"http_errors": [{"status": 500, "path": "/composite/", "body": "json"}]}
    )
    for _ in range(2):
        response = http.patch(
            f"{sandbox.url}/services/data/v62.0/composite/sobjects",
            json={"records": []},
            headers=auth_headers(sandbox),
        )
        assert response.status_code == 500
        assert response.json()[0]["errorCode"] == "UNKNOWN_EXCEPTION"
    assert _limits(http, sandbox).status_code == 200


def test_connection_reset_for_next_n_calls(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """connection_resets: the socket is closed without an answer, then service resumes."""
    _install(http, sandbox, {"connection_resets": {"count": 1}})
    with pytest.raises(requests.exceptions.ConnectionError):
        _limits(http, sandbox)
    assert _limits(http, sandbox).status_code == 200


def test_session_expires_after_n_calls_until_reauth(
    http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """session_expires_after N: N calls pass, then 401 until a new token is issued."""
    old_token = sandbox.token
    _install(http, sandbox, {"session_expires_after": 2})
    assert [_limits(http, sandbox).status_code for _ in range(4)] == [200, 200, 401, 401]
    assert payload("error_401_invalid_session_id.json") == _limits(http, sandbox).json()
    org = sandbox.org
    token = http.post(
        f"{sandbox.url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": org.client_id,
            "client_secret": org.client_secret,
        },
    ).json()["access_token"]
    assert token != old_token
    assert f"SFSYNC_SF_ACCESS_TOKEN={token}" in sandbox.env_file.read_text()
    assert _limits(http, sandbox).status_code == 200


def test_daily_limit_runs_out(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """request_limit_after N: N calls pass, then the recorded 403 REQUEST_LIMIT_EXCEEDED."""
    _install(http, sandbox, {"request_limit_after": 2})
    responses = [_limits(http, sandbox) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 403]
    assert responses[0].json()["DailyApiRequests"] == {"Max": 100000, "Remaining": 1}
    assert payload("error_403_request_limit_exceeded.json") == responses[2].json()
    assert responses[2].headers["Sforce-Limit-Info"] == "api-usage=100000/100000"


def test_api_disabled_refuses_every_call_as_salesforce_does(
    http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """api_disabled: the 403 API_DISABLED_FOR_ORG a user without "API Enabled" gets; not
    counted; a spec without it (or with a non-boolean) turns it off or is refused."""
    _install(http, sandbox, {"api_disabled": True})
    used = sandbox.org.api_calls
    refused = _limits(http, sandbox)
    assert refused.status_code == 403
    assert refused.json() == [
        {
            "message": "The REST API is not enabled for this Organization.",
            "errorCode": "API_DISABLED_FOR_ORG",
        }
    ]
    assert sandbox.org.api_calls == used
    _install(http, sandbox, {})
    assert _limits(http, sandbox).status_code == 200
    with pytest.raises(FaultSpecError, match="api_disabled: expected true or false"):
        parse_faults({"api_disabled": "yes"})


def test_daily_api_limit_is_configurable(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """daily_api_limit sets DailyApiRequests Max."""
    _install(http, sandbox, {"daily_api_limit": 15000})
    assert _limits(http, sandbox).json()["DailyApiRequests"]["Max"] == 15000


def test_lock_row_is_deterministic_per_record(sf: Salesforce, sandbox: RunningSandbox) -> None:
    """lock_row fails a fixed share of Ids for `attempts` tries, then lets them through."""
    sandbox.org.install_faults(parse_faults({"lock_row": {"share": 0.3, "seed": 1, "attempts": 1}}))
    ids = lead_ids(sandbox, 100)
    records = [{"attributes": {"type": "Lead"}, "id": i, "SFS_Score__c": 1} for i in ids]
    first = sf.restful("composite/sobjects", method="PATCH", json={"records": records})
    locked = [r["id"] for r in first if not r["success"]]
    assert 15 < len(locked) < 45
    expected = [i for i in ids if sandbox.org.faults.spec.lock_row.hits(i)]
    assert expected == locked
    error = next(r for r in first if not r["success"])["errors"][0]
    assert error["statusCode"] == "UNABLE_TO_LOCK_ROW"
    assert (
        payload("error_400_unable_to_lock_row.json")[0]["message"].split(":")[0]
        == error["message"].split(":")[0]
    )
    second = sf.restful("composite/sobjects", method="PATCH", json={"records": records})
    assert all(r["success"] for r in second)


def test_lock_row_on_single_patch_and_bulk(
    sf: Salesforce, http: PinnedSession, sandbox: RunningSandbox
) -> None:
    """Always-on lock_row: single PATCH is 400 UNABLE_TO_LOCK_ROW; Bulk reports it per record."""
    sandbox.org.install_faults(parse_faults({"lock_row": {"share": 1.0}}))
    (lead_id,) = lead_ids(sandbox, 1)
    response = http.patch(
        f"{sandbox.url}/services/data/v62.0/sobjects/Lead/{lead_id}",
        json={"SFS_Score__c": 2},
        headers=auth_headers(sandbox),
    )
    assert response.status_code == 400
    expected = payload("error_400_unable_to_lock_row.json")[0]
    body = response.json()[0]
    assert set(expected) == set(body)
    assert (
        f"unable to obtain exclusive access to this record or 1 records: {lead_id}"
        == body["message"]
    )
    (result,) = sf.bulk2.Lead.update(records=[{"Id": lead_id, "SFS_Score__c": "2"}], wait=0)
    failed = sf.bulk2.Lead.get_failed_records(result["job_id"]).splitlines()[1]
    assert failed.startswith(f'"{lead_id}","UNABLE_TO_LOCK_ROW:unable to obtain exclusive access')
    assert ':--",' in failed


def test_validation_rule_by_ids_and_by_field(sf: Salesforce, sandbox: RunningSandbox) -> None:
    """Validation rules reject chosen Ids and matching records (custom validation error)."""
    ids = lead_ids(sandbox, 3)
    sandbox.org.install_faults(
        parse_faults(
            {
                "validation_rules": [
                    {"message": "Locked by finance", "ids": [ids[0]]},
                    {
                        "message": "No students",
                        "field": "Title",
                        "equals": "Student",
                        "error_field": "Title",
                    },
                ]
            }
        )
    )
    results = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "records": [
                {"attributes": {"type": "Lead"}, "id": ids[0], "SFS_Score__c": 1},
                {"attributes": {"type": "Lead"}, "id": ids[1], "Title": "Student"},
                {"attributes": {"type": "Lead"}, "id": ids[2], "Title": "CTO"},
            ]
        },
    )
    assert results[0]["errors"][0] == {
        "statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "message": "Locked by finance",
        "fields": [],
    }
    assert results[1]["errors"][0] == {
        "statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "message": "No students",
        "fields": ["Title"],
    }
    assert results[2]["success"] is True


def test_call_log_and_reset(http: PinnedSession, sandbox: RunningSandbox) -> None:
    """Every call is logged (method, path, status, records); reset-calls starts a new day."""
    _limits(http, sandbox)
    http.get(f"{sandbox.url}/services/data/v62.0/limits/", headers={"Authorization": "Bearer bad"})
    calls = http.get(f"{sandbox.url}/__sandbox/calls", headers=auth_headers(sandbox)).json()
    assert calls["api_calls"] == 1
    assert [(c["status"], c["counted"]) for c in calls["calls"][-2:]] == [(200, True), (401, False)]
    http.post(f"{sandbox.url}/__sandbox/reset-calls", headers=auth_headers(sandbox))
    assert sandbox.org.api_calls == 0
    assert _limits(http, sandbox).json()["DailyApiRequests"]["Remaining"] + 1 == 100000


def test_spec_from_start_sandbox(data_dir: Path) -> None:
    """start_sandbox takes a FaultSpec (or a file) at start."""
    from sfsync.sandbox.server import start_sandbox

    with start_sandbox(data_dir, faults=FaultSpec(daily_api_limit=5000)) as running:
        assert running.org.daily_api_limit == 5000

"""
The sandbox org's admin endpoints, for tests and benchmarks (outside /services/, never counted
or faulted; any token the org ever issued, expired ones too):

- `GET|POST|DELETE /__sandbox/faults`: the active fault spec;
- `GET /__sandbox/calls?limit=N`, `POST /__sandbox/reset-calls`: the API-call log;
- `GET /__sandbox/writes`: every record written successfully since the last reset;
- `GET|POST|DELETE /__sandbox/describe`: hide or retype fields in describe (`sfsync check`).
"""

from __future__ import annotations

import structlog

from sfsync.sandbox import auth, rest
from sfsync.sandbox.faults import FaultSpec, FaultSpecError, parse_faults
from sfsync.sandbox.org import SandboxOrg
from sfsync.sandbox.protocol import (
    ApiError,
    Request,
    Response,
    error_body,
    json_response,
    not_found,
)
from sfsync.sandbox.schema import get_object

log = structlog.get_logger(__name__)


def invalid_session() -> Response:
    """Salesforce's 401 for an unknown or expired session."""
    return json_response(401, error_body("INVALID_SESSION_ID", "Session expired or invalid"))


def handle(request: Request, org: SandboxOrg) -> Response:  # noqa: PLR0911 - one return per case reads best here
    """One admin request, authenticated by any token the org ever issued."""
    token = auth.bearer_token(request)
    if token is None or not org.token_was_issued(token):
        return invalid_session()
    path = request.path.rstrip("/")
    if path == "/__sandbox/faults":
        if request.method == "GET":
            return json_response(200, org.faults.snapshot())
        if request.method == "DELETE":
            org.install_faults(FaultSpec())
            return json_response(200, org.faults.snapshot())
        if request.method in ("POST", "PUT"):
            try:
                spec = parse_faults(request.json(), source="POST /__sandbox/faults")
            except ApiError as exc:
                return exc.to_response()
            except FaultSpecError as exc:
                return json_response(400, {"error": "invalid_fault_spec", "problems": exc.problems})
            org.install_faults(spec)
            log.info("sfsync.sandbox.faults_installed")
            return json_response(200, org.faults.snapshot())
        return rest.method_not_allowed(request.method, "GET, POST, DELETE")
    if path == "/__sandbox/calls" and request.method == "GET":
        limit_text = request.param("limit") or "100"
        limit = int(limit_text) if limit_text.isdigit() else 100
        return json_response(
            200,
            {
                "api_calls": org.api_calls,
                "api_usage": org.api_usage,
                "daily_api_limit": org.daily_api_limit,
                "calls": org.calls.recent(limit),
            },
        )
    if path == "/__sandbox/describe":
        return _describe(request, org)
    if path == "/__sandbox/writes" and request.method == "GET":
        return json_response(200, {"writes": org.calls.writes()})
    if path == "/__sandbox/reset-calls" and request.method == "POST":
        org.reset_calls()
        return json_response(200, {"api_calls": 0})
    return not_found().to_response()


def _describe(request: Request, org: SandboxOrg) -> Response:
    """
    Alter what describe reports, to play an org whose schema differs (`sfsync check`):
    POST `{"Lead": {"SFS_Score__c": null, "SFS_Grade__c": {"type": "double"}}}` hides
    SFS_Score__c and retypes SFS_Grade__c; DELETE restores the demo org's describe.
    """
    if request.method in ("POST", "PUT"):
        try:
            body = request.json()
        except ApiError as exc:
            return exc.to_response()
        valid = isinstance(body, dict) and all(
            isinstance(fields, dict)
            and all(v is None or isinstance(v, dict) for v in fields.values())
            for fields in body.values()
        )
        if not valid:
            return json_response(
                400, {"error": "expected {object: {field: null | {describe key: value}}}"}
            )
        org.describe_overrides = {
            (obj.name if (obj := get_object(name)) else name): fields
            for name, fields in body.items()
        }
    elif request.method == "DELETE":
        org.describe_overrides = {}
    elif request.method != "GET":
        return rest.method_not_allowed(request.method, "GET, POST, DELETE")
    return json_response(200, org.describe_overrides)

"""
The SOAP Metadata API (`POST /services/Soap/m/{version}`), the path `sf project deploy start`
takes by default (jsforce `metadata.deploy` and `checkDeployStatus`): `deploy` (a base64 zip
and DeployOptions) answers an AsyncResult, `checkDeployStatus` the DeployResult, and
`cancelDeploy` a CancelDeployResult, in the envelopes of
https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_deploy.htm and
meta_checkdeploystatus.htm. The deploys themselves are `metadata.MetadataDeploys`', shared
with the REST deployRequest.

The session comes in the SessionHeader; a bad one is the fault jsforce re-logs in on (HTTP 500,
`sf:INVALID_SESSION_ID`). Every call counts against the daily API limit.
"""

from __future__ import annotations

import base64
import binascii
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from sfsync.sandbox.metadata import MetadataDeploys, check_options
from sfsync.sandbox.org import SandboxOrg
from sfsync.sandbox.protocol import ApiError, Request, Response

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
METADATA_NS = "http://soap.sforce.com/2006/04/metadata"
_XML_TYPE = "text/xml;charset=UTF-8"
_BOOL_OPTIONS = frozenset({"allowMissingFiles", "autoUpdatePackage", "checkOnly",
                           "ignoreWarnings", "performRetrieve", "purgeOnDelete",
                           "rollbackOnError", "runAllTests", "singlePackage"})  # fmt: skip
# Other Metadata API calls: named in the fault rather than answered wrongly.
_KNOWN_CALLS = frozenset({"retrieve", "checkRetrieveStatus", "listMetadata", "describeMetadata",
                          "readMetadata", "createMetadata", "updateMetadata", "upsertMetadata",
                          "deleteMetadata", "renameMetadata", "describeValueType",
                          "deployRecentValidation", "checkStatus"})  # fmt: skip


def _envelope(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns="{METADATA_NS}"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    ).encode()


def fault(code: str, message: str, status: int = 500) -> Response:
    """A SOAP fault (`sf:CODE` in the Metadata API's namespace), as Salesforce sends it."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns:sf="{METADATA_NS}">'
        f"<soapenv:Body><soapenv:Fault><faultcode>{escape(code)}</faultcode>"
        f"<faultstring>{escape(message)}</faultstring></soapenv:Fault></soapenv:Body>"
        "</soapenv:Envelope>"
    ).encode()
    return Response(status, body, _XML_TYPE)


def _to_xml(tag: str, value: Any) -> str:
    """One element: lists repeat the tag, dicts nest, None is nil, booleans are true/false."""
    if isinstance(value, list):
        return "".join(_to_xml(tag, item) for item in value)
    if value is None:
        return f'<{tag} xsi:nil="true"/>'
    if isinstance(value, Mapping):
        return f"<{tag}>" + "".join(_to_xml(k, v) for k, v in value.items()) + f"</{tag}>"
    if isinstance(value, bool):
        return f"<{tag}>{'true' if value else 'false'}</{tag}>"
    return f"<{tag}>{escape(str(value))}</{tag}>"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _deploy_options(element: ET.Element | None) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for child in [] if element is None else list(element):
        name, text = _local(child.tag), (child.text or "").strip()
        if name == "runTests":
            options.setdefault("runTests", []).append(text)
        elif name in _BOOL_OPTIONS:
            options[name] = text == "true"
        else:
            options[name] = text
    return check_options(options)


class MetadataSoap:
    """Answers Metadata API SOAP calls for one org."""

    def __init__(self, org: SandboxOrg, deploys: MetadataDeploys) -> None:
        self.org = org
        self.deploys = deploys

    def handle(self, request: Request) -> Response:
        """One SOAP call: authenticate the SessionHeader, count it, dispatch on the operation."""
        if request.method != "POST":
            return fault("soapenv:Client", "The Metadata API takes SOAP requests by POST", 405)
        try:
            root = ET.fromstring(request.body)  # noqa: S314 - expat: no external entities
        except ET.ParseError as exc:
            return fault("soapenv:Client", f"Unable to parse the SOAP request: {exc}")
        refused = self._refusal(root)
        if refused is not None:
            return refused
        self.org.calls.count()
        body = next((e for e in root if _local(e.tag) == "Body"), None)
        call = None if body is None or len(body) == 0 else body[0]
        if call is None:
            return fault("soapenv:Client", "No operation in the SOAP Body")
        try:
            return self._dispatch(call)
        except ApiError as exc:
            return fault(f"sf:{exc.error_code}", f"{exc.error_code}: {exc.message}")

    def _refusal(self, root: ET.Element) -> Response | None:
        """The fault for a bad session or a used-up API limit, else None."""
        session = next((e.text for e in root.iter() if _local(e.tag) == "sessionId"), None)
        org = self.org
        token = (session or "").strip()
        if not token or not org.token_is_valid(token) or org.faults.session_call():
            return fault(
                "sf:INVALID_SESSION_ID",
                "INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session",
            )
        if org.limit_reached():
            return fault(
                "sf:REQUEST_LIMIT_EXCEEDED", "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded."
            )
        return None

    def _dispatch(self, call: ET.Element) -> Response:
        name = _local(call.tag)
        if name == "deploy":
            return self._deploy(call)
        if name == "checkDeployStatus":
            return self._check(call)
        if name == "cancelDeploy":
            return self._cancel(call)
        if name in _KNOWN_CALLS:
            message = (
                f"The Metadata API call {name} is not supported by the sandbox org"
                " (it supports deploy, checkDeployStatus, cancelDeploy)"
            )
            return fault("sf:UNSUPPORTED", message)
        return fault(
            "soapenv:Client", f"No operation available for request {{{METADATA_NS}}}{name}"
        )

    def _response(self, name: str, result: Mapping[str, Any]) -> Response:
        body = _envelope(f"<{name}Response>{_to_xml('result', result)}</{name}Response>")
        return Response(200, body, _XML_TYPE, counted=True)

    def _child_text(self, call: ET.Element, name: str) -> str:
        return next(((e.text or "").strip() for e in call if _local(e.tag) == name), "")

    def _deploy(self, call: ET.Element) -> Response:
        options = _deploy_options(next((e for e in call if _local(e.tag) == "DeployOptions"), None))
        try:
            data = base64.b64decode(self._child_text(call, "ZipFile"), validate=False)
        except (binascii.Error, ValueError):
            return fault("sf:INVALID_ZIP", "INVALID_ZIP: the ZipFile is not base64")
        record = self.deploys.deploy(options, data)
        return self._response("deploy", {"done": False, "id": record.id, "state": "Queued"})

    def _check(self, call: ET.Element) -> Response:
        deploy_id = self._child_text(call, "asyncProcessId")
        details = self._child_text(call, "includeDetails") == "true"
        record = self.deploys.find(deploy_id)
        if record is None:
            return fault("sf:INVALID_ID_FIELD", f"INVALID_ID_FIELD: Invalid deploy id: {deploy_id}")
        return self._response("checkDeployStatus",
                              self.deploys.result(record, include_details=details))  # fmt: skip

    def _cancel(self, call: ET.Element) -> Response:
        deploy_id = self._child_text(call, "String") or self._child_text(call, "id")
        record = self.deploys.find(deploy_id)
        if record is None:
            return fault("sf:INVALID_ID_FIELD", f"INVALID_ID_FIELD: Invalid deploy id: {deploy_id}")
        # The sandbox finishes a deploy before answering, so there is nothing left to cancel.
        return self._response("cancelDeploy", {"done": True, "id": record.id})

"""
The sandbox's SOAP Metadata API (sf's default deploy path) and the REST deployRequest with the
JSON part named as jsforce names it, driven with the envelopes and multipart bodies those
clients send (jsforce lib/soap.js `_createEnvelope`, lib/api/metadata.js `deployRest`).
"""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

import requests

from sfsync.sandbox.server import RunningSandbox
from tests.metadata.test_sandbox_deploy import (  # the fixtures bare_template, org_dir, bare
    NS,
    _bare,  # noqa: F401
    _bare_template,  # noqa: F401
    _org_dir,  # noqa: F401
    api,
    field_xml,
    lead_fields,
    package_xml,
)

MD = "{http://soap.sforce.com/2006/04/metadata}"
FIELD = field_xml("Soap_Text__c", "<type>Text</type><length>20</length>")
OBJECT = f'<?xml version="1.0" encoding="UTF-8"?><CustomObject {NS}>{FIELD}</CustomObject>'


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("package.xml", package_xml(CustomField=["Lead.Soap_Text__c"]))
        archive.writestr("objects/Lead.object", OBJECT)
    return buffer.getvalue()


def soap(sandbox: RunningSandbox, call: str, token: str | None = None) -> requests.Response:
    """One Metadata API call in the envelope jsforce builds."""
    envelope = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
        ' xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<soapenv:Header xmlns="http://soap.sforce.com/2006/04/metadata">'
        f"<SessionHeader><sessionId>{token or sandbox.token}</sessionId></SessionHeader>"
        '</soapenv:Header><soapenv:Body xmlns="http://soap.sforce.com/2006/04/metadata">'
        f"{call}</soapenv:Body></soapenv:Envelope>"
    )
    return requests.post(
        f"{sandbox.url}/services/Soap/m/62.0",
        data=envelope.encode(),
        headers={"Content-Type": "text/xml", "SOAPAction": '""'},
        verify=str(sandbox.ca_file),
        timeout=30,
    )


def _result(response: requests.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    root = ET.fromstring(response.content)
    found = root.find(f".//{MD}result")
    assert found is not None
    return found


def _text(element: ET.Element, tag: str) -> str | None:
    return element.findtext(MD + tag)


def test_soap_deploy_then_check_status_with_details(bare: RunningSandbox) -> None:
    """deploy answers an AsyncResult; checkDeployStatus the DeployResult; the field is there."""
    zipped = base64.b64encode(_zip()).decode()
    started = _result(soap(bare, f"<deploy><ZipFile>{zipped}</ZipFile><DeployOptions>"
                                 "<rollbackOnError>true</rollbackOnError><singlePackage>true"
                                 "</singlePackage></DeployOptions></deploy>"))  # fmt: skip
    deploy_id = _text(started, "id") or ""
    assert (deploy_id[:3], _text(started, "done"), _text(started, "state")) == (
        "0Af",
        "false",
        "Queued",
    )
    check = (
        f"<checkDeployStatus><asyncProcessId>{deploy_id}</asyncProcessId>"
        "<includeDetails>true</includeDetails></checkDeployStatus>"
    )
    result = _result(soap(bare, check))
    assert (_text(result, "done"), _text(result, "status"), _text(result, "success")) == (
        "true",
        "Succeeded",
        "true",
    )
    successes = result.findall(f"{MD}details/{MD}componentSuccesses")
    assert ("CustomField", "Lead.Soap_Text__c", "true") in {
        (_text(s, "componentType"), _text(s, "fullName"), _text(s, "created")) for s in successes
    }
    assert lead_fields(bare)["Soap_Text__c"]["length"] == 20


def test_soap_check_only_changes_nothing(bare: RunningSandbox) -> None:
    """checkOnly in DeployOptions validates (success) without creating the field."""
    zipped = base64.b64encode(_zip()).decode()
    started = _result(soap(bare, f"<deploy><ZipFile>{zipped}</ZipFile><DeployOptions><checkOnly>"
                                 "true</checkOnly><singlePackage>true</singlePackage>"
                                 "</DeployOptions></deploy>"))  # fmt: skip
    result = _result(
        soap(bare, f"<checkDeployStatus><asyncProcessId>{_text(started, 'id')}</asyncProcessId>"
             "</checkDeployStatus>")
    )  # fmt: skip
    assert (_text(result, "checkOnly"), _text(result, "status")) == ("true", "Succeeded")
    assert "Soap_Text__c" not in lead_fields(bare)


def test_soap_faults(bare: RunningSandbox) -> None:
    """A bad session is the 500 fault jsforce re-logs in on; other calls name themselves."""
    denied = soap(bare, "<checkDeployStatus/>", token="00Dnope!nope")
    assert denied.status_code == 500
    assert "<faultcode>sf:INVALID_SESSION_ID</faultcode>" in denied.text
    listing = soap(bare, "<listMetadata><queries><type>CustomField</type></queries></listMetadata>")
    assert listing.status_code == 500
    assert "listMetadata is not supported by the sandbox org" in listing.text
    unknown = soap(bare, "<checkDeployStatus><asyncProcessId>0Af000000000000AAA</asyncProcessId>"
                         "</checkDeployStatus>")  # fmt: skip
    assert "INVALID_ID_FIELD" in unknown.text


def test_rest_deploy_takes_jsforce_entity_content_part(bare: RunningSandbox) -> None:
    """jsforce's deployRest names the JSON part entity_content (after the file part)."""
    boundary = "----jsforceBoundary"
    options = b'{"deployOptions":{"singlePackage":true,"checkOnly":false}}'
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="package.xml"\r\n'
        "Content-Type: application/zip\r\n\r\n"
    ).encode() + _zip() + (
        f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"entity_content\"\r\n"
        "Content-Type: application/json\r\n\r\n"
    ).encode() + options + f"\r\n--{boundary}--\r\n".encode()  # fmt: skip
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    started = api(bare, "POST", "metadata/deployRequest", data=body, headers=headers)
    assert started.status_code == 201, started.text
    deploy_id = started.json()["id"]
    done: Any = api(bare, "GET", f"metadata/deployRequest/{deploy_id}").json()
    assert done["deployResult"]["status"] == "Succeeded"
    assert "Soap_Text__c" in lead_fields(bare)

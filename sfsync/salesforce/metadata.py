"""
Deploying metadata through the Metadata API's REST resource: DX source in, a metadata-API
format zip out, `POST /metadata/deployRequest`, then `GET /metadata/deployRequest/{id}` until
the deploy is done.

    package = convert_source(project.files, api_version="62.0")
    result = deploy_package(client, package, check_only=True)   # validate only

DX source keeps one file per field and list view (`objects/Lead/fields/X.field-meta.xml`);
the Metadata API wants them merged into their object's file (`objects/Lead.object`, the
fields as `<fields>` and list views as `<listViews>` children), every other component as
`<folder>/<name>.<suffix>` without `-meta.xml`, and package.xml at the root of the zip.
This is what `sf project convert source` writes.

Salesforce docs: "Deploy Metadata with Apex Testing Using REST" (Metadata API Developer
Guide): the request is multipart/form-data with a `json` part holding `deployOptions` and a
`file` part holding the zip; the answer is 201 with the deploy request's `id`.
"""

from __future__ import annotations

import io
import json
import secrets
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Protocol

import structlog

from sfsync.errors import ConfigError, SalesforceError

log = structlog.get_logger(__name__)

NAMESPACE = "http://soap.sforce.com/2006/04/metadata"
_NS = "{" + NAMESPACE + "}"
DONE_STATUSES = frozenset({"Succeeded", "SucceededPartial", "Failed", "Canceled"})
# Child documents of an object folder: DX file suffix -> (element in the .object file, type).
_OBJECT_CHILDREN = {
    ".field-meta.xml": ("fields", "CustomField"),
    ".listView-meta.xml": ("listViews", "ListView"),
    ".compactLayout-meta.xml": ("compactLayouts", "CompactLayout"),
}
# Top-level DX folders sfsync generates: folder -> (DX suffix, metadata-API suffix, type).
_TOP_LEVEL = {
    "permissionsets": (".permissionset-meta.xml", ".permissionset", "PermissionSet"),
    "flexipages": (".flexipage-meta.xml", ".flexipage", "FlexiPage"),
}
# Folder types: DX folder -> (folder file suffix, its root element, item suffix, item's
# metadata-API suffix, item root element, package.xml type). A folder converts to
# `<dir>/<Folder>-meta.xml` and is the member `<Folder>/`; an item is `<Folder>/<Name>`.
_FOLDERED = {
    "reports": (".reportFolder-meta.xml", "ReportFolder", ".report-meta.xml", ".report",
                "Report", "Report"),
    "dashboards": (".dashboardFolder-meta.xml", "DashboardFolder", ".dashboard-meta.xml",
                   ".dashboard", "Dashboard", "Dashboard"),
}  # fmt: skip
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
DX_SOURCE_ROOT = PurePosixPath("force-app/main/default")


@dataclass(frozen=True)
class MetadataPackage:
    """A deployable metadata-API format package: files by zip path, and package.xml's members."""

    api_version: str
    files: dict[str, bytes]
    members: dict[str, tuple[str, ...]]

    def zip_bytes(self) -> bytes:
        """The package as a zip, package.xml at its root; the same package gives the same bytes."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(self.files):
                info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, self.files[name])
        return buffer.getvalue()

    @property
    def component_count(self) -> int:
        """How many components package.xml names."""
        return sum(len(m) for m in self.members.values())


def _parse(path: PurePosixPath, content: bytes, root_tag: str) -> ET.Element:
    try:
        # Our own generated files; expat resolves no external entities and caps expansion.
        root = ET.fromstring(content)  # noqa: S314
    except ET.ParseError as exc:
        msg = f"{path}: not well-formed XML ({exc})"
        raise ConfigError(msg) from None
    if root.tag != _NS + root_tag:
        msg = f"{path}: expected a <{root_tag}> in the metadata namespace, found <{root.tag}>"
        raise ConfigError(msg)
    return root


def _full_name(path: PurePosixPath, root: ET.Element, expected: str) -> None:
    found = root.findtext(_NS + "fullName")
    if found is not None and found != expected:
        msg = f"{path}: fullName {found!r} does not match the file name ({expected!r})"
        raise ConfigError(msg)


def _render(root: ET.Element) -> bytes:
    ET.indent(root, space="    ")
    body = ET.tostring(root, encoding="unicode", default_namespace=NAMESPACE)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode()


def _package_xml(members: Mapping[str, tuple[str, ...]], api_version: str) -> bytes:
    root = ET.Element(_NS + "Package")
    for type_name in sorted(members):
        types = ET.SubElement(root, _NS + "types")
        for member in sorted(members[type_name]):
            ET.SubElement(types, _NS + "members").text = member
        ET.SubElement(types, _NS + "name").text = type_name
    ET.SubElement(root, _NS + "version").text = api_version
    return _render(root)


@dataclass
class _ObjectParts:
    settings: list[ET.Element] = field(default_factory=list)
    children: list[tuple[str, str, ET.Element]] = field(default_factory=list)  # (tag, name, el)
    has_settings_file: bool = False


def _source_paths(
    files: Mapping[PurePosixPath, bytes], source_root: PurePosixPath
) -> dict[PurePosixPath, bytes]:
    inside: dict[PurePosixPath, bytes] = {}
    for path, content in files.items():
        if path.name in ("sfdx-project.json", "package.xml") or path.parts[:1] == ("manifest",):
            continue
        try:
            inside[path.relative_to(source_root)] = content
        except ValueError:
            msg = f"{path}: outside the source directory {source_root}; cannot convert it"
            raise ConfigError(msg) from None
    return inside


def convert_source(
    files: Mapping[PurePosixPath, bytes],
    *,
    api_version: str,
    source_root: PurePosixPath = DX_SOURCE_ROOT,
) -> MetadataPackage:
    """
    Convert DX source files (path relative to the project root -> bytes) into a
    metadata-API format package with a package.xml naming every component.

    Knows the types `sfsync fields` generates: object settings, custom fields, list views,
    compact layouts, permission sets, Lightning pages, report and dashboard folders, reports
    and dashboards, laid out as `sf project convert source` (sf 2.138) lays them out.
    sfdx-project.json and manifest/ are project files, not metadata.

    Raises:
        ConfigError: a file of another type, malformed XML, or a fullName that does not
            match its file name.
    """
    objects: dict[str, _ObjectParts] = {}
    out: dict[str, bytes] = {}
    members: dict[str, list[str]] = {}
    for rel, content in sorted(_source_paths(files, source_root).items()):
        path = source_root / rel
        parts = rel.parts
        if parts[0] == "objects" and len(parts) == 3 and parts[2] == f"{parts[1]}.object-meta.xml":
            obj = objects.setdefault(parts[1], _ObjectParts())
            obj.settings.extend(_parse(path, content, "CustomObject"))
            obj.has_settings_file = True
            continue
        if parts[0] == "objects" and len(parts) == 4:
            suffix = next((s for s in _OBJECT_CHILDREN if parts[3].endswith(s)), None)
            if suffix is not None:
                tag, type_name = _OBJECT_CHILDREN[suffix]
                name = parts[3].removesuffix(suffix)
                root = _parse(path, content, type_name)
                _full_name(path, root, name)
                objects.setdefault(parts[1], _ObjectParts()).children.append((tag, name, root))
                members.setdefault(type_name, []).append(f"{parts[1]}.{name}")
                continue
        if parts[0] in _FOLDERED and _foldered(parts, path, content, out, members):
            continue
        if parts[0] in _TOP_LEVEL and len(parts) == 2:
            dx_suffix, suffix, type_name = _TOP_LEVEL[parts[0]]
            if parts[1].endswith(dx_suffix):
                name = parts[1].removesuffix(dx_suffix)
                _full_name(path, _parse(path, content, type_name), name)
                out[f"{parts[0]}/{name}{suffix}"] = content
                members.setdefault(type_name, []).append(name)
                continue
        msg = f"{path}: not a metadata type sfsync can convert (objects, fields, list views, "
        msg += "compact layouts, permission sets, Lightning pages, reports, dashboards)"
        raise ConfigError(msg)
    for name, obj in sorted(objects.items()):
        root = ET.Element(_NS + "CustomObject")
        elements = list(obj.settings)
        for tag, _, child in sorted(obj.children, key=lambda c: (c[0], c[1])):
            wrapper = ET.Element(_NS + tag)
            wrapper.extend(child)
            elements.append(wrapper)
        # Metadata-API order: elements by name (the WSDL's order), fields/listViews by fullName.
        root.extend(sorted(elements, key=lambda e: e.tag))
        out[f"objects/{name}.object"] = _render(root)
        if obj.has_settings_file:
            members.setdefault("CustomObject", []).append(name)
    frozen = {t: tuple(sorted(m)) for t, m in members.items()}
    out["package.xml"] = _package_xml(frozen, api_version)
    return MetadataPackage(api_version=api_version, files=out, members=frozen)


def _foldered(
    parts: tuple[str, ...],
    path: PurePosixPath,
    content: bytes,
    out: dict[str, bytes],
    members: dict[str, list[str]],
) -> bool:
    """Convert a report/dashboard folder or item; False when *parts* is neither."""
    folder_suffix, folder_tag, item_suffix, suffix, item_tag, type_name = _FOLDERED[parts[0]]
    if len(parts) == 2 and parts[1].endswith(folder_suffix):
        name = parts[1].removesuffix(folder_suffix)
        _full_name(path, _parse(path, content, folder_tag), name)
        out[f"{parts[0]}/{name}-meta.xml"] = content
        members.setdefault(type_name, []).append(f"{name}/")
        return True
    if len(parts) == 3 and parts[2].endswith(item_suffix):
        name = parts[2].removesuffix(item_suffix)
        _full_name(path, _parse(path, content, item_tag), name)
        out[f"{parts[0]}/{parts[1]}/{name}{suffix}"] = content
        members.setdefault(type_name, []).append(f"{parts[1]}/{name}")
        return True
    return False


# --- deploying -------------------------------------------------------------------------------


class MetadataTransport(Protocol):
    """What deploying needs from the client (salesforce.client.SalesforceClient)."""

    def request_json(self, method: str, path: str, *, name: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class ComponentMessage:
    """One DeployMessage: a component that deployed, or failed and why."""

    component_type: str
    full_name: str
    file_name: str
    success: bool
    problem: str | None = None
    problem_type: str | None = None
    created: bool = False
    changed: bool = False
    line: int | None = None


@dataclass(frozen=True)
class DeployResult:
    """A finished deploy (or validation, with check_only)."""

    id: str
    status: str
    success: bool
    check_only: bool
    components_total: int
    components_deployed: int
    component_errors: int
    error_message: str | None = None
    failures: tuple[ComponentMessage, ...] = ()
    successes: tuple[ComponentMessage, ...] = ()


def multipart_body(deploy_options: Mapping[str, Any], zip_bytes: bytes) -> tuple[bytes, str]:
    """The deployRequest body (a `json` part, then the `file` part) and its Content-Type."""
    boundary = "sfsync-" + secrets.token_hex(16)
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="json"\r\n'
        "Content-Type: application/json\r\n\r\n"
        + json.dumps({"deployOptions": dict(deploy_options)})
        + f"\r\n--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="deploy.zip"\r\n'
        "Content-Type: application/zip\r\n\r\n"
    ).encode()
    body = head + zip_bytes + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _messages(items: Any, *, success: bool) -> tuple[ComponentMessage, ...]:
    if isinstance(items, Mapping):  # one message comes back as an object, not a list
        items = [items]
    if not isinstance(items, list):
        return ()
    out = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        line = item.get("lineNumber")
        out.append(
            ComponentMessage(
                component_type=str(item.get("componentType") or ""),
                full_name=str(item.get("fullName") or ""),
                file_name=str(item.get("fileName") or ""),
                success=success,
                problem=item.get("problem"),
                problem_type=item.get("problemType"),
                created=bool(item.get("created")),
                changed=bool(item.get("changed")),
                line=int(line) if isinstance(line, int | str) and str(line).isdigit() else None,
            )
        )
    return tuple(out)


def parse_deploy_result(body: Mapping[str, Any]) -> DeployResult:
    """
    A DeployResult from a `GET /metadata/deployRequest/{id}` answer.

    Raises:
        SalesforceError: the answer has no deployResult.
    """
    result = body.get("deployResult")
    if not isinstance(result, Mapping):
        msg = "metadata/deployRequest answered without a deployResult"
        raise SalesforceError(msg, resource="metadata/deployRequest")
    details = result.get("details") if isinstance(result.get("details"), Mapping) else {}
    assert isinstance(details, Mapping)
    return DeployResult(
        id=str(result.get("id") or body.get("id") or ""),
        status=str(result.get("status") or ""),
        success=bool(result.get("success")),
        check_only=bool(result.get("checkOnly")),
        components_total=int(result.get("numberComponentsTotal") or 0),
        components_deployed=int(result.get("numberComponentsDeployed") or 0),
        component_errors=int(result.get("numberComponentErrors") or 0),
        error_message=result.get("errorMessage"),
        failures=_messages(details.get("componentFailures"), success=False),
        successes=_messages(details.get("componentSuccesses"), success=True),
    )


def deploy_package(
    client: MetadataTransport,
    package: MetadataPackage,
    *,
    check_only: bool,
    rollback_on_error: bool = True,
    timeout_seconds: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> DeployResult:
    """
    Deploy *package* (validate only with *check_only*) and wait until the org is done.

    Polls right away, then every 1, 2, 4, 5, 5 ... seconds.

    Raises:
        SalesforceError: and subclasses, for a refused request, or a deploy still running
            after *timeout_seconds* (it goes on in the org: see Setup > Deployment Status).
    """
    options = {
        "checkOnly": check_only,
        "rollbackOnError": rollback_on_error,
        "singlePackage": True,
        "ignoreWarnings": False,
        "testLevel": "NoTestRun",
    }
    body, content_type = multipart_body(options, package.zip_bytes())
    started = client.request_json(
        "POST",
        "metadata/deployRequest",
        name="metadata/deployRequest",
        data=body,
        headers={"Content-Type": content_type},
    )
    deploy_id = started.get("id") if isinstance(started, Mapping) else None
    if not isinstance(deploy_id, str) or not deploy_id:
        msg = "metadata/deployRequest answered without a deploy request id"
        raise SalesforceError(msg, resource="metadata/deployRequest")
    log.info(
        "sfsync.metadata.deploy_started",
        deploy_id=deploy_id,
        check_only=check_only,
        components=package.component_count,
    )
    deadline = clock() + timeout_seconds
    wait = 0.0
    while True:
        if wait:
            sleep(wait)
        answer = client.request_json(
            "GET",
            f"metadata/deployRequest/{deploy_id}",
            name="metadata/deployRequest",
            params={"includeDetails": "true"},
        )
        result = parse_deploy_result(answer if isinstance(answer, Mapping) else {})
        if result.status in DONE_STATUSES:
            log.info(
                "sfsync.metadata.deploy_finished",
                deploy_id=deploy_id,
                status=result.status,
                check_only=check_only,
                deployed=result.components_deployed,
                errors=result.component_errors,
            )
            return result
        if clock() >= deadline:
            msg = (
                f"deploy {deploy_id} is still {result.status or 'pending'} after "
                f"{timeout_seconds:g}s; follow it in Setup > Deployment Status"
            )
            raise SalesforceError(msg, resource="metadata/deployRequest")
        wait = min(5.0, max(1.0, wait * 2))

"""
The shape of a metadata-API deploy zip, as the sandbox org reads it: package.xml, the
folders and file names of every type it deploys, and which components package.xml names.

    plan = plan_deploy(files, org)   # every component found, each with its problems

Layout (what `sf project convert source` writes; Metadata API Developer Guide, "Deploying
and Retrieving Metadata with the Zip File"):

- `objects/<Object>.object`: object settings, with `fields`, `listViews` and `compactLayouts`
  children (members `<Object>.<name>` of CustomField, ListView, CompactLayout);
- `permissionsets/<Name>.permissionset`, `flexipages/<Name>.flexipage`;
- `reports/<Folder>-meta.xml` (a ReportFolder, member `<Folder>/` or `<Folder>` of type
  Report) and `reports/<Folder>/<Name>.report` (member `<Folder>/<Name>`); dashboards alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sfsync.sandbox import metadata_pages, metadata_reports
from sfsync.sandbox.metadata_rules import (
    MAX_API_VERSION,
    MIN_API_VERSION,
    NS,
    SUPPORTED_TYPES,
    Component,
    OrgMetadata,
    Plan,
    check_components,
    parse_xml,
    text_of,
)

# Object children: tag in the .object file -> component type.
_CHILDREN = {"fields": "CustomField", "listViews": "ListView", "compactLayouts": "CompactLayout"}
# Single-file types: folder -> (suffix, component type).
_SINGLE = {
    "permissionsets": (".permissionset", "PermissionSet"),
    "flexipages": (".flexipage", "FlexiPage"),
}
# Foldered types: folder -> (item suffix, item type, folder type).
_FOLDERED = {
    "reports": (".report", "Report", "ReportFolder"),
    "dashboards": (".dashboard", "Dashboard", "DashboardFolder"),
}
_FOLDER_OF = {item: folder for _, item, folder in _FOLDERED.values()}


def _read_package(files: Mapping[str, bytes], plan: Plan) -> dict[str, list[str]] | None:
    problem = Component("", "package.xml", "package.xml")
    plan.problems.append(problem)
    content = files.get("package.xml")
    if content is None:
        problem.problems.append("No package.xml found")
        return None
    root = parse_xml("package.xml", content, "Package", problem)
    if root is None:
        return None
    version = text_of(root, "version")
    if version is None or not re.fullmatch(r"\d+\.0", version):
        problem.problems.append(
            "package.xml: Must specify a version such as <version>62.0</version>"
        )
    elif not MIN_API_VERSION <= int(version.split(".")[0]) <= MAX_API_VERSION:
        problem.problems.append(f"package.xml: API version {version} is not supported")
    else:
        plan.api_version = version
    members: dict[str, list[str]] = {}
    for types in root.findall(NS + "types"):
        name = text_of(types, "name")
        names = [(m.text or "").strip() for m in types.findall(NS + "members")]
        if not name:
            problem.problems.append("package.xml: a <types> element has no <name>")
            continue
        if name not in SUPPORTED_TYPES:
            problem.problems.append(
                f"package.xml: the sandbox org cannot deploy metadata type {name!r} "
                f"(it deploys {', '.join(SUPPORTED_TYPES)})"
            )
            continue
        if not names:
            problem.problems.append(f"package.xml: type {name} lists no <members>")
        members.setdefault(name, []).extend(names)
    return members


def _component(name: str, type_name: str, full_name: str, content: bytes) -> Component:
    c = Component(type_name, full_name, name)
    c.element = parse_xml(name, content, type_name, c)
    return c


def _found_components(files: Mapping[str, bytes], plan: Plan) -> list[Component]:
    found: list[Component] = []
    for name, content in sorted(files.items()):
        if name == "package.xml" or name.endswith("/"):
            continue
        parts = name.split("/")
        folder, leaf = parts[0], parts[-1]
        if folder == "objects" and len(parts) == 2 and leaf.endswith(".object"):
            found.extend(_object_components(name, leaf.removesuffix(".object"), content, plan))
        elif folder in _SINGLE and len(parts) == 2 and leaf.endswith(_SINGLE[folder][0]):
            suffix, type_name = _SINGLE[folder]
            found.append(_component(name, type_name, leaf.removesuffix(suffix), content))
        elif folder in _FOLDERED and len(parts) == 2 and leaf.endswith("-meta.xml"):
            type_name = _FOLDERED[folder][2]
            found.append(_component(name, type_name, leaf.removesuffix("-meta.xml"), content))
        elif folder in _FOLDERED and len(parts) == 3 and leaf.endswith(_FOLDERED[folder][0]):
            suffix, type_name, _ = _FOLDERED[folder]
            full = f"{parts[1]}/{leaf.removesuffix(suffix)}"
            found.append(_component(name, type_name, full, content))
        else:
            c = Component("", name, name)
            c.problems.append(
                f"{name}: not a file the Metadata API knows in this package (expected "
                "objects/<Object>.object, permissionsets/<Name>.permissionset, "
                "flexipages/<Name>.flexipage, reports/<Folder>-meta.xml, "
                "reports/<Folder>/<Name>.report or the dashboards alike)"
            )
            plan.problems.append(c)
    return found


def _object_components(name: str, object_name: str, content: bytes, plan: Plan) -> list[Component]:
    settings = Component("CustomObject", object_name, name)
    root = parse_xml(name, content, "CustomObject", settings)
    if root is None:
        plan.problems.append(settings)
        return []
    settings.element = root
    out = [settings]
    for tag, type_name in _CHILDREN.items():
        for child in root.findall(NS + tag):
            full = text_of(child, "fullName") or ""
            c = Component(type_name, f"{object_name}.{full}", name, element=child)
            if not full:
                c.problems.append(f"Must specify a fullName for every <{tag}> in {name}")
            out.append(c)
    return out


def _member_key(type_name: str, member: str) -> tuple[str, str]:
    """A package.xml member as (component type, full name): `Folder/` names the folder."""
    folder_type = _FOLDER_OF.get(type_name)
    if folder_type is not None and (member.endswith("/") or "/" not in member):
        return folder_type, member.rstrip("/")
    return type_name, member


def plan_deploy(files: Mapping[str, bytes], org: OrgMetadata) -> Plan:
    """
    Check a metadata-API zip's files (path inside the package -> bytes) against the org.

    Only components package.xml names are deployed (CustomObject members bring their
    fields, list views and compact layouts along, as in Salesforce); a member without a
    component is an error.
    """
    plan = Plan(api_version=None)
    members = _read_package(files, plan)
    found = _found_components(files, plan)
    if members is None:
        return plan
    by_key = {(c.type, c.full_name): c for c in found}
    wanted: dict[tuple[str, str], Component] = {}
    for type_name, names in members.items():
        for member in names:
            if member == "*":
                wanted.update(
                    {
                        k: c
                        for k, c in by_key.items()
                        if k[0] in (type_name, _FOLDER_OF.get(type_name))
                    }
                )
                continue
            key = _member_key(type_name, member)
            c = by_key.get(key)
            if c is None:
                missing = Component(type_name, member, "package.xml")
                missing.problems.append(
                    f"An object '{member}' of type {type_name} was named in package.xml, but "
                    "was not found in zipped directory"
                )
                plan.problems.append(missing)
                continue
            wanted[key] = c
            if type_name == "CustomObject":
                for child_key, child in by_key.items():
                    if child_key[0] in _CHILDREN.values() and child.object_name == member:
                        wanted[child_key] = child
    plan.components = sorted(wanted.values(), key=lambda c: (c.type, c.full_name))
    known = check_components(plan, org)
    metadata_pages.check(plan, org, known)
    metadata_reports.check(plan, org, known)
    return plan

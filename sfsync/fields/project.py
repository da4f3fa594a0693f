"""
The Salesforce DX project sfsync generates for a definition, in memory, and writing it.

    project = build_project(build_blueprint(compiled), api_version="62.0")
    write_project(project, Path("sfsync-metadata"))
    # then, in sfsync-metadata/: sf project deploy start --source-dir force-app

A `Project` is the complete, deterministic set of files (relative path -> bytes), so a
future deploy step can take it as it is: zip the converted source and call the Metadata API.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import structlog

from sfsync.errors import ConfigError
from sfsync.fields.analytics import (
    DASHBOARD,
    DASHBOARD_FOLDER,
    REPORT_FOLDER,
    dashboard_xml,
    folder_xml,
    report_xml,
    reports,
)
from sfsync.fields.blueprint import LEAD, Blueprint, build_blueprint
from sfsync.fields.documents import (
    PERMISSION_SET,
    REP_PERMISSION_SET,
    custom_field_xml,
    lead_object_xml,
    package_xml,
    permission_set_xml,
    rep_permission_set_xml,
    sfdx_project_json,
)
from sfsync.fields.pages import (
    COMPACT_LAYOUT,
    RECORD_PAGE,
    compact_layout_xml,
    record_page,
    record_page_xml,
)
from sfsync.fields.views import list_view_xml, list_views

log = structlog.get_logger(__name__)

SOURCE_ROOT = PurePosixPath("force-app/main/default")
_API_VERSION = re.compile(r"^[1-9]\d\.0$")


@dataclass(frozen=True)
class Project:
    """Every file of the generated project, by path relative to the project root, sorted."""

    api_version: str
    files: dict[PurePosixPath, bytes]


@dataclass
class WriteResult:
    """What `write_project` did (or, in a dry run, would do)."""

    root: Path
    written: list[PurePosixPath] = field(default_factory=list)
    unchanged: list[PurePosixPath] = field(default_factory=list)
    stale: list[PurePosixPath] = field(default_factory=list)
    dry_run: bool = False


def check_api_version(api_version: str) -> str:
    """
    Return *api_version* if it looks like a Metadata API version ("62.0").

    Raises:
        ConfigError: it does not.
    """
    if not _API_VERSION.match(api_version):
        msg = f"--api-version {api_version!r}: expected a Salesforce API version like 62.0"
        raise ConfigError(msg)
    return api_version


ASSIGNABLE = (RECORD_PAGE, COMPACT_LAYOUT)
"""What `--assign` may name: the generated record page (org default for Lead on desktop) and
compact layout (the Lead default). Nothing else the org has is ever replaced."""


def build_project(
    blueprint: Blueprint,
    *,
    api_version: str,
    assign: Iterable[str] = (),
    analytics: bool = True,
) -> Project:
    """
    Render every document for *blueprint* into a DX source-format project: the output fields,
    both permission sets, list views, the record page and compact layout, and (with
    *analytics*) the reports, dashboard and their folders. *assign* names generated
    components to make the org's default (see ASSIGNABLE).

    Raises:
        ConfigError: *assign* names something else.
    """
    check_api_version(api_version)
    assigned = set(assign)
    unknown = sorted(assigned - set(ASSIGNABLE))
    if unknown:
        msg = f"--assign {unknown[0]}: sfsync can assign {' or '.join(ASSIGNABLE)} only"
        raise ConfigError(msg)
    lead = SOURCE_ROOT / "objects" / LEAD
    files: dict[PurePosixPath, bytes] = {
        PurePosixPath("sfdx-project.json"): sfdx_project_json(api_version),
    }
    members: dict[str, list[str]] = {
        "CompactLayout": [f"{LEAD}.{COMPACT_LAYOUT}"],
        "CustomField": [],
        "FlexiPage": [RECORD_PAGE],
        "ListView": [],
        "PermissionSet": [PERMISSION_SET, REP_PERMISSION_SET],
    }
    if blueprint.track_history or assigned:
        files[lead / f"{LEAD}.object-meta.xml"] = lead_object_xml(
            track_history=blueprint.track_history,
            compact_layout=COMPACT_LAYOUT if COMPACT_LAYOUT in assigned else None,
            record_page=RECORD_PAGE if RECORD_PAGE in assigned else None,
        )
        members["CustomObject"] = [LEAD]
    for output in blueprint.outputs:
        files[lead / "fields" / f"{output.api_name}.field-meta.xml"] = custom_field_xml(output)
        members["CustomField"].append(f"{LEAD}.{output.api_name}")
    for view in list_views(blueprint):
        files[lead / "listViews" / f"{view.name}.listView-meta.xml"] = list_view_xml(view)
        members["ListView"].append(f"{LEAD}.{view.name}")
    files[lead / "compactLayouts" / f"{COMPACT_LAYOUT}.compactLayout-meta.xml"] = (
        compact_layout_xml(blueprint)
    )
    files[SOURCE_ROOT / "flexipages" / f"{RECORD_PAGE}.flexipage-meta.xml"] = record_page_xml(
        record_page(blueprint)
    )
    sets = SOURCE_ROOT / "permissionsets"
    files[sets / f"{PERMISSION_SET}.permissionset-meta.xml"] = permission_set_xml(blueprint)
    files[sets / f"{REP_PERMISSION_SET}.permissionset-meta.xml"] = rep_permission_set_xml(blueprint)
    if analytics:
        _add_analytics(blueprint, files, members)
    files[PurePosixPath("manifest/package.xml")] = package_xml(members, api_version)
    return Project(api_version=api_version, files=dict(sorted(files.items())))


def _add_analytics(
    blueprint: Blueprint, files: dict[PurePosixPath, bytes], members: dict[str, list[str]]
) -> None:
    """The report folder and reports, the dashboard folder and dashboard."""
    report_dir = SOURCE_ROOT / "reports"
    report_list = reports(blueprint)
    files[report_dir / f"{REPORT_FOLDER}.reportFolder-meta.xml"] = folder_xml(
        "ReportFolder", "SFSync Lead Quality"
    )
    members["Report"] = [f"{REPORT_FOLDER}/"]  # a folder's member, as sf writes it
    for report in report_list:
        files[report_dir / REPORT_FOLDER / f"{report.name}.report-meta.xml"] = report_xml(report)
        members["Report"].append(report.member)
    dashboard_dir = SOURCE_ROOT / "dashboards"
    files[dashboard_dir / f"{DASHBOARD_FOLDER}.dashboardFolder-meta.xml"] = folder_xml(
        "DashboardFolder", "SFSync Dashboards"
    )
    files[dashboard_dir / DASHBOARD_FOLDER / f"{DASHBOARD}.dashboard-meta.xml"] = dashboard_xml(
        report_list
    )
    members["Dashboard"] = [f"{DASHBOARD_FOLDER}/", f"{DASHBOARD_FOLDER}/{DASHBOARD}"]


def _existing_files(root: Path) -> set[PurePosixPath]:
    if not root.exists():
        return set()
    return {PurePosixPath(p.relative_to(root).as_posix()) for p in root.rglob("*") if p.is_file()}


def write_project(
    project: Project, root: Path, *, overwrite: bool = False, dry_run: bool = False
) -> WriteResult:
    """
    Write *project* under *root*; files already identical are left alone.

    Files under *root* that the project does not contain (e.g. fields of a previous, remapped
    definition) are reported as stale and never deleted.

    Raises:
        ConfigError: *root* is a file, or holds other files and *overwrite* is false.
    """
    if root.exists() and not root.is_dir():
        msg = f"--out {root}: is a file; name a directory"
        raise ConfigError(msg)
    existing = _existing_files(root)
    changed = [
        path
        for path, content in project.files.items()
        if path not in existing or (root / path).read_bytes() != content
    ]
    if existing and changed and not overwrite:
        msg = (
            f"--out {root}: directory is not empty; pass --overwrite to replace the generated files"
        )
        raise ConfigError(msg)
    result = WriteResult(
        root=root,
        written=changed,
        unchanged=[p for p in project.files if p not in changed],
        stale=sorted(existing - set(project.files)),
        dry_run=dry_run,
    )
    if dry_run:
        return result
    for path in changed:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(project.files[path])
        os.replace(tmp, target)
    log.info(
        "sfsync.fields.project_written",
        root=str(root),
        written=len(result.written),
        unchanged=len(result.unchanged),
        stale=len(result.stale),
    )
    return result


def generate_project(
    definition_path: Path,
    out: Path,
    *,
    api_version: str,
    track_history: bool = True,
    assign: Iterable[str] = (),
    analytics: bool = True,
    overwrite: bool = False,
    dry_run: bool = False,
) -> WriteResult:
    """
    Load the definition, build its metadata project and write it (or list it, in a dry run).

    Raises:
        MappingError: the definition is invalid.
        ConfigError: a bad API version or output directory.
    """
    from sfsync.definition import load_compiled

    check_api_version(api_version)
    blueprint = build_blueprint(load_compiled(definition_path), track_history=track_history)
    project = build_project(blueprint, api_version=api_version, assign=assign, analytics=analytics)
    return write_project(project, out, overwrite=overwrite, dry_run=dry_run)

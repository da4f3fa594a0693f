"""
Salesforce metadata for a definition: the output fields on Lead, the integration user's
permission set, the reps' list views, as a DX source project ready for `sf project deploy`.

    result = generate_project(Path("mappings/default.yaml"), Path("sfsync-metadata"),
                              api_version="62.0")
"""

from __future__ import annotations

from sfsync.fields.blueprint import Blueprint, FieldAccess, build_blueprint
from sfsync.fields.catalog import FieldType, OutputField, field_type_for, output_fields
from sfsync.fields.documents import FOLLOW_UP_LISTS
from sfsync.fields.project import (
    Project,
    WriteResult,
    build_project,
    check_api_version,
    generate_project,
    write_project,
)

__all__ = [
    "FOLLOW_UP_LISTS",
    "Blueprint",
    "FieldAccess",
    "FieldType",
    "OutputField",
    "Project",
    "WriteResult",
    "build_blueprint",
    "build_project",
    "check_api_version",
    "field_type_for",
    "generate_project",
    "output_fields",
    "write_project",
]

"""
`sfsync check`'s logic: compare the definition with the org's describe (pure).

Every check is a `CheckResult` with a fix for each failure, so an admin can go down the
list and make the org ready without reading code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sfsync.definition import CompiledDefinition
from sfsync.definition.terms import STATUSES

NUMBER_TYPES = frozenset({"int", "double", "currency", "percent", "long"})
TEXT_TYPES = frozenset(
    {
        "string",
        "picklist",
        "textarea",
        "email",
        "phone",
        "url",
        "multipicklist",
        "id",
        "reference",
        "combobox",
    }
)
NUMERIC_OPERATORS = frozenset({"gte", "lte", "between"})
SFS_STATUSES = STATUSES  # the SFS_Status__c picklist values

# What each output needs: accepted describe types, and a hint for the fix.
OUTPUT_TYPES: dict[str, tuple[frozenset[str], str]] = {
    "score": (NUMBER_TYPES, "Number(3, 0)"),
    "fit_score": (NUMBER_TYPES, "Number(3, 0)"),
    "engagement_score": (NUMBER_TYPES, "Number(3, 0)"),
    "grade": (frozenset({"string"}), "Text(2)"),
    "bant": (NUMBER_TYPES, "Number(1, 0)"),
    "status": (frozenset({"picklist", "string"}), "Picklist (" + ", ".join(SFS_STATUSES) + ")"),
    "reasons": (frozenset({"textarea"}), "Long Text Area(32768)"),
    "sales_ready_since": (frozenset({"datetime"}), "Date/Time"),
    "touches": (NUMBER_TYPES, "Number(4, 0)"),
    "touches_remaining": (NUMBER_TYPES, "Number(4, 0)"),
    "last_touch": (frozenset({"datetime"}), "Date/Time"),
    "first_touch_hours": (NUMBER_TYPES, "Number(8, 1)"),
    "needs_follow_up": (frozenset({"boolean"}), "Checkbox"),
    "definition_version": (frozenset({"string"}), "Text(40)"),
}


@dataclass(frozen=True)
class CheckResult:
    """One line of the check table."""

    area: str
    item: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False


def _fields_by_name(describe: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    if not describe:
        return {}
    return {str(f["name"]).lower(): f for f in describe.get("fields", [])}


def _operators(node: Any) -> set[str]:
    """Every operator key used in a condition tree (model or plain data)."""
    if hasattr(node, "model_dump"):
        node = node.model_dump(exclude_none=True)
    found: set[str] = set()
    if isinstance(node, Mapping):
        for key, value in node.items():
            found.add(str(key))
            found |= _operators(value)
    elif isinstance(node, list | tuple):
        for item in node:
            found |= _operators(item)
    return found


def numeric_inputs(definition: CompiledDefinition) -> set[str]:
    """Inputs that the definition compares with numeric operators (they need Number fields)."""
    defn = definition.definition.model_dump(exclude_none=True)
    numeric: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            if "input" in node:
                conds = [
                    node.get("when"),
                    node.get("met"),
                    *(b.get("when") for b in node.get("bands", [])),
                ]
                if any(_operators(c) & NUMERIC_OPERATORS for c in conds if c):
                    numeric.add(str(node["input"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(defn)
    return numeric


def check_definition_against_org(
    definition: CompiledDefinition,
    describes: Mapping[str, Mapping[str, Any] | None],
) -> list[CheckResult]:
    """
    Check every mapped input and output field, and every activity object's fields.

    `describes` maps object API names to their describe result, or None when the object
    does not exist (or is not visible to the integration user).
    """
    results: list[CheckResult] = []
    defn = definition.definition
    lead = _fields_by_name(describes.get("Lead"))
    numeric = numeric_inputs(definition)
    for name, spec in defn.inputs.items():
        meta = lead.get(spec.field.lower())
        item = f"Lead.{spec.field} (input '{name}')"
        if meta is None:
            results.append(
                CheckResult(
                    "input",
                    item,
                    ok=bool(spec.optional),
                    warning=bool(spec.optional),
                    detail="missing (optional: scored as unknown)" if spec.optional else "missing",
                    fix=f"create Lead.{spec.field}, grant the integration user read access, "
                    f"or remap input '{name}' in the definition",
                )
            )
            continue
        ftype = str(meta.get("type"))
        wanted = NUMBER_TYPES if name in numeric else TEXT_TYPES | NUMBER_TYPES
        if ftype not in wanted:
            results.append(
                CheckResult(
                    "input",
                    item,
                    ok=False,
                    detail=f"type {ftype} cannot be compared as "
                    + ("a number" if name in numeric else "text"),
                    fix=f"map input '{name}' to a "
                    + ("Number/Currency" if name in numeric else "text or picklist")
                    + " field",
                )
            )
        else:
            results.append(CheckResult("input", item, ok=True, detail=f"{ftype}, readable"))

    for key, (types, hint) in OUTPUT_TYPES.items():
        api_name = getattr(defn.outputs, key)
        meta = lead.get(api_name.lower())
        item = f"Lead.{api_name}"
        if meta is None:
            results.append(
                CheckResult(
                    "output",
                    item,
                    ok=False,
                    detail="missing",
                    fix=f"create {api_name} as {hint} (sfsync fields --out DIR generates it) "
                    "and give the integration user edit access",
                )
            )
            continue
        ftype = str(meta.get("type"))
        problems = []
        if ftype not in types:
            problems.append(f"type {ftype}, expected {hint}")
        if not meta.get("updateable", False):
            problems.append("not updateable by the integration user")
        if key == "status" and ftype == "picklist":
            values = {
                p.get("value") for p in meta.get("picklistValues", []) if p.get("active", True)
            }
            missing = [s for s in SFS_STATUSES if s not in values]
            if missing and meta.get("restrictedPicklist"):
                problems.append("restricted picklist lacks " + ", ".join(missing))
        if key == "definition_version" and ftype == "string":
            length = int(meta.get("length") or 0)
            if length and length < len(definition.version):
                problems.append(f"length {length} < {len(definition.version)} (the version stamp)")
        if problems:
            results.append(
                CheckResult(
                    "output",
                    item,
                    ok=False,
                    detail="; ".join(problems),
                    fix=f"make {api_name} a {hint} field the integration user can edit",
                )
            )
        else:
            results.append(CheckResult("output", item, ok=True, detail=f"{ftype}, updateable"))

    status_cfg = defn.status.standard_status
    if status_cfg.enabled:
        meta = lead.get(status_cfg.field.lower())
        ok = meta is not None and bool(meta.get("updateable"))
        results.append(
            CheckResult(
                "output",
                f"Lead.{status_cfg.field} (standard status mapping)",
                ok=ok,
                detail="updateable" if ok else "missing or not updateable",
                fix=""
                if ok
                else f"grant edit on Lead.{status_cfg.field} or disable status.standard_status",
            )
        )

    signal_fields = lead_signal_fields(definition)
    if signal_fields:
        missing = [name for name in signal_fields if name.lower() not in lead]
        results.append(
            CheckResult(
                "activity",
                "Lead (signals kept on the lead)",
                ok=not missing,
                detail="all fields readable" if not missing else "missing: " + ", ".join(missing),
                fix=""
                if not missing
                else f"grant read access to Lead.{', Lead.'.join(missing)}, or remove the "
                "engagement sources on Lead that read them",
            )
        )
    read_fields = definition.read_fields()
    for object_name in definition.activity_objects():
        describe = describes.get(object_name)
        if describe is None:
            results.append(
                CheckResult(
                    "activity",
                    object_name,
                    ok=False,
                    detail="object missing or not visible",
                    fix=f"grant the integration user read access to {object_name}, "
                    "or remove its sources from the definition",
                )
            )
            continue
        fields = _fields_by_name(describe)
        relationships = {
            str(f.get("relationshipName")).lower()
            for f in describe.get("fields", [])
            if f.get("relationshipName")
        }
        missing = []
        for name in read_fields[object_name]:
            head = name.split(".", 1)[0].lower()
            if "." in name:
                if head not in relationships:
                    missing.append(name)
            elif head not in fields:
                missing.append(name)
        results.append(
            CheckResult(
                "activity",
                object_name,
                ok=not missing,
                detail="all fields readable" if not missing else "missing: " + ", ".join(missing),
                fix=""
                if not missing
                else f"grant read access to {', '.join(missing)} on {object_name}",
            )
        )
    return results


def lead_signal_fields(definition: CompiledDefinition) -> list[str]:
    """The Lead fields engagement sources on the Lead itself read (date and tested fields)."""
    names: list[str] = []
    for source in definition.definition.engagement.sources:
        if source.object == "Lead":
            names.append(source.at)
            if source.when is not None:
                names.extend(leaf.field for leaf in source.when.leaves() if leaf.field)
    return list(dict.fromkeys(names))


def budget_result(limits: Mapping[str, Any], budget_pct: float) -> CheckResult:
    """The API budget line: the org's daily limit, what is left, and this run's share."""
    daily = limits.get("DailyApiRequests") or {}
    maximum = int(daily.get("Max") or 0)
    remaining = int(daily.get("Remaining") or 0)
    per_run = int(maximum * budget_pct / 100)
    ok = maximum > 0 and remaining > 0
    return CheckResult(
        "budget",
        "DailyApiRequests",
        ok=ok,
        detail=f"{remaining:,} of {maximum:,} left today; a pass may use up to {per_run:,} "
        f"({budget_pct:g}%)",
        fix="" if ok else "wait for the daily limit to reset, or lower other integrations' use",
    )

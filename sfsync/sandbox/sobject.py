"""
How the sandbox org defines an sObject: `FieldDef` and `ObjectDef`, the describe type names,
and the Id and audit fields every object has. Pure data; `schema` (the demo org's objects)
and `setup_objects` (what every org has) are written in these terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Salesforce describe "type" values used here.
ID, STRING, TEXTAREA, EMAIL, PICKLIST, DOUBLE, INT, CURRENCY, BOOLEAN, DATETIME, DATE, REFERENCE, URL = (
    "id", "string", "textarea", "email", "picklist", "double", "int", "currency",
    "boolean", "datetime", "date", "reference", "url",
)  # fmt: skip


@dataclass(frozen=True)
class FieldDef:
    """
    One field as describe reports it.

    `formula` is an SQL expression over the row's own columns for a field the org derives
    on every read (Task.IsClosed from Status): stored as an SQLite generated column, so rows
    written by any path (the API, the seed) agree; never written directly. `sql_default` is
    the value SQLite gives a row inserted without the column (the seed writes rows directly).
    """

    name: str
    type: str
    label: str = ""
    length: int = 0
    precision: int = 0
    scale: int = 0
    updateable: bool = True
    createable: bool = True
    nillable: bool = True
    custom: bool = False
    picklist: tuple[str, ...] = ()
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    formula: str | None = None
    sql_default: str | None = None

    @property
    def sql_type(self) -> str:
        """The SQLite column affinity for this field's values."""
        if self.type in (DOUBLE, CURRENCY):
            return "REAL"
        if self.type in (INT, BOOLEAN):
            return "INTEGER"
        return "TEXT"

    @property
    def is_polymorphic(self) -> bool:
        """Whether the reference can point at more than one object (WhoId, Lead.OwnerId)."""
        return len(self.reference_to) > 1

    def column_ddl(self) -> str:
        """The column's definition in CREATE TABLE / ALTER TABLE ADD COLUMN."""
        ddl = f'"{self.name}" {self.sql_type}'
        if self.formula is not None:
            return f"{ddl} GENERATED ALWAYS AS ({self.formula}) VIRTUAL"
        if self.sql_default is not None:
            ddl += " DEFAULT '" + self.sql_default.replace("'", "''") + "'"
        return ddl + (" PRIMARY KEY" if self.name == "Id" else "")


@dataclass(frozen=True)
class ObjectDef:
    """
    One sObject: its API name, key prefix and fields (audit fields included), and which
    operations the API allows on it (Organization and Profile are read-only, as in an org).
    """

    name: str
    key_prefix: str
    label: str
    fields: tuple[FieldDef, ...]
    custom: bool = False
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    by_name: dict[str, FieldDef] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_name.update({f.name.lower(): f for f in self.fields})

    def get(self, name: str) -> FieldDef | None:
        """Look a field up case-insensitively, as SOQL does."""
        return self.by_name.get(name.lower())


def audit_fields() -> tuple[FieldDef, ...]:
    """The fields every object has, set by the org on every write."""
    user = ("User",)
    return (
        FieldDef("IsDeleted", BOOLEAN, "Deleted", updateable=False, createable=False, nillable=False),
        # Audit fields are createable, as in an org with "Set Audit Fields upon Record Creation".
        FieldDef("CreatedDate", DATETIME, "Created Date", updateable=False, nillable=False),
        FieldDef("CreatedById", REFERENCE, "Created By ID", updateable=False, nillable=False,
                 reference_to=user, relationship_name="CreatedBy"),
        FieldDef("LastModifiedDate", DATETIME, "Last Modified Date", updateable=False, nillable=False),
        FieldDef("LastModifiedById", REFERENCE, "Last Modified By ID", updateable=False,
                 createable=False, nillable=False, reference_to=user,
                 relationship_name="LastModifiedBy"),
        FieldDef("SystemModstamp", DATETIME, "System Modstamp", updateable=False, createable=False,
                 nillable=False),
    )  # fmt: skip


def id_field(label: str) -> FieldDef:
    """The 18-character record Id."""
    return FieldDef("Id", ID, label, length=18, updateable=False, createable=False, nillable=False)


def is_long_text(fdef: FieldDef) -> bool:
    """A long text area: selectable, but not filtered, sorted, grouped or aggregated."""
    return fdef.type == TEXTAREA and fdef.length > 255


def is_groupable(fdef: FieldDef) -> bool:
    """Whether GROUP BY takes the field (describe's `groupable`)."""
    return not is_long_text(fdef) and fdef.type not in (DOUBLE, CURRENCY, DATETIME)

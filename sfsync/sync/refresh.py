"""Re-reading one lead and its activity into the mirror (`explain --live`)."""

from __future__ import annotations

from sfsync.definition import CompiledDefinition
from sfsync.salesforce.soql import build_select, format_soql
from sfsync.state import StateStore
from sfsync.sync.client import QueryClient
from sfsync.sync.plan import read_objects


def refresh_lead(
    client: QueryClient, store: StateStore, definition: CompiledDefinition, lead_id: str
) -> None:
    """
    Re-read one lead and all its activity (deleted records too) from the org into the
    mirror.

    Raises:
        SalesforceError, StateStoreError: as the client and the store raise them.
    """
    for object_name, fields, lead_field in read_objects(definition):
        if object_name == "User":
            continue
        key = lead_field or "Id"
        soql = build_select(object_name, fields, where=format_soql("{:field} = {}", key, lead_id))
        rows = client.query(soql, include_deleted=True)
        with store.transaction():
            store.upsert_records(object_name, rows, lead_field=lead_field)

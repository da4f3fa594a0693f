"""
The tuning study's lead source over the state store's mirror: a thin adapter over the
store's public reading methods, and the only part of `sfsync.tune` that does I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Any

from sfsync.state import LeadWithActivities, StateStore, UserContext

BATCH_SIZE = 2000


class MirrorSource:
    """Reads leads, their activity and the users from a StateStore (opened by the caller)."""

    def __init__(self, store: StateStore, *, batch_size: int = BATCH_SIZE) -> None:
        self._store = store
        self._batch_size = batch_size
        self._context: UserContext | None = None

    def count(self) -> int:
        """
        How many (non-deleted) leads the mirror holds.

        Raises:
            StateStoreError: SQLite failed.
        """
        return self._store.count("Lead")

    def leads(self) -> Iterator[list[dict[str, Any]]]:
        """
        The leads alone (no activity), in batches: the cheap first pass.

        Raises:
            StateStoreError: SQLite failed.
        """
        return self._store.iter_leads(batch_size=self._batch_size)

    def batches(
        self, lead_ids: Collection[str] | None = None
    ) -> Iterator[list[LeadWithActivities]]:
        """
        The leads (only *lead_ids* when given) and their non-deleted activity, in batches.

        Raises:
            StateStoreError: SQLite failed.
        """
        return self._store.iter_leads_with_activities(
            lead_ids=None if lead_ids is None else list(lead_ids), batch_size=self._batch_size
        )

    def users(self) -> Mapping[str, str]:
        """
        User Id -> name (the store's typed user context, read once).

        Raises:
            StateStoreError: SQLite failed.
        """
        return self._who().users

    def integration_user_id(self) -> str | None:
        """
        The user sfsync runs as (recorded at sync time).

        Raises:
            StateStoreError: SQLite failed.
        """
        return self._who().integration_user_id

    def _who(self) -> UserContext:
        if self._context is None:
            self._context = self._store.user_context()
        return self._context

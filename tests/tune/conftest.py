"""Shared pieces for the tune tests: an in-memory lead source."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

LeadWithActivities = tuple[dict[str, Any], dict[str, Any]]


class ListSource:
    """A lead source over a list, batched like the mirror."""

    def __init__(self, leads: Sequence[LeadWithActivities], *, batch: int = 250) -> None:
        self._leads = sorted(leads, key=lambda pair: pair[0]["Id"])
        self._batch = batch

    def count(self) -> int:
        """How many leads."""
        return len(self._leads)

    def leads(self) -> Iterator[list[dict[str, Any]]]:
        """The leads alone."""
        for start in range(0, len(self._leads), self._batch):
            yield [lead for lead, _ in self._leads[start : start + self._batch]]

    def batches(
        self, lead_ids: Collection[str] | None = None
    ) -> Iterator[list[LeadWithActivities]]:
        """The leads with their activity, only *lead_ids* when given."""
        wanted = None if lead_ids is None else set(lead_ids)
        chosen = [p for p in self._leads if wanted is None or p[0]["Id"] in wanted]
        for start in range(0, len(chosen), self._batch):
            yield chosen[start : start + self._batch]

    def users(self) -> Mapping[str, str]:
        """No users."""
        return {}

    def integration_user_id(self) -> str | None:
        """No integration user."""
        return None

"""
What sfsync knows about the org it syncs, with a typed method for each fact (the org it is
bound to, the integration user, the definition last applied, the last nightly rescore, the
fields the mirror holds), and the checkpoints of resumable work.

The facts live in the `meta` table as text under fixed keys; only this module knows them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sfsync.state.database import dumps, loads
from sfsync.state.mirror import MirrorStore

_ORG_ID = "org_id"
_INTEGRATION_USER = "integration_user_id"
_DEFINITION = "definition_fingerprint"
_LAST_NIGHTLY = "last_nightly"
_LAST_BACKFILL = "last_backfill"
_MIRRORED_FIELDS = "mirrored_fields:"  # + object name
_VERSION_CONTENT = "definition_content:"  # + definition version


@dataclass(frozen=True)
class UserContext:
    """Who is who when activity is judged: user Id → Name, and the integration user."""

    users: Mapping[str, str]
    integration_user_id: str | None


class MetaStore(MirrorStore):
    """The org's facts and the checkpoints; ``StateStore`` adds the ledger tables."""

    # --- facts about the org ---------------------------------------------------------------

    def org_id(self) -> str | None:
        """
        Return the Id of the org this store mirrors, or None before the first bound pass.

        Raises:
            StateStoreError: SQLite failed.
        """
        return self.get_meta(_ORG_ID)

    def bind_org(self, org_id: str) -> None:
        """
        Bind the store to *org_id* (the caller refuses another org afterwards).

        Raises:
            StateStoreError: SQLite failed.
        """
        self.set_meta(_ORG_ID, org_id)

    def integration_user_id(self) -> str | None:
        """
        Return the Id of the user sfsync writes as, once a pass has asked the org.

        Raises:
            StateStoreError: SQLite failed.
        """
        return self.get_meta(_INTEGRATION_USER) or None

    def set_integration_user_id(self, user_id: str) -> None:
        """
        Remember the user sfsync writes as.

        Raises:
            StateStoreError: SQLite failed.
        """
        self.set_meta(_INTEGRATION_USER, user_id)

    def user_context(self) -> UserContext:
        """
        Return the mirrored users' names by Id and the integration user: what qualifying a
        lead needs to tell human sales touches from the rest.

        Raises:
            StateStoreError: SQLite failed.
        """
        users = {uid: str(u.get("Name") or "") for uid, u in self.users().items()}
        return UserContext(users=users, integration_user_id=self.integration_user_id())

    def definition_fingerprint(self) -> str | None:
        """
        Return the fingerprint of the definition the leads were last qualified with.

        Raises:
            StateStoreError: SQLite failed.
        """
        return self.get_meta(_DEFINITION)

    def set_definition_fingerprint(self, fingerprint: str) -> None:
        """
        Remember the definition every lead has now been qualified with.

        Raises:
            StateStoreError: SQLite failed.
        """
        self.set_meta(_DEFINITION, fingerprint)

    def version_content(self, version: str) -> str | None:
        """
        Return the content fingerprint definition *version* was first applied with, or None
        when no writing pass has used that version here.

        Raises:
            StateStoreError: SQLite failed.
        """
        return self.get_meta(f"{_VERSION_CONTENT}{version}")

    def set_version_content(self, version: str, fingerprint: str) -> None:
        """
        Remember that definition *version* means the content with *fingerprint*.

        Raises:
            StateStoreError: SQLite failed.
        """
        self.set_meta(f"{_VERSION_CONTENT}{version}", fingerprint)

    def last_nightly(self) -> datetime | None:
        """
        Return when the daemon's last successful nightly rescore ran, or None.

        Raises:
            StateStoreError: SQLite failed.
        """
        stored = self.get_meta(_LAST_NIGHTLY)
        return datetime.fromisoformat(stored) if stored else None

    def set_last_nightly(self, at: datetime) -> None:
        """
        Remember that a nightly rescore succeeded at *at*.

        Raises:
            StateStoreError: SQLite failed.
        """
        self.set_meta(_LAST_NIGHTLY, at.isoformat())

    def set_last_backfill(self, summary: Mapping[str, Any]) -> None:
        """
        Remember the summary of the last finished backfill (JSON-encodable).

        Raises:
            StateStoreError: SQLite failed.
        """
        self.set_meta(_LAST_BACKFILL, json.dumps(dict(summary)))

    def mirrored_fields(self, object_name: str) -> frozenset[str] | None:
        """
        Return the fields (lower case) every mirrored *object_name* record holds, or None
        when unknown (nothing read yet).

        Raises:
            StateStoreError: SQLite failed.
        """
        text = self.get_meta(f"{_MIRRORED_FIELDS}{object_name}")
        return None if text is None else frozenset(filter(None, text.split(",")))

    def set_mirrored_fields(self, object_name: str, fields: Iterable[str]) -> None:
        """
        Remember the fields every mirrored *object_name* record holds.

        Raises:
            StateStoreError: SQLite failed.
        """
        self.set_meta(f"{_MIRRORED_FIELDS}{object_name}", ",".join(sorted(fields)))

    # --- checkpoints and metadata ---------------------------------------------------------

    def save_checkpoint(self, name: str, data: Mapping[str, Any]) -> None:
        """
        Store *data* (small, JSON-encodable) under *name*, replacing what was there.

        Raises:
            StateStoreError: SQLite failed.
            TypeError: *data* holds a value JSON cannot encode.
        """
        with self._writing("save_checkpoint") as conn:
            conn.execute(
                "INSERT INTO checkpoint (name, data, saved_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET data = excluded.data, "
                "saved_at = excluded.saved_at",
                (name, dumps(dict(data)), self._now()),
            )

    def load_checkpoint(self, name: str) -> dict[str, Any] | None:
        """
        Return the checkpoint *name*, or None.

        Raises:
            StateStoreError: SQLite failed.
        """
        with self._reading("load_checkpoint") as conn:
            row = conn.execute("SELECT data FROM checkpoint WHERE name = ?", (name,)).fetchone()
        return None if row is None else dict(loads(row[0]))

    def clear_checkpoint(self, name: str) -> None:
        """
        Forget the checkpoint *name* (no error if there is none).

        Raises:
            StateStoreError: SQLite failed.
        """
        with self._writing("clear_checkpoint") as conn:
            conn.execute("DELETE FROM checkpoint WHERE name = ?", (name,))

    def get_meta(self, key: str) -> str | None:
        """
        Return the metadata value *key*, or None.

        Raises:
            StateStoreError: SQLite failed.
        """
        with self._reading("get_meta") as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """
        Store the metadata value *key*.

        Raises:
            StateStoreError: SQLite failed.
        """
        with self._writing("set_meta") as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

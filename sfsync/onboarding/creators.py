"""
Who logs non-human activity (pure): the integration user sfsync runs as, a package's own
user (by the name its documentation gives it), and any user whose name, profile or user
type says it is an integration or automation; with how many Tasks and Events each created,
so the admin can check the list. Their activity is never a sales touch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sfsync.onboarding.facts import OrgSurvey, UserFacts
from sfsync.onboarding.footprints import Footprint

_AUTOMATION = re.compile(
    r"\b(integration|automation|automated|sync|connector|api|bot|system|b2bma|pardot|marketo|"
    r"hubspot|eloqua|zapier|workato|mulesoft)\b",
    re.IGNORECASE,
)
_AUTOMATED_TYPES = frozenset({"AutomatedProcess", "CloudIntegrationUser"})


@dataclass(frozen=True)
class NonHuman:
    """A user whose activity is not a sales touch, and why."""

    user: UserFacts
    why: str


def non_human_users(survey: OrgSurvey, footprints: Iterable[Footprint]) -> list[NonHuman]:
    """Users that log activity but are not people, busiest first (the integration user too)."""
    package_users = {name.lower(): fp.name for fp in footprints for name in fp.users}
    found: list[NonHuman] = []
    for user in survey.users.values():
        why = _why(user, survey.integration_user_id, package_users)
        if why is not None:
            found.append(NonHuman(user, why))
    found.sort(key=lambda n: (-(n.user.tasks + n.user.events), n.user.name))
    return found


def _why(user: UserFacts, integration_id: str | None, packages: dict[str, str]) -> str | None:
    if user.id == integration_id:
        return "the user sfsync runs as"
    if user.name.lower() in packages:
        return f"{packages[user.name.lower()]}'s user"
    if user.user_type in _AUTOMATED_TYPES:
        return f"user type {user.user_type}"
    if user.profile and _AUTOMATION.search(user.profile):
        return f"profile {user.profile!r}"
    if _AUTOMATION.search(user.name):
        return "its name"
    return None

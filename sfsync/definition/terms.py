"""
The definition's fixed vocabulary: the statuses, the BANT criteria, the output keys, the
condition operators and the shapes of names and API names.
"""

from __future__ import annotations

import re

STATUSES: tuple[str, ...] = (
    "Sales Ready",
    "Nurture",
    "Recycled",
    "Disqualified",
    "Insufficient Data",
)
"""The computed statuses, in the order the SFS_Status__c picklist lists them."""

BANT_CRITERIA: tuple[str, ...] = ("budget", "authority", "need", "timeframe")

OUTPUT_KEYS: tuple[str, ...] = (
    "score",
    "fit_score",
    "engagement_score",
    "grade",
    "bant",
    "status",
    "reasons",
    "sales_ready_since",
    "touches",
    "touches_remaining",
    "last_touch",
    "first_touch_hours",
    "needs_follow_up",
    "definition_version",
)
"""The output keys in the order of DESIGN §3's table (and of every output record)."""

VALUE_OPERATORS: tuple[str, ...] = (
    "equals",
    "not_equals",
    "in",
    "not_in",
    "contains",
    "contains_any",
    "matches",
    "starts_with",
    "gte",
    "lte",
    "between",
    "known",
    "email_domain_in",
    "within_days",
)
"""The closed set of leaf operators, by their YAML names."""

NUMERIC_OPERATORS = frozenset({"gte", "lte", "between"})
DATE_OPERATORS = frozenset({"within_days"})

API_NAME = r"^[A-Za-z][A-Za-z0-9_]{0,79}$"
FIELD_PATH = r"^[A-Za-z][A-Za-z0-9_]{0,79}(\.[A-Za-z][A-Za-z0-9_]{0,79}){0,4}$"
# A custom field: optional namespace prefix, a letter first, no double or trailing underscore.
CUSTOM_FIELD = re.compile(
    r"^(?:[A-Za-z][A-Za-z0-9]{0,14}__)?[A-Za-z](?:[A-Za-z0-9]|_(?!_)){0,39}(?<!_)__c$"
)
NAME = r"^[a-z][a-z0-9_]{0,62}$"

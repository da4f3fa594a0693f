"""
One condition of the definition, as data: a leaf (one operator from a closed set) or a
combinator (`all`, `any`, `not`), and the shared base of every definition model.

Compiled into plain predicates by `conditions.py`; described in words by `doc.py`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sfsync.definition.terms import (
    API_NAME,
    DATE_OPERATORS,
    FIELD_PATH,
    NAME,
    NUMERIC_OPERATORS,
    VALUE_OPERATORS,
)

Scalar = str | bool | int | float
Number = Annotated[float, Field(strict=True)]
ApiName = Annotated[str, Field(pattern=API_NAME)]
FieldPath = Annotated[str, Field(pattern=FIELD_PATH)]
Name = Annotated[str, Field(pattern=NAME)]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class Model(BaseModel):
    """The base of every definition model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        use_attribute_docstrings=True,
        str_strip_whitespace=False,
    )


class Condition(Model):
    """
    One test: either a leaf (exactly one operator, plus `field` on activity records) or a
    combinator (`all`, `any` or `not`, alone). Text comparisons ignore case and surrounding
    whitespace; numbers given as text ("250") compare as numbers; a blank value never
    matches anything except `known: false`.
    """

    field: FieldPath | None = None
    """Activity conditions only: the record field to test, parent fields as `Campaign.Type`."""
    equals: Scalar | None = None
    """The value equals this (text ignoring case, numbers numerically, true/false as booleans)."""
    not_equals: Scalar | None = None
    """The value is known and differs from this."""
    in_: list[Scalar] | None = Field(default=None, alias="in")
    """The value is one of these (an empty list never matches)."""
    not_in: list[Scalar] | None = None
    """The value is known and none of these."""
    contains: str | None = None
    """The text contains this, ignoring case."""
    contains_any: list[str] | None = None
    """The text contains at least one of these, ignoring case."""
    matches: str | None = None
    """The text matches this regular expression (Python syntax, ignoring case, anywhere)."""
    starts_with: str | None = None
    """The text starts with this, ignoring case."""
    gte: Number | None = None
    """The number is at least this."""
    lte: Number | None = None
    """The number is at most this."""
    between: tuple[Number, Number] | None = None
    """The number is in [lo, hi], both ends included; lo <= hi."""
    known: bool | None = None
    """true: the value is present (not blank); false: it is blank or missing."""
    email_domain_in: list[str] | None = None
    """The email address's domain (after @) is one of these, or a subdomain of one."""
    within_days: Number | None = None
    """The date/time is at most this many days before now (and not in the future)."""
    all: list[Condition] | None = None
    """Every one of these conditions holds (an empty list always holds)."""
    any: list[Condition] | None = None
    """At least one of these conditions holds."""
    not_: Condition | None = Field(default=None, alias="not")
    """This condition does not hold."""

    @field_validator("matches")
    @classmethod
    def _regex_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value, re.IGNORECASE)
            except re.error as exc:
                msg = f"not a valid regular expression: {exc}"
                raise ValueError(msg) from None
        return value

    @field_validator("between")
    @classmethod
    def _between_ordered(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and value[0] > value[1]:
            msg = f"between [lo, hi] needs lo <= hi, got [{value[0]:g}, {value[1]:g}]"
            raise ValueError(msg)
        return value

    @field_validator("within_days")
    @classmethod
    def _positive_days(cls, value: float | None) -> float | None:
        if value is not None and not (value > 0 and math.isfinite(value)):
            msg = "within_days must be a positive number of days"
            raise ValueError(msg)
        return value

    @field_validator("gte", "lte")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            msg = "must be a finite number"
            raise ValueError(msg)
        return value

    @field_validator("email_domain_in")
    @classmethod
    def _domains(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            for domain in value:
                if "@" in domain or not re.fullmatch(r"[A-Za-z0-9.-]+\.[A-Za-z0-9-]+", domain):
                    msg = f"{domain!r} is not a domain like example.com (no @)"
                    raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        ops = self.operators()
        combinators = [n for n in ("all", "any", "not") if self._combinator(n) is not None]
        if combinators:
            if len(combinators) > 1 or ops or self.field is not None:
                msg = (
                    "use one of all/any/not alone in a condition, found "
                    + ", ".join(combinators + ops)
                    + (" and field" if self.field is not None else "")
                )
                raise ValueError(msg)
        elif len(ops) != 1:
            found = ", ".join(ops) if ops else "none"
            msg = (
                "a condition needs exactly one operator "
                f"({', '.join(VALUE_OPERATORS)}) or all/any/not; found {found}"
            )
            raise ValueError(msg)
        return self

    def _combinator(self, name: str) -> object:
        return self.not_ if name == "not" else getattr(self, name)

    def operators(self) -> list[str]:
        """The YAML names of the leaf operators set on this condition (one, when valid)."""
        return [
            name
            for name in VALUE_OPERATORS
            if getattr(self, "in_" if name == "in" else name) is not None
        ]

    @property
    def operator(self) -> str | None:
        """This leaf's operator name, or None for a combinator."""
        ops = self.operators()
        return ops[0] if ops else None

    @property
    def operand(self) -> Any:
        """This leaf's operand (the value after the operator name)."""
        op = self.operator
        return None if op is None else getattr(self, "in_" if op == "in" else op)

    def children(self) -> list[Condition]:
        """The nested conditions of a combinator (empty for a leaf)."""
        if self.all is not None:
            return list(self.all)
        if self.any is not None:
            return list(self.any)
        if self.not_ is not None:
            return [self.not_]
        return []

    def leaves(self) -> Iterator[Condition]:
        """Every leaf condition, depth first."""
        if self.operator is not None:
            yield self
        for child in self.children():
            yield from child.leaves()


Condition.model_rebuild()


def condition_kind(conditions: list[Condition]) -> Literal["number", "date", "text"]:
    """
    The kind of value a set of lead conditions expects: `number` when any leaf compares
    numbers (gte/lte/between), `date` when any uses within_days, else `text`.
    """
    ops = {leaf.operator for cond in conditions for leaf in cond.leaves()}
    if ops & NUMERIC_OPERATORS:
        return "number"
    if ops & DATE_OPERATORS:
        return "date"
    return "text"

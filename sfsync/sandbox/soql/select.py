"""
The SELECT list, GROUP BY and the aggregate functions of a SOQL query: what is selected, under
which key each value comes back (an alias, a field's name, or `expr0`, `expr1`... for
unaliased aggregates, https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_alias.htm),
and the rules an aggregate query follows: every selected field grouped or aggregated, only
groupable fields in GROUP BY, SUM and AVG only of numbers.

A mixin of the parser (`soql/parser.py`), which owns the tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sfsync.sandbox import schema
from sfsync.sandbox.sobject import is_groupable, is_long_text
from sfsync.sandbox.soql.errors import INVALID_FIELD, MALFORMED_QUERY
from sfsync.sandbox.soql.nodes import Aggregate, FieldPath, GroupedField

if TYPE_CHECKING:
    from sfsync.sandbox.soql.errors import SoqlError
    from sfsync.sandbox.soql.lexer import Token

AGGREGATE_FUNCTIONS = ("COUNT", "COUNT_DISTINCT", "MIN", "MAX", "SUM", "AVG")
_NUMERIC = (schema.INT, schema.DOUBLE, schema.CURRENCY)


@dataclass
class _Item:
    token: Token
    value: FieldPath | Aggregate
    alias: Token | None = None


@dataclass
class SelectList:
    """The SELECT list as written, before GROUP BY says how to read it."""

    items: list[_Item] = field(default_factory=list)
    count_star: Token | None = None

    @property
    def fields(self) -> tuple[FieldPath, ...]:
        """The plain fields selected."""
        return tuple(i.value for i in self.items if isinstance(i.value, FieldPath))

    @property
    def has_aggregates(self) -> bool:
        """Whether any aggregate function is selected."""
        return any(isinstance(i.value, Aggregate) for i in self.items)

    def grouped(self) -> tuple[GroupedField, ...]:
        """The plain fields as grouped columns (aggregate queries)."""
        return tuple(
            GroupedField(i.value, i.alias.text if i.alias else None)
            for i in self.items
            if isinstance(i.value, FieldPath)
        )


class SelectListParser:
    """SELECT list, aggregate calls and GROUP BY, for `_Parser`."""

    group_by: tuple[FieldPath, ...] = ()

    # Provided by the parser.
    if TYPE_CHECKING:
        tokens: list[Token]

        @property
        def tok(self) -> Token: ...

        def peek(self, offset: int = 1) -> Token: ...
        def advance(self) -> Token: ...
        def is_kw(self, *words: str, offset: int = 0) -> bool: ...
        def is_punct(self, char: str, offset: int = 0) -> bool: ...
        def expect_kw(self, word: str) -> Token: ...
        def expect_punct(self, char: str) -> Token: ...
        def unexpected(self, tok: Token | None = None, hint: str = "") -> SoqlError: ...
        def unsupported(self, tok: Token, what: str) -> SoqlError: ...
        def error(self, code: str, tok: Token, text: str) -> SoqlError: ...
        def resolve(self, tok: Token) -> FieldPath: ...

    def parse_select_list(self) -> SelectList:
        select = SelectList()
        seen: set[str] = set()
        while True:
            tok = self.tok
            if tok.kind != "ident" or tok.text.upper() in ("FROM", "TYPEOF"):
                raise self.unexpected()
            if self.is_punct("(", offset=1):
                if tok.text.upper() == "COUNT" and self.is_punct(")", offset=2):
                    if select.count_star is not None:
                        raise self.error(MALFORMED_QUERY, tok, "COUNT() can appear only once")
                    select.count_star = tok
                    for _ in range(3):  # COUNT ( )
                        self.advance()
                else:
                    select.items.append(_Item(tok, self.parse_aggregate_call(), self.alias()))
            else:
                self.advance()
                path = self.resolve(tok)
                if path.api_name.lower() in seen:
                    raise self.error(MALFORMED_QUERY, tok, f"duplicate field selected: {tok.text}")
                seen.add(path.api_name.lower())
                select.items.append(_Item(tok, path, self.alias()))
            if self.is_punct(","):
                self.advance()
                continue
            if not self.is_kw("FROM"):
                raise self.unexpected()
            break
        if select.count_star is not None and select.items:
            raise self.error(MALFORMED_QUERY, select.count_star,
                             "COUNT() must be the only element in the SELECT list")  # fmt: skip
        return select

    def alias(self) -> Token | None:
        """An alias after a select item (checked once we know whether aliases are allowed)."""
        tok = self.tok
        if tok.kind != "ident" or self.is_kw("FROM") or "." in tok.text:
            return None
        return self.advance()

    def parse_aggregate_call(self) -> Aggregate:
        """`FUNC(path)`: an aggregate function; other functions are refused by name."""
        name_tok = self.advance()
        function = name_tok.text.upper()
        if function not in AGGREGATE_FUNCTIONS:
            raise self.function_error(name_tok, "")
        self.expect_punct("(")
        field_tok = self.tok
        if field_tok.kind != "ident":
            raise self.unexpected()
        self.advance()
        path = self.resolve(field_tok)
        self.expect_punct(")")
        ftype = path.field.type
        numeric_only = function in ("SUM", "AVG") and ftype not in _NUMERIC
        no_booleans = function in ("MIN", "MAX") and ftype == schema.BOOLEAN
        if is_long_text(path.field) or numeric_only or no_booleans:
            raise self.error(INVALID_FIELD, field_tok,
                             f"field {path.field.name} does not support aggregate operator "
                             f"{function}")  # fmt: skip
        return Aggregate(function, path)

    def function_error(self, tok: Token, where: str) -> SoqlError:
        """A function call the sandbox does not run here: a mistake, or not implemented."""
        name = tok.text.upper()
        if name in AGGREGATE_FUNCTIONS and where:
            return self.error(MALFORMED_QUERY, tok,
                              f"aggregate functions are not allowed {where}")  # fmt: skip
        if name == "FIELDS":
            return self.unsupported(tok, "FIELDS()")
        place = f" {where}" if where else ""
        return self.unsupported(tok, f"The function {tok.text}(){place}")

    def parse_group_by(self, select: SelectList) -> tuple[FieldPath, ...]:
        group_tok = self.advance()
        self.expect_kw("BY")
        if self.is_kw("ROLLUP", "CUBE"):
            raise self.unsupported(self.tok, f"GROUP BY {self.tok.text.upper()}")
        if select.count_star is not None:
            raise self.unsupported(group_tok, "COUNT() with GROUP BY")
        keys: list[FieldPath] = []
        while True:
            tok = self.tok
            if tok.kind != "ident" or self.is_punct("(", offset=1):
                if tok.kind == "ident":
                    raise self.function_error(tok, "in GROUP BY")
                raise self.unexpected()
            self.advance()
            path = self.resolve(tok)
            if not is_groupable(path.field):
                raise self.error(INVALID_FIELD, tok,
                                 f"field '{path.field.name}' can not be grouped in a query "
                                 "call")  # fmt: skip
            keys.append(path)
            if not self.is_punct(","):
                break
            self.advance()
        self.group_by = tuple(keys)
        return self.group_by

    def require_grouped(
        self, path: FieldPath, tok: Token, group_by: tuple[FieldPath, ...] | None = None
    ) -> None:
        """In HAVING or an aggregate ORDER BY, a plain field must be one of GROUP BY's."""
        keys = self.group_by if group_by is None else group_by
        if path.api_name.lower() not in {k.api_name.lower() for k in keys}:
            raise self.error(MALFORMED_QUERY, tok,
                             f"Field must be grouped or aggregated: {path.api_name}")  # fmt: skip

    def check_select(
        self, select: SelectList, group_by: tuple[FieldPath, ...], aggregate: bool
    ) -> tuple[GroupedField | Aggregate, ...]:
        """Validate the SELECT list against GROUP BY; the columns of an aggregate query."""
        if not aggregate:
            aliased = next((i for i in select.items if i.alias is not None), None)
            if aliased is not None and aliased.alias is not None:
                raise self.unexpected(aliased.alias)
            return ()
        columns: list[GroupedField | Aggregate] = []
        unnamed = 0
        for item in select.items:
            alias = item.alias.text if item.alias else None
            if isinstance(item.value, FieldPath):
                if not group_by:
                    raise self.error(MALFORMED_QUERY, self.tokens[0],
                                     f"Field must be grouped or aggregated: "
                                     f"{item.value.api_name}")  # fmt: skip
                self.require_grouped(item.value, item.token, group_by)
                columns.append(GroupedField(item.value, alias))
            else:
                key = alias or f"expr{unnamed}"
                unnamed += 0 if alias else 1
                columns.append(Aggregate(item.value.function, item.value.field, key))
        return tuple(columns)

"""
The sandbox org's SOQL parser: query text in, a validated `Query` out.

It accepts the SOQL the sandbox implements and raises `SoqlError` with Salesforce's error
codes and message layout for everything else: MALFORMED_QUERY for a mistake in the query,
INVALID_FIELD / INVALID_TYPE for unknown names, `UNSUPPORTED` for valid SOQL the sandbox does
not implement. A clause it does not understand is never silently ignored. Pure: no SQLite,
no I/O; `sandbox/query.py` runs the result.

Grammar (keywords case-insensitive, field and object names case-insensitive)::

    SELECT item (, item)* FROM object [WHERE cond] [GROUP BY path (, path)* [HAVING cond]]
        [ORDER BY key (, key)*] [LIMIT n] [OFFSET n]
    item := path [alias] | COUNT() | agg(path) [alias]
    agg  := COUNT | COUNT_DISTINCT | MIN | MAX | SUM | AVG
    cond := term ((AND term)* | (OR term)*)        -- mixing AND and OR needs parentheses
    term := NOT term | ( cond ) | lhs op value | path [NOT] IN (value, ...) | path LIKE 'text'
    lhs  := path | agg(path)                        -- aggregates only in HAVING
    key  := (path | agg(path)) [ASC | DESC] [NULLS FIRST | NULLS LAST]

Reference: https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sfsync.sandbox import schema
from sfsync.sandbox.sobject import ObjectDef
from sfsync.sandbox.soql.errors import (
    INVALID_FIELD,
    INVALID_TYPE,
    MALFORMED_QUERY,
    NO_SUCH_OBJECT,
    UNSUPPORTED,
    UNSUPPORTED_SUFFIX,
    SoqlError,
    fail,
)
from sfsync.sandbox.soql.lexer import Token, describe_token, tokenize
from sfsync.sandbox.soql.nodes import (
    Aggregate,
    And,
    Comparison,
    Expr,
    FieldPath,
    InList,
    Like,
    Not,
    Or,
    OrderKey,
    Query,
    RelativeDate,
    Value,
)
from sfsync.sandbox.soql.paths import PathError, resolve
from sfsync.sandbox.soql.select import SelectList, SelectListParser

_STRINGY = (schema.ID, schema.STRING, schema.TEXTAREA, schema.EMAIL, schema.PICKLIST,
            schema.REFERENCE, schema.URL)  # fmt: skip
_NUMERIC = (schema.INT, schema.DOUBLE, schema.CURRENCY)
_SOAP_TYPE = {
    schema.INT: "integer", schema.DOUBLE: "double", schema.CURRENCY: "double",
    schema.BOOLEAN: "boolean", schema.DATE: "date", schema.DATETIME: "dateTime",
}  # fmt: skip
_LIKE_TYPES = (schema.STRING, schema.TEXTAREA, schema.EMAIL, schema.PICKLIST, schema.URL)
_RELATIVE_DATES = ("TODAY", "YESTERDAY", "TOMORROW")
_RELATIVE_N_DATES = ("LAST_N_DAYS", "NEXT_N_DAYS")
# Salesforce's other date literals (THIS_MONTH, LAST_N_QUARTERS, ...): named when rejected.
_DATE_LITERAL_RE = re.compile(r"(?:THIS|LAST|NEXT|N)_\w+")
# Clauses and keywords real SOQL has but the sandbox does not: refused as UNSUPPORTED.
_UNSUPPORTED = {
    "FOR": "FOR VIEW/REFERENCE/UPDATE", "WITH": "WITH", "USING": "USING SCOPE",
    "TYPEOF": "TYPEOF", "INCLUDES": "INCLUDES", "EXCLUDES": "EXCLUDES",
    "ROLLUP": "GROUP BY ROLLUP", "CUBE": "GROUP BY CUBE",
}  # fmt: skip


class _Parser(SelectListParser):
    def __init__(self, soql: str) -> None:
        self.soql = soql
        self.tokens = tokenize(soql)
        self.i = 0
        self.obj: ObjectDef | None = None
        self.in_having = False

    # -- token helpers -------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return tok

    def is_kw(self, *words: str, offset: int = 0) -> bool:
        tok = self.peek(offset)
        return tok.kind == "ident" and tok.text.upper() in words

    def is_punct(self, char: str, offset: int = 0) -> bool:
        tok = self.peek(offset)
        return tok.kind == "punct" and tok.text == char

    def accept_kw(self, word: str) -> bool:
        if self.is_kw(word):
            self.advance()
            return True
        return False

    def expect_kw(self, word: str) -> Token:
        if not self.is_kw(word):
            raise self.unexpected()
        return self.advance()

    def expect_punct(self, char: str) -> Token:
        if not self.is_punct(char):
            raise self.unexpected()
        return self.advance()

    def unexpected(self, tok: Token | None = None, hint: str = "") -> SoqlError:
        tok = tok or self.tok
        text = f"unexpected token: {describe_token(tok)}"
        if not hint and tok.kind == "ident" and tok.text.upper() in _UNSUPPORTED:
            return self.unsupported(tok, _UNSUPPORTED[tok.text.upper()])
        return self.error(MALFORMED_QUERY, tok, f"{text} ({hint})" if hint else text)

    def unsupported(self, tok: Token, what: str) -> SoqlError:
        return self.error(UNSUPPORTED, tok, f"{what} {UNSUPPORTED_SUFFIX}")

    def error(self, code: str, tok: Token, text: str) -> SoqlError:
        return fail(code, self.soql, tok.pos, text)

    # -- query ---------------------------------------------------------------------------
    def parse(self) -> Query:
        self.expect_kw("SELECT")
        items_start = self.i
        self.skip_select_list()
        self.expect_kw("FROM")
        obj_tok = self.tok
        if obj_tok.kind != "ident" or "." in obj_tok.text:
            raise self.unexpected()
        self.advance()
        obj = schema.get_object(obj_tok.text)
        if obj is None:
            raise self.error(INVALID_TYPE, obj_tok, NO_SUCH_OBJECT.format(name=obj_tok.text))
        self.obj = obj
        after_from = self.i
        # The select list is parsed once the object is known, so fields can be validated.
        self.i = items_start
        select = self.parse_select_list()
        self.i = after_from

        where = self.parse_expr() if self.accept_kw("WHERE") else None
        group_by = self.parse_group_by(select) if self.is_kw("GROUP") else ()
        having = None
        if self.is_kw("HAVING"):
            having_tok = self.advance()
            if not group_by:
                raise self.error(MALFORMED_QUERY, having_tok, "HAVING needs a GROUP BY clause")
            self.in_having = True
            having = self.parse_expr()
            self.in_having = False
        aggregate = bool(group_by) or select.has_aggregates
        columns = self.check_select(select, group_by, aggregate)
        order_by: tuple[OrderKey, ...] = ()
        if self.is_kw("ORDER"):
            order_tok = self.advance()
            self.expect_kw("BY")
            if select.count_star is not None:
                raise self.error(MALFORMED_QUERY, order_tok,
                                 "ORDER BY is not allowed in a COUNT() query")  # fmt: skip
            order_by = self.parse_order_by(group_by if aggregate else None)
        limit = self.parse_int() if self.accept_kw("LIMIT") else None
        offset = self.parse_int() if self.accept_kw("OFFSET") else None
        if self.tok.kind != "eof":
            raise self.unexpected()
        fields = select.fields if not aggregate else tuple(c.path for c in select.grouped())
        return Query(obj, fields, select.count_star is not None, where, order_by, limit, offset,
                     columns, group_by, having, self.soql)  # fmt: skip

    def skip_select_list(self) -> None:
        """Move to FROM at parenthesis depth 0, refusing subqueries on the way."""
        depth = 0
        while not (depth == 0 and self.is_kw("FROM")):
            tok = self.tok
            if tok.kind == "eof":
                raise self.unexpected()
            if tok.kind == "punct" and tok.text == "(":
                if self.is_kw("SELECT", offset=1):
                    raise self.unsupported(self.peek(), "A child relationship subquery")
                depth += 1
            elif tok.kind == "punct" and tok.text == ")":
                depth -= 1
            self.advance()

    # -- fields --------------------------------------------------------------------------
    def resolve(self, tok: Token) -> FieldPath:
        """Resolve a (dotted) field name against the queried object and its parents."""
        assert self.obj is not None
        try:
            return resolve(self.obj, tok.text)
        except PathError as exc:
            raise self.error(exc.code, tok, exc.text) from None

    def resolve_filterable(self, tok: Token, clause: str) -> FieldPath:
        path = self.resolve(tok)
        # Long text areas can be selected but not filtered or sorted, as in a real org.
        if path.field.type == schema.TEXTAREA and path.field.length > 255:
            raise self.error(
                INVALID_FIELD,
                tok,
                f"field '{path.field.name}' can not be {clause}ed in a query call",
            )
        return path

    # -- WHERE and HAVING ----------------------------------------------------------------
    def parse_expr(self) -> Expr:
        items = [self.parse_term()]
        joiner: str | None = None
        while self.is_kw("AND", "OR"):
            tok = self.advance()
            word = tok.text.upper()
            if joiner is not None and word != joiner:
                raise self.unexpected(tok, "mixing AND and OR requires parentheses")
            joiner = word
            items.append(self.parse_term())
        if joiner is None:
            return items[0]
        return And(tuple(items)) if joiner == "AND" else Or(tuple(items))

    def parse_term(self) -> Expr:
        if self.accept_kw("NOT"):
            return Not(self.parse_term())
        if self.is_punct("("):
            self.advance()
            expr = self.parse_expr()
            self.expect_punct(")")
            return expr
        field_tok = self.tok
        if field_tok.kind != "ident" or self.is_kw("AND", "OR", "NOT", "WHERE"):
            raise self.unexpected()
        if self.is_punct("(", offset=1):
            if not self.in_having:
                raise self.function_error(field_tok, "in WHERE")
            return self.parse_aggregate_comparison()
        self.advance()
        path = self.resolve_filterable(field_tok, "filter")
        if self.in_having:
            self.require_grouped(path, field_tok)
        if self.is_kw("LIKE"):
            self.advance()
            return self.parse_like(path, field_tok)
        if self.is_kw("IN") or (self.is_kw("NOT") and self.is_kw("IN", offset=1)):
            negated = self.accept_kw("NOT")
            self.advance()
            return InList(path, self.parse_in_values(path), negated)
        return self.parse_comparison(path, path.field.type)

    def parse_aggregate_comparison(self) -> Comparison:
        aggregate = self.parse_aggregate_call()
        return self.parse_comparison(aggregate, aggregate.result_type)

    def parse_comparison(self, lhs: FieldPath | Aggregate, ftype: str) -> Comparison:
        op_tok = self.tok
        if op_tok.kind != "op":
            raise self.unexpected()
        self.advance()
        op = "!=" if op_tok.text == "<>" else op_tok.text
        value_tok = self.tok
        name = lhs.display if isinstance(lhs, Aggregate) else lhs.field.name
        value = self.parse_value(name, ftype)
        if value is None and op not in ("=", "!="):
            raise self.error(MALFORMED_QUERY, value_tok,
                             f"invalid operator for null: {op_tok.text}")  # fmt: skip
        if ftype == schema.BOOLEAN and op not in ("=", "!="):
            raise self.error(
                INVALID_FIELD, op_tok, f"invalid operator on boolean field '{name}': {op}"
            )
        return Comparison(lhs, op, value)

    def parse_like(self, path: FieldPath, field_tok: Token) -> Like:
        if path.field.type not in _LIKE_TYPES:
            raise self.error(INVALID_FIELD, field_tok,
                             f"invalid operator on field '{path.field.name}': LIKE is only "
                             "valid on string fields")  # fmt: skip
        tok = self.tok
        if tok.kind != "string":
            raise self.error(INVALID_FIELD, tok, f"value of filter criterion for field "
                             f"'{path.field.name}' must be of type string and should be "
                             "enclosed in quotes")  # fmt: skip
        self.advance()
        return Like(path, tok.like)

    def parse_in_values(self, path: FieldPath) -> tuple[Value, ...]:
        self.expect_punct("(")
        if self.is_kw("SELECT"):
            raise self.unsupported(self.tok, "A semi-join subquery (IN (SELECT ...))")
        name, ftype = path.field.name, path.field.type
        values = [self.parse_value(name, ftype)]
        while self.is_punct(","):
            self.advance()
            values.append(self.parse_value(name, ftype))
        self.expect_punct(")")
        return tuple(values)

    def parse_value(self, name: str, ftype: str) -> Value:
        """Read one literal and check it against the field's type, as Salesforce does."""
        tok, value = self.read_literal()
        if _value_fits(ftype, value):
            return value
        if ftype in _STRINGY:
            text = "must be of type string and should be enclosed in quotes"
        elif isinstance(value, str):
            text = f"must be of type {_SOAP_TYPE[ftype]} and should not be enclosed in quotes"
        else:
            text = f"must be of type {_SOAP_TYPE[ftype]}"
        raise self.error(INVALID_FIELD, tok, f"value of filter criterion for field '{name}' {text}")

    def read_literal(self) -> tuple[Token, Value]:
        tok = self.tok
        value: Value
        if tok.kind == "ident":
            return tok, self.read_word_literal()
        if tok.kind == "string":
            value = tok.value if isinstance(tok.value, str) else ""
        elif tok.kind == "number":
            value = float(tok.text) if "." in tok.text else int(tok.text)
        elif tok.kind == "date":
            value = self.to_date(tok)
        elif tok.kind == "datetime":
            value = self.to_datetime(tok)
        else:
            raise self.unexpected()
        self.advance()
        return tok, value

    def read_word_literal(self) -> Value:
        """null, true, false, or a relative date literal such as TODAY or LAST_N_DAYS:7."""
        tok = self.advance()
        word = tok.text.upper()
        if word == "NULL":
            return None
        if word in ("TRUE", "FALSE"):
            return word == "TRUE"
        if word in _RELATIVE_DATES:
            return RelativeDate(word)
        if word in _RELATIVE_N_DATES:
            self.expect_punct(":")
            n_tok = self.tok
            if n_tok.kind != "number" or not n_tok.text.isdigit():
                raise self.unexpected()
            self.advance()
            return RelativeDate(word, int(n_tok.text))
        if _DATE_LITERAL_RE.fullmatch(word):
            raise self.unsupported(tok, f"The date literal {word}")
        raise self.unexpected(tok)

    def to_date(self, tok: Token) -> date:
        try:
            return date.fromisoformat(tok.text)
        except ValueError:
            raise self.error(MALFORMED_QUERY, tok, f"invalid date: {tok.text}") from None

    def to_datetime(self, tok: Token) -> datetime:
        text = tok.text[:-1] + "+00:00" if tok.text.endswith("Z") else tok.text
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise self.error(MALFORMED_QUERY, tok, f"invalid datetime: {tok.text}") from None
        return parsed.astimezone(UTC)

    # -- ORDER BY, LIMIT, OFFSET ---------------------------------------------------------
    def parse_order_by(self, group_by: tuple[FieldPath, ...] | None) -> tuple[OrderKey, ...]:
        """ORDER BY keys; in an aggregate query (*group_by* given) grouped fields or aggregates."""
        keys: list[OrderKey] = []
        while True:
            tok = self.tok
            if tok.kind != "ident" or self.is_kw("LIMIT", "OFFSET", "ASC", "DESC", "NULLS"):
                raise self.unexpected()
            key: FieldPath | Aggregate
            if self.is_punct("(", offset=1):
                if group_by is None:
                    raise self.function_error(tok, "in ORDER BY")
                key = self.parse_aggregate_call()
            else:
                self.advance()
                key = self.resolve_filterable(tok, "sort")
                if group_by is not None:
                    self.require_grouped(key, tok, group_by)
            descending = False
            if self.is_kw("ASC", "DESC"):
                descending = self.advance().text.upper() == "DESC"
            nulls_last = descending
            if self.accept_kw("NULLS"):
                if not self.is_kw("FIRST", "LAST"):
                    raise self.unexpected()
                nulls_last = self.advance().text.upper() == "LAST"
            keys.append(OrderKey(key, descending, nulls_last))
            if not self.is_punct(","):
                return tuple(keys)
            self.advance()

    def parse_int(self) -> int:
        tok = self.tok
        if tok.kind != "number" or not tok.text.isdigit():
            raise self.unexpected()
        self.advance()
        return int(tok.text)


def _value_fits(ftype: str, value: Value) -> bool:
    """Whether Salesforce accepts *value* as a filter value for a field of type *ftype*."""
    if value is None:
        return True
    if ftype in _STRINGY:
        return isinstance(value, str)
    if ftype == schema.BOOLEAN:
        return isinstance(value, bool)
    if ftype in _NUMERIC:
        return isinstance(value, int | float) and not isinstance(value, bool)
    # DATETIME and DATE: either kind of date literal (compared by UTC day, see query.py).
    return isinstance(value, date | RelativeDate)


def parse(soql: str) -> Query:
    """
    Parse and validate *soql* against the org's schema.

    Raises:
        SoqlError: MALFORMED_QUERY for a mistake, UNSUPPORTED for valid SOQL the sandbox does
            not implement, INVALID_TYPE for an unknown object, INVALID_FIELD for an unknown
            field or a mistyped filter value.
    """
    return _Parser(soql).parse()


__all__ = ["SelectList", "parse"]

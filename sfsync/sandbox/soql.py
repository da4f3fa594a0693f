"""
The sandbox org's SOQL parser: query text in, a validated `Query` AST out.

It accepts exactly the SOQL shapes sfsync sends (DESIGN §5) and raises `SoqlError` with
Salesforce's error codes and message layout for everything else, so a clause it does not
understand is never silently ignored. Pure: no SQLite, no I/O; `query.execute` runs the AST.

Grammar (keywords case-insensitive, field and object names case-insensitive)::

    SELECT item (, item)* FROM object [WHERE cond] [ORDER BY key (, key)*] [LIMIT n] [OFFSET n]
    item := path | COUNT() | COUNT(path) [alias]
    cond := term ((AND term)* | (OR term)*)        -- mixing AND and OR needs parentheses
    term := NOT term | ( cond ) | path op value | path [NOT] IN (value, ...) | path LIKE 'text'
    key  := path [ASC | DESC] [NULLS FIRST | NULLS LAST]

Reference: https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime, timedelta

from sfsync.errors import SfsyncError
from sfsync.sandbox import schema
from sfsync.sandbox.schema import FieldDef, ObjectDef

MALFORMED_QUERY = "MALFORMED_QUERY"
INVALID_FIELD = "INVALID_FIELD"
INVALID_TYPE = "INVALID_TYPE"

# Salesforce allows five levels of parent relationships in one path.
MAX_RELATIONSHIP_DEPTH = 5

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
# Clauses and keywords real SOQL has but the sandbox does not: named in the error message.
_UNSUPPORTED = {
    "GROUP": "GROUP BY", "HAVING": "HAVING", "FOR": "FOR VIEW/REFERENCE/UPDATE", "WITH": "WITH",
    "USING": "USING SCOPE", "TYPEOF": "TYPEOF", "INCLUDES": "INCLUDES", "EXCLUDES": "EXCLUDES",
    "ROLLUP": "GROUP BY ROLLUP", "CUBE": "GROUP BY CUBE", "UPDATE": "UPDATE",
}  # fmt: skip
_NO_SUCH_COLUMN = (
    "No such column '{name}' on entity '{entity}'. If you are attempting to use a custom field, "
    "be sure to append the '__c' after the custom field name. Please reference your WSDL or the "
    "describe call for the appropriate names."
)
_NO_SUCH_RELATIONSHIP = (
    "Didn't understand relationship '{name}' in field path. If you are attempting to use a "
    "custom relationship, be sure to append the '__r' after the custom relationship name. "
    "Please reference your WSDL or the describe call for the appropriate names."
)
_NO_SUCH_OBJECT = (
    "sObject type '{name}' is not supported. If you are attempting to use a custom object, be "
    "sure to append the '__c' after the entity name. Please reference your WSDL or the describe "
    "call for the appropriate names."
)


class SoqlError(SfsyncError):
    """Raised when a query is malformed, or names an object or field the org does not have."""

    def __init__(self, error_code: str, message: str) -> None:
        self.error_code = error_code
        self.message = message
        super().__init__(f"{error_code}: {message}")


@dataclass(frozen=True)
class Relationship:
    """One hop of a parent path: `Owner` on Lead, through the `OwnerId` reference, to User."""

    name: str
    reference: FieldDef = dataclass_field(repr=False)
    target: ObjectDef = dataclass_field(repr=False)


@dataclass(frozen=True)
class FieldPath:
    """A field of the queried object or, through `relationships`, of a parent record."""

    relationships: tuple[Relationship, ...]
    field: FieldDef

    def __repr__(self) -> str:
        return f"FieldPath({self.api_name!r})"

    @property
    def api_name(self) -> str:
        """The path as Salesforce spells it, e.g. `Owner.Name`."""
        return ".".join([*(r.name for r in self.relationships), self.field.name])


@dataclass(frozen=True)
class RelativeDate:
    """A relative date literal such as TODAY or LAST_N_DAYS:7; resolved against `now`."""

    name: str
    n: int = 0

    def bounds(self, now: datetime) -> tuple[date, date]:
        """The UTC days [start, end) this literal covers at *now*."""
        today = now.astimezone(UTC).date()
        day = timedelta(days=1)
        match self.name:
            case "TODAY":
                return today, today + day
            case "YESTERDAY":
                return today - day, today
            case "TOMORROW":
                return today + day, today + 2 * day
            case "LAST_N_DAYS":
                # Salesforce: "starts with the current day and continues for the past n days".
                return today - self.n * day, today + day
            case _:  # NEXT_N_DAYS: starts tomorrow and covers the next n days.
                return today + day, today + (self.n + 1) * day


# A literal: None is SOQL null; datetimes are timezone-aware UTC.
Value = None | bool | int | float | str | date | datetime | RelativeDate


@dataclass(frozen=True)
class Comparison:
    """`field op value` with op one of = != < <= > >= (`<>` is normalised to `!=`)."""

    field: FieldPath
    op: str
    value: Value


@dataclass(frozen=True)
class InList:
    """`field IN (...)`, or `field NOT IN (...)` when negated."""

    field: FieldPath
    values: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True)
class Like:
    """`field LIKE pattern`; pattern keeps % and _ as wildcards, backslash escapes literals."""

    field: FieldPath
    pattern: str


@dataclass(frozen=True)
class Not:
    """`NOT expr`."""

    expr: Expr


@dataclass(frozen=True)
class And:
    """Every item holds."""

    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    """At least one item holds."""

    items: tuple[Expr, ...]


Expr = Comparison | InList | Like | Not | And | Or


@dataclass(frozen=True)
class OrderKey:
    """One ORDER BY key; Salesforce's default is NULLS FIRST ascending, NULLS LAST descending."""

    field: FieldPath
    descending: bool = False
    nulls_last: bool = False


@dataclass(frozen=True)
class CountField:
    """`COUNT(field) [alias]`: the number of rows where field is not null."""

    field: FieldPath
    alias: str


@dataclass(frozen=True)
class Query:
    """A parsed, validated SOQL query."""

    object: ObjectDef = dataclass_field(repr=False)
    fields: tuple[FieldPath, ...]
    is_count: bool
    where: Expr | None
    order_by: tuple[OrderKey, ...]
    limit: int | None
    offset: int | None
    counts: tuple[CountField, ...] = ()
    soql: str = ""

    @property
    def is_aggregate(self) -> bool:
        """Whether the query returns one AggregateResult row of COUNT(field) values."""
        return bool(self.counts)


@dataclass(frozen=True)
class _Token:
    kind: str  # ident, string, number, date, datetime, op, punct, eof
    text: str
    pos: int
    value: object = None
    like: str = ""


_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\w:]))
  | (?P<number>[+-]?\d+(?:\.\d+)?(?![\w.]))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<punct>[(),:])
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _fail(code: str, soql: str, pos: int, text: str) -> SoqlError:
    """Build a SoqlError whose message points at *pos* the way Salesforce's does."""
    row = soql.count("\n", 0, pos) + 1
    line_start = soql.rfind("\n", 0, pos) + 1
    line_end = soql.find("\n", pos)
    line = soql[line_start : None if line_end < 0 else line_end]
    column = pos - line_start + 1
    caret = " " * (column - 1) + "^"
    return SoqlError(code, f"\n{line}\n{caret}\nERROR at Row:{row}:Column:{column}\n{text}")


def _describe(tok: _Token) -> str:
    return "<EOF>" if tok.kind == "eof" else f"'{tok.text}'"


def _tokenize(soql: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(soql):
        if soql[pos] == "'":
            tok = _read_string(soql, pos)
            tokens.append(tok)
            pos += len(tok.text)
            continue
        match = _TOKEN_RE.match(soql, pos)
        if match is None:
            raise _fail(MALFORMED_QUERY, soql, pos, f"unexpected token: '{soql[pos]}'")
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(_Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(_Token("eof", "", len(soql)))
    return tokens


def _read_string(soql: str, start: int) -> _Token:
    """Read a quoted literal, decoding SOQL escapes; keep \\% and \\_ distinct for LIKE."""
    text: list[str] = []
    like: list[str] = []
    pos = start + 1
    while pos < len(soql):
        char = soql[pos]
        if char == "'":
            raw = soql[start : pos + 1]
            return _Token("string", raw, start, value="".join(text), like="".join(like))
        if char == "\\":
            nxt = soql[pos + 1 : pos + 2]
            if nxt in ("%", "_"):
                text.append(nxt)
                like.append("\\" + nxt)
            elif nxt in _ESCAPES:
                text.append(_ESCAPES[nxt])
                like.append("\\\\" if nxt == "\\" else _ESCAPES[nxt])
            else:
                raise _fail(
                    MALFORMED_QUERY,
                    soql,
                    pos,
                    f"Invalid string literal '\\{nxt}'. "
                    "Illegal character sequence '\\" + nxt + "' in string literal.",
                )
            pos += 2
            continue
        text.append(char)
        like.append(char)
        pos += 1
    raise _fail(MALFORMED_QUERY, soql, start, "unexpected token: <EOF> (unterminated string)")


class _Parser:
    def __init__(self, soql: str) -> None:
        self.soql = soql
        self.tokens = _tokenize(soql)
        self.i = 0
        self.obj: ObjectDef | None = None

    # -- token helpers -------------------------------------------------------------------
    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def advance(self) -> _Token:
        tok = self.tokens[self.i]
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return tok

    def is_kw(self, *words: str, offset: int = 0) -> bool:
        tok = self.tokens[min(self.i + offset, len(self.tokens) - 1)]
        return tok.kind == "ident" and tok.text.upper() in words

    def accept_kw(self, word: str) -> bool:
        if self.is_kw(word):
            self.advance()
            return True
        return False

    def expect_kw(self, word: str) -> _Token:
        if not self.is_kw(word):
            raise self.unexpected()
        return self.advance()

    def expect_punct(self, char: str) -> _Token:
        if self.tok.kind != "punct" or self.tok.text != char:
            raise self.unexpected()
        return self.advance()

    def unexpected(self, tok: _Token | None = None, hint: str = "") -> SoqlError:
        tok = tok or self.tok
        text = f"unexpected token: {_describe(tok)}"
        if not hint and tok.kind == "ident" and tok.text.upper() in _UNSUPPORTED:
            hint = f"{_UNSUPPORTED[tok.text.upper()]} is not supported by the sandbox org"
        return self.error(MALFORMED_QUERY, tok, f"{text} ({hint})" if hint else text)

    def error(self, code: str, tok: _Token, text: str) -> SoqlError:
        return _fail(code, self.soql, tok.pos, text)

    # -- query ---------------------------------------------------------------------------
    def parse(self) -> Query:
        self.expect_kw("SELECT")
        items_start = self.i
        self.skip_select_list()
        from_tok = self.expect_kw("FROM")
        obj_tok = self.tok
        if obj_tok.kind != "ident" or "." in obj_tok.text:
            raise self.unexpected()
        self.advance()
        obj = schema.get_object(obj_tok.text)
        if obj is None:
            raise self.error(INVALID_TYPE, obj_tok, _NO_SUCH_OBJECT.format(name=obj_tok.text))
        self.obj = obj
        after_from = self.i
        # The select list is parsed once the object is known, so fields can be validated.
        self.i = items_start
        fields, is_count, counts = self.parse_select_list(from_tok)
        self.i = after_from

        where = self.parse_expr() if self.accept_kw("WHERE") else None
        order_by: tuple[OrderKey, ...] = ()
        if self.is_kw("ORDER"):
            order_tok = self.advance()
            self.expect_kw("BY")
            if is_count or counts:
                raise self.error(MALFORMED_QUERY, order_tok,
                                 "ORDER BY is not supported with COUNT() or COUNT(field) "
                                 "by the sandbox org")  # fmt: skip
            order_by = self.parse_order_by()
        limit = self.parse_int() if self.accept_kw("LIMIT") else None
        offset = self.parse_int() if self.accept_kw("OFFSET") else None
        if self.tok.kind != "eof":
            raise self.unexpected()
        return Query(obj, fields, is_count, where, order_by, limit, offset, counts, self.soql)

    def skip_select_list(self) -> None:
        """Move to FROM at parenthesis depth 0, rejecting subqueries on the way."""
        depth = 0
        while not (depth == 0 and self.is_kw("FROM")):
            tok = self.tok
            if tok.kind == "eof":
                raise self.unexpected()
            if tok.kind == "punct" and tok.text == "(":
                if self.is_kw("SELECT", offset=1):
                    raise self.unexpected(
                        self.tokens[self.i + 1], "subqueries are not supported by the sandbox org"
                    )
                depth += 1
            elif tok.kind == "punct" and tok.text == ")":
                depth -= 1
            self.advance()

    def parse_select_list(
        self, from_tok: _Token
    ) -> tuple[tuple[FieldPath, ...], bool, tuple[CountField, ...]]:
        fields: list[FieldPath] = []
        counts: list[CountField] = []
        count_star: _Token | None = None
        seen: set[str] = set()
        while True:
            tok = self.tok
            if tok.kind != "ident" or tok.text.upper() in ("FROM", "TYPEOF"):
                raise self.unexpected()
            nxt = self.tokens[self.i + 1]
            if nxt.kind == "punct" and nxt.text == "(":
                star, count = self.parse_count(len(counts))
                if star and count_star is not None:
                    raise self.error(MALFORMED_QUERY, tok, "COUNT() can appear only once")
                if star:
                    count_star = tok
                if count is not None:
                    counts.append(count)
            else:
                self.advance()
                path = self.resolve(tok)
                if path.api_name.lower() in seen:
                    raise self.error(MALFORMED_QUERY, tok, f"duplicate field selected: {tok.text}")
                seen.add(path.api_name.lower())
                fields.append(path)
            if self.tok.kind == "punct" and self.tok.text == ",":
                self.advance()
                continue
            if self.tok is not from_tok:
                raise self.unexpected()
            break
        if count_star is not None and (fields or counts):
            raise self.error(
                MALFORMED_QUERY, count_star, "COUNT() must be the only element in the SELECT list"
            )
        if counts and fields:
            raise self.error(
                MALFORMED_QUERY,
                self.tokens[0],
                f"Field must be grouped or aggregated: {fields[0].api_name}",
            )
        return tuple(fields), count_star is not None, tuple(counts)

    def parse_count(self, index: int) -> tuple[bool, CountField | None]:
        """Parse `COUNT()` (returns star=True) or `COUNT(field) [alias]`; reject other calls."""
        name_tok = self.advance()
        name = name_tok.text.upper()
        if name != "COUNT":
            what = "FIELDS()" if name == "FIELDS" else f"the function {name_tok.text}()"
            raise self.unexpected(name_tok, f"{what} is not supported by the sandbox org")
        self.expect_punct("(")
        if self.tok.kind == "punct" and self.tok.text == ")":
            self.advance()
            return True, None
        field_tok = self.tok
        if field_tok.kind != "ident":
            raise self.unexpected()
        self.advance()
        path = self.resolve(field_tok)
        self.expect_punct(")")
        alias = f"expr{index}"
        if (
            self.tok.kind == "ident"
            and self.tok.text.upper() != "FROM"
            and not self.is_kw(*_UNSUPPORTED)
        ):
            alias_tok = self.advance()
            if "." in alias_tok.text:
                raise self.unexpected(alias_tok)
            alias = alias_tok.text
        return False, CountField(path, alias)

    # -- fields --------------------------------------------------------------------------
    def resolve(self, tok: _Token) -> FieldPath:
        """Resolve a (dotted) field name against the queried object and its parents."""
        assert self.obj is not None
        parts = tok.text.split(".")
        if len(parts) - 1 > MAX_RELATIONSHIP_DEPTH:
            raise self.error(MALFORMED_QUERY, tok, "Too many levels of parent relationships")
        obj = self.obj
        hops: list[Relationship] = []
        for part in parts[:-1]:
            ref = next(
                (f for f in obj.fields
                 if f.relationship_name and f.relationship_name.lower() == part.lower()),
                None,
            )  # fmt: skip
            target = schema.get_object(ref.reference_to[0]) if ref and ref.reference_to else None
            if ref is None or ref.relationship_name is None or target is None:
                raise self.error(INVALID_FIELD, tok, _NO_SUCH_RELATIONSHIP.format(name=part))
            hops.append(Relationship(ref.relationship_name, ref, target))
            obj = target
        field = obj.get(parts[-1])
        if field is None:
            raise self.error(INVALID_FIELD, tok,
                             _NO_SUCH_COLUMN.format(name=parts[-1], entity=obj.name))  # fmt: skip
        return FieldPath(tuple(hops), field)

    def resolve_filterable(self, tok: _Token, clause: str) -> FieldPath:
        path = self.resolve(tok)
        # Long text areas can be selected but not filtered or sorted, as in a real org.
        if path.field.type == schema.TEXTAREA and path.field.length > 255:
            raise self.error(
                INVALID_FIELD,
                tok,
                f"field '{path.field.name}' can not be {clause}ed in a query call",
            )
        return path

    # -- WHERE ---------------------------------------------------------------------------
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
        if self.tok.kind == "punct" and self.tok.text == "(":
            self.advance()
            expr = self.parse_expr()
            self.expect_punct(")")
            return expr
        field_tok = self.tok
        if field_tok.kind != "ident" or self.is_kw("AND", "OR", "NOT", "WHERE"):
            raise self.unexpected()
        nxt = self.tokens[self.i + 1]
        if nxt.kind == "punct" and nxt.text == "(":
            raise self.unexpected(field_tok, "functions in WHERE are not supported by the "
                                  "sandbox org")  # fmt: skip
        self.advance()
        path = self.resolve_filterable(field_tok, "filter")
        if self.is_kw("LIKE"):
            self.advance()
            return self.parse_like(path, field_tok)
        if self.is_kw("IN") or (self.is_kw("NOT") and self.is_kw("IN", offset=1)):
            negated = self.accept_kw("NOT")
            self.advance()
            return InList(path, self.parse_in_values(path), negated)
        op_tok = self.tok
        if op_tok.kind != "op":
            raise self.unexpected()
        self.advance()
        op = "!=" if op_tok.text == "<>" else op_tok.text
        value_tok = self.tok
        value = self.parse_value(path)
        if value is None and op not in ("=", "!="):
            raise self.error(MALFORMED_QUERY, value_tok,
                             f"invalid operator for null: {op_tok.text}")  # fmt: skip
        if path.field.type == schema.BOOLEAN and op not in ("=", "!="):
            raise self.error(
                INVALID_FIELD,
                op_tok,
                f"invalid operator on boolean field '{path.field.name}': {op}",
            )
        return Comparison(path, op, value)

    def parse_like(self, path: FieldPath, field_tok: _Token) -> Like:
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
            raise self.unexpected(hint="semi-join subqueries are not supported by the sandbox org")
        values = [self.parse_value(path)]
        while self.tok.kind == "punct" and self.tok.text == ",":
            self.advance()
            values.append(self.parse_value(path))
        self.expect_punct(")")
        return tuple(values)

    def parse_value(self, path: FieldPath) -> Value:
        """Read one literal and check it against the field's type, as Salesforce does."""
        tok, value = self.read_literal()
        ftype = path.field.type
        if _value_fits(ftype, value):
            return value
        if ftype in _STRINGY:
            text = "must be of type string and should be enclosed in quotes"
        elif isinstance(value, str):
            text = f"must be of type {_SOAP_TYPE[ftype]} and should not be enclosed in quotes"
        else:
            text = f"must be of type {_SOAP_TYPE[ftype]}"
        name = path.field.name
        raise self.error(INVALID_FIELD, tok, f"value of filter criterion for field '{name}' {text}")

    def read_literal(self) -> tuple[_Token, Value]:
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
            hint = f"the date literal {word} is not supported by the sandbox org"
            raise self.unexpected(tok, hint)
        raise self.unexpected(tok)

    def to_date(self, tok: _Token) -> date:
        try:
            return date.fromisoformat(tok.text)
        except ValueError:
            raise self.error(MALFORMED_QUERY, tok, f"invalid date: {tok.text}") from None

    def to_datetime(self, tok: _Token) -> datetime:
        text = tok.text[:-1] + "+00:00" if tok.text.endswith("Z") else tok.text
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise self.error(MALFORMED_QUERY, tok, f"invalid datetime: {tok.text}") from None
        return parsed.astimezone(UTC)

    # -- ORDER BY, LIMIT, OFFSET ---------------------------------------------------------
    def parse_order_by(self) -> tuple[OrderKey, ...]:
        keys: list[OrderKey] = []
        while True:
            tok = self.tok
            if tok.kind != "ident" or self.is_kw("LIMIT", "OFFSET", "ASC", "DESC", "NULLS"):
                raise self.unexpected()
            nxt = self.tokens[self.i + 1]
            if nxt.kind == "punct" and nxt.text == "(":
                raise self.unexpected(tok, "functions in ORDER BY are not supported by the "
                                      "sandbox org")  # fmt: skip
            self.advance()
            path = self.resolve_filterable(tok, "sort")
            descending = False
            if self.is_kw("ASC", "DESC"):
                descending = self.advance().text.upper() == "DESC"
            nulls_last = descending
            if self.accept_kw("NULLS"):
                if not self.is_kw("FIRST", "LAST"):
                    raise self.unexpected()
                nulls_last = self.advance().text.upper() == "LAST"
            keys.append(OrderKey(path, descending, nulls_last))
            if not (self.tok.kind == "punct" and self.tok.text == ","):
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
    Parse and validate *soql* against the demo org's schema.

    Raises:
        SoqlError: MALFORMED_QUERY for syntax the sandbox does not support, INVALID_TYPE for an
            unknown object, INVALID_FIELD for an unknown field or a mistyped filter value.
    """
    return _Parser(soql).parse()


def format_datetime(value: datetime) -> str:
    """Format an aware datetime as the storage contract stores it: `...T10:00:00.000+0000`."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


__all__ = [
    "INVALID_FIELD", "INVALID_TYPE", "MALFORMED_QUERY", "And", "Comparison", "CountField",
    "Expr", "FieldPath", "InList", "Like", "Not", "Or", "OrderKey", "Query", "Relationship",
    "RelativeDate", "SoqlError", "Value", "format_datetime", "parse",
]  # fmt: skip

"""
How the sandbox's SOQL engine says no: Salesforce's error codes and message layout (the
query echoed, a caret under the offending token, `ERROR at Row:R:Column:C`, the reason).

Valid SOQL that the sandbox does not implement (child subqueries, TYPEOF, date functions...)
is refused with `UNSUPPORTED`, never MALFORMED_QUERY, so nobody mistakes a gap of the sandbox
for a mistake in their query.
"""

from __future__ import annotations

from sfsync.errors import SfsyncError

MALFORMED_QUERY = "MALFORMED_QUERY"
INVALID_FIELD = "INVALID_FIELD"
INVALID_TYPE = "INVALID_TYPE"
# Not a Salesforce code: valid SOQL this sandbox org does not implement.
UNSUPPORTED = "SANDBOX_UNSUPPORTED_QUERY"
UNSUPPORTED_SUFFIX = "is not supported by the sandbox org"

NO_SUCH_COLUMN = (
    "No such column '{name}' on entity '{entity}'. If you are attempting to use a custom field, "
    "be sure to append the '__c' after the custom field name. Please reference your WSDL or the "
    "describe call for the appropriate names."
)
NO_SUCH_RELATIONSHIP = (
    "Didn't understand relationship '{name}' in field path. If you are attempting to use a "
    "custom relationship, be sure to append the '__r' after the custom relationship name. "
    "Please reference your WSDL or the describe call for the appropriate names."
)
NO_SUCH_OBJECT = (
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


def fail(code: str, soql: str, pos: int, text: str) -> SoqlError:
    """Build a SoqlError whose message points at *pos* the way Salesforce's does."""
    row = soql.count("\n", 0, pos) + 1
    line_start = soql.rfind("\n", 0, pos) + 1
    line_end = soql.find("\n", pos)
    line = soql[line_start : None if line_end < 0 else line_end]
    column = pos - line_start + 1
    caret = " " * (column - 1) + "^"
    return SoqlError(code, f"\n{line}\n{caret}\nERROR at Row:{row}:Column:{column}\n{text}")

"""
The options several commands share: `--now` (one reading of a moment for every command)
and `--definition`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sfsync.values.datetimes import to_datetime

NOW_EXAMPLE = "2026-11-20T12:00:00Z"

if TYPE_CHECKING:
    _ParamType = click.ParamType[datetime, Any]
else:  # generic only from click 8.2 on; subscripting fails at run time before that
    _ParamType = click.ParamType


def parse_moment(text: Any) -> datetime | None:
    """
    A `--now` moment in any ISO 8601 form, Salesforce's included (`2026-11-20`,
    `2026-11-20T12:00:00Z`, `2026-11-20T12:00:00.000+0000`): an aware UTC datetime, a
    time without an offset taken as UTC; None when *text* is no date/time.
    """
    return to_datetime(text)


class MomentType(_ParamType):
    """The click type of `--now`: `parse_moment`, and a usage error naming an example."""

    name = "datetime"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        parsed = parse_moment(value)
        if parsed is None:
            self.fail(
                f"{value!r} is not an ISO 8601 date/time (e.g. 2026-11-20 or {NOW_EXAMPLE})",
                param,
                ctx,
            )
        return parsed


MOMENT = MomentType()

definition_option = click.option(
    "--definition",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Definition YAML to use instead of SFSYNC_DEFINITION.",
)
"""`--definition FILE`, shared by every command that qualifies leads."""

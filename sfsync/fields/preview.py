"""
A preview of the Lead record page as sfsync defines it (`pages.record_page`), as one
self-contained HTML page: the highlights panel, the sfsync field sections, and where the
org's own layout, related lists and activity go. It shows what a rep will see before
anything is deployed (docs/lead-record-page.png is this page, rendered by Chromium).

Pure: the page definition, field labels and help texts, and one lead's values in; HTML out.
Values from the org are escaped here, once.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sfsync.fields.blueprint import Blueprint
from sfsync.fields.pages import RecordPage

STANDARD_LABELS = {"Name": "Name", "Company": "Company", "Phone": "Phone", "Email": "Email",
                   "Title": "Title", "Status": "Lead Status"}  # fmt: skip
_CSS = """
body { margin: 0; font: 13px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica, sans-serif;
       color: #181818; background: #f3f3f3; }
.page { display: grid; grid-template-columns: 2fr 1fr; gap: 12px; padding: 12px; }
.card { background: #fff; border: 1px solid #e5e5e5; border-radius: 4px; padding: 12px 16px; }
.header { grid-column: 1 / 3; display: flex; flex-direction: column; gap: 8px; }
.record-type { color: #444; font-size: 12px; }
.primary { font-size: 20px; font-weight: 700; }
.secondary { display: flex; flex-wrap: wrap; gap: 24px; }
.secondary div { min-width: 90px; }
.label { color: #444; font-size: 12px; display: block; }
.value { font-size: 14px; }
.value.status { font-weight: 700; color: #2e844a; }
h2 { font-size: 14px; margin: 0 0 8px; padding: 6px 8px; background: #f3f3f3;
     border-radius: 4px; }
.columns { display: grid; grid-template-columns: 1fr 1fr; column-gap: 24px; }
.columns.one { grid-template-columns: 1fr; }
.field { border-bottom: 1px solid #e5e5e5; padding: 6px 0; }
.field .value { white-space: pre-wrap; min-height: 20px; }
.lock { color: #939393; font-size: 11px; float: right; }
.tabs { display: flex; gap: 16px; border-bottom: 2px solid #e5e5e5; margin-bottom: 8px; }
.tabs span { padding: 6px 0; }
.tabs .active { border-bottom: 2px solid #0176d3; font-weight: 700; margin-bottom: -2px; }
.placeholder { color: #747474; font-style: italic; padding: 12px 0; }
.check { font-size: 16px; }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _show(value: Any) -> str:
    """A field value as Lightning shows it (dates and times without seconds, checkboxes)."""
    if value is True:
        return '<span class="check">&#9745;</span>'
    if value is False:
        return '<span class="check">&#9744;</span>'
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        with contextlib.suppress(ValueError):
            value = datetime.fromisoformat(value.replace("+0000", "+00:00")).strftime(
                "%Y-%m-%d %H:%M"
            )
    return _e(value)


def render_record_page(page: RecordPage, blueprint: Blueprint, values: Mapping[str, Any]) -> str:
    """The record page with *values* (API name -> value, Salesforce JSON form) filled in."""
    labels = dict(STANDARD_LABELS)
    helps: dict[str, str] = {}
    for output in blueprint.outputs:
        labels[output.api_name] = output.label
        helps[output.api_name] = output.help_text
    status_field = blueprint.output("status").api_name

    def field(name: str, css: str = "field") -> str:
        value_css = "value status" if name == status_field else "value"
        lock = "<span class=lock> read only</span>" if name in helps and css else ""
        return (
            f'<div class="{css}" title="{_e(helps.get(name, ""))}">'
            f'<span class="label">{_e(labels.get(name, name))}{lock}</span>'
            f'<span class="{value_css}">{_show(values.get(name))}</span></div>'
        )

    sections = []
    for section in page.sections:
        columns = "".join(
            "<div>" + "".join(field(name) for name in column) + "</div>"
            for column in section.columns
        )
        one = " one" if len(section.columns) == 1 else ""
        sections.append(
            f'<div class="card"><h2>{_e(section.label)}</h2>'
            f'<div class="columns{one}">{columns}</div></div>'
        )
    secondary = "".join(field(name, "") for name in page.highlights)
    return (
        "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en"><head><meta charset="utf-8">',
                '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
                "style-src 'unsafe-inline'\">",
                f"<title>{_e(page.label)}</title><style>{_CSS}</style></head><body>",
                '<div class="page">',
                '<div class="card header"><span class="record-type">Lead</span>'
                f'<span class="primary">{_e(values.get(page.primary) or "")}</span>'
                f'<div class="secondary">{secondary}</div></div>',
                "<div>",
                *sections,
                '<div class="card"><div class="tabs"><span class="active">Details</span>'
                '<span>Related</span></div><div class="placeholder">The org\'s own Lead page '
                "layout (Record Detail) shows here, as it does today.</div></div>",
                "</div>",
                '<div class="card"><div class="tabs"><span class="active">Activity</span></div>'
                '<div class="placeholder">Calls, emails and meetings (the activity timeline).'
                "</div></div>",
                "</div></body></html>",
            ]
        )
        + "\n"
    )

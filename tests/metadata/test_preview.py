"""The record page preview shows what `sfsync fields` defines, with one lead's values."""

from __future__ import annotations

import re

from sfsync.fields import Blueprint
from sfsync.fields.pages import record_page
from sfsync.fields.preview import render_record_page


def test_the_preview_shows_every_field_of_the_page_with_its_label_and_value(
    blueprint: Blueprint,
) -> None:
    """Each field the page defines appears once per place with its rep-facing label, value
    and help text; a Nurture lead's blank follow-up fields show blank, not 0."""
    page = record_page(blueprint)
    values = {
        "Name": "Dana <b>Lee</b>",
        "Company": "Acme",
        "SFS_Status__c": "Nurture",
        "SFS_Score__c": 41.0,
        "SFS_Grade__c": "B3",
        "SFS_Needs_Follow_Up__c": False,
        "SFS_Touches__c": None,
        "SFS_Reasons__c": "Nurture: fit 60 >= 50 but ...\n+25 Title: VP/head (decision maker)",
        "SFS_Last_Touch__c": "2026-11-20T10:05:00.000+0000",
    }

    text = render_record_page(page, blueprint, values)

    labels = {o.api_name: o.label for o in blueprint.outputs}
    for section in page.sections:
        assert section.label in text
        for column in section.columns:
            for name in column:
                assert f'<span class="label">{labels[name]}' in text
    assert "Dana &lt;b&gt;Lee&lt;/b&gt;" in text  # the org's data is escaped
    assert "<b>Lee" not in text
    assert '<span class="value">41</span>' in text
    assert "2026-11-20 10:05" in text
    assert "+25 Title: VP/head (decision maker)" in text
    touches = re.search(
        r'SFS Touches<span class=lock> read only</span></span><span class="value">([^<]*)<', text
    )
    assert touches is not None
    assert touches.group(1) == ""
    assert "<script" not in text
    assert "default-src 'none'" in text

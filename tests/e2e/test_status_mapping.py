"""
The opt-in standard Status mapping (DESIGN §3): forward only, and never over a Status that a
person changed since sfsync last wrote it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sfsync.commands.runtime import PACKAGED_DEFINITION
from sfsync.sandbox.org import DB_FILE
from tests.e2e.conftest import Org, read_leads

pytestmark = pytest.mark.e2e

ORDER = [
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Not Converted",
    "Closed - Converted",
]
MAPPING = {"Sales Ready": "Working - Contacted", "Disqualified": "Closed - Not Converted"}
VERSION = "e2e-status-mapping-1"


@pytest.fixture
def mapped_definition(tmp_path: Path) -> Path:
    """The default definition with the standard Status mapping switched on."""
    data: dict[str, Any] = yaml.safe_load(PACKAGED_DEFINITION.read_text())
    data["version"] = VERSION
    data["status"]["standard_status"].update(enabled=True, order=ORDER, map=MAPPING)
    path = tmp_path / "mapped.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_status_mapping_moves_forward_and_never_overrides_a_rep(
    synced_org: Org, mapped_definition: Path
) -> None:
    org = synced_org
    definition = ("--definition", str(mapped_definition))
    before = org.leads()

    first = org.sync(*definition)

    after = org.leads()
    moved = {i for i in after if after[i]["Status"] != before[i]["Status"]}
    assert first["outcome"] == "success"
    assert moved, "the mapping wrote no Status at all"
    for lead_id in moved:
        old, new = before[lead_id]["Status"], after[lead_id]["Status"]
        assert new == MAPPING[after[lead_id]["SFS_Status__c"]]
        assert ORDER.index(new) > ORDER.index(old)
    for lead_id, row in after.items():
        if not row["IsConverted"]:
            # A new definition re-qualifies every lead, not only the ones that changed.
            assert row["SFS_Definition_Version__c"] == VERSION
        if lead_id not in moved and row["SFS_Status__c"] in MAPPING and not row["IsConverted"]:
            target = MAPPING[row["SFS_Status__c"]]
            assert row["Status"] not in ORDER or ORDER.index(row["Status"]) >= ORDER.index(target)

    # A rep moves one of those leads back by hand (as the UI does: no assignment rule).
    lead_id = min(moved)
    response = org.rest(
        "PATCH",
        f"/sobjects/Lead/{lead_id}",
        json_body={"Status": "Open - Not Contacted"},
        auto_assign=False,
    )
    assert response.status_code == 204, response.text

    incremental = org.sync(*definition)
    org.sync(*definition, "--rescore")
    org.sync(*definition, "--full")

    final = org.leads()
    assert final[lead_id]["Status"] == "Open - Not Contacted"
    assert final[lead_id]["SFS_Status__c"] == after[lead_id]["SFS_Status__c"]
    assert incremental["status_mapping_blocked"] >= 1
    assert {i: r["Status"] for i, r in final.items() if i != lead_id} == {
        i: r["Status"] for i, r in after.items() if i != lead_id
    }


def test_status_is_never_written_with_the_default_definition(
    synced_org: Org, seeded_template: Path
) -> None:
    org = synced_org
    seeded = read_leads(seeded_template / DB_FILE)

    org.sync("--full")

    assert {i: r["Status"] for i, r in org.leads().items()} == {
        i: r["Status"] for i, r in seeded.items()
    }


def test_a_rep_change_is_respected_on_a_lead_that_already_stood_at_the_mapped_status(
    synced_org: Org, mapped_definition: Path
) -> None:
    """
    sfsync never wrote this lead's Status (it already held the mapped value), so there is no
    "last written" to compare with; a rep moving it back afterwards must still win.
    """
    org = synced_org
    definition = ("--definition", str(mapped_definition))
    lead_id = min(
        i
        for i, r in org.leads().items()
        if r["SFS_Status__c"] == "Disqualified" and not r["IsConverted"]
    )
    target = MAPPING["Disqualified"]
    patch = {"json_body": {"Status": target}, "auto_assign": False}
    assert org.rest("PATCH", f"/sobjects/Lead/{lead_id}", **patch).status_code == 204

    org.sync(*definition)
    assert org.leads()[lead_id]["Status"] == target  # nothing to write for it

    patch = {"json_body": {"Status": "Working - Contacted"}, "auto_assign": False}
    assert org.rest("PATCH", f"/sobjects/Lead/{lead_id}", **patch).status_code == 204
    incremental = org.sync(*definition)
    org.sync(*definition, "--rescore")

    assert org.leads()[lead_id]["Status"] == "Working - Contacted"
    assert incremental["status_mapping_blocked"] >= 1

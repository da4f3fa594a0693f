"""The study end to end over in-memory leads: verdicts, determinism, what it proposes."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from sfsync.definition.loader import compile_loaded, load_compiled, parse_definition
from sfsync.tune.evidence import as_dict
from sfsync.tune.study import Options, run_study
from tests.scoring.factories import DEFAULT_YAML, default_definition
from tests.tune.conftest import ListSource
from tests.tune.synthetic import after_conversion_only, as_records, planted_truth

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
TEXT = DEFAULT_YAML.read_text(encoding="utf-8")
FAST = Options(bootstrap=30)


@pytest.fixture(name="planted", scope="module")
def _planted() -> ListSource:
    """3,000 leads converting by the planted model."""
    return ListSource(as_records(planted_truth(3000, seed=4, now=NOW)))


def test_same_leads_same_options_give_a_byte_identical_proposal(planted: ListSource) -> None:
    """Two runs over the same leads write the same proposal and the same evidence data."""
    first = run_study(planted, default_definition(), TEXT, source_name="d.yaml", options=FAST)
    again = run_study(planted, default_definition(), TEXT, source_name="d.yaml", options=FAST)

    assert first.verdict == "proposal"
    assert first.proposal is not None
    assert first.proposal.encode() == again.proposal.encode()  # type: ignore[union-attr]
    assert as_dict(first) == as_dict(again)


def test_the_proposal_compiles_and_the_holdout_judges_it(planted: ListSource) -> None:
    """The proposal is a valid definition, one version on; the three models are compared."""
    study = run_study(planted, default_definition(), TEXT, source_name="d.yaml", options=FAST)

    proposed = compile_loaded(parse_definition(study.proposal or ""), source="proposal")
    assert proposed.version == "default-2026.11.3"
    data = as_dict(study)
    models = data["models"]
    assert models["proposed"]["auc"] >= models["current"]["auc"]
    assert data["auc_ratio_to_unconstrained"] >= 0.97
    assert data["samples"]["train"]["from"] < data["samples"]["holdout"]["from"]
    assert {c["path"] for c in data["criteria"]} >= {"fit.account.criteria.0.bands.0.points"}


def test_too_little_history_proposes_nothing() -> None:
    """Fewer conversions than asked for in the training window: a message, no proposal."""
    source = ListSource(as_records(planted_truth(300, seed=5, now=NOW)))

    study = run_study(
        source,
        default_definition(),
        TEXT,
        source_name="d.yaml",
        options=Options(min_conversions=200, bootstrap=0),
    )

    assert study.verdict == "too_little_history"
    assert study.proposal is None
    assert "at least 200 are needed" in study.message
    assert study.samples.train_converted < 200


def test_only_post_conversion_differences_leave_nothing_to_learn() -> None:
    """Converters differ only after converting: the study finds nothing and says so."""
    source = ListSource(as_records(after_conversion_only(2500, seed=6, now=NOW)))

    study = run_study(source, default_definition(), TEXT, source_name="d.yaml", options=FAST)

    assert study.verdict == "nothing_to_learn", study.message
    assert study.proposal is None
    assert study.message.startswith("nothing to learn")


def _with_package_score(text: str) -> str:
    """The default definition plus a package score the Lead keeps (dated by last activity)."""
    data = yaml.safe_load(text)
    data["engagement"]["signals"]["ma_score"] = {"label": "Package score 100+", "points": 20,
                                                 "cap": 20}  # fmt: skip
    data["engagement"]["sources"].append({
        "object": "Lead", "lead_field": "Id", "at": "MA_Last_Activity__c",
        "when": {"field": "MA_Score__c", "gte": 100}, "signal": "ma_score",
    })  # fmt: skip
    return str(yaml.safe_dump(data, sort_keys=False))


def test_a_number_the_history_cannot_show_is_kept_in_proportion_not_dropped() -> None:
    """A score dated at its last activity (after every reference moment) is not judged."""
    records = as_records(planted_truth(3000, seed=4, now=NOW))
    for lead, _ in records:  # the package's snapshot: updated until today
        lead["MA_Score__c"] = 150 if lead.get("IsConverted") else 40
        lead["MA_Last_Activity__c"] = lead.get("ConvertedDate") or "2026-11-19T10:00:00Z"
    text = _with_package_score(TEXT)
    definition = compile_loaded(parse_definition(text), source="d.yaml")

    study = run_study(ListSource(records), definition, text, source_name="d.yaml", options=FAST)

    assert study.verdict == "proposal", study.message
    (row,) = [r for r in study.criteria if r.key == "signal:ma_score"]
    assert (row.judged, row.leads) == (False, 0)
    learnt = [r for r in study.criteria if r.kind == "signal" and r.judged and r.old]
    ratio = sum(r.old * r.new for r in learnt) / sum(r.old**2 for r in learnt)
    assert row.new == math.floor(20 * ratio + 0.5) > 0
    assert "Package score 100+: 20 → " in (study.proposal or "")
    assert "not judged, it applied to only 0 of" in (study.proposal or "")
    assert as_dict(study)["criteria"][-1]["judged"] is False


def test_an_empty_source_says_so() -> None:
    """No leads at all: too little history, nothing else."""
    study = run_study(ListSource([]), default_definition(), TEXT, source_name="d.yaml")

    assert study.verdict == "too_little_history"
    assert study.samples.leads == 0


VALID = sorted((DEFAULT_YAML.parents[1] / "tests/fixtures/definitions/valid").glob("*.yaml"))


def _numbers_only(before: object, after: object, path: tuple[object, ...] = ()) -> list[str]:
    """Paths where the two YAML trees differ in anything but a number (or the version)."""
    if isinstance(before, dict) and isinstance(after, dict):
        if list(before) != list(after):
            return [f"{path}: keys"]
        return [p for k in before for p in _numbers_only(before[k], after[k], (*path, k))]
    if isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            return [f"{path}: length"]
        return [p for i, (b, a) in enumerate(zip(before, after, strict=True))
                for p in _numbers_only(b, a, (*path, i))]  # fmt: skip
    numbers = (int, float)
    same_kind = isinstance(before, numbers) and isinstance(after, numbers)
    if before == after or path == ("version",) or (same_kind and not isinstance(before, bool)):
        return []
    return [f"{path}: {before!r} -> {after!r}"]


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_any_valid_definition_is_tuned_by_changing_numbers_only(path: Path) -> None:
    """Other definitions (remapped fields, other weights, every operator) get a verdict, and a
    proposal differs from its definition in numbers only."""
    text = path.read_text(encoding="utf-8")
    source = ListSource(as_records(planted_truth(2000, seed=8, now=NOW)))

    study = run_study(source, load_compiled(path), text, source_name=str(path),
                      options=Options(bootstrap=0))  # fmt: skip

    assert study.verdict in ("proposal", "nothing_to_learn", "not_better", "too_little_history")
    if study.proposal is not None:
        compile_loaded(parse_definition(study.proposal), source=str(path))
        assert _numbers_only(yaml.safe_load(text), yaml.safe_load(study.proposal)) == []

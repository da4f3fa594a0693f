"""`sfsync definition tune` on the demo org, through the real CLI."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import pytest

from tests.tune.apiorg import Org
from tests.tune.conftest import DEFINITION, NOW_ARG, run_tune


def tune(
    demo: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, Any, str]:
    """Run `definition tune --json` into *tmp_path*: the exit code, the JSON, stderr."""
    capsys.readouterr()
    code, data = run_tune(demo, tmp_path, *args)
    return code, data, capsys.readouterr().err


def test_the_proposal_beats_today_and_nearly_matches_the_unconstrained_model(
    tuned: tuple[Path, Any],
) -> None:
    """On the time holdout: AUC at least today's and at least 0.97 of the unconstrained one."""
    _, data = tuned
    models = data["models"]

    assert data["verdict"] == "proposal"
    assert models["proposed"]["auc"] >= models["current"]["auc"]
    assert models["proposed"]["auc"] >= 0.97 * models["unconstrained"]["auc"]
    for name in ("proposed", "current", "unconstrained"):
        assert models[name]["lift_top_decile"] > 1
        assert 0 < models[name]["precision_at_sales_ready"] <= 1
        assert len(models[name]["calibration"]) == 10
    assert data["samples"]["train"]["converted"] >= 50


def test_the_proposal_lints_and_diffs(demo: Org, tuned: tuple[Path, Any]) -> None:
    """`definition lint` passes the proposal and `definition diff` previews its impact."""
    out, data = tuned
    proposal = out / "proposal.yaml"

    assert demo.run("definition", "lint", str(proposal)) == 0
    assert demo.run("definition", "diff", str(DEFINITION), str(proposal), "--now", NOW_ARG) == 0
    text = proposal.read_text(encoding="utf-8")
    assert 'version: "default-2026.11.3"' in text
    assert text.count("# tune: ") > 10
    train, holdout = (data["samples"][part] for part in ("train", "holdout"))
    header = " ".join(line.lstrip("# ") for line in text.splitlines() if line.startswith("#"))
    assert (  # the header names the leads the points were learnt from, not all of them
        f"learnt from the {train['leads']:,} older leads ({train['converted']:,} converted), "
        f"judged on the {holdout['leads']:,} newest ({holdout['converted']:,} converted)"
    ) in header


def test_every_changed_number_has_its_comment(tuned: tuple[Path, Any]) -> None:
    """Each changed number in the JSON has a `# tune:` line saying old → new above it."""
    out, data = tuned
    lines = (out / "proposal.yaml").read_text(encoding="utf-8").splitlines()
    comments = [line.strip() for line in lines if line.strip().startswith("# tune: ")]

    changed = [c for c in data["criteria"] if c["new_points"] != c["old_points"]]
    assert changed
    for c in changed:
        unit = "point" if c["new_points"] == 1 else "points"
        expected = f"{c['label']}: {c['old_points']:g} → {c['new_points']} {unit}"
        assert any(expected in line for line in comments), expected


def test_same_mirror_same_options_same_bytes(
    demo: Org, tuned: tuple[Path, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second run over the same mirror writes a byte-identical proposal and the same JSON."""
    out, data = tuned

    code, again, _ = tune(demo, tmp_path, capsys)

    assert code == 0
    assert (tmp_path / "proposal.yaml").read_bytes() == (out / "proposal.yaml").read_bytes()
    assert again == data


def test_a_precision_goal_sets_the_thresholds(
    demo: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--target-precision picks thresholds that reach it on the training leads."""
    code, data, _ = tune(demo, tmp_path, capsys, "--target-precision", "0.5", "--bootstrap", "0")

    assert code == 0
    goal = data["thresholds"]["goal"]
    assert (goal["kind"], goal["value"], goal["source"]) == ("precision", 0.5, "option")
    assert data["thresholds"]["train"]["precision"] >= 0.5


def test_too_little_history_writes_evidence_and_exits_2(
    demo: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Below --min-conversions: exit 2, no proposal, the evidence page says why."""
    code, data, _ = tune(demo, tmp_path, capsys, "--min-conversions", "100000")

    assert code == 2
    assert data["verdict"] == "too_little_history"
    assert not (tmp_path / "proposal.yaml").exists()
    assert "too little history" in (tmp_path / "tune.html").read_text(encoding="utf-8")


def test_missing_learning_extra_says_how_to_get_it(
    demo: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without scikit-learn the command exits 2 and names `pip install 'sfsync[tune]'`."""
    monkeypatch.setitem(sys.modules, "sklearn.linear_model", None)

    code, data, err = tune(demo, tmp_path, capsys)

    assert code == 2
    assert data is None
    assert "pip install 'sfsync[tune]'" in err
    assert "sklearn" in err


def test_two_goals_at_once_is_a_usage_error(
    demo: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--target-share and --target-precision together exit 2."""
    code, _, err = tune(
        demo, tmp_path, capsys, "--target-share", "0.1", "--target-precision", "0.5"
    )

    assert code == 2
    assert "not both" in err


def test_no_state_store_exits_2(
    tmp_path: Path, demo: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tune reads the mirror a sync filled; without one it says to run `sfsync sync`."""
    empty = Org(demo.sandbox, tmp_path / "missing.sqlite3")

    code, _, err = tune(empty, tmp_path, capsys)

    assert code == 2
    assert "run `sfsync sync` first" in err
    assert not (tmp_path / "missing.sqlite3").exists()


def test_tune_is_a_definition_subcommand() -> None:
    """`commands/tune.py` registers `tune` on the `definition` group, not the top level."""
    from sfsync.commands import COMMANDS
    from sfsync.commands.definition import definition
    from sfsync.commands.tune import tune as command

    assert isinstance(definition, click.Group)
    assert definition.commands["tune"] is command
    assert command not in COMMANDS

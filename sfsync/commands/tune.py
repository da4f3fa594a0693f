"""
`sfsync definition tune`: propose new points and thresholds for the same definition, learnt
from the org's conversions in the local mirror, with the evidence beside them.

Thin: it checks the learning extra is installed, opens the state store, runs the study
(`sfsync.tune.study`) and writes what it found. It registers itself on the `definition`
group; `commands/__init__.py` imports this module so the registration runs.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import click
import structlog

from sfsync.commands.app import EXIT_OK, EXIT_USAGE, AppContext, pass_app
from sfsync.commands.definition import definition as definition_group
from sfsync.commands.options import MOMENT, definition_option
from sfsync.errors import ConfigError

log = structlog.get_logger(__name__)


@definition_group.command()
@definition_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("proposal.yaml"),
    show_default=True,
    help="Where to write the proposed definition (only when there is a proposal).",
)
@click.option(
    "--evidence",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("tune.html"),
    show_default=True,
    help="Where to write the evidence page (always).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the evidence as JSON on stdout.")
@click.option(
    "--now",
    type=MOMENT,
    default=None,
    help="Study the mirror as of this time. Default: its newest lead creation or "
    "conversion, so a rerun on the same mirror gives the same proposal.",
)
@click.option(
    "--horizon-days",
    type=click.FloatRange(min=0, max=365),
    default=14.0,
    show_default=True,
    help="Judge converted leads this long before they converted (open leads at a "
    "comparable age, and only once they stayed open this long).",
)
@click.option(
    "--holdout",
    type=click.FloatRange(min=0.05, max=0.5),
    default=0.3,
    show_default=True,
    help="Share of the newest leads held out (by time) to test the proposal.",
)
@click.option(
    "--target-share",
    type=click.FloatRange(min=0.001, max=1),
    default=None,
    help="Goal for Sales Ready: call at most this share of leads (0.1 = 10%). "
    "Default: the share the current definition makes Sales Ready.",
)
@click.option(
    "--target-precision",
    type=click.FloatRange(min=0.001, max=1),
    default=None,
    help="Goal for Sales Ready instead: at least this share of called leads convert.",
)
@click.option(
    "--min-conversions",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Propose nothing with fewer conversions than this in the training window.",
)
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0, max=2000),
    default=200,
    show_default=True,
    help="Bootstrap refits for each number's interval.",
)
@pass_app
def tune(
    app: AppContext,
    definition: Path | None,
    out: Path,
    evidence: Path,
    as_json: bool,
    now: datetime | None,
    horizon_days: float,
    holdout: float,
    target_share: float | None,
    target_precision: float | None,
    min_conversions: int,
    bootstrap: int,
) -> int:
    """
    Propose new points and thresholds for the same definition, learnt from conversions.

    \b
    Reads the local mirror the last `sfsync sync` filled (no API call, nothing written to
    the org). Each lead is scored as it was before it converted (open leads at a comparable
    age), by the same engine; a logistic regression on the definition's own criteria learns
    from the older leads, its weights become whole points within the caps, and the Sales
    Ready thresholds are chosen for a goal (the share of leads called today, or
    --target-share / --target-precision). The newest leads, held out, judge the proposal
    against the current definition and an unconstrained model.

    \b
    Writes the proposal (--out: the same YAML, version bumped, a comment on every changed
    number) and the evidence (--evidence: HTML; --json: the same on stdout). Nothing is
    adopted: lint it, `definition diff` it, and sign it off together.
    Exit 0 with a proposal; 2 when nothing is proposed (too little history, nothing to
    learn, or no better than today; the evidence says which). Needs the learning extra:
    pip install 'sfsync[tune]'.
    """
    from sfsync.tune import EXTRA_HINT, missing_learning_stack

    missing = missing_learning_stack()
    if missing is not None:
        msg = (
            f"`sfsync definition tune` needs the learning extra ({missing} is not installed): "
            f"{EXTRA_HINT}"
        )
        raise ConfigError(msg)
    if target_share is not None and target_precision is not None:
        raise click.UsageError("give --target-share or --target-precision, not both")

    from sfsync.commands.runtime import open_runtime, progress_reporter, resolve_definition_path
    from sfsync.tune.evidence import as_dict
    from sfsync.tune.mirror import MirrorSource
    from sfsync.tune.page import render_page
    from sfsync.tune.study import Options, run_study

    goal = (
        ("share", target_share)
        if target_share is not None
        else (("precision", target_precision) if target_precision is not None else None)
    )
    options = Options(
        now=now,
        horizon=timedelta(days=horizon_days),
        holdout=holdout,
        goal=goal,  # type: ignore[arg-type]
        min_conversions=min_conversions,
        bootstrap=bootstrap,
    )
    with open_runtime(app, connect=False, definition=definition) as rt:
        path = resolve_definition_path(definition or rt.settings.definition)
        text = path.read_text(encoding="utf-8")
        with progress_reporter() as progress:
            study = run_study(
                MirrorSource(rt.store),
                rt.definition,
                text,
                source_name=str(path),
                options=options,
                progress=progress,
            )
    if study.samples.leads == 0:
        msg = f"{rt.settings.state_path}: the mirror holds no leads; run `sfsync sync` first"
        raise ConfigError(msg)
    _write(evidence, render_page(study))
    if study.proposes and study.proposal is not None:
        _write(out, study.proposal)
    s = study.samples
    log.info(
        "sfsync.tune.completed",
        verdict=study.verdict,
        definition_version=study.definition_version,
        proposed_version=study.proposed_version if study.proposes else None,
        leads=s.leads,
        train=s.train,
        train_converted=s.train_converted,
        holdout=s.holdout,
        holdout_converted=s.holdout_converted,
        auc={name: m.auc for name, m in study.models.items()},
        changed=study.changes if study.proposes else 0,
    )
    if as_json:
        click.echo(json.dumps(as_dict(study), sort_keys=True))
    else:
        _print(study, out if study.proposes else None, evidence)
    return EXIT_OK if study.proposes else EXIT_USAGE


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror}") from exc


def _print(study: object, out: Path | None, evidence: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    from sfsync.tune.charts import MODEL_LABELS
    from sfsync.tune.findings import MODELS, Study

    assert isinstance(study, Study)
    console = Console(highlight=False)
    console.print(("[bold]" if study.proposes else "[bold yellow]") + study.message + "[/]")
    if study.models:
        table = Table(title="on the newest leads (time holdout)")
        for head in ("model", "AUC", "lift top 10%", "precision @ SR", "recall @ SR", "called"):
            table.add_column(head, justify="left" if head == "model" else "right")
        for name in MODELS:
            m = study.models.get(name)
            if m is not None:
                table.add_row(
                    MODEL_LABELS[name],
                    _fmt(m.auc, "{:.3f}"),
                    _fmt(m.lift, "{:.2f}x"),
                    _fmt(m.precision, "{:.0%}"),
                    _fmt(m.recall, "{:.0%}"),
                    f"{m.share:.1%}",
                )
        console.print(table)
    if out is not None:
        console.print(
            f"Wrote the proposal to {out}: `sfsync definition lint {out}`, then "
            f"`sfsync definition diff <current> {out}` before anyone signs it off."
        )
    console.print(f"Wrote the evidence to {evidence}")


def _fmt(value: float | None, pattern: str) -> str:
    return "n/a" if value is None else pattern.format(value)


COMMANDS: tuple[click.Command, ...] = ()
"""Nothing for the top-level group: `tune` is a `definition` subcommand."""

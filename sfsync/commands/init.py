"""`sfsync init`: describe and sample the org, propose a definition for it, write it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from sfsync.commands.app import EXIT_OK, AppContext, pass_app
from sfsync.errors import ConfigError


@click.command("init")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("mappings/org.yaml"),
    show_default=True,
    help="Where to write the proposed definition.",
)
@click.option("--dry-run", is_flag=True, help="Print the definition on stdout; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite --out when it exists.")
@pass_app
def init(app: AppContext, out: Path, dry_run: bool, force: bool) -> int:
    """
    Propose a definition for your org from what it holds: its Lead fields, campaign types,
    task and event types and subjects, custom activity objects, marketing automation fields
    (Account Engagement, Marketo, HubSpot) and the users that log non-human activity.

    \b
    Reads only (describes, COUNT and GROUP BY aggregates, one sample of the newest leads:
    about 20 API calls whatever the org's size) and writes one file, every choice in it
    commented with the counts it rests on and what is left to decide listed at its end:
    sfsync --env-file .env init --dry-run                 # print it
    sfsync --env-file .env init --out mappings/acme.yaml  # write it
    sfsync definition lint mappings/acme.yaml && sfsync definition doc mappings/acme.yaml
    """
    from rich.console import Console

    from sfsync.definition.loader import compile_loaded, parse_definition
    from sfsync.onboarding import propose, render_definition, survey_org
    from sfsync.salesforce.client import connect

    if out.exists() and not dry_run and not force:
        msg = f"{out} exists: pick another --out, or add --force to overwrite it"
        raise ConfigError(msg)
    console = Console(stderr=True, highlight=False)
    settings = app.settings()
    client = connect(settings)
    with console.status("Reading the org") as status:
        survey = survey_org(
            client,
            instance=f"https://{client.sf.sf_instance}",
            progress=lambda what: status.update(f"Reading the org: {what}"),
        )
    proposal = propose(survey, today=datetime.now(UTC).date())
    text = render_definition(proposal)
    compile_loaded(parse_definition(text, source=str(out)), source=out)  # lints, or raises
    if dry_run:
        click.echo(text, nl=False)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{out}: cannot write the definition: {exc.strerror}") from exc
    _summary(console, proposal, None if dry_run else out)
    return EXIT_OK


def _summary(console: object, proposal: object, out: Path | None) -> None:
    from rich.console import Console

    from sfsync.onboarding import Proposal

    assert isinstance(console, Console)
    assert isinstance(proposal, Proposal)
    data, survey = proposal.data, proposal.survey
    signals = ", ".join(s["label"] for s in data["engagement"]["signals"].values()) or "none"
    packages = ", ".join(f.name for f in proposal.footprints) or "none"
    inputs = ", ".join(f"{name}={spec['field']}" for name, spec in data["inputs"].items())
    console.print(
        f"Read {survey.leads:,} leads with {survey.api_calls} API calls. Marketing automation: "
        f"{packages}.\nInputs: {inputs}"
        f"\nSignals: {signals}\nNot mapped (listed at the end of the file): "
        f"{len(proposal.notes.unmapped)}"
    )
    if out is not None:
        console.print(
            f"Wrote {out}. Next: sfsync definition lint {out}; sfsync definition doc {out}; "
            f"then set SFSYNC_DEFINITION={out} and run sfsync check."
        )


COMMANDS: list[click.Command] = [init]

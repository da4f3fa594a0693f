"""
`sfsync fields`: generate the Salesforce metadata (output fields, permission set, list views)
for the definition, as a DX project to deploy with `sf project deploy start`.
"""

from __future__ import annotations

from pathlib import Path

import click

from sfsync.cli import EXIT_OK, AppContext, pass_app


@click.command()
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory for the generated project (created if missing).",
)
@click.option(
    "--definition",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Definition YAML to use instead of SFSYNC_DEFINITION.",
)
@click.option(
    "--api-version",
    default=None,
    help="Metadata API version for the project. Default: SFSYNC_SF_API_VERSION (62.0).",
)
@click.option(
    "--no-history",
    is_flag=True,
    help="Leave Lead field history tracking alone (no Lead object settings, no tracked fields).",
)
@click.option("--overwrite", is_flag=True, help="Replace files in a non-empty --out directory.")
@click.option("--dry-run", is_flag=True, help="List what would be written; write nothing.")
@pass_app
def fields(
    app: AppContext,
    *,
    out: Path,
    definition: Path | None,
    api_version: str | None,
    no_history: bool,
    overwrite: bool,
    dry_run: bool,
) -> int:
    """
    Generate the Lead output fields, the integration permission set and list views.

    Writes a Salesforce DX project for the definition's output field names: custom fields
    with help text for reps, the SFSync_Integration permission set (read what the definition
    reads, edit the outputs, API Enabled; nothing more), two list views, and
    manifest/package.xml. Deploy it with:

    \b
        cd OUT && sf project deploy start --source-dir force-app --target-org ORG
        sf org assign permset --name SFSync_Integration --on-behalf-of INTEGRATION_USER
    """
    from sfsync.commands.runtime import resolve_definition_path
    from sfsync.fields import generate_project

    settings = app.settings()
    result = generate_project(
        resolve_definition_path(definition or settings.definition),
        out,
        api_version=api_version or settings.sf_api_version,
        track_history=not no_history,
        overwrite=overwrite,
        dry_run=dry_run,
    )
    verb = "would write" if dry_run else "wrote"
    for path in result.written:
        click.echo(f"{verb} {out / path}")
    for path in result.unchanged:
        click.echo(f"unchanged {out / path}")
    for path in result.stale:
        click.echo(
            f"stale {out / path} (not generated for this definition: delete it before deploying)",
            err=True,
        )
    if not dry_run:
        click.echo(
            f"\nNext: cd {out} && sf project deploy start --source-dir force-app --target-org ORG",
            err=True,
        )
    return EXIT_OK


COMMANDS: list[click.Command] = [fields]

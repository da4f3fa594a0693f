"""
`sfsync fields`: generate the Salesforce metadata (output fields, permission set, list views)
for the definition, as a DX project to deploy with `sf project deploy start`, or deploy it
straight through the Metadata API (`--deploy`, `--deploy --dry-run` to validate only).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from sfsync.commands.app import EXIT_FAILURE, EXIT_OK, AppContext, pass_app
from sfsync.commands.options import definition_option

if TYPE_CHECKING:
    from sfsync.fields import Project
    from sfsync.salesforce.metadata import DeployResult


@click.command()
@click.option(
    "--out",
    "out",
    default=None,
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory for the generated project (created if missing). Optional with --deploy.",
)
@definition_option
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
@click.option(
    "--assign",
    "assign",
    multiple=True,
    type=click.Choice(["SFSync_Lead_Record_Page", "SFSync_Lead_Highlights"]),
    help="Make a generated component the org's default, by name (repeatable): "
    "SFSync_Lead_Record_Page becomes the Lead record page for desktop, SFSync_Lead_Highlights "
    "the Lead compact layout. Without it nothing the org has is replaced.",
)
@click.option(
    "--no-reports",
    is_flag=True,
    help="Leave out the reports, the dashboard and their folders.",
)
@click.option("--overwrite", is_flag=True, help="Replace files in a non-empty --out directory.")
@click.option(
    "--deploy",
    is_flag=True,
    help="Deploy the metadata to the org in the SFSYNC_SF_* settings through the Metadata API.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="List what would be written; write nothing. With --deploy: validate in the org "
    "(checkOnly), change nothing.",
)
@pass_app
def fields(
    app: AppContext,
    *,
    out: Path | None,
    definition: Path | None,
    api_version: str | None,
    no_history: bool,
    assign: tuple[str, ...],
    no_reports: bool,
    overwrite: bool,
    deploy: bool,
    dry_run: bool,
) -> int:
    """
    Generate everything sfsync puts in Salesforce: fields, access, pages, views, reports.

    Writes a Salesforce DX project for the definition's output field names: custom fields
    with help text for reps; the SFSync_Integration permission set (read what the definition
    reads, edit the outputs, API Enabled; nothing more) and SFSync_Lead_Score_Read for reps
    and managers (read the outputs, nothing else); a Lead record page
    (SFSync_Lead_Record_Page: score, grade, status, reasons and follow-up on top, the org's
    own layout in the Details tab) and a compact layout (SFSync_Lead_Highlights: score,
    grade and status in the highlights panel); three list views; six reports on the Leads
    report type and a dashboard, each in a folder of its own; and manifest/package.xml.
    All of it is new: nothing the org has is replaced unless --assign names it. Deploy it with:

    \b
        cd OUT && sf project deploy start --source-dir force-app --target-org ORG
        sf org assign permset --name SFSync_Integration --on-behalf-of INTEGRATION_USER
        sf org assign permset --name SFSync_Lead_Score_Read --on-behalf-of REP_OR_MANAGER

    Or let sfsync deploy it (exit 0 when the org accepted every component, 1 when it
    rejected the deploy; each rejected component is listed with the org's reason):

    \b
        sfsync fields --deploy --dry-run   # validate only (checkOnly)
        sfsync fields --deploy
    """
    from sfsync.commands.runtime import resolve_definition_path
    from sfsync.definition import load_compiled
    from sfsync.fields import build_blueprint, build_project, check_api_version

    if out is None and not deploy:
        raise click.UsageError("--out is required (or use --deploy)")
    settings = app.settings()
    version = check_api_version(api_version or settings.sf_api_version)
    compiled = load_compiled(resolve_definition_path(definition or settings.definition))
    project = build_project(
        build_blueprint(compiled, track_history=not no_history),
        api_version=version,
        assign=assign,
        analytics=not no_reports,
    )
    if out is not None:
        _write(project, out, overwrite=overwrite, dry_run=dry_run, hint=not deploy)
    if deploy:
        return _deploy(app, project, check_only=dry_run)
    return EXIT_OK


def _write(project: Project, out: Path, *, overwrite: bool, dry_run: bool, hint: bool) -> None:
    from sfsync.fields import write_project

    result = write_project(project, out, overwrite=overwrite, dry_run=dry_run)
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
    if not dry_run and hint:
        click.echo(
            f"\nNext: cd {out} && sf project deploy start --source-dir force-app --target-org ORG"
            "\nThen: sf org assign permset --name SFSync_Integration --on-behalf-of "
            "INTEGRATION_USER --target-org ORG"
            "\n      sf org assign permset --name SFSync_Lead_Score_Read --on-behalf-of "
            "REP_OR_MANAGER --target-org ORG"
            "\nThe record page and compact layout are not anyone's default until you activate "
            "them (Lightning App Builder) or rerun with --assign.",
            err=True,
        )


def _deploy(app: AppContext, project: Project, *, check_only: bool) -> int:
    from sfsync.salesforce.client import connect
    from sfsync.salesforce.metadata import convert_source, deploy_package

    settings = app.settings()
    package = convert_source(project.files, api_version=project.api_version)
    with connect(settings) as client:
        result = deploy_package(client, package, check_only=check_only)
    _show(result, org=settings.sf_instance_url or settings.sf_login_url)
    return EXIT_OK if result.success else EXIT_FAILURE


def _show(result: DeployResult, *, org: str) -> None:
    for ok in result.successes:
        if ok.component_type:
            what = "created" if ok.created else "changed" if ok.changed else "unchanged"
            click.echo(f"✓ {ok.component_type} {ok.full_name}: {what}")
    for bad in result.failures:
        where = f" ({bad.file_name})" if bad.file_name else ""
        click.echo(f"✗ {bad.component_type or 'package'} {bad.full_name}: {bad.problem}{where}")
    if result.error_message:
        click.echo(f"✗ {result.error_message}")
    kind = "Validation (check only)" if result.check_only else "Deploy"
    if result.success:
        done = "validated" if result.check_only else "deployed"
        click.echo(
            f"{kind} {result.id}: {result.status}; {result.components_deployed} of "
            f"{result.components_total} components {done} in {org}"
            + ("; nothing was changed" if result.check_only else "")
        )
        if not result.check_only:
            click.echo(
                "Next: assign the SFSync_Integration permission set to the integration user"
                " and SFSync_Lead_Score_Read to reps and managers, then run `sfsync check`.",
                err=True,
            )
    else:
        click.echo(
            f"{kind} {result.id}: {result.status}; {result.component_errors} component(s) "
            "rejected; nothing was changed in the org",
            err=True,
        )


COMMANDS: list[click.Command] = [fields]

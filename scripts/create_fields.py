#!/usr/bin/env python3
"""
Generate the Salesforce metadata for the agreed definition: the Lead output fields, the
SFSync_Integration permission set and the reps' list views, as a DX project.

    scripts/create_fields.py --out sfsync-metadata
    cd sfsync-metadata && sf project deploy start --source-dir force-app --target-org ORG

The same as `sfsync fields`; all logic lives in sfsync.fields.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from sfsync.config import load_settings
from sfsync.errors import ConfigError
from sfsync.fields import generate_project
from sfsync.logs import configure_logging


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the project; return 0, or 2 on a bad definition or option."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="directory for the generated project"
    )
    parser.add_argument(
        "--definition", type=Path, help="definition YAML (default: SFSYNC_DEFINITION)"
    )
    parser.add_argument("--env-file", type=Path, help="read SFSYNC_* settings from this file")
    parser.add_argument(
        "--api-version", help="Metadata API version (default: SFSYNC_SF_API_VERSION)"
    )
    parser.add_argument(
        "--no-history", action="store_true", help="leave Lead history tracking alone"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace files in a non-empty --out"
    )
    parser.add_argument("--dry-run", action="store_true", help="list what would be written")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.env_file)
        configure_logging(settings.log_format, settings.log_level)
        result = generate_project(
            args.definition or settings.definition,
            args.out,
            api_version=args.api_version or settings.sf_api_version,
            track_history=not args.no_history,
            overwrite=args.overwrite,
            dry_run=args.dry_run,
        )
    except ConfigError as exc:
        print(f"create_fields: {exc}", file=sys.stderr)
        return 2
    verb = "would write" if args.dry_run else "wrote"
    for path in result.written:
        print(f"{verb} {args.out / path}")
    for path in result.stale:
        print(f"stale {args.out / path} (delete it before deploying)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Placeholder: filled in by the issue that owns these commands."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []

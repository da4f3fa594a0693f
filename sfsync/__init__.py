"""sfsync: one agreed definition of a qualified lead, applied to every Lead in a Salesforce org."""

from __future__ import annotations

__version__ = "0.1.0"

"""
How Salesforce values read and write, one module each: datetimes, record Ids, booleans.

Pure, and the bottom of the tree: it imports nothing of sfsync, so the definition, the
engine, the Salesforce layer, the pass and the commands all share the same readings.
"""

from __future__ import annotations

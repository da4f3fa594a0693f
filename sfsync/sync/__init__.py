"""
The sync pass: plan → extract → qualify → diff → write → record (DESIGN §2).

    report = run_pass(client, store, definition, PassContext(now=now, mode="incremental"))

`run_pass` takes its collaborators as arguments (a client satisfying `OrgClient`, the
state store, the compiled definition, the clock's reading), so tests pass fakes and the
daemon, the CLI and the backfill share one implementation.

Modules, in the order a pass uses them:

- `plan`: which objects to read, which fields, from where on (pure);
- `extract`: the reads into the mirror, and which leads to re-qualify;
- `changes`: qualify-and-diff for one lead, with the Status mapping policy (pure);
- `qualify`: the loop over the mirror's affected leads;
- `write`: the write and the record of its results;
- `run`: `run_pass`, which strings them together; `refresh`: re-read one lead.

Three modes:
- ``incremental``: read what changed since each object's watermark (minus an overlap
  window), re-qualify the leads it touches, write the ones whose outputs changed.
- ``full``: read everything, rebuild the mirror, re-qualify every lead.
- ``rescore``: the nightly pass. An incremental read, then every lead in the mirror is
  re-qualified so that decay is applied without re-reading the org.

Guarantees:
- Watermarks advance only after the pass has been applied (read, qualified, written and
  recorded); a pass that stops early (budget, SIGTERM, crash) leaves them where they were,
  so the next pass re-reads the same window. Every step is idempotent (the mirror is keyed
  by record Id, touches are counted from it), so re-reading never counts anything twice.
- Only leads whose output values differ from what the org holds are written, and only
  sfsync's own fields (plus the opt-in, guarded standard Status). Our writes bump the
  lead's SystemModstamp; the next pass reads that echo, finds nothing to change, and
  the echo ends there.
- Converted leads are mirrored (they feed the report) but never written.
- A record the org rejects is recorded with its error and retried next pass; it never
  blocks the others.
"""

from __future__ import annotations

from sfsync.sync.client import OrgClient, QueryClient
from sfsync.sync.context import Mode, PassContext, PassInterruptedError, PassReport, Progress
from sfsync.sync.refresh import refresh_lead
from sfsync.sync.run import run_pass

__all__ = [
    "Mode",
    "OrgClient",
    "PassContext",
    "PassInterruptedError",
    "PassReport",
    "Progress",
    "QueryClient",
    "refresh_lead",
    "run_pass",
]

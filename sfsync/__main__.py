from __future__ import annotations

from sfsync.cli import main

raise SystemExit(main())

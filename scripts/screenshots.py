#!/usr/bin/env python3
"""
The two screenshots in docs/, made the way a new user would see them:

    .venv/bin/python scripts/screenshots.py     # needs Debian's chromium and chromium-driver

1. a sandbox org seeded with the demo data (2,000 leads, seed 42), synced by the real CLI;
2. `sfsync report` -> docs/report-screenshot.png (the whole page);
3. the Lead record page as `sfsync fields` defines it (fields/pages.py), filled with a
   Sales Ready lead from that org that needs follow-up -> docs/lead-record-page.png.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NOW_ARG = "2026-11-20T12:00:00"


def _browser() -> object:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = shutil.which("chromium") or "chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1200,900"):  # fmt: skip
        options.add_argument(argument)
    return webdriver.Chrome(
        options=options, service=Service(executable_path=shutil.which("chromedriver"))
    )


def _shoot(browser: object, page: Path, out: Path, width: int) -> None:
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})  # type: ignore[attr-defined]
    browser.set_window_size(width, 600)  # type: ignore[attr-defined]
    browser.get(page.as_uri())  # type: ignore[attr-defined]
    height = browser.execute_script("return document.documentElement.scrollHeight")  # type: ignore[attr-defined]
    browser.execute_cdp_cmd(  # type: ignore[attr-defined]
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    browser.save_screenshot(str(out))  # type: ignore[attr-defined]
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")


def main() -> int:
    from sfsync import cli
    from sfsync.definition import load_compiled
    from sfsync.fields import build_blueprint
    from sfsync.fields.pages import record_page
    from sfsync.fields.preview import render_record_page
    from sfsync.sandbox.org import DB_FILE, SandboxOrg
    from sfsync.sandbox.seed import seed_org
    from sfsync.sandbox.server import start_sandbox

    work = Path(tempfile.mkdtemp(prefix="sfsync-shots-"))
    try:
        (work / "org").mkdir()
        org = SandboxOrg(work / "org" / DB_FILE)
        with org.lock:
            seed_org(org.conn, leads=2000, seed=42, now=NOW)
        org.close()
        with start_sandbox(work / "org") as sandbox:
            for name in [n for n in os.environ if n.startswith("SFSYNC_")]:
                del os.environ[name]
            os.environ["SFSYNC_STATE_PATH"] = str(work / "state.sqlite3")
            base = ["--env-file", str(sandbox.env_file), "--log-format", "json"]
            assert cli.main([*base, "sync", "--full", "--now", NOW_ARG]) == 0
            report = work / "report.html"
            assert cli.main([*base, "report", "--now", NOW_ARG, "--out", str(report)]) == 0
            with sandbox.org.lock:
                sandbox.org.conn.row_factory = None
                cursor = sandbox.org.conn.execute(
                    'SELECT * FROM "Lead" WHERE SFS_Status__c = ? AND SFS_Needs_Follow_Up__c = 1'
                    " AND SFS_Touches__c > 0 AND IsConverted = 0 ORDER BY SFS_Score__c DESC, Id",
                    ("Sales Ready",),
                )
                names = [d[0] for d in cursor.description]
                lead = dict(zip(names, cursor.fetchone(), strict=True))
        lead["SFS_Needs_Follow_Up__c"] = bool(lead["SFS_Needs_Follow_Up__c"])
        blueprint = build_blueprint(load_compiled(ROOT / "mappings" / "default.yaml"))
        preview = work / "lead.html"
        preview.write_text(
            render_record_page(record_page(blueprint), blueprint, lead), encoding="utf-8"
        )
        browser = _browser()
        try:
            _shoot(browser, report, DOCS / "report-screenshot.png", 1200)
            _shoot(browser, preview, DOCS / "lead-record-page.png", 1200)
        finally:
            browser.quit()  # type: ignore[attr-defined]
        print(f"lead shown: {lead['Id']} ({lead['SFS_Status__c']}, score {lead['SFS_Score__c']})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

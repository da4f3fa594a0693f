"""
The evidence page in a real browser: headless Chromium renders it with no console message,
draws its two charts and three model rows, and shows markup from a definition as text.
`UPDATE_SCREENSHOTS=1` also saves the demo org's page to docs/tune-evidence.png.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from tests.report.test_browser import PNG_MAGIC, _browser, _console
from tests.tune.apiorg import Org
from tests.tune.conftest import DEFINITION, run_tune

__all__ = ["_browser"]  # the browser fixture, shared with the report's test

DOCS = Path(__file__).resolve().parents[2] / "docs" / "tune-evidence.png"
HOSTILE = "<img src=x onerror=\\\"document.title='pwned'\\\">"


def screenshot(browser: Any, path: Path) -> None:
    """The whole page in one PNG."""
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1200, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    browser.save_screenshot(str(path))


def test_evidence_renders_in_chromium_without_console_errors(
    browser: Any, tuned: tuple[Path, Any], tmp_path: Path
) -> None:
    """The demo org's evidence loads cleanly with its charts and the three models."""
    from selenium.webdriver.common.by import By

    out, _ = tuned
    entries = _console(browser, out / "tune.html")
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    first_table = browser.find_elements(By.CSS_SELECTOR, "table")[0]
    rows = first_table.find_elements(By.CSS_SELECTOR, "tbody tr")
    shot = tmp_path / "tune.png"
    screenshot(browser, shot)

    assert [e for e in entries if e["level"] in ("SEVERE", "WARNING")] == []
    assert browser.title == "Definition tuning evidence"
    assert len(charts) == 2
    assert all(c.size["width"] > 300 and c.size["height"] > 150 for c in charts)
    assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows] == [
        "proposed definition",
        "current definition",
        "unconstrained model",
    ]
    assert shot.read_bytes().startswith(PNG_MAGIC)
    assert shot.stat().st_size > 50_000
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(shot, DOCS)


def test_markup_in_a_definition_is_shown_as_text(browser: Any, demo: Org, tmp_path: Path) -> None:
    """A label with markup in the definition is escaped: no image, no script, the title holds."""
    from selenium.webdriver.common.by import By

    definition = tmp_path / "hostile.yaml"
    text = DEFINITION.read_text(encoding="utf-8")
    definition.write_text(text.replace("says: target industry", f'says: "{HOSTILE}"'), "utf-8")
    code, _ = run_tune(demo, tmp_path, "--bootstrap", "0", definition=definition)

    entries = _console(browser, tmp_path / "tune.html")

    assert code == 0
    assert [e for e in entries if e["level"] in ("SEVERE", "WARNING")] == []
    assert browser.title == "Definition tuning evidence"
    assert browser.find_elements(By.CSS_SELECTOR, "img") == []
    cells = browser.find_elements(By.XPATH, '//td[contains(., "onerror")]')
    assert cells

"""
The report in a real browser: headless Chromium renders it, takes a screenshot, and logs no
console error. Needs Debian's chromium and chromium-driver (`make test` installs them when it
can); skipped without them, failed when REQUIRE_BROWSER_TEST=1 (CI).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.report.conftest import HOSTILE_FIRST, REQUIRE_BROWSER, DemoOrg

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def unavailable(reason: str, *, required: bool) -> NoReturn:
    """Fail when a browser test is required (CI), else skip, saying why."""
    if required:
        pytest.fail(f"{reason}, and REQUIRE_BROWSER_TEST=1 requires a browser test")
    pytest.skip(reason)


def find_chromium(*, required: bool) -> tuple[str, str]:
    """The Chromium binary and chromedriver on PATH; fails or skips when either is missing."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if binary is None or driver is None:
        reason = "Chromium is not installed (Debian: apt-get install chromium chromium-driver)"
        unavailable(reason, required=required)
    return binary, driver


@pytest.fixture(name="browser", scope="module")
def _browser() -> Iterator[Any]:
    """Headless Chromium through Debian's chromedriver, keeping the browser console log."""
    binary, driver_path = find_chromium(required=REQUIRE_BROWSER)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        reason = "selenium is not installed (pip install -e . --group tests)"
        unavailable(reason, required=REQUIRE_BROWSER)
    options = Options()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1200,900"):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        yield driver
    finally:
        driver.quit()


def _console(browser: Any, path: Path) -> list[dict[str, Any]]:
    browser.get_log("browser")  # drop what earlier pages logged
    browser.get(path.as_uri())
    entries: list[dict[str, Any]] = browser.get_log("browser")
    return entries


def test_console_errors_are_caught(browser: Any, tmp_path: Path) -> None:
    """The console check works: a page that logs an error and loads a missing file is caught."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><title>x</title><script>console.error('broken page')</script>"
        '<img src="missing.png">',
        encoding="utf-8",
    )

    messages = " ".join(e["message"] for e in _console(browser, page) if e["level"] == "SEVERE")

    assert "broken page" in messages
    assert "missing.png" in messages


def test_report_renders_in_chromium_without_console_errors(
    browser: Any, demo: DemoOrg, tmp_path: Path
) -> None:
    """The report loads with no console message, draws 8 charts, shows hostile names as text."""
    from selenium.webdriver.common.by import By

    entries = _console(browser, demo.page)
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.execute_cdp_cmd(  # the whole page in one screenshot
        "Emulation.setDeviceMetricsOverride",
        {"width": 1200, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    shot = tmp_path / "report.png"
    browser.save_screenshot(str(shot))

    assert [e for e in entries if e["level"] in ("SEVERE", "WARNING")] == []
    assert browser.title == "Lead quality report"
    assert len(charts) == 8
    assert all(c.size["width"] > 300 and c.size["height"] > 150 for c in charts)
    cells = browser.find_elements(By.XPATH, '//td[contains(., "<script>document.title")]')
    assert len(cells) == 1
    assert cells[0].text.startswith(HOSTILE_FIRST + " ")
    assert shot.read_bytes().startswith(PNG_MAGIC)
    assert shot.stat().st_size > 50_000


def test_the_rendered_words_match_the_numbers(browser: Any, demo: DemoOrg) -> None:
    """What Chromium shows (innerText) states every rate with its sample, the same rounding
    in tiles and text, intervals where samples are small, and how much a table leaves out."""
    from tests.report.wording import wording_problems

    browser.get(demo.page.as_uri())
    shown = browser.execute_script("return document.body.innerText")
    text = "\n".join(" ".join(line.split()) for line in shown.split("\n") if line.strip())

    assert wording_problems(text, demo.report()) == []

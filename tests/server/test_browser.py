"""The dashboard in Debian's Chromium (Playwright): sign in, see and filter findings,
acknowledge one, propose and approve a response, and the trend chart rendered by Plotly with the price overlaid. A process
named like an XSS payload stays text: no dialog ever opens."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from minehunt.web.browser import CHROMIUM_FLAGS
from tests.support.fleet import PASSWORD, FleetServer, finding, running_server

XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_PATH = '/tmp/"><script>alert(2)</script>'


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=list(CHROMIUM_FLAGS)
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()


def artefacts(tmp_path: Path) -> Path:
    """Screenshots go to $MINEHUNT_TEST_ARTEFACTS when CI sets it, else the test's tmp dir."""
    d = Path(os.environ.get("MINEHUNT_TEST_ARTEFACTS", tmp_path))
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[FleetServer]:
    with running_server(f"sqlite:///{tmp_path / 'fleet.sqlite'}", tmp_path / "srv") as s:
        cred = s.enrol("web-01")
        evil = finding(name=XSS_NAME, pid=66, path=XSS_PATH, cmdline=(XSS_PATH,))
        assert s.post_report(cred, [finding(pid=42), evil]).status_code == 201
        today = datetime.now(UTC).date()
        days = [(today - timedelta(days=n)).isoformat() for n in (2, 1, 0)]
        prices = tmp_path / "xmr.csv"
        prices.write_text("Date,Close\n" + "".join(f"{d},{150 + i}\n" for i, d in enumerate(days)))
        s.cli("prices", "import", str(prices), "--symbol", "XMR")
        s.user("alice")
        yield s


def test_dashboard_in_chromium(fleet: FleetServer, page: Page, tmp_path: Path) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(fleet.url + "/findings")
    assert page.url.endswith("/login")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(fleet.url + "/")
    assert "web-01" in page.inner_text("table.hosts")

    page.goto(fleet.url + "/findings")
    assert page.locator("table.findings tbody tr").count() == 2
    page.fill("input[name=q]", "onerror")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/findings?q=onerror*")
    rows = page.locator("table.findings tbody tr")
    assert rows.count() == 1
    assert XSS_NAME in rows.first.inner_text()

    rows.first.locator("a.target").click()
    page.wait_for_url("**/findings/*")
    target = page.inner_text("dl.target")
    assert XSS_NAME in target and XSS_PATH in target
    assert page.locator("img").count() == 0
    page.click("button[value=acknowledged]")
    page.wait_for_load_state()
    assert page.inner_text("#state").startswith("acknowledged")
    page.select_option("form.propose select[name=action]", "suspend")
    page.click("form.propose button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("table.responses .response-state") == "requested"
    page.click("table.responses button[value=approve]")
    page.wait_for_load_state()
    assert page.inner_text("table.responses .response-state") == "approved"
    assert "alice" in page.inner_text("table.responses")

    page.goto(fleet.url + "/trend")
    page.wait_for_selector("#trend .main-svg")
    traces = page.evaluate(
        "() => document.getElementById('trend').data.map(t => [t.name, t.x, t.y])"
    )
    price = next(t for t in traces if t[0] == "XMR close")
    assert price[2][-3:] == [150, 151, 152]
    bars = next(t for t in traces if t[0] == "host")
    assert bars[2][-1] == 2  # today's two detections
    page.screenshot(path=str(artefacts(tmp_path) / "fleet-trend.png"), full_page=True)
    assert dialogs == [], "a payload ran as script"

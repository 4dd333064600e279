"""The chromium-extension blocklist format, loaded unpacked into Debian's Chromium: a page
loading a script from a pool host (mapped to 127.0.0.1) and pages starting the test
corpus's CryptoNight miner are blocked with a notice and listed in the popup; an ordinary
page and a hash-wasm page run untouched."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.web.server import SiteServer, serving
from tests.web.site import Site

POOL_HOST = "coinhive.com"  # a bundled browser-miner host
ORDINARY_HOST = "cdn.ordinary.test"


@pytest.fixture(scope="module")
def ext_site(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteServer]:
    root = tmp_path_factory.mktemp("ext-site")
    for d in ("lib", "assets", "vendor", "blog", "benign", "miner", "ads"):
        (root / d).symlink_to(site.root / d)
    (root / "index.html").write_text("<!DOCTYPE html><title>Home</title><h1>Welcome</h1>")
    with serving(root) as srv:
        port = srv.base.rstrip("/").rsplit(":", 1)[1]
        script = "/vendor/hash-wasm/index.umd.min.js"
        (root / "pool.html").write_text(
            "<!DOCTYPE html><title>Pool script</title><body><p>News</p>"
            f'<script src="http://{ORDINARY_HOST}:{port}{script}" '
            "onload=\"window.__control='loaded'\"></script>"
            f'<script src="http://{POOL_HOST}:{port}{script}" '
            "onload=\"window.__pool='loaded'\" onerror=\"window.__pool='failed'\"></script>"
            "</body>"
        )
        yield srv


@pytest.fixture(scope="module")
def chromium(ext_site: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ext = tmp_path_factory.mktemp("ext") / "minehunt-ext"
    intel = tmp_path_factory.mktemp("intel-empty")
    res = run_cli("blocklist", "--format", "chromium-extension", "-o", str(ext),
                  env={**os.environ, "MINEHUNT_INTEL_DIR": str(intel)})  # fmt: skip
    assert res.code == 0, res.stderr
    rules = f"MAP {POOL_HOST} 127.0.0.1, MAP {ORDINARY_HOST} 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")),
            executable_path="/usr/bin/chromium",
            headless=False,
            args=[
                "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                f"--disable-extensions-except={ext}", f"--load-extension={ext}",
                f"--host-resolver-rules={rules}",
            ],
        )  # fmt: skip
        try:
            worker = (
                ctx.service_workers[0]
                if ctx.service_workers
                else ctx.wait_for_event("serviceworker", timeout=20_000)
            )
            ctx.extension_id = worker.url.split("/")[2]
            yield ctx
        finally:
            ctx.close()


def _open(ctx: Any, url: str, settle: str | None = None) -> Any:
    page = ctx.new_page()
    page.goto(url, wait_until="load")
    if settle:
        page.wait_for_function(settle, timeout=15_000)
    else:
        page.wait_for_timeout(1500)
    return page


def _notice(page: Any) -> str:
    el = page.query_selector("#minehunt-notice")
    return el.inner_text() if el else ""


def _popup(ctx: Any, page_url: str) -> str:
    popup = ctx.new_page()
    popup.goto(f"chrome-extension://{ctx.extension_id}/popup.html")
    tabs = popup.evaluate("chrome.tabs.query({}).then(ts => ts.map(t => [t.id, t.url]))")
    tab = next(t for t, u in tabs if u == page_url)
    popup.goto(f"chrome-extension://{ctx.extension_id}/popup.html?tab={tab}")
    popup.wait_for_selector("#list li")
    text = popup.inner_text("#list")
    popup.close()
    return text


def test_script_from_pool_host_is_blocked_with_notice(chromium: Any, ext_site: SiteServer) -> None:
    url = ext_site.base.rstrip("/") + "/pool.html"
    page = _open(chromium, url, "window.__control === 'loaded' && window.__pool !== undefined")
    assert page.evaluate("window.__pool") == "failed"
    page.wait_for_selector("#minehunt-notice", timeout=10_000)
    assert POOL_HOST in _notice(page)
    assert POOL_HOST in _popup(chromium, url)


def test_cryptonight_worker_from_corpus_is_stopped(chromium: Any, ext_site: SiteServer) -> None:
    # The renamed miner: minified loader under an innocent path starts a Worker whose
    # script (chunk.js) fetches CryptoNight WebAssembly named sprite.bin.
    url = ext_site.base.rstrip("/") + "/blog/renamed.html"
    page = _open(chromium, url)
    page.wait_for_selector("#minehunt-notice", timeout=10_000)
    assert "mining worker" in _notice(page)
    assert "/assets/js/chunk.js" in _popup(chromium, url)


def test_named_miner_script_is_blocked_by_path(chromium: Any, ext_site: SiteServer) -> None:
    url = ext_site.base.rstrip("/") + "/miner/embed.html"
    page = _open(chromium, url)
    page.wait_for_selector("#minehunt-notice", timeout=10_000)
    assert "coinhive.min.js" in _notice(page)
    assert page.evaluate("typeof window.CoinHive") == "undefined"


def test_ordinary_and_hash_wasm_pages_run_untouched(chromium: Any, ext_site: SiteServer) -> None:
    home = _open(chromium, ext_site.base.rstrip("/") + "/index.html")
    assert home.inner_text("h1") == "Welcome" and _notice(home) == ""
    page = _open(
        chromium,
        ext_site.base.rstrip("/") + "/benign/filehash.html",
        "document.getElementById('sum').textContent.includes(' / ')",
    )
    assert len(page.inner_text("#sum")) == 64 + 3 + 64
    assert _notice(page) == ""

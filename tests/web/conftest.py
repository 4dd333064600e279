"""Fixtures for the website tests: the built miner, pool + coin-hive-stratum, site, browser.

Everything runs on 127.0.0.1 and is started once per test session: the test pool (in
process), coin-hive-stratum (node), the site's HTTP server, and one headless Chromium
shared by the browser tests (each page still gets a fresh context).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from minehunt import intel as intel_mod
from minehunt.intel import Intel
from minehunt.web.browser import BrowserOptions, BrowserSession
from minehunt.web.fetch import Scope
from tests.build.cache import ToolMissing
from tests.build.cryptonight import native_hasher
from tests.support.pool import Pool, running_pool
from tests.web.miner.build import MinerBuild, build
from tests.web.server import SiteServer, serving
from tests.web.site import Site, write_site

HERE = Path(__file__).resolve().parent
WINDOW = 4.0
"""Browser observation window in the tests (the product default is 10 s)."""
# The pool hands out CryptoNight (cn/0) jobs, as browser-miner pools did, and checks every
# share with the native build of the same pycryptonight sources the page's WebAssembly is
# compiled from; at this difficulty a page finds a few shares within a test window.
POOL_DIFFICULTY = 8


@pytest.fixture(scope="session")
def miner() -> MinerBuild:
    try:
        return build()
    except ToolMissing as e:
        pytest.skip(str(e))


@pytest.fixture(scope="session")
def pool() -> Iterator[Pool]:
    try:
        cryptonight = native_hasher()
    except ToolMissing as e:
        pytest.skip(str(e))
    with running_pool(job_interval=2.0, rx_difficulty=POOL_DIFFICULTY, cn_hash=cryptonight) as p:
        yield p


@pytest.fixture(scope="session")
def proxy_ws(pool: Pool) -> Iterator[str]:
    """coin-hive-stratum in front of the test pool; yields its ws:// URL."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (apt-get install nodejs)")
    proc = subprocess.Popen(
        [node, str(HERE / "miner" / "proxy.js"), str(pool.port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("LISTENING"), f"coin-hive-stratum did not start: {line!r}"
        yield f"ws://127.0.0.1:{int(line.split()[1])}/"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, miner: MinerBuild, proxy_ws: str) -> Site:
    return write_site(tmp_path_factory.mktemp("site"), miner, proxy_ws)


@pytest.fixture(scope="session")
def server(site: Site) -> Iterator[SiteServer]:
    with serving(site.root) as srv:
        yield srv


@pytest.fixture(scope="session")
def intel() -> Intel:
    return intel_mod.default()


# Per module, not per session: Playwright's sync API allows one instance per thread, and
# other modules (the extension tests) start their own Chromium.
@pytest.fixture(scope="module")
def browser(server: SiteServer, intel: Intel) -> Iterator[BrowserSession]:
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    scope = Scope.for_seeds([server.base], (), intel)
    with BrowserSession(scope, BrowserOptions(window=WINDOW, navigation_timeout=5.0)) as b:
        yield b

"""The 1,000-page local site the website benchmarks scan (shared by web_*.py).

24 miner pages (6 techniques x 4) among 976 ordinary pages. The ordinary pages are article
pages with inline scripts, shared vendor scripts (a 60 KiB app bundle, hash-wasm on some
pages), forms and links; every miner page uses the real test miner
(tests/web/miner/build.py: pycryptonight's CryptoNight in WebAssembly, CoinHive protocol).
Also runs the pool + coin-hive-stratum the miners talk to, all on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.pool import running_pool  # noqa: E402
from tests.web.miner.build import MinerBuild, build  # noqa: E402
from tests.web.server import serving  # noqa: E402
from tests.web.site import SITE_KEY, write_site  # noqa: E402
from tests.web.test_static import nocoin_blocks, nocoin_rules  # noqa: E402

VARIANTS = ("embed", "throttled", "injected", "iframe", "selfhosted", "renamed")
PAGES = 1000
PER_VARIANT = 4


@dataclass(frozen=True)
class BenchSite:
    root: Path
    pages: list[str]
    """Paths of all 1,000 pages."""
    miner_pages: dict[str, str]
    """Path -> technique, for the 24 miner pages."""


def _article(rng: random.Random, i: int, links: list[str]) -> str:
    words = ("the", "a", "site", "news", "recipe", "travel", "photo", "garden", "code")
    paras = "\n".join(
        "<p>" + " ".join(rng.choice(words) for _ in range(120)) + "</p>" for _ in range(6)
    )
    nav = "".join(f'<li><a href="{u}">{u}</a></li>' for u in links)
    extra = ""
    if i % 7 == 0:
        extra = '<script src="/vendor/hash-wasm/index.umd.min.js"></script>'
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Page {i}</title>'
        '<script src="/static/app.bundle.js"></script></head><body>'
        f"<h1>Article {i}</h1>{paras}<ul>{nav}</ul>"
        f"<form action=/search><input name=q></form>{extra}"
        f"<script>window.dataLayer = window.dataLayer || []; dataLayer.push({{page: {i}}});"
        "document.querySelectorAll('a').forEach(function (a) { a.rel = 'noopener'; });"
        "</script></body></html>"
    )


def _miner_page(variant: str, proxy_ws: str, i: int) -> str:
    embed = (
        '<script src="/lib/coinhive.min.js"></script><script>'
        f'CoinHive.CONFIG.WEBSOCKET_SHARDS = [["{proxy_ws}"]];'
        f"var miner = new CoinHive.Anonymous('{SITE_KEY}', {{throttle: %s}}); miner.start();"
        "</script>"
    )
    body = f"<h1>Article {i}</h1><p>Some text.</p>"
    head = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Page</title></head><body>'
    if variant == "embed":
        return head + body + embed % "0" + "</body></html>"
    if variant == "throttled":
        return head + body + embed % "0.8" + "</body></html>"
    if variant == "injected":
        return embed % "0" + head + body + "</body></html>"
    if variant == "iframe":
        return head + body + '<iframe src="/ads/banner.html"></iframe></body></html>'
    if variant == "selfhosted":
        # the readable miner, self-hosted under neutral file names
        return (
            head
            + body
            + (
                '<script src="/static/js/app-helpers.js"></script><script>'
                'CoinHive.CONFIG.WORKER_URL = "/static/js/w.js";'
                'CoinHive.CONFIG.WASM_URL = "/static/js/m.wasm";'
                f'CoinHive.CONFIG.WEBSOCKET_SHARDS = [["{proxy_ws}"]];'
                f"new CoinHive.Anonymous('{SITE_KEY}', {{throttle: 0}}).start();</script>"
            )
            + "</body></html>"
        )
    config = (
        f'{{id: "{SITE_KEY}", e: "{proxy_ws}", w: "/assets/js/chunk.js", '
        'm: "/assets/img/sprite.bin"}'
    )
    return (
        head
        + body
        + (
            f"<script>window.__analytics = {config};</script>"
            '<script src="/assets/js/analytics.js" async></script></body></html>'
        )
    )


def write_bench_site(root: Path, miner: MinerBuild, proxy_ws: str, seed: int = 7) -> BenchSite:
    """Write the site (plus the test site's assets) under ``root``."""
    write_site(root, miner, proxy_ws)
    js = root / "static" / "js"
    js.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(miner.loader, js / "app-helpers.js")
    shutil.copyfile(miner.worker, js / "w.js")
    shutil.copyfile(miner.wasm, js / "m.wasm")
    rng = random.Random(seed)
    bundle = "".join(
        f"function f{k}(a, b) {{ return (a * {k} + b) % 977; }}\n" for k in range(1500)
    )
    (root / "static/app.bundle.js").write_text(bundle)
    pages = [f"/p/{i:04d}.html" for i in range(PAGES)]
    miner_slots = rng.sample(range(PAGES), len(VARIANTS) * PER_VARIANT)
    miner_pages: dict[str, str] = {}
    for n, slot in enumerate(miner_slots):
        miner_pages[pages[slot]] = VARIANTS[n % len(VARIANTS)]
    (root / "p").mkdir(exist_ok=True)
    for i, path in enumerate(pages):
        if path in miner_pages:
            text = _miner_page(miner_pages[path], proxy_ws, i)
        else:
            text = _article(rng, i, rng.sample(pages, 5))
        (root / path.lstrip("/")).write_text(text)
    index = "".join(f'<li><a href="{p}">{p}</a></li>' for p in pages)
    (root / "all.html").write_text(f"<!DOCTYPE html><html><body><ul>{index}</ul></body></html>")
    return BenchSite(root, pages, miner_pages)


@contextlib.contextmanager
def miner_backend() -> Iterator[str]:
    """The test pool and coin-hive-stratum; yields the proxy's ws:// URL."""
    with running_pool(job_interval=2.0, rx_difficulty=10**9) as pool:
        proc = subprocess.Popen(
            ["node", str(REPO / "tests/web/miner/proxy.js"), str(pool.port)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            yield f"ws://127.0.0.1:{int(proc.stdout.readline().split()[1])}/"
        finally:
            proc.terminate()
            proc.wait(timeout=10)


__all__ = [
    "PAGES",
    "VARIANTS",
    "BenchSite",
    "build",
    "miner_backend",
    "nocoin_blocks",
    "nocoin_rules",
    "serving",
    "write_bench_site",
]

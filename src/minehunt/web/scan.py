"""``minehunt scan url``: static crawl, optionally each page in Chromium; one finding a page."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from minehunt.correlate import Signal
from minehunt.intel import Intel
from minehunt.model import Finding
from minehunt.progress import Unit
from minehunt.report import Collector
from minehunt.web.browser import BrowserOptions, BrowserSession
from minehunt.web.crawl import Crawler, CrawlOptions, PageResult
from minehunt.web.fetch import Fetcher, FetchLimits, Scope, check_url
from minehunt.web.findings import page_finding, posture_signal, shared_key_context
from minehunt.web.runtime import observation_signals
from minehunt.web.signals import target_for

__all__ = ["WebScanOptions", "scan_urls"]


@dataclass(frozen=True)
class WebScanOptions:
    crawl: CrawlOptions = field(default_factory=CrawlOptions)
    limits: FetchLimits = field(default_factory=FetchLimits)
    browser: BrowserOptions | None = None
    """Run each page in Chromium too (``--browser``); None: static analysis only."""
    allow_hosts: tuple[str, ...] = ()
    csp: bool = False
    """Also report whether each page's CSP would stop browser miners (MH-EXPO-013)."""


def scan_urls(
    urls: Sequence[str],
    options: WebScanOptions,
    intel: Intel,
    col: Collector,
    session: BrowserSession | None = None,
) -> Iterator[Finding]:
    """Findings for the pages reachable from ``urls``; raises UrlError / BrowserError.

    ``session`` reuses a running browser (tests, long-lived callers) instead of starting one.
    """
    seeds = [check_url(u) for u in urls]
    scope = Scope.for_seeds(seeds, options.allow_hosts, intel)
    pages: dict[str, PageResult] = {}
    with Fetcher(scope, options.limits, pool=options.crawl.concurrency) as fetcher:
        crawler = Crawler(fetcher, intel, options.crawl, col.skipper("web.static"))
        col.progress.task("fetching pages", unit=Unit.PAGES, counter="pages")
        for result in crawler.crawl(seeds):
            pages[result.url] = result
            col.count("pages")
        col.count("requests", fetcher.requests)
        col.count("bytes", fetcher.bytes)
    runtime: dict[str, list[Signal]] = {}
    if options.browser is not None:
        runtime = _browse(seeds, pages, scope, options, intel, col, session)
    context = shared_key_context({u: p.site_keys for u, p in pages.items()})
    for url in dict.fromkeys([*pages, *runtime]):
        page = pages.get(url)
        signals = list(page.signals if page else ()) + runtime.get(url, [])
        extra = list(context.get(url, []))
        if page is not None and page.kind == "html":
            extra.append(
                posture_signal(
                    target_for(url), page.csp_header, page.csp_meta, page.third_party_scripts
                )
            )
        finding = page_finding(url, signals, extra)
        if finding is not None:
            yield finding
        if options.csp and page is not None and page.kind == "html":
            from minehunt.prevent.csp import csp_finding, example_hosts

            yield csp_finding(url, page.csp_header, page.csp_meta, page.third_party_scripts,
                              *example_hosts(intel))  # fmt: skip


def _browse(
    seeds: list[str],
    pages: dict[str, PageResult],
    scope: Scope,
    options: WebScanOptions,
    intel: Intel,
    col: Collector,
    session: BrowserSession | None,
) -> dict[str, list[Signal]]:
    """Run every HTML page (and every seed, even one the static fetch could not read)."""
    assert options.browser is not None
    targets = [u for u, p in pages.items() if p.kind == "html"]
    targets += [s for s in seeds if s not in pages]
    targets = list(dict.fromkeys(targets))[: options.crawl.max_pages]
    skip = col.skipper("web.browser")
    col.progress.task("running pages", len(targets), Unit.PAGES, counter="browser_pages")
    out: dict[str, list[Signal]] = {}
    browser = session or BrowserSession(scope, options.browser)
    try:
        for url in targets:
            obs = browser.observe(url)
            col.count("browser_pages")
            col.count("browser_seconds", round(obs.elapsed, 2))
            if obs.error:
                skip(url, f"browser: {obs.error}")
            out[url] = observation_signals(obs, intel)
    finally:
        if session is None:
            browser.close()
    return out

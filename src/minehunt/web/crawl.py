"""The static crawler: pages breadth-first from the seeds, each with its sub-resources.

A page's scripts, iframes (one level), worker scripts and WebAssembly modules are fetched
(in scope only, each once per scan) and analysed; their signals are credited to the page
with the path that led there ("iframe /ads/x.html > inline script #1"). Pages are
processed concurrently by a small thread pool; limits bound pages, bytes and time.
"""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from minehunt.correlate import Signal
from minehunt.intel import Intel
from minehunt.timebox import TimedOut, timebox
from minehunt.web.fetch import Fetched, Fetcher, FetchError
from minehunt.web.signals import DocumentResult, retarget, target_for
from minehunt.web.static import analyse

PAGE_SECONDS = 120
"""Wall-clock bound on the static analysis of one page (the deobfuscator's own budget is far
below it); past it the page is a `Skipped` ("analysis timed out after 120 s")."""

Skip = Callable[[str, str], None]


@dataclass(frozen=True)
class CrawlOptions:
    """What to crawl and how much."""

    depth: int = 0
    """Link levels to follow from the seeds (0: the seed pages only)."""
    max_pages: int = 100
    concurrency: int = 8
    time_budget: float = 600.0
    """Seconds for the whole crawl; pages not reached by then are reported as skipped."""
    respect_robots: bool = False
    max_total_bytes: int = 256 * 1024 * 1024


@dataclass(frozen=True)
class PageResult:
    """The static view of one page."""

    url: str
    signals: tuple[Signal, ...]
    site_keys: tuple[str, ...] = ()
    csp_header: str | None = None
    csp_meta: str | None = None
    third_party_scripts: tuple[tuple[str, bool], ...] = ()
    kind: str = "html"
    links: tuple[str, ...] = field(default=(), repr=False)


class _Resources:
    """Each sub-resource fetched (in the pool) and analysed (by the caller) once per scan.

    Analysis stays on the calling thread: YARA-X scanners are bound to the thread that
    created them, and pool threads come and go.
    """

    def __init__(self, fetcher: Fetcher, intel: Intel, pool: ThreadPoolExecutor) -> None:
        self._fetcher = fetcher
        self._intel = intel
        self._pool = pool
        self._fetches: dict[str, Future[Fetched]] = {}
        self._done: dict[str, DocumentResult | str] = {}

    def prefetch(self, urls: list[str]) -> None:
        for url in urls:
            if url not in self._fetches and len(self._fetches) < 100_000:
                self._fetches[url] = self._pool.submit(self._fetcher.get, url)

    def get(self, url: str) -> DocumentResult | str:
        """The analysis of ``url``, or the reason it could not be fetched."""
        if url in self._done:
            return self._done[url]
        self.prefetch([url])
        result: DocumentResult | str
        try:
            fetched = self._fetches[url].result()
            result = analyse(fetched.url, fetched.body, fetched.content_type, self._intel)
        except FetchError as e:
            result = str(e)
        self._done[url] = result
        return result


class Crawler:
    """Breadth-first static crawl; yields one PageResult per page."""

    def __init__(self, fetcher: Fetcher, intel: Intel, options: CrawlOptions, skip: Skip) -> None:
        self.fetcher = fetcher
        self.intel = intel
        self.options = options
        self.skip = skip
        self.resources: _Resources | None = None
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._robots_lock = threading.Lock()

    def crawl(self, seeds: list[str]) -> Iterator[PageResult]:
        opts = self.options
        deadline = time.monotonic() + opts.time_budget
        seen: set[str] = set(seeds)
        queue: list[tuple[str, int]] = [(s, 0) for s in seeds]
        started = 0
        with ThreadPoolExecutor(max(1, opts.concurrency), thread_name_prefix="mh-crawl") as pool:
            self.resources = _Resources(self.fetcher, self.intel, pool)
            running: dict[Future[Fetched | str], tuple[str, int]] = {}
            while queue or running:
                while queue and len(running) < opts.concurrency * 2:
                    url, depth = queue.pop(0)
                    if started >= opts.max_pages:
                        self.skip(url, f"page budget of {opts.max_pages} pages reached")
                        continue
                    if time.monotonic() > deadline or self.fetcher.bytes > opts.max_total_bytes:
                        self.skip(url, "crawl time or byte budget exhausted")
                        continue
                    started += 1
                    running[pool.submit(self._fetch_page, url)] = (url, depth)
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    url, depth = running.pop(fut)
                    page = self._page(url, fut.result())
                    if page is None:
                        continue
                    yield page
                    if depth < opts.depth:
                        for link in page.links:
                            if link not in seen and self.fetcher.scope.contains(link):
                                seen.add(link)
                                queue.append((link, depth + 1))

    def _allowed(self, url: str) -> bool:
        if not self.options.respect_robots:
            return True
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._robots_lock:
            if origin not in self._robots:
                parser: urllib.robotparser.RobotFileParser | None = None
                try:
                    got = self.fetcher.get(origin + "/robots.txt")
                    if got.status == 200:
                        parser = urllib.robotparser.RobotFileParser()
                        parser.parse(got.body.decode("utf-8", "replace").splitlines())
                except FetchError:
                    parser = None
                self._robots[origin] = parser
            rp = self._robots[origin]
        return rp is None or rp.can_fetch(self.fetcher.limits.user_agent, url)

    def _fetch_page(self, url: str) -> Fetched | str:
        """Runs in the pool: robots check and fetch; a string is the reason it failed."""
        if not self._allowed(url):
            return "disallowed by robots.txt (--respect-robots)"
        try:
            return self.fetcher.get(url)
        except FetchError as e:
            return str(e)

    def _page(self, url: str, fetched: Fetched | str) -> PageResult | None:
        """Runs on the caller's thread: analysis of the page and its sub-resources."""
        if isinstance(fetched, str):
            self.skip(url, fetched)
            return None
        if fetched.truncated:
            self.skip(
                url,
                f"larger than {self.fetcher.limits.max_bytes} bytes: only the start was analysed",
            )
        if fetched.status >= 400:
            self.skip(url, f"HTTP {fetched.status}")
            return None
        try:
            with timebox(PAGE_SECONDS):
                doc = analyse(fetched.url, fetched.body, fetched.content_type, self.intel)
        except TimedOut as e:
            self.skip(url, f"analysis {e}")
            return None
        return self._assemble(url, fetched, doc)

    def _assemble(self, url: str, fetched: Fetched, doc: DocumentResult) -> PageResult:
        page = target_for(url)
        signals: list[Signal] = [retarget(s, page) for s in doc.signals]
        keys = list(doc.site_keys)
        res = doc.resources
        subs: list[tuple[str, str]] = [(u, f"script {u}") for u in res.scripts]
        subs += [(u, f"worker {u}") for u in res.workers]
        subs += [(u, f"wasm {u}") for u in res.wasm]
        frames = [(u, f"iframe {u}") for u in res.iframes]
        assert self.resources is not None
        self.resources.prefetch(
            [u for u, _ in subs + frames if self.fetcher.scope.contains(u)][:64]
        )
        seen: set[str] = set()
        while subs or frames:
            sub_url, via = subs.pop(0) if subs else frames.pop(0)
            if sub_url in seen or len(seen) >= 64 or not self.fetcher.scope.contains(sub_url):
                continue
            seen.add(sub_url)
            got = self.resources.get(sub_url)
            if isinstance(got, str):
                self.skip(sub_url, got)
                continue
            signals += [retarget(s, page, via) for s in got.signals]
            keys += got.site_keys
            r = got.resources
            # Scripts, workers and modules of what was loaded; iframes one level deep only.
            prefix = via if via.startswith("iframe") else None
            subs += [(u, f"{prefix} > script {u}" if prefix else f"script {u}") for u in r.scripts]
            subs += [(u, f"{prefix or via} > worker {u}") for u in r.workers]
            subs += [(u, f"{prefix or via} > wasm {u}") for u in r.wasm]
        return PageResult(
            url=url,
            signals=tuple(signals),
            site_keys=tuple(dict.fromkeys(keys)),
            csp_header=fetched.headers.get("content-security-policy"),
            csp_meta=doc.meta_csp,
            third_party_scripts=doc.third_party_scripts,
            kind=doc.kind,
            links=res.links,
        )

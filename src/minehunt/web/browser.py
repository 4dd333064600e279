"""Run a page in a real headless Chromium and watch what it does (``--browser``).

Playwright drives the system Chromium (``/usr/bin/chromium``; no browser is downloaded).
One browser per scan, a fresh context (profile) per page, pages one at a time so the CPU of
the browser's processes belongs to the page being watched. For the observation window the
page's WebSockets and their frames (parsed by the shared Stratum parser), its workers,
reads of navigator.hardwareConcurrency, every WebAssembly module it compiles (bytes handed
to the WASM analyser) and the CPU time of the browser's processes are recorded.

Safety: requests outside the scan's scope are aborted before they leave the browser, and
a host-resolver rule makes every other host name unresolvable, so a pool domain in a page
is never looked up; downloads are refused; nothing from the page runs outside Chromium.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import statistics
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import psutil

from minehunt.net.stratum import Direction, Session, SessionSummary
from minehunt.web.browser_hooks import HOOKS
from minehunt.web.fetch import Scope
from minehunt.web.script import wasm_verdict
from minehunt.web.wasm import WasmVerdict

__all__ = ["BrowserError", "BrowserOptions", "BrowserSession", "CpuProfile", "Observation"]

CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium phones home (component updates, sync, field trials) and this
    # tool must not talk to anyone but the scanned site.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--metrics-recording-only",
    # A hostile page must not take the machine's memory: cap each renderer's JS heap.
    "--js-flags=--max-old-space-size=1024",
)
MAX_FRAMES = 400
"""WebSocket frames parsed per socket (a miner shows itself in the first few)."""
MAX_MODULE = 16 * 1024 * 1024
RENDERER_NICE = 10
"""Scheduling priority given to Chromium's processes while a page is watched."""
_WASM_TYPES = ("application/wasm", "application/octet-stream", "binary/octet-stream")


class BrowserError(Exception):
    """The browser could not be started or driven; the message says what to install or fix."""


@dataclass(frozen=True)
class BrowserOptions:
    window: float = 10.0
    """Seconds each page is watched after its document starts loading."""
    executable: str = "/usr/bin/chromium"
    navigation_timeout: float = 10.0
    sample_interval: float = 0.5


@dataclass(frozen=True)
class CpuProfile:
    """CPU used by the browser's processes while the page ran, in cores per interval."""

    samples: tuple[float, ...] = ()
    interval: float = 0.5

    @property
    def seconds(self) -> float:
        return sum(self.samples) * self.interval

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples) if self.samples else 0.0

    @property
    def busy_fraction(self) -> float:
        return sum(1 for s in self.samples if s > 0.1) / len(self.samples) if self.samples else 0.0

    @property
    def variation(self) -> float:
        """Coefficient of variation: low for a steady (possibly throttled) load."""
        if len(self.samples) < 2 or self.mean == 0:
            return 0.0
        return statistics.pstdev(self.samples) / self.mean


@dataclass(frozen=True)
class SocketObservation:
    url: str
    frames_sent: int
    frames_received: int
    summary: SessionSummary | None
    """The mining conversation, if the frames were one."""


@dataclass(frozen=True)
class Observation:
    """Everything seen while one page ran."""

    url: str
    final_url: str | None = None
    error: str | None = None
    """Why navigation failed (the window still ran if the document committed)."""
    sockets: tuple[SocketObservation, ...] = ()
    workers: tuple[str, ...] = ()
    hardware_concurrency: int = 0
    hardware_concurrency_reads: int = 0
    modules: tuple[tuple[str, WasmVerdict], ...] = ()
    """(how it was seen, verdict) per distinct module."""
    blocked: tuple[str, ...] = ()
    """Requests outside the scope, aborted before leaving the browser."""
    requests: tuple[str, ...] = ()
    """URLs the page requested within the scope (first 500), WebSockets included."""
    cpu: CpuProfile = field(default_factory=CpuProfile)
    elapsed: float = 0.0


class _Recorder:
    """Mutable state of one page's observation, filled by Playwright event callbacks."""

    def __init__(self) -> None:
        self.sessions: dict[int, tuple[str, Session, list[int]]] = {}
        self.workers: list[str] = []
        """Workers the page constructed (instrumented constructor)."""
        self.attached: list[str] = []
        """Workers Playwright attached to (also those created by other workers)."""
        self.hc_reads = 0
        self.modules: dict[str, tuple[str, WasmVerdict]] = {}
        self.blocked: list[str] = []
        self.requests: list[str] = []

    def module(self, data: bytes, how: str) -> None:
        if not data.startswith(b"\0asm") or len(data) > MAX_MODULE:
            return
        verdict = wasm_verdict(data)
        self.modules.setdefault(verdict.sha256, (how, verdict))


class BrowserSession:
    """One headless Chromium for a scan; ``observe`` runs one page in a fresh context."""

    def __init__(self, scope: Scope, options: BrowserOptions | None = None) -> None:
        self.scope = scope
        self.options = options or BrowserOptions()
        exe = self.options.executable
        if not (os.path.isfile(exe) and os.access(exe, os.X_OK)) and not shutil.which(exe):
            raise BrowserError(
                f"{exe}: no Chromium there; install Debian's chromium (apt-get install "
                "chromium) or pass --chromium PATH"
            )
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as e:  # pragma: no cover - depends on the installation
            raise BrowserError("--browser needs the Python package playwright") from e
        # Every host outside the scope resolves to nothing: no DNS query ever leaves.
        excluded = ", ".join(
            f"EXCLUDE {h}, EXCLUDE *.{h}" for h in sorted(scope.hosts | scope.allow)
        )
        resolver = "MAP * ~NOTFOUND" + (f", {excluded}" if excluded else "")
        try:
            self._pw = sync_playwright().start()
            self._browser = self._pw.chromium.launch(
                executable_path=exe,
                headless=True,
                args=[*CHROMIUM_FLAGS, f"--host-resolver-rules={resolver}"],
                timeout=30_000,
            )
        except Exception as e:  # Playwright raises its own Error types
            self._stop_driver()
            raise BrowserError(f"Chromium did not start: {e}"[:500]) from e
        self._hooks = HOOKS

    def _stop_driver(self) -> None:
        pw = getattr(self, "_pw", None)
        if pw is not None:
            with contextlib.suppress(Exception):
                pw.stop()

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a crashed browser is already closed
            self._browser.close()
        self._stop_driver()

    def __enter__(self) -> BrowserSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one page ---------------------------------------------------------------------------

    def observe(self, url: str) -> Observation:
        """Load ``url`` in a fresh context and watch it for the window."""
        opts = self.options
        rec = _Recorder()
        t0 = time.monotonic()
        context: Any = None
        error: str | None = None
        final: str | None = None
        samples: list[float] = []
        try:
            # A fresh context is a fresh profile: no cookies, storage or cache from other pages.
            context = self._browser.new_context(accept_downloads=False, service_workers="block")
            context.expose_binding(
                "__mh_report", lambda source, kind, data: _on_report(rec, kind, data)
            )
            context.add_init_script(self._hooks)
            context.route("**/*", lambda route: self._route(rec, route))
            page = context.new_page()
            page.on("websocket", lambda ws: _watch_socket(rec, ws))
            page.on("worker", lambda w: rec.attached.append(w.url))
            context.on("response", lambda resp: _on_response(rec, resp))
            cpu = _CpuMeter()
            try:
                page.goto(url, wait_until="commit", timeout=opts.navigation_timeout * 1000)
            except Exception as e:  # navigation errors are results
                error = _short(e)
            end = t0 + opts.navigation_timeout + opts.window
            window_end = min(time.monotonic() + opts.window, end)
            if error is None:
                while time.monotonic() < window_end:
                    page.wait_for_timeout(opts.sample_interval * 1000)
                    samples.append(cpu.sample())
                final = page.url
        except Exception as e:  # the page crashed or the browser died
            error = error or _short(e)
        finally:
            if context is not None:
                with contextlib.suppress(Exception):
                    context.close()
        return Observation(
            url=url,
            final_url=final,
            error=error,
            sockets=tuple(
                SocketObservation(u, counts[0], counts[1], s.summary())
                for u, s, counts in rec.sessions.values()
            ),
            workers=tuple(rec.workers if len(rec.workers) >= len(rec.attached) else rec.attached),
            # Chromium reports the machine's logical CPUs as navigator.hardwareConcurrency.
            hardware_concurrency=os.cpu_count() or 0,
            hardware_concurrency_reads=rec.hc_reads,
            modules=tuple(rec.modules.values()),
            blocked=tuple(dict.fromkeys(rec.blocked)),
            requests=tuple(
                dict.fromkeys([*rec.requests, *(u for u, _, _ in rec.sessions.values())])
            ),
            cpu=CpuProfile(tuple(samples), opts.sample_interval),
            elapsed=time.monotonic() - t0,
        )

    def _route(self, rec: _Recorder, route: Any) -> None:
        url = route.request.url
        scheme = urlsplit(url).scheme
        if scheme in ("data", "blob") or self.scope.contains(url):
            if len(rec.requests) < 500 and scheme not in ("data", "blob"):
                rec.requests.append(url[:500])
            route.continue_()
        else:
            rec.blocked.append(url[:500])
            route.abort("blockedbyclient")


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text[:300]


def _on_report(rec: _Recorder, kind: str, data: Any) -> None:
    if kind == "hc":
        rec.hc_reads += 1
    elif kind == "worker" and len(rec.workers) < 1000:
        rec.workers.append(str(data)[:300])
    elif kind == "wasm" and isinstance(data, dict):
        try:
            raw = base64.b64decode(str(data.get("b64", "")))
        except ValueError:
            return
        rec.module(raw, f"WebAssembly.{data.get('how', '?')}")


def _on_response(rec: _Recorder, resp: Any) -> None:
    try:
        ctype = (resp.headers.get("content-type") or "").split(";", 1)[0].lower()
        path = urlsplit(resp.url).path.lower()
        if resp.request.resource_type not in ("fetch", "xhr", "other") and not path.endswith(
            ".wasm"
        ):
            return
        if ctype.startswith(("text/", "application/json", "image/")) and not path.endswith(".wasm"):
            return
        if ctype and ctype not in _WASM_TYPES and not path.endswith(".wasm"):
            return
        length = resp.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_MODULE:
            return  # not read into memory: the module analyser would refuse it anyway
        body = resp.body()
    except Exception:  # a response may be gone (redirect, closed context)
        return
    rec.module(body, f"fetched {resp.url[:200]}")


def _watch_socket(rec: _Recorder, ws: Any) -> None:
    key = len(rec.sessions)
    session = Session()
    counts = [0, 0]
    rec.sessions[key] = (ws.url, session, counts)

    def feed(direction: Direction, index: int, payload: Any) -> None:
        if counts[index] >= MAX_FRAMES:
            return
        counts[index] += 1
        text = payload if isinstance(payload, str) else bytes(payload).decode("utf-8", "replace")
        session.feed_text(direction, text[:65536])

    ws.on("framesent", lambda p: feed(Direction.CLIENT, 0, p))
    ws.on("framereceived", lambda p: feed(Direction.SERVER, 1, p))


class _CpuMeter:
    """CPU time of Chromium's processes (children of this process), as cores per interval.

    Workers run as threads of the renderer process, so their CPU is included.
    """

    def __init__(self) -> None:
        self._last = self._total()
        self._t = time.monotonic()

    @staticmethod
    def _total() -> float:
        total = 0.0
        for proc in psutil.Process().children(recursive=True):
            try:
                if "chrom" not in proc.name().lower():
                    continue
                # A page may saturate every core; a lower priority keeps minehunt and the
                # Playwright driver responsive so the window still ends on time.
                if proc.nice() < RENDERER_NICE:
                    proc.nice(RENDERER_NICE)
                t = proc.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                continue
        return total

    def sample(self) -> float:
        now_total, now = self._total(), time.monotonic()
        cores = (now_total - self._last) / max(now - self._t, 1e-3)
        self._last, self._t = now_total, now
        return round(max(cores, 0.0), 3)

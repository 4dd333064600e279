"""The agent loop: scan, queue what is new or changed, flush, heartbeat, sleep."""

from __future__ import annotations

import logging
import signal
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from minehunt.model import Finding, Severity

from .client import Client, Refused, Unreachable, backoff
from .queue import Outbox

log = logging.getLogger("minehunt.agent")

MAX_FINDINGS_PER_REPORT = 200
"""Keeps each report well under the server's body limit."""


@dataclass(frozen=True)
class AgentOptions:
    server: str
    token_file: Path
    state_dir: Path
    interval: float = 60.0
    once: bool = False
    memory: bool = False
    hostname: str = ""
    min_severity: Severity = Severity.LOW
    max_queue: int = 10_000
    ca_file: Path | None = None
    cpu_window: float = 0.5
    retry_cap: float = 300.0
    iface: str | None = None
    """Also capture live traffic on this interface (the ``watch iface`` pipeline)."""


class _Stop(Exception):
    pass


def _stop(_signum: int, _frame: FrameType | None) -> None:
    raise _Stop


def scan_once(opts: AgentOptions, outbox: Outbox, state: object) -> int:
    """One host scan; queues a report of the new and changed findings. Returns how many."""
    from minehunt import intel
    from minehunt.host import HostScanOptions, scan_host
    from minehunt.report import Collector

    assert isinstance(state, HostScanOptions)
    col = Collector("agent")
    found = [f for f in scan_host(intel.default(), state, col) if f.severity >= opts.min_severity]
    known = outbox.known()
    seen = {f.fingerprint: "|".join(f.state) for f in found}
    changed = [f for f in found if known.get(f.fingerprint) != seen[f.fingerprint]]
    if not changed:
        outbox.remember(seen)
        return 0
    hostname = opts.hostname or socket.gethostname()
    chunks = [
        changed[i : i + MAX_FINDINGS_PER_REPORT]
        for i in range(0, len(changed), MAX_FINDINGS_PER_REPORT)
    ]
    for i, chunk in enumerate(chunks):
        report = _report(col, chunk)
        # The known states are replaced with the last chunk: a crash in between re-queues
        # (the server takes findings again idempotently by target), never loses.
        outbox.put(report, hostname, seen if i == len(chunks) - 1 else None)
    return len(changed)


class LiveCapture:
    """``watch iface`` on a thread: its new and changed findings wait here until the agent
    loop queues them, and wake the loop so they go out at once."""

    def __init__(self, iface: str, min_severity: Severity, wake: threading.Event) -> None:
        self.iface, self.min_severity, self.wake = iface, min_severity, wake
        self._found: list[Finding] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name="capture", daemon=True)

    def start(self, timeout: float = 60.0) -> None:
        """Start capturing; CaptureFailed when the capture cannot be opened."""
        self._thread.start()
        self._ready.wait(timeout)
        if self.error is not None:
            raise CaptureFailed(self.error)
        log.info("capturing on %s", self.iface)

    def _run(self) -> None:
        from minehunt import intel
        from minehunt.net.capture.live import CaptureDenied, watch_interface

        try:
            found = watch_interface(
                self.iface,
                intel.default(),
                min_severity=self.min_severity,
                on_ready=self._ready.set,
                on_skip=lambda s: log.warning("capture on %s: %s", self.iface, s.reason),
            )
            for _change, finding in found:
                with self._lock:
                    self._found.append(finding)
                self.wake.set()
        except (CaptureDenied, OSError) as e:
            self.error = f"cannot capture on {self.iface}: {e}"
        except Exception as e:
            self.error = f"capture on {self.iface} stopped: {e.__class__.__name__}: {e}"
        if self.error is not None:
            log.error("%s", self.error)
        self._ready.set()

    def take(self) -> list[Finding]:
        with self._lock:
            found, self._found = self._found, []
        return found


class CaptureFailed(Exception):
    pass


def queue_live(opts: AgentOptions, outbox: Outbox, found: list[Finding]) -> int:
    """Queue the live capture's new and changed findings as one report."""
    from minehunt.report import Collector

    if not found:
        return 0
    latest = {f.fingerprint: f for f in found}  # a flow that changed twice: the last state
    col = Collector("agent iface")
    outbox.put(_report(col, list(latest.values())), opts.hostname or socket.gethostname())
    return len(latest)


def _report(col: object, findings: list[Finding]) -> dict[str, object]:
    from minehunt.formats.json_format import SCHEMA_VERSION
    from minehunt.report import Collector

    assert isinstance(col, Collector)
    return {"schema_version": SCHEMA_VERSION, **col.report(findings).to_dict()}


def _scan_state(opts: AgentOptions) -> object:
    from minehunt.host import HostScanOptions
    from minehunt.host.persistence import FileCache
    from minehunt.host.processes import CpuHistory

    memory = None
    if opts.memory:
        from minehunt.host.memory import MemoryOptions

        memory = MemoryOptions()
    return HostScanOptions(
        cpu_window=opts.cpu_window, history=CpuHistory(), file_cache=FileCache(), memory=memory
    )


def run(opts: AgentOptions) -> int:
    """Run until stopped (or once). Exit status: 0 all sent, 75 reports still queued
    (--once with the server away), 77 the server refuses this agent."""
    signal.signal(signal.SIGTERM, _stop)
    outbox = Outbox(opts.state_dir / "queue.sqlite", opts.max_queue)
    client = Client(
        opts.server,
        opts.state_dir,
        opts.token_file,
        opts.hostname or socket.gethostname(),
        opts.ca_file,
    )
    state = _scan_state(opts)
    failures = 0
    next_scan = 0.0
    wake = threading.Event()
    live = None
    try:
        if opts.iface is not None:
            live = LiveCapture(opts.iface, opts.min_severity, wake)
            live.start()
        while True:
            wake.clear()
            if time.monotonic() >= next_scan:
                next_scan = time.monotonic() + opts.interval
                n = scan_once(opts, outbox, state)
                if n:
                    log.info("queued %d new or changed finding(s)", n)
            if live is not None and (n := queue_live(opts, outbox, live.take())):
                log.info("queued %d new or changed finding(s) from the capture", n)
            try:
                sent = client.flush(outbox)
                client.heartbeat(outbox)
                client.responses()
                if failures:
                    log.warning("server reachable again; %d report(s) delivered", sent)
                failures = 0
            except Unreachable as e:
                failures += 1
                if opts.once and failures >= 3:
                    log.warning("server unreachable (%s); %d report(s) stay queued", e, len(outbox))
                    return 75
                wait = max(e.retry_after or 0, backoff(failures, cap=opts.retry_cap))
                log.warning(
                    "server unreachable (%s); %d report(s) queued, retry in %.1fs",
                    e,
                    len(outbox),
                    wait,
                )
                if opts.once:
                    time.sleep(wait)
                else:
                    wake.wait(min(wait, max(0.0, next_scan - time.monotonic())))
                continue
            if opts.once:
                return 0
            wake.wait(max(0.0, next_scan - time.monotonic()))
    except CaptureFailed as e:
        log.error("%s", e)
        return 2
    except Refused as e:
        log.error("%s", e)
        return 77
    except (_Stop, KeyboardInterrupt):
        return 0 if not len(outbox) else 75
    finally:
        client.close()
        outbox.close()

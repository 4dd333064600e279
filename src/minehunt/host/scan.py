"""The host scan: gather signals from every host check, correlate, stream findings."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from minehunt.cloud.containers import ContainerResolver
from minehunt.correlate import Signal, group
from minehunt.intel import Intel
from minehunt.model import Finding, Target
from minehunt.report import Collector

from . import dropdirs, persistence, proc_checks, sockets, tampering
from .persistence import FileCache
from .processes import CpuHistory, ProcessInfo, cpu_seconds, sample_cpu, snapshot

if TYPE_CHECKING:
    from .memory import MemoryOptions


@dataclass(frozen=True)
class HostScanOptions:
    root: Path = Path("/")
    """Filesystem root: '/' for this host, or a mounted disk of another machine."""
    cpu_window: float = 0.5
    """Seconds over which CPU use is sampled (overlapped with the other checks)."""
    processes: bool = True
    persistence: bool = True
    tampering: bool = True
    dropdirs: bool = True
    exclude_pids: frozenset[int] = field(default_factory=lambda: frozenset({os.getpid()}))
    history: CpuHistory | None = None
    """CPU readings carried between repeated scans (watch mode)."""
    file_cache: FileCache | None = None
    """Start-up file results carried between repeated scans (watch mode)."""
    memory: MemoryOptions | None = None
    """Also scan process memory with the YARA rules (host/memory.py), within these bounds."""
    container: str | None = None
    """Only processes in this container (ID prefix or name); host files are not checked."""
    live_processes: bool = False
    """Scan this host's processes even when ``root`` is not '/' (respond: start-up files
    kept below a prefix, processes running here)."""

    @property
    def live(self) -> bool:
        """Processes, sockets and /proc exist only for the host minehunt runs on."""
        return self.live_processes or self.root.resolve() == Path("/")


def describe_process(target: Target, signals: list[Signal]) -> str:
    pools = [
        s.evidence.attributes.get("pool") or s.evidence.attributes.get("raddr")
        for s in signals
        if s.evidence.check_id in ("MH-PROC-002", "MH-PROC-010", "MH-NET-002")
    ]
    wallets = [
        s.evidence.attributes.get("wallet") for s in signals if s.evidence.check_id == "MH-PROC-004"
    ]
    head = f"{target.name or '?'} (pid {target.pid})"
    parts = [signals[0].evidence.summary]
    if pools and pools[0]:
        parts.append(f"pool {pools[0]}")
    if wallets and wallets[0]:
        parts.append(f"wallet {str(wallets[0])[:12]}…")
    n = len({s.evidence.check_id for s in signals})
    return f"{head}: {'; '.join(parts)} [{n} signal{'s' if n != 1 else ''}]"


def _process_signals(
    intel: Intel, opts: HostScanOptions, col: Collector, exe_targets: dict[str, Target]
) -> Iterator[Signal]:
    skip = col.skipper("host.processes")
    t0 = time.monotonic()
    procs = snapshot(skip, exclude=opts.exclude_pids)
    col.count("processes", len(procs))
    conns, complete = sockets.established()
    if not complete:
        col.skipper("host.sockets")(
            "sockets of other users' processes", "cannot be mapped to processes without root"
        )
    col.count("connections", sum(len(v) for v in conns.values()))
    pinned = sockets.hosts_pool_addresses(intel, opts.root)

    pending: list[tuple[ProcessInfo, Target, list[Signal], proc_checks.PoolRefs]] = []
    containers = ContainerResolver()
    for p in procs.values():
        if p.is_kernel_thread:
            continue
        t = proc_checks.process_target(p)
        box = containers.for_pid(p.pid)
        if opts.container is not None and not (box and box.matches(opts.container)):
            continue
        if box is not None:
            t = replace(t, container=box)
        refs = proc_checks.PoolRefs()
        sigs = [
            *proc_checks.identity(intel, p, t),
            *proc_checks.location(intel, p, t),
            *proc_checks.cmdline(intel, p, t, refs),
        ]
        if sigs or p.pid in conns:
            sigs.extend(proc_checks.config(intel, p, t, refs))
        pending.append((p, t, sigs, refs))

    # The rest of the host scan overlaps the CPU window; sleep only what is left of it.
    if opts.container is None:
        yield from _file_signals(intel, opts, col)
    left = opts.cpu_window - (time.monotonic() - t0)
    if left > 0:
        time.sleep(left)
    now = cpu_seconds(procs)
    cpu = sample_cpu(procs, t0, now, time.monotonic(), opts.history)

    for p, t, sigs, refs in pending:
        sigs.extend(proc_checks.cpu(p, t, cpu.get(p.pid)))
        sigs.extend(sockets.connection_signals(intel, t, conns.get(p.pid, []), refs, pinned))
        if sigs and p.exe_path:
            exe_targets[p.exe_path] = t
        yield from sigs
    if opts.memory is not None:
        from .memory import memory_signals

        yield from memory_signals([(p, t) for p, t, _, _ in pending], opts.memory, col)
    if opts.tampering and opts.container is None:
        yield from tampering.hidden_processes({p.ppid for p in procs.values()})


def _file_signals(intel: Intel, opts: HostScanOptions, col: Collector) -> Iterator[Signal]:
    if opts.tampering:
        yield from tampering.config_signals(opts.root, col.skipper("host.tampering"))
    if opts.persistence:
        skip = col.skipper("host.persistence")
        yield from persistence.scan(intel, opts.root, skip, opts.file_cache)
    if opts.dropdirs:
        yield from dropdirs.scan(intel, opts.root, col.skipper("host.dropdirs"))


def scan_host(intel: Intel, opts: HostScanOptions, col: Collector) -> Iterator[Finding]:
    """Findings about this host (or the system mounted at ``opts.root``), one per target."""
    exe_targets: dict[str, Target] = {}
    if opts.live and opts.processes:
        signals = list(_process_signals(intel, opts, col, exe_targets))
    else:
        signals = list(_file_signals(intel, opts, col))
    # A dropped executable that is running belongs to its process's finding.
    signals = [
        Signal(exe_targets[s.target.path], s.evidence, s.severity, s.confidence)
        if s.target.path in exe_targets
        else s
        for s in signals
    ]
    signals = dropdirs.by_directory(signals)
    col.count("signals", len(signals))
    yield from group(signals, describe_process_or_default)


def describe_process_or_default(target: Target, signals: list[Signal]) -> str:
    if target.pid is not None:
        return describe_process(target, signals)
    more = len({s.evidence.check_id for s in signals}) - 1
    tail = f" (+{more} more)" if more > 0 else ""
    return f"{target.label()}: {signals[0].evidence.summary}{tail}"

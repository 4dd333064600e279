"""Established TCP connections mapped to processes (MH-NET-001/002).

Pool domains are never resolved: a scanner that looks them up trips the very DNS
blocklists defenders rely on. Addresses come from what the host already shows: the
connection table, the process's own pool settings, and /etc/hosts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

from minehunt.correlate import Signal
from minehunt.intel import Intel
from minehunt.model import CheckId, Evidence, Target

from .proc_checks import PoolRefs


@dataclass(frozen=True)
class Conn:
    pid: int
    laddr: str
    rip: str
    rport: int


def established(skip: object = None) -> tuple[dict[int, list[Conn]], bool]:
    """TCP connections by pid, and whether every process's sockets could be mapped."""
    by_pid: dict[int, list[Conn]] = {}
    try:
        conns = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, PermissionError):
        return by_pid, False
    complete = True
    for c in conns:
        if c.status != psutil.CONN_ESTABLISHED or not c.raddr or not c.laddr:
            continue
        if c.pid is None:
            complete = False
            continue
        laddr, raddr = c.laddr, c.raddr
        assert isinstance(laddr, tuple) and isinstance(raddr, tuple)
        by_pid.setdefault(c.pid, []).append(
            Conn(c.pid, f"{laddr[0]}:{laddr[1]}", str(raddr[0]), int(raddr[1]))
        )
    return by_pid, complete


def hosts_pool_addresses(intel: Intel, root: Path) -> dict[str, str]:
    """Addresses /etc/hosts pins to pool domains: {address: domain}."""
    out: dict[str, str] = {}
    try:
        text = (root / "etc/hosts").read_text("utf-8", "replace")
    except OSError:
        return out
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) < 2:
            continue
        for name in parts[1:]:
            if intel.pool_domain(name):
                out[parts[0]] = name.lower()
    return out


def _fmt(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def connection_signals(
    intel: Intel, t: Target, conns: list[Conn], refs: PoolRefs, pinned: dict[str, str]
) -> Iterator[Signal]:
    for c in conns:
        raddr = _fmt(c.rip, c.rport)
        named = refs.matches(c.rip, c.rport)
        pinned_to = pinned.get(c.rip)
        if named or pinned_to:
            why = "the pool its settings name" if named else f"{pinned_to} (pinned in /etc/hosts)"
            yield Signal(
                t,
                Evidence(
                    CheckId("MH-NET-002"),
                    f"connected to {raddr}, {why}",
                    source="socket",
                    attributes={
                        "raddr": raddr,
                        "laddr": c.laddr,
                        **({"pinned": pinned_to} if pinned_to else {}),
                    },
                ),
            )
        elif c.rport in intel.mining_ports or c.rport in intel.tls_ports:
            yield Signal(
                t,
                Evidence(
                    CheckId("MH-NET-001"),
                    f"connected to mining port {raddr}",
                    source="socket",
                    attributes={"raddr": raddr, "laddr": c.laddr},
                ),
            )

"""`minehunt watch iface`: live capture on the same flow table and verdict engine as pcap.

The kernel runs the same BPF filter (so the socket only wakes us for candidate packets);
findings are re-judged after every batch in which a flow showed mining, a pool name or
ended, and yielded when they are new or their verdict changed.
"""

from __future__ import annotations

import select
import struct
import time
from collections import OrderedDict
from collections.abc import Iterator

import pcapy  # pcapy-ng ships no stubs (ignored in pyproject)

from minehunt.intel import Intel
from minehunt.model import Finding, Severity
from minehunt.net.capture.bpf import DynamicFilter
from minehunt.net.capture.flows import FlowKey, FlowTable
from minehunt.net.capture.packets import SUPPORTED_LINKTYPES, Packet, decode
from minehunt.net.capture.scan import worth_judging
from minehunt.net.observe import DnsObservation, FlowObservation, NameBook
from minehunt.net.verdict import STRATUM_V2_PORTS, Verdicts, flow_signals

SNAPLEN = 65535
READ_TIMEOUT_MS = 200
_META = struct.Struct("=IIII")
MAX_TRACKED = 4096
"""Flows and lookups with evidence kept for re-judging (oldest dropped first)."""


class CaptureDenied(Exception):
    """The interface cannot be opened (no such device, or no capture privileges)."""


def open_live(iface: str, expression: str) -> pcapy.Reader:
    try:
        reader = pcapy.open_live(iface, SNAPLEN, False, READ_TIMEOUT_MS)
    except pcapy.PcapError as e:
        text = str(e)
        if "permitted" in text or "ermission" in text:
            raise CaptureDenied(
                f"cannot capture on {iface}: {text}. Live capture needs root or the "
                "CAP_NET_RAW and CAP_NET_ADMIN capabilities."
            ) from e
        raise CaptureDenied(f"cannot capture on {iface}: {text}") from e
    if reader.datalink() not in SUPPORTED_LINKTYPES:
        raise CaptureDenied(f"{iface}: unsupported link type {reader.datalink()}")
    reader.setfilter(expression)
    # On Linux (TPACKET_V3) the read timeout does not fire while no packet arrives at all,
    # so a blocking read on a quiet interface never returns: read non-blocking after a
    # select() on the capture descriptor instead, which keeps --duration honest.
    reader.setnonblock(1)
    return reader


def watch_interface(
    iface: str,
    intel: Intel,
    *,
    min_severity: Severity = Severity.LOW,
    duration: float | None = None,
    count: int | None = None,
) -> Iterator[tuple[str, Finding]]:
    """Yield ('new' | 'changed', finding) while capturing on ``iface``."""
    dyn = DynamicFilter(intel)
    reader = open_live(iface, dyn.expression())
    link = reader.datalink()
    table = FlowTable(intel, NameBook(), f"iface {iface}")
    ports = intel.mining_ports | intel.tls_ports | STRATUM_V2_PORTS
    flows: OrderedDict[FlowKey, FlowObservation] = OrderedDict()
    lookups: OrderedDict[tuple[str, str], DnsObservation] = OrderedDict()
    emitted: dict[tuple[str, str], tuple[object, ...]] = {}
    deadline = None if duration is None else time.monotonic() + duration
    fd = reader.getfd()
    seen = 0
    try:
        while (deadline is None or time.monotonic() < deadline) and (count is None or seen < count):
            select.select([fd], [], [], READ_TIMEOUT_MS / 1000)
            data, meta = reader.next_batch(512)
            for sec, usec, off, length in _records(meta):
                p = decode(link, sec + usec * 1e-6, data[off : off + length])
                if isinstance(p, Packet):
                    table.packet(p)
                seen += 1
            changed = _collect(table, flows, lookups, ports, intel)
            table.hand_over(dyn)
            if dyn.changed:
                reader.setfilter(dyn.expression())
            if changed:
                yield from _judge(intel, flows, lookups, emitted, min_severity)
        table.flush()
        if _collect(table, flows, lookups, ports, intel):
            yield from _judge(intel, flows, lookups, emitted, min_severity)
    finally:
        reader.close()


def _records(meta: bytes) -> Iterator[tuple[int, int, int, int]]:
    yield from _META.iter_unpack(meta)


def _collect(
    table: FlowTable,
    flows: OrderedDict[FlowKey, FlowObservation],
    lookups: OrderedDict[tuple[str, str], DnsObservation],
    ports: frozenset[int],
    intel: Intel,
) -> bool:
    """Move new evidence from the table into the tracked sets; True if anything changed."""
    changed = False
    fresh = table.snapshot(list(table.notable)) + table.done
    table.notable.clear()
    table.done.clear()
    for obs in fresh:
        if worth_judging(obs, ports) and flow_signals(obs, intel):
            key = (obs.client, obs.client_port, obs.server, obs.server_port)
            flows[key] = obs
            flows.move_to_end(key)
            changed = True
    for d in table.dns:
        lookups[(d.client, d.name)] = d
        changed = True
    table.dns.clear()
    for tracked in (flows, lookups):
        while len(tracked) > MAX_TRACKED:
            tracked.popitem(last=False)
    return changed


def _judge(
    intel: Intel,
    flows: OrderedDict[FlowKey, FlowObservation],
    lookups: OrderedDict[tuple[str, str], DnsObservation],
    emitted: dict[tuple[str, str], tuple[object, ...]],
    min_severity: Severity,
) -> Iterator[tuple[str, Finding]]:
    verdicts = Verdicts(intel)
    for d in lookups.values():
        verdicts.dns(d)
    for obs in flows.values():
        verdicts.flow(obs)
    for key in verdicts.pairs():
        finding = verdicts.finding(key)
        if finding.severity < min_severity:
            continue
        state = (*finding.state, finding.target.name)
        before = emitted.get(key)
        if before != state:
            emitted[key] = state
            yield ("new" if before is None else "changed"), finding

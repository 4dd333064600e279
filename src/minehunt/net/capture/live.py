"""`minehunt watch iface`: live capture on the same flow table and verdict engine as pcap.

The kernel runs the same BPF filter (so the socket only wakes us for candidate packets);
findings are re-judged after every batch in which a flow showed mining, a pool name or
ended, and yielded when they are new or their verdict changed.

A machine running a miner is busy, which is when a capture loses packets: the kernel ring is
sized explicitly (BUFFER_BYTES, `--buffer-size`) rather than left at libpcap's 2 MiB, and the
kernel's drop counter is read every second and reported as a `Skipped` (how many packets,
so a missing login is explained, never silent).
"""

from __future__ import annotations

import select
import struct
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator

import pcapy  # pcapy-ng ships no stubs (ignored in pyproject)

from minehunt.intel import Intel
from minehunt.model import Finding, Severity, Skipped
from minehunt.net.capture.bpf import DynamicFilter
from minehunt.net.capture.flows import FlowKey, FlowTable
from minehunt.net.capture.packets import SUPPORTED_LINKTYPES, Packet, decode
from minehunt.net.capture.scan import worth_judging
from minehunt.net.observe import DnsObservation, FlowObservation, NameBook
from minehunt.net.verdict import STRATUM_V2_PORTS, Verdicts, flow_signals

SNAPLEN = 65535
READ_TIMEOUT_MS = 200
"""Longest wait before a packet is handed over (TPACKET_V3 block timeout). pcapy-ng has no
pcap_set_immediate_mode; this timeout bounds the delay instead and costs no packets (the
ring keeps them). The bindings that do set immediate mode were not clean enough to replace
it: see docs/ARCHITECTURE.md, Network sources, Live."""
BUFFER_BYTES = 32 << 20
"""Kernel capture ring: about 2 s of a saturated 100 Mbit/s link before packets drop."""
STATS_SECONDS = 1.0
"""How often the kernel's drop counter is read."""
SOURCE = "net.live"
_META = struct.Struct("=IIII")
MAX_TRACKED = 4096
"""Flows and lookups with evidence kept for re-judging (oldest dropped first)."""


_ACTIVATE_ERRORS = {
    -5: "no such device",  # PCAP_ERROR_NO_SUCH_DEVICE
    -8: "operation not permitted",  # PCAP_ERROR_PERM_DENIED
    -9: "interface is not up",  # PCAP_ERROR_IFACE_NOT_UP
    -4: "already activated",
}


class CaptureDenied(Exception):
    """The interface cannot be opened (no such device, or no capture privileges)."""


def open_live(iface: str, expression: str, buffer_bytes: int = BUFFER_BYTES) -> pcapy.Reader:
    """Open ``iface`` with an explicit kernel buffer and the selection already filtering."""
    try:
        reader = pcapy.create(iface)
        reader.set_snaplen(SNAPLEN)
        reader.set_promisc(0)
        reader.set_timeout(READ_TIMEOUT_MS)
        reader.set_buffer_size(buffer_bytes)
        status = reader.activate()  # pcapy-ng returns libpcap's status instead of raising
        if status < 0:
            raise pcapy.PcapError(_ACTIVATE_ERRORS.get(status, f"libpcap error {status}"))
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
    buffer_bytes: int = BUFFER_BYTES,
    on_ready: Callable[[], None] | None = None,
    on_skip: Callable[[Skipped], None] | None = None,
) -> Iterator[tuple[str, Finding]]:
    """Yield ('new' | 'changed', finding) while capturing on ``iface``.

    ``on_ready`` is called once the capture is live (packets from then on are seen);
    ``on_skip`` gets a `Skipped` whenever the kernel dropped packets since the last report.
    """
    dyn = DynamicFilter(intel)
    reader = open_live(iface, dyn.expression(), buffer_bytes)
    link = reader.datalink()
    drops = _Drops(reader, f"iface {iface}", on_skip)
    if on_ready is not None:
        on_ready()
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
            drops.check()
        drops.check(force=True)
        table.flush()
        if _collect(table, flows, lookups, ports, intel):
            yield from _judge(intel, flows, lookups, emitted, min_severity)
    finally:
        reader.close()


class _Drops:
    """The kernel's count of packets it dropped for this capture, reported as it grows."""

    def __init__(
        self, reader: pcapy.Reader, target: str, report: Callable[[Skipped], None] | None
    ) -> None:
        self.reader = reader
        self.target = target
        self.report = report
        self.reported = 0
        self.next_check = time.monotonic() + STATS_SECONDS

    def check(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if self.report is None or (now < self.next_check and not force):
            return
        self.next_check = now + STATS_SECONDS
        try:
            _received, dropped, _ifdropped = self.reader.stats()
        except pcapy.PcapError:
            return
        if dropped > self.reported:
            new, self.reported = dropped - self.reported, dropped
            self.report(
                Skipped(
                    self.target,
                    f"{new} packet(s) dropped by the kernel (capture buffer full; "
                    f"{dropped} in all): evidence in them was not seen. A larger "
                    "--buffer-size or less load on this machine keeps them.",
                    SOURCE,
                )
            )


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

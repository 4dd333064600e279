"""`minehunt scan pcap`: capture files -> flow table -> verdicts -> one finding per pair.

Files are read in the order given with one shared DNS name book, so a pool lookup in one
rotated capture attributes the flow in the next. The compiled pre-pass (`prefilter.py`)
numbers frames as it reads; without it, libpcap's filter reads the file and a second,
filter-less pass gives frame numbers to the few packets behind findings (libpcap does not
count the frames its filter drops).
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from minehunt.intel import Intel
from minehunt.model import Finding
from minehunt.net.capture import prefilter
from minehunt.net.capture.bpf import DynamicFilter
from minehunt.net.capture.flows import FlowTable
from minehunt.net.capture.packets import Packet, Verdict, decode
from minehunt.net.capture.pcapfile import CaptureError, locate_frames, read_batches
from minehunt.net.capture.prefilter import Candidate
from minehunt.net.observe import DnsObservation, FlowObservation, NameBook, Payload
from minehunt.net.verdict import STRATUM_V2_PORTS, Verdicts, flow_signals
from minehunt.report import Collector

log = logging.getLogger(__name__)
SOURCE = "net.pcap"
_KEEP = frozenset({Payload.MINING, Payload.NOISE, Payload.BITCOIN_P2P, Payload.MONERO_P2P})


def worth_judging(obs: FlowObservation, ports: frozenset[int]) -> bool:
    """Cheap pre-test: could this flow give any signal? (Most flows cannot.)"""
    return (
        obs.payload in _KEEP
        or obs.sni is not None
        or bool(obs.cert_names)
        or obs.server_name is not None
        or obs.server_port in ports
    )


class PcapScanner:
    """Scans capture files into one `Verdicts`; reusable by the live capture."""

    def __init__(self, intel: Intel, col: Collector, *, frames: bool = True) -> None:
        self.intel = intel
        self.col = col
        self.frames = frames
        self.names = NameBook()
        self.verdicts = Verdicts(intel)
        self.ports = intel.mining_ports | intel.tls_ports | STRATUM_V2_PORTS
        self._skip = col.skipper(SOURCE)
        if prefilter.library() is None:
            log.info(
                "the compiled capture reader is not available (built at install when a C "
                "compiler is present; MINEHUNT_PREFILTER=off disables it): reading through "
                "libpcap's filter, about six times slower"
            )

    def scan(self, path: Path) -> None:
        """Read one capture file; problems become Skipped entries, never exceptions."""
        source = str(path)
        table = FlowTable(self.intel, self.names, source)
        flows: list[FlowObservation] = []
        lookups: list[DnsObservation] = []
        odd: dict[Verdict, int] = {}
        errors: list[str] = []
        examined = 0
        lib = prefilter.library()
        batches = (
            self._compiled(lib, path, table, errors)
            if lib is not None
            else self._libpcap(path, table, errors)
        )
        try:
            for batch in batches:
                for number, link, ts, frame in batch:
                    p = decode(link, ts, frame, number)
                    if isinstance(p, Packet):
                        table.packet(p)
                    else:
                        odd[p] = odd.get(p, 0) + 1
                examined += len(batch)
                self._harvest(table, flows, lookups)
        except CaptureError as e:
            self._skip(source, str(e))
            return
        table.flush()
        self._harvest(table, flows, lookups)
        if errors:
            self._skip(source, f"read stopped early ({errors[0]}); results up to there are kept")
        self._account(source, table, odd, examined)
        if self.frames and lib is None:
            flows, lookups = self._frames(path, flows, lookups)
        for d in lookups:
            self.verdicts.dns(d)
        for obs in flows:
            self.verdicts.flow(obs)

    def _compiled(
        self, lib: ctypes.CDLL, path: Path, table: FlowTable, errors: list[str]
    ) -> Iterator[list[Candidate]]:
        """Candidates from the compiled pre-pass, which numbers frames as it goes."""
        pre = prefilter.Prefilter(lib, self.ports, self.intel.pool_domains)
        for batch in pre.read(path, errors.append):
            yield batch
            self.col.progress.note(f"{pre.frames:,} packets")
            table.hand_over(pre)
        self.col.count("packets_read", pre.frames)
        seen, handed = pre.dns_counts
        self.col.count("dns_messages", seen)
        self.col.count("dns_messages_parsed", handed)

    def _libpcap(
        self, path: Path, table: FlowTable, errors: list[str]
    ) -> Iterator[list[Candidate]]:
        """Candidates through libpcap's filter (no frame numbers: see _frames)."""
        dyn = DynamicFilter(self.intel)
        first = [True]

        def expression() -> str | None:
            table.hand_over(dyn)
            if first[0] or dyn.changed:
                first[0] = False
                return dyn.expression()
            return None

        for link, batch in read_batches(path, expression, errors.append):
            yield [(0, link, ts, frame) for ts, frame in batch]

    def _harvest(
        self, table: FlowTable, flows: list[FlowObservation], lookups: list[DnsObservation]
    ) -> None:
        ports = self.ports
        flows.extend(
            o for o in table.done if worth_judging(o, ports) and flow_signals(o, self.intel)
        )
        lookups.extend(table.dns)
        table.done.clear()
        table.dns.clear()
        table.notable.clear()

    def _account(self, source: str, table: FlowTable, odd: dict[Verdict, int], n: int) -> None:
        col = self.col
        col.count("pcap_files")
        col.count("packets_examined", n)
        col.count("flows_evicted", table.evicted)
        fragments = odd.get(Verdict.FRAGMENT, 0)
        if fragments:
            col.count("ip_fragments", fragments)
            whole = n - sum(odd.values())
            what = "only IP fragments" if whole == 0 else f"{fragments} IP fragment(s)"
            self._skip(source, f"{what}: fragments are not reassembled, their payload unchecked")
        if table.truncated:
            col.count("packets_snap_cut", table.truncated)
            self._skip(
                source,
                f"{table.truncated} packet(s) cut short by the capture's snap length: "
                "payload checks are partial",
            )

    def _frames(
        self, path: Path, flows: list[FlowObservation], lookups: list[DnsObservation]
    ) -> tuple[list[FlowObservation], list[DnsObservation]]:
        wanted: dict[tuple[int, int], list[Callable[[int, int, bytes], bool]]] = {}
        found: dict[tuple[int, str], int] = {}

        def want(ts: float | None, slot: tuple[int, str], ends: tuple[str, int, str, int]) -> None:
            if ts is None:
                return
            sec = int(ts)
            stamp = (sec, round((ts - sec) * 1e6))

            def match(frame: int, link: int, data: bytes) -> bool:
                p = decode(link, 0.0, data)
                if not isinstance(p, Packet):
                    return False
                tup = (p.src, p.sport, p.dst, p.dport)
                if ends[3] == _ANY:  # DNS: either direction between client and resolver
                    hit = {p.src, p.dst} == {ends[0], ends[2]} and 53 in (p.sport, p.dport)
                else:
                    hit = tup == ends or tup == (ends[2], ends[3], ends[0], ends[1])
                if hit:
                    found.setdefault(slot, frame)
                    return True
                return False

            wanted.setdefault(stamp, []).append(match)

        for i, o in enumerate(flows):
            ends = (o.client, o.client_port, o.server, o.server_port)
            want(o.first_seen, (i, "first"), ends)
            want(o.evidence_seen, (i, "evidence"), ends)
            want(o.last_seen, (i, "last"), ends)
        for i, d in enumerate(lookups):
            want(d.seen, (-1 - i, "dns"), (d.resolver, 53, d.client, _ANY))
        locate_frames(path, wanted)
        flows = [
            replace(
                o,
                first_frame=found.get((i, "first")),
                evidence_frame=found.get((i, "evidence")),
                last_frame=found.get((i, "last")),
            )
            for i, o in enumerate(flows)
        ]
        lookups = [replace(d, frame=found.get((-1 - i, "dns"))) for i, d in enumerate(lookups)]
        return flows, lookups

    def findings(self) -> Iterator[Finding]:
        yield from self.verdicts.findings()


_ANY = -1


def scan_pcaps(
    paths: Iterable[Path], intel: Intel, col: Collector, *, frames: bool = True
) -> Iterator[Finding]:
    """Scan capture files; one finding per client/pool pair across all of them."""
    scanner = PcapScanner(intel, col, frames=frames)
    for path in col.progress.over(paths, "reading captures"):
        log.info("reading %s", path)
        scanner.scan(path)
    yield from scanner.findings()

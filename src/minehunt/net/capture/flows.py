"""The flow table: TCP packets in, `FlowObservation`s out, in bounded memory.

Each connection keeps counters, the reassembled first bytes of each direction (fed to the
mining-protocol parser until it gives up), the TLS server name and what the payload is.
The table is an LRU of at most ``max_flows`` connections: the oldest idle flow is judged
and dropped when a new one needs room, so memory stays flat whatever the capture size.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from minehunt.intel import Intel
from minehunt.net import dns, tls
from minehunt.net.capture.packets import ACK, FIN, RST, SYN, UDP, Packet
from minehunt.net.observe import DnsObservation, FlowObservation, NameBook, Payload
from minehunt.net.stratum import Direction, Session, looks_like_noise_handshake
from minehunt.net.stratum.http import starts_like_http
from minehunt.net.verdict import STRATUM_V2_PORTS

CLIENT, SERVER = 0, 1
MAX_PENDING_SEGMENTS = 32
"""Out-of-order segments held per direction before a gap is skipped."""
IDLE_SECONDS = 120.0
"""A flow touched this recently gets a second chance when the table is full."""
_MASK = 0xFFFFFFFF
_HALF = 0x80000000
_DIRECTIONS = (Direction.CLIENT, Direction.SERVER)
# Network magic of Bitcoin main/test/signet/regtest and the Monero levin signature.
_BITCOIN_MAGIC = (
    b"\xf9\xbe\xb4\xd9",
    b"\x0b\x11\x09\x07",
    b"\x0a\x03\xcf\x40",
    b"\xfa\xbf\xb5\xda",
)
_LEVIN = b"\x01\x21\x01\x01\x01\x01\x01\x01"
MAX_DNS_STREAM = 64 * 1024
"""Bytes of DNS over TCP buffered per direction (look-ups are small; transfers are not)."""
FIRST_BYTES = 4096
"""Bytes of each direction kept while undecided: the TLS ClientHello (a longer hello gives no
SNI), the server's certificate (names are read from what of it fits)."""
HEAD_BYTES = 64
"""Bytes of each direction kept once decided (what `_observe` classifies by). The table holds
up to max_flows flows, so this, not FIRST_BYTES, is what its memory grows with."""
_WELL_KNOWN = frozenset({22, 25, 53, 80, 110, 143, 443, 465, 587, 853, 993, 995, 8080, 8443})
FlowKey = tuple[str, int, str, int]


class _Dir:
    """Reassembly state of one direction."""

    __slots__ = ("bytes", "cut", "first", "limit", "next_seq", "pending")

    def __init__(self) -> None:
        self.next_seq: int | None = None
        self.pending: dict[int, bytes] = {}
        self.bytes = 0
        self.first = b""  # first bytes delivered (kind detection, TLS hello, certificate)
        self.limit = FIRST_BYTES  # how many of them to keep (HEAD_BYTES once decided)
        self.cut = False  # snap length cut a segment: stop parsing this direction


def _settle(st: _Dir) -> None:
    """Keep only the head of a direction whose first bytes have been judged."""
    if st.limit > HEAD_BYTES:
        st.first, st.limit = st.first[:HEAD_BYTES], HEAD_BYTES


class Flow:
    """One TCP connection, oriented client -> server."""

    __slots__ = (
        "cert_done",
        "certs",
        "client",
        "cport",
        "dirs",
        "dns",
        "evidence_frame",
        "evidence_ts",
        "fins",
        "first_frame",
        "first_ts",
        "kind",
        "last_frame",
        "last_ts",
        "nbytes",
        "packets",
        "parse",
        "server",
        "session",
        "sni",
        "sni_done",
        "sport",
    )

    def __init__(
        self, client: str, cport: int, server: str, sport: int, ts: float, frame: int
    ) -> None:
        self.client, self.cport, self.server, self.sport = client, cport, server, sport
        self.first_ts = self.last_ts = ts
        self.first_frame = self.last_frame = frame  # 0: the reader gives no frame numbers
        self.packets = 0
        self.nbytes = 0
        self.dirs = (_Dir(), _Dir())
        self.dns: tuple[bytearray, bytearray] | None = None  # DNS over TCP, per direction
        self.session: Session | None = None
        self.parse = True
        self.kind: Payload | None = None
        self.sni: str | None = None
        self.sni_done = False
        self.certs: tuple[str, ...] = ()
        self.cert_done = False
        self.evidence_ts: float | None = None
        self.evidence_frame = 0
        self.fins = 0


class Follower(Protocol):
    """A capture selection that can widen to what the table learned matters."""

    def follow_host(self, address: str) -> None: ...
    def follow_flows(self, flows: Iterable[FlowKey]) -> None: ...


class FlowTable:
    """Feeds packets into flows; collects observations of finished or evicted flows."""

    def __init__(
        self,
        intel: Intel,
        names: NameBook,
        source: str,
        *,
        max_flows: int = 65536,
        parse_limit: int = 64 * 1024,
    ) -> None:
        self.intel = intel
        self.names = names
        self.source = source
        self.max_flows = max_flows
        self.parse_limit = parse_limit
        self._flows: dict[FlowKey, Flow] = {}
        self._server_ports = intel.mining_ports | intel.tls_ports | STRATUM_V2_PORTS | _WELL_KNOWN
        self._queries: dict[tuple[str, int, str], tuple[str, float, int]] = {}
        self.done: list[FlowObservation] = []
        """Observations of flows that ended or were evicted (the caller drains it)."""
        self.dns: list[DnsObservation] = []
        """DNS answers about pool names (the caller drains it)."""
        self.notable: dict[FlowKey, Flow] = {}
        """Flows that just showed mining or a server name (for live reporting)."""
        self.follow: list[FlowKey] = []
        """Flows worth seeing in full from now on (for a dynamic capture filter)."""
        self.new_pool_addresses: list[str] = []
        """Addresses DNS just gave for pool names."""
        self.evicted = 0
        self.truncated = 0

    def __len__(self) -> int:
        return len(self._flows)

    def hand_over(self, target: Follower) -> None:
        """Pass what was learned to matter since the last call (addresses DNS gave for pools,
        endpoints of mining flows) to the capture selection, so it keeps their packets."""
        for address in self.new_pool_addresses:
            target.follow_host(address)
        target.follow_flows(self.follow)
        self.new_pool_addresses.clear()
        self.follow.clear()

    # --- packets -------------------------------------------------------------------------

    def packet(self, p: Packet) -> None:
        if p.proto == UDP:
            if p.sport == 53 or p.dport == 53:
                self._dns(p)
            return
        flows = self._flows
        key = (p.src, p.sport, p.dst, p.dport)
        f = flows.get(key)
        d = CLIENT
        if f is None:
            f = flows.get((p.dst, p.dport, p.src, p.sport))
            d = SERVER
            if f is None:
                made = self._new(p)
                if made is None:
                    return
                f, d = made
        f.last_ts = p.ts
        f.last_frame = p.frame
        f.packets += 1
        f.nbytes += p.ip_len
        flags = p.flags
        if flags & SYN:
            f.dirs[d].next_seq = (p.seq + 1) & _MASK
        if p.payload:
            if p.truncated:
                self.truncated += 1
            self._data(f, d, p)
        if flags & (RST | FIN):
            f.fins |= 3 if flags & RST else 1 << d
            if f.fins == 3:
                self._finish(f)

    def _new(self, p: Packet) -> tuple[Flow, int] | None:
        flags = p.flags
        if not p.payload and not flags & SYN:
            return None  # a stray ACK/FIN of a flow already judged (or never seen)
        if flags & SYN:
            to_server = not flags & ACK
        elif p.dport in self._server_ports:
            to_server = True
        elif p.sport in self._server_ports:
            to_server = False
        else:
            to_server = p.dport < p.sport
        if to_server:
            f, d = Flow(p.src, p.sport, p.dst, p.dport, p.ts, p.frame), CLIENT
        else:
            f, d = Flow(p.dst, p.dport, p.src, p.sport, p.ts, p.frame), SERVER
        if len(self._flows) >= self.max_flows:
            self._evict(p.ts)
        self._flows[(f.client, f.cport, f.server, f.sport)] = f
        if self.names.name(f.server) is not None:
            self.follow.append((f.client, f.cport, f.server, f.sport))
        return f, d

    def _evict(self, now: float) -> None:
        flows = self._flows
        for _ in range(8):
            key = next(iter(flows))
            f = flows.pop(key)
            if now - f.last_ts < IDLE_SECONDS:
                flows[key] = f  # active: second chance at the young end
                continue
            break
        else:
            key = next(iter(flows))
            f = flows.pop(key)
        self.evicted += 1
        self.done.append(self._observe(f))

    def _finish(self, f: Flow) -> None:
        key = (f.client, f.cport, f.server, f.sport)
        if self._flows.pop(key, None) is not None:
            self.done.append(self._observe(f))

    # --- payload -------------------------------------------------------------------------

    def _data(self, f: Flow, d: int, p: Packet) -> None:
        st = f.dirs[d]
        if st.cut:
            return
        data = p.payload
        seq = p.seq
        if st.next_seq is None:
            st.next_seq = seq
        rel = (seq - st.next_seq) & _MASK
        if rel >= _HALF:  # retransmission, possibly overlapping new bytes
            back = _MASK + 1 - rel
            if back >= len(data):
                return
            data, seq = data[back:], st.next_seq
        elif rel:
            if len(st.pending) < MAX_PENDING_SEGMENTS:
                st.pending[seq] = data
                return
            st.pending.clear()  # too many holes: skip the gap and go on
        self._deliver(f, d, st, data, p.ts)
        st.next_seq = (seq + len(data)) & _MASK
        while st.pending:
            nxt = st.pending.pop(st.next_seq, None)
            if nxt is None:
                break
            self._deliver(f, d, st, nxt, p.ts)
            st.next_seq = (st.next_seq + len(nxt)) & _MASK
        if p.truncated:
            st.cut = True

    def _deliver(self, f: Flow, d: int, st: _Dir, data: bytes, ts: float) -> None:
        if f.sport == 53:
            self._dns_stream(f, d, data, ts)
            return
        fresh = st.bytes == 0
        st.bytes += len(data)
        if len(st.first) < st.limit:
            st.first += data[: st.limit - len(st.first)]
        if fresh and f.kind is None:
            self._kind(f, d, data)
        if f.kind is not Payload.TLS:
            _settle(st)  # only TLS needs more than the head of each direction
        if d == CLIENT and f.kind is Payload.TLS and not f.sni_done:
            sni = tls.client_hello_sni(st.first)
            if sni is False and len(st.first) >= st.limit:
                sni = None  # a hello over FIRST_BYTES: no name; the flow is judged without
            if sni is not False:
                _settle(st)
                f.sni_done = True
                f.sni = sni if isinstance(sni, str) else None
                if f.sni and self.intel.pool_domain(f.sni):
                    f.evidence_ts, f.evidence_frame = ts, f.last_frame
                    self._notable(f)
            return
        if d == SERVER and f.kind is Payload.TLS and not f.cert_done:
            full = len(st.first) >= st.limit
            names = tls.server_certificate_names(st.first, final=full)
            if names is not None or full:
                _settle(st)
                self._certificate(f, names or (), ts)
            return
        if not f.parse:
            return
        session = f.session
        if session is None:
            session = f.session = Session()
        messages = session.feed(_DIRECTIONS[d], data)
        if messages:
            if f.evidence_ts is None:
                f.evidence_ts, f.evidence_frame = ts, f.last_frame
                self._notable(f)
            elif any(m.login for m in messages):
                # A login after the first evidence (Stratum's authorize follows subscribe):
                # a live watch reports the wallet now, not when the connection ends.
                self.notable[(f.client, f.cport, f.server, f.sport)] = f
        elif session.junk or (st.bytes > self.parse_limit and f.evidence_ts is None):
            f.parse = False

    def _certificate(self, f: Flow, names: tuple[str, ...], ts: float) -> None:
        f.cert_done, f.certs = True, names
        if f.evidence_ts is None and any(self.intel.pool_domain(n) for n in names):
            f.evidence_ts, f.evidence_frame = ts, f.last_frame
            self._notable(f)

    def _kind(self, f: Flow, d: int, data: bytes) -> None:
        head = data[:8]
        if tls.looks_like_tls(head):
            f.kind, f.parse = Payload.TLS, False
        elif head[:4] in _BITCOIN_MAGIC:
            f.kind, f.parse = Payload.BITCOIN_P2P, False
        elif head == _LEVIN:
            f.kind, f.parse = Payload.MONERO_P2P, False
        elif (
            d == CLIENT
            and f.sport in STRATUM_V2_PORTS
            and looks_like_noise_handshake(data, Direction.CLIENT)
        ):
            f.kind, f.parse = Payload.NOISE, False
            f.evidence_ts, f.evidence_frame = f.last_ts, f.last_frame
            self._notable(f)

    def _notable(self, f: Flow) -> None:
        key = (f.client, f.cport, f.server, f.sport)
        self.notable[key] = f
        self.follow.append(key)

    # --- DNS -----------------------------------------------------------------------------

    def _dns_stream(self, f: Flow, d: int, data: bytes, ts: float) -> None:
        """DNS over TCP: messages behind a two-byte length, possibly split or pipelined."""
        if f.dns is None:
            f.dns = (bytearray(), bytearray())
        buf = f.dns[d]
        if len(buf) + len(data) > MAX_DNS_STREAM:
            buf.clear()  # a zone transfer or junk: not a look-up worth following
            return
        buf += data
        src, dst = (f.client, f.server) if d == CLIENT else (f.server, f.client)
        while len(buf) >= 2:
            size = int.from_bytes(buf[:2], "big")
            if len(buf) < 2 + size:
                break
            self._dns_message(bytes(buf[2 : 2 + size]), src, dst, ts, f.last_frame)
            del buf[: 2 + size]

    def _dns(self, p: Packet) -> None:
        self._dns_message(p.payload, p.src, p.dst, p.ts, p.frame)

    def _dns_message(self, payload: bytes, src: str, dst: str, ts: float, frame: int) -> None:
        if not self.intel.may_name_pool(payload):
            return  # most DNS: no pool name anywhere in the message
        msg = dns.parse(payload)
        if msg is None or not msg.questions:
            return
        name = msg.questions[0]
        if not msg.response:
            if self.intel.pool_domain(name) and len(self._queries) < 4096:
                self._queries[(src, msg.txid, name)] = (dst, ts, frame)
            return
        client = dst
        self._queries.pop((client, msg.txid, name), None)
        aliases = tuple(target for _, target in msg.aliases)
        pool = next((n for n in (name, *aliases) if self.intel.pool_domain(n)), None)
        if pool is None:
            return
        addresses = tuple(dict.fromkeys(a for _, a in msg.addresses))
        for address in addresses:
            if self.names.learn(address, name):
                self.new_pool_addresses.append(address)
        self.dns.append(
            DnsObservation(client, src, name, addresses, aliases, ts, self.source, frame or None)
        )

    # --- observations --------------------------------------------------------------------

    def _observe(self, f: Flow) -> FlowObservation:
        summary = f.session.summary() if f.session is not None else None
        kind = f.kind
        cdir, sdir = f.dirs
        if kind is Payload.TLS and not f.cert_done and sdir.first:
            f.certs = tls.server_certificate_names(sdir.first, final=True) or ()
        if summary is not None:
            kind = Payload.MINING
        elif kind is None:
            first = cdir.first or sdir.first
            if not first:
                kind = Payload.NONE
            elif starts_like_http(first.lstrip()[:8]):
                kind = Payload.HTTP
            elif first.lstrip()[:1] in (b"{", b"["):
                kind = Payload.OTHER
            else:
                kind = Payload.UNKNOWN
        return FlowObservation(
            client=f.client,
            client_port=f.cport,
            server=f.server,
            server_port=f.sport,
            first_seen=f.first_ts,
            last_seen=f.last_ts,
            packets=f.packets,
            bytes=f.nbytes,
            client_bytes=cdir.bytes,
            server_bytes=sdir.bytes,
            payload=kind,
            source=self.source,
            mining=summary,
            sni=f.sni,
            cert_names=f.certs,
            server_name=self.names.name(f.server),
            evidence_seen=f.evidence_ts,
            first_frame=f.first_frame or None,
            evidence_frame=f.evidence_frame or None,
            last_frame=f.last_frame or None,
        )

    def snapshot(self, keys: Iterable[FlowKey]) -> list[FlowObservation]:
        """Observations of live flows, so far (for reporting before a flow ends)."""
        return [self._observe(f) for k in keys if (f := self._flows.get(k)) is not None]

    def flush(self) -> None:
        """Judge every flow still open (end of the capture) and unanswered pool queries."""
        for f in self._flows.values():
            self.done.append(self._observe(f))
        self._flows.clear()
        for (client, _txid, name), (resolver, ts, frame) in self._queries.items():
            self.dns.append(
                DnsObservation(client, resolver, name, (), (), ts, self.source, frame or None)
            )
        self._queries.clear()

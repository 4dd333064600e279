"""The one verdict engine of every network source: observations -> signals -> findings.

Pcap, live capture, Zeek and Suricata logs all produce `FlowObservation`s and
`DnsObservation`s; this module alone decides what they mean, so the same traffic gets the
same verdict whatever it was read from. Signals about one client/pool pair are correlated
into one finding (`correlate.correlate`): the pair, not the connection, is what an analyst
acts on.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from minehunt.correlate import Signal, correlate
from minehunt.intel import Intel
from minehunt.model import CheckId, Confidence, Evidence, Finding, Scalar, Severity, Target
from minehunt.model import TargetKind as TK
from minehunt.net.observe import DnsObservation, FlowObservation, Payload
from minehunt.net.stratum import Dialect

RHYTHM_MIN_SECONDS = 60.0
"""A flow must last this long before its byte rhythm means anything."""
RHYTHM_CLIENT_RATE = 100.0
"""Client bytes per second at most: shares and keepalives are small and rare."""
RHYTHM_SERVER_RATE = 1000.0
"""Server bytes per second at most: a job every few seconds to minutes."""
MAX_SIGNALS_PER_CHECK = 8
"""Signals kept per check and client/pool pair: long-running miners reconnect a lot."""
STRATUM_V2_PORTS = frozenset({3336, 34254, 34255})
"""Ports Stratum V2 pools and the reference implementation listen on."""


def _addr(ip: str, port: int | None) -> str:
    if port is None:
        return ip
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _iso(ts: float) -> str:
    """ISO 8601 (UTC) of an epoch time that came from a capture or log, i.e. attacker data.

    `datetime` holds years 1-9999 only; a pcapng timestamp can reach year 586,000 and a log
    any float. Such a time is written with an ISO 8601 expanded year (``+518069-03-14T...``)
    and a non-finite or absurd one as its number, never an exception that loses the scan.
    """
    try:
        return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds")
    except (ValueError, OverflowError, OSError):
        pass
    if not math.isfinite(ts) or abs(ts) > MAX_EXPANDED_SECONDS:
        return f"{ts!r} s since 1970 (out of range)"
    days, micros = divmod(round(ts * 1_000_000), 86_400_000_000)
    year, month, day = _civil(days)
    seconds, micro = divmod(micros, 1_000_000)
    clock = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{micro:06d}"
    return f"{year:+05d}-{month:02d}-{day:02d}T{clock}+00:00"


MAX_EXPANDED_SECONDS = 1e17
"""Beyond about year 3 billion a time is written as its number, not a calendar date."""


def _civil(days: int) -> tuple[int, int, int]:
    """(year, month, day) of a day count from 1970-01-01, proleptic Gregorian, any year
    (Howard Hinnant's `civil_from_days`)."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


def _host(endpoint: str | None) -> str | None:
    """The host part of ``host[:port]`` (the parser's pool_endpoint)."""
    if not endpoint:
        return None
    host = endpoint.rsplit(":", 1)[0] if endpoint.count(":") == 1 else endpoint
    return host.strip("[]").lower() or None


@dataclass(frozen=True)
class PoolRef:
    """Which pool a flow talks to: a pool domain when one is known, else the server address."""

    key: str
    """Grouping identity: the pool domain (intel entry) or the server IP."""
    host: str | None
    """The full host name seen (SNI, DNS, protocol endpoint)."""


def pool_of(obs: FlowObservation, intel: Intel) -> PoolRef:
    """The pool a flow talks to, from SNI, earlier DNS answers or the protocol itself."""
    endpoint = _host(obs.mining.pool_endpoint) if obs.mining else None
    for host in (obs.sni, *obs.cert_names, obs.server_name, endpoint):
        if host:
            domain = intel.pool_domain(host)
            if domain:
                return PoolRef(domain, host)
    return PoolRef(obs.server, obs.sni or obs.server_name)


def _tls_pool(obs: FlowObservation, intel: Intel) -> tuple[str | None, str | None]:
    """(name, pool) of the TLS evidence: the SNI, else a name on the server's certificate."""
    for name in (obs.sni, *obs.cert_names):
        pool = intel.pool_domain(name) if name else None
        if pool:
            return name, pool
    return None, None


def mining_rhythm(obs: FlowObservation) -> bool:
    """Long-lived, few bytes both ways: a miner's shares and a pool's job pushes."""
    seconds = obs.last_seen - obs.first_seen
    if not math.isfinite(seconds) or seconds < RHYTHM_MIN_SECONDS:
        return False  # a forged or damaged time must not make an endless flow
    if obs.client_bytes <= 0 or obs.server_bytes <= 0:
        return False
    return (
        obs.client_bytes / seconds <= RHYTHM_CLIENT_RATE
        and obs.server_bytes / seconds <= RHYTHM_SERVER_RATE
    )


def is_coinminer_alert(signature: str) -> bool:
    """Suricata/ET signatures about coin mining (ET COINMINER, 'Crypto Coin Miner' ...)."""
    s = signature.lower()
    return "coinminer" in s or "coin miner" in s or "coin-min" in s or "cryptocurrency min" in s


class Verdicts:
    """Turns observations into signals and keeps them grouped per client/pool pair."""

    def __init__(self, intel: Intel) -> None:
        self.intel = intel
        self._groups: dict[tuple[str, str], list[Signal]] = {}
        self._flows: dict[tuple[str, str], int] = {}

    # --- input ---------------------------------------------------------------------------

    def flow(self, obs: FlowObservation) -> tuple[str, str] | None:
        """Judge one flow; returns its client/pool key when it produced signals."""
        signals = flow_signals(obs, self.intel)
        if not signals:
            return None
        key = (obs.client, pool_of(obs, self.intel).key)
        self._add(key, signals)
        self._flows[key] = self._flows.get(key, 0) + 1
        return key

    def dns(self, obs: DnsObservation) -> tuple[str, str] | None:
        """Judge one DNS answer; returns its client/pool key when it names a pool."""
        found = dns_signal(obs, self.intel)
        if found is None:
            return None
        domain, signal = found
        key = (obs.client, domain)
        self._add(key, [signal])
        return key

    def _add(self, key: tuple[str, str], signals: list[Signal]) -> None:
        kept = self._groups.setdefault(key, [])
        for s in signals:
            same = sum(k.evidence.check_id == s.evidence.check_id for k in kept)
            if same < MAX_SIGNALS_PER_CHECK:
                kept.append(s)

    # --- output --------------------------------------------------------------------------

    def pairs(self) -> list[tuple[str, str]]:
        return list(self._groups)

    def finding(self, key: tuple[str, str]) -> Finding:
        """The correlated finding of one client/pool pair."""
        flows = self._flows.get(key, 0)

        def describe(target: Target, signals: list[Signal]) -> str:
            where = f"{target.laddr or key[0]} -> {target.name or target.raddr or key[1]}"
            tail = f" ({flows} connection{'s' if flows != 1 else ''})" if flows else ""
            return f"{where}: {signals[0].evidence.summary}{tail}"

        return correlate(self._groups[key], describe)

    def findings(self) -> Iterator[Finding]:
        for key in self._groups:
            yield self.finding(key)


# --- signals ------------------------------------------------------------------------------


def _flow_target(obs: FlowObservation, pool: PoolRef) -> Target:
    return Target(
        kind=TK.FLOW,
        name=pool.host,
        laddr=_addr(obs.client, obs.client_port),
        raddr=_addr(obs.server, obs.server_port),
    )


def _flow_attrs(obs: FlowObservation) -> dict[str, Scalar]:
    attrs: dict[str, Scalar] = {
        "client": _addr(obs.client, obs.client_port),
        "server": _addr(obs.server, obs.server_port),
        "transport": "tcp",
        "first_seen": _iso(obs.first_seen),
        "last_seen": _iso(obs.last_seen),
        "packets": obs.packets,
        "bytes": obs.bytes,
        "payload": obs.payload.value,
    }
    optional: Mapping[str, Scalar] = {
        "first_frame": obs.first_frame,
        "evidence_frame": obs.evidence_frame,
        "last_frame": obs.last_frame,
        "sni": obs.sni,
        "certificate_names": ", ".join(obs.cert_names) or None,
        "resolved_from": obs.server_name,
    }
    attrs.update({k: v for k, v in optional.items() if v is not None})
    return attrs


def _where(obs: FlowObservation) -> str:
    if obs.evidence_frame is not None:
        return f"{obs.source} frame {obs.evidence_frame}"
    if obs.first_frame is not None:
        return f"{obs.source} frame {obs.first_frame}"
    return obs.source


def _signal(
    target: Target,
    check: str,
    summary: str,
    obs: FlowObservation,
    attrs: dict[str, Scalar],
    severity: Severity | None = None,
    confidence: Confidence | None = None,
) -> Signal:
    evidence = Evidence(CheckId(check), summary, _where(obs), obs.line, attrs)
    return Signal(target, evidence, severity, confidence)


def flow_signals(obs: FlowObservation, intel: Intel) -> list[Signal]:
    """Every signal one flow gives on its own (plus what earlier DNS answers taught)."""
    pool = pool_of(obs, intel)
    target = _flow_target(obs, pool)
    base = _flow_attrs(obs)
    out: list[Signal] = []
    m = obs.mining
    if m is not None and m.dialect is not Dialect.STRATUM_V2_NOISE:
        attrs = dict(base)
        extra: Mapping[str, Scalar] = {
            "dialect": m.dialect.value,
            "login": m.login,
            "wallet": m.wallet,
            "worker": m.worker,
            "agent": m.agent,
            "algorithm": ",".join(m.algorithms) or None,
            "pool_endpoint": m.pool_endpoint,
            "jobs": m.jobs,
            "shares": m.shares,
            "accepted": m.accepted,
            "rejected": m.rejected,
            "difficulty": m.difficulty,
            "nicehash": m.nicehash or None,
            "reason": m.reasons[0] if m.reasons else None,
        }
        attrs.update({k: v for k, v in extra.items() if v is not None})
        if obs.alerts:
            attrs["ids_alert"] = obs.alerts[0]
        bits = [f"{m.dialect.value} session"]
        if m.wallet:
            bits.append(f"login {m.wallet}")
        if m.worker:
            bits.append(f"worker {m.worker}")
        if m.agent:
            bits.append(f"agent {m.agent}")
        summary = ", ".join(bits) + f"; {m.jobs} job(s), {m.shares} share(s)"
        severity = Severity.HIGH if m.confidence is not Confidence.LOW else Severity.LOW
        out.append(_signal(target, "MH-NET-101", summary, obs, attrs, severity, m.confidence))
    elif obs.payload is Payload.NOISE or (m is not None):
        out.append(
            _signal(
                target,
                "MH-NET-101",
                f"encrypted Stratum V2 (Noise handshake) on port {obs.server_port}",
                obs,
                {**base, "dialect": Dialect.STRATUM_V2_NOISE.value},
                Severity.MEDIUM,
                Confidence.LOW,
            )
        )
    elif obs.alerts:
        hits = [a for a in obs.alerts if is_coinminer_alert(a)]
        if hits:
            summary = f"IDS alert: {hits[0]}"
            out.append(_signal(target, "MH-NET-108", summary, obs, {**base, "ids_alert": hits[0]}))
    mined = bool(out)
    tls_name, tls_pool = _tls_pool(obs, intel)
    if tls_pool:
        web = obs.server_port == 443 and not mined
        how = "TLS to" if tls_name == obs.sni else "TLS certificate for"
        out.append(
            _signal(
                target,
                "MH-NET-103",
                f"{how} {tls_name} (pool {tls_pool}) on port {obs.server_port}",
                obs,
                {**base, "pool": tls_pool},
                Severity.MEDIUM if web else None,
                Confidence.MEDIUM if web else None,
            )
        )
    resolved_pool = intel.pool_domain(obs.server_name) if obs.server_name else None
    if resolved_pool and not tls_pool:
        out.append(
            _signal(
                target,
                "MH-NET-104",
                f"connection to {_addr(obs.server, obs.server_port)}, which DNS gave for "
                f"{obs.server_name}",
                obs,
                {**base, "pool": resolved_pool},
            )
        )
    if obs.payload in (Payload.BITCOIN_P2P, Payload.MONERO_P2P):
        out.append(
            _signal(
                target,
                "MH-NET-107",
                f"{obs.payload.value} node traffic with {_addr(obs.server, obs.server_port)}",
                obs,
                base,
            )
        )
        return out
    mining_port = obs.server_port in intel.mining_ports or obs.server_port in intel.tls_ports
    opaque = obs.payload in (Payload.TLS, Payload.UNKNOWN)
    if mining_port and opaque and not mined and not tls_pool and not resolved_pool:
        out.append(
            _signal(
                target,
                "MH-NET-105",
                f"{obs.payload.value} payload on mining port {obs.server_port}",
                obs,
                base,
            )
        )
    endpoint = mining_port or tls_pool or resolved_pool
    if opaque and endpoint and not mined and mining_rhythm(obs):
        seconds = obs.last_seen - obs.first_seen
        out.append(
            _signal(
                target,
                "MH-NET-106",
                f"{seconds:.0f} s flow, {obs.client_bytes} B up / {obs.server_bytes} B down",
                obs,
                {**base, "duration_s": round(seconds, 3)},
            )
        )
    return out


def dns_signal(obs: DnsObservation, intel: Intel) -> tuple[str, Signal] | None:
    """(pool domain, signal) when a DNS query or its CNAME chain names a pool."""
    for name in (obs.name, *obs.aliases):
        domain = intel.pool_domain(name)
        if domain is None:
            continue
        target = Target(kind=TK.FLOW, name=obs.name, laddr=obs.client)
        attrs: dict[str, Scalar] = {
            "query": obs.name,
            "pool": domain,
            "resolver": obs.resolver,
            "answers": ",".join(obs.addresses) or None,
            "seen": _iso(obs.seen),
        }
        if obs.frame is not None:
            attrs["frame"] = obs.frame
        answered = f" -> {', '.join(obs.addresses)}" if obs.addresses else " (no address)"
        where = f"{obs.source} frame {obs.frame}" if obs.frame is not None else obs.source
        evidence = Evidence(
            CheckId("MH-NET-102"),
            f"DNS lookup of {obs.name}{answered}",
            where,
            obs.line,
            {k: v for k, v in attrs.items() if v is not None},
        )
        return domain, Signal(target, evidence)
    return None

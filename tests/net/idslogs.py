"""Zeek and Suricata log sets derived from a capture by tshark (neither IDS is in Debian 12).

tshark dissects the capture independently of minehunt; the rows are written with each
format's documented fields: Zeek conn/dns/ssl/x509/http (TSV with #fields/#types headers, or
JSON lines) and Suricata EVE dns (v2 answers), tls, http, flow and alert events. Certificates seen
in the clear (TLS 1.2) are read with `cryptography`, as Zeek's x509 analyser and Suricata's
tls logger read them. The alert stands in
for ET Open's coin-miner login rule: it fires on the first client segment containing a
Stratum/XMRig login method and logs the payload, as `payload: yes` in eve.yaml does.
"""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

FIELDS = [
    "frame.time_epoch", "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport", "udp.srcport",
    "udp.dstport", "tcp.stream", "tcp.len", "ip.len", "tcp.flags.syn", "tcp.flags.ack",
    "dns.flags.response", "dns.qry.name", "dns.a", "dns.id",
    "tls.handshake.extensions_server_name", "tcp.payload", "tls.handshake.certificate",
    "http.request.method", "http.host", "http.request.uri", "http.user_agent", "http.authbasic",
    "http.response.code",
]  # fmt: skip
LOGIN_MARKERS = (b'"login"', b"mining.subscribe", b"mining.authorize", b"eth_submitLogin")


@dataclass
class Conn:
    uid: str
    ts: float
    orig: tuple[str, int]
    resp: tuple[str, int]
    last: float = 0.0
    orig_bytes: int = 0
    resp_bytes: int = 0
    orig_pkts: int = 0
    resp_pkts: int = 0
    orig_ip: int = 0
    resp_ip: int = 0
    sni: str | None = None
    cert: bytes | None = None
    """DER of the server's (leaf) certificate, when it crossed the wire in the clear."""
    service: str = ""
    request: dict[str, object] | None = None
    """The first HTTP request: method, host, uri, user agent, Basic-auth user, status."""
    alert_payload: bytes | None = None
    alerts: list[str] = field(default_factory=list)


def dissect(pcap: Path) -> tuple[list[Conn], list[dict[str, object]]]:
    out = subprocess.run(
        ["tshark", "-r", str(pcap), "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
         "-E", "aggregator=,", *[a for f in FIELDS for a in ("-e", f)]],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    conns: dict[str, Conn] = {}
    dns: list[dict[str, object]] = []
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t"), strict=False))
        ts = float(v["frame.time_epoch"])
        proto = "udp" if v.get("udp.srcport") else "tcp"
        if v.get("dns.qry.name") and v.get(f"{proto}.srcport"):
            dns.append({"ts": ts, "src": v["ip.src"], "dst": v["ip.dst"], "sport": int(v[f"{proto}.srcport"]),
                        "dport": int(v[f"{proto}.dstport"]), "response": v["dns.flags.response"] in ("1", "True"),
                        "query": v["dns.qry.name"], "answers": [a for a in v.get("dns.a", "").split(",") if a],
                        "id": int(v["dns.id"], 0), "proto": proto})  # fmt: skip
            if proto == "udp":
                continue  # DNS over TCP is also a connection (conn.log, flow event)
        if not v.get("tcp.stream"):
            continue
        stream = v["tcp.stream"]
        src = (v["ip.src"], int(v["tcp.srcport"]))
        dst = (v["ip.dst"], int(v["tcp.dstport"]))
        c = conns.get(stream)
        if c is None:
            syn_ack = v["tcp.flags.syn"] in ("1", "True") and v["tcp.flags.ack"] in ("1", "True")
            orig, resp = (dst, src) if syn_ack else (src, dst)
            c = conns[stream] = Conn(f"C{int(stream):06d}mh", ts, orig, resp)
        c.last = ts
        n, ip = int(v.get("tcp.len") or 0), int(v.get("ip.len") or 0)
        payload = bytes.fromhex(v.get("tcp.payload", "").replace(":", ""))
        if src == c.orig:
            c.orig_bytes, c.orig_pkts, c.orig_ip = c.orig_bytes + n, c.orig_pkts + 1, c.orig_ip + ip
            if c.alert_payload is None and any(m in payload for m in LOGIN_MARKERS):
                c.alert_payload = payload
                c.alerts.append("ET COINMINER Crypto Coin Miner Login")
        else:
            c.resp_bytes, c.resp_pkts, c.resp_ip = c.resp_bytes + n, c.resp_pkts + 1, c.resp_ip + ip
        if v.get("tls.handshake.certificate") and c.cert is None:
            c.cert = bytes.fromhex(v["tls.handshake.certificate"].split(",")[0].replace(":", ""))
        if v.get("http.request.method") and c.request is None:
            c.request = {"method": v["http.request.method"], "host": v.get("http.host") or None,
                         "uri": v.get("http.request.uri") or "/", "user_agent": v.get("http.user_agent") or None,
                         "username": v.get("http.authbasic", "").partition(":")[0] or None}  # fmt: skip
        elif v.get("http.response.code") and c.request is not None:
            c.request.setdefault("status_code", int(v["http.response.code"]))
        if v.get("tls.handshake.extensions_server_name"):
            c.sni = v["tls.handshake.extensions_server_name"]
        if payload[:2] == b"\x16\x03":
            c.service = "ssl"
        elif payload[:4] in (b"GET ", b"POST", b"HTTP") and not c.service:
            c.service = "http"
    return list(conns.values()), dns


def write_zeek(pcap: Path, out: Path, *, json_logs: bool, compress: bool, rotate: bool) -> None:
    """conn, dns and ssl logs in Zeek's TSV or JSON format."""
    conns, dns = dissect(pcap)
    out.mkdir(parents=True, exist_ok=True)
    conn_rows = [
        {"ts": c.ts, "uid": c.uid, "id.orig_h": c.orig[0], "id.orig_p": c.orig[1], "id.resp_h": c.resp[0],
         "id.resp_p": c.resp[1], "proto": "tcp", "service": c.service or None, "duration": c.last - c.ts,
         "orig_bytes": c.orig_bytes, "resp_bytes": c.resp_bytes, "conn_state": "SF", "missed_bytes": 0,
         "history": "ShADadFf", "orig_pkts": c.orig_pkts, "orig_ip_bytes": c.orig_ip,
         "resp_pkts": c.resp_pkts, "resp_ip_bytes": c.resp_ip}
        for c in conns
    ]  # fmt: skip
    dns_rows = [
        {"ts": d["ts"], "uid": f"D{i:06d}mh", "id.orig_h": d["dst"], "id.orig_p": d["dport"], "id.resp_h": d["src"],
         "id.resp_p": 53, "proto": d["proto"], "trans_id": d["id"], "query": d["query"], "qtype_name": "A",
         "rcode_name": "NOERROR", "answers": d["answers"] or None}
        for i, d in enumerate(dns) if d["response"]
    ]  # fmt: skip
    ssl_rows = [
        {"ts": c.ts, "uid": c.uid, "id.orig_h": c.orig[0], "id.orig_p": c.orig[1], "id.resp_h": c.resp[0],
         "id.resp_p": c.resp[1], "version": "TLSv12" if c.cert else "TLSv13", "server_name": c.sni,
         "established": True, "cert_chain_fps": [_x509(c.cert)["fingerprint"]] if c.cert else None}
        for c in conns if c.service == "ssl"
    ]  # fmt: skip
    http_rows = [
        {"ts": c.ts, "uid": c.uid, "id.orig_h": c.orig[0], "id.orig_p": c.orig[1], "id.resp_h": c.resp[0],
         "id.resp_p": c.resp[1], "trans_depth": 1, **c.request, "version": "1.1",
         "request_body_len": 0, "response_body_len": 0}
        for c in conns if c.request
    ]  # fmt: skip
    first_seen: dict[bytes, float] = {}  # Zeek logs each certificate once
    for c in conns:
        if c.cert:
            first_seen.setdefault(c.cert, c.ts)
    x509_rows = [{"ts": ts, **_x509(der)} for der, ts in first_seen.items()]
    for kind, rows in (
        ("conn", conn_rows),
        ("dns", dns_rows),
        ("ssl", ssl_rows),
        ("x509", x509_rows),
        ("http", http_rows),
    ):
        halves = [rows[: len(rows) // 2], rows[len(rows) // 2 :]] if rotate else [rows]
        for i, part in enumerate(halves):
            name = (
                f"{kind}.{i:02d}:00:00-{i + 1:02d}:00:00.log"
                if rotate and i == 0
                else f"{kind}.log"
            )
            text = _json(part) if json_logs else _tsv(kind, part)
            path = out / (name + (".gz" if compress else ""))
            if compress:
                with gzip.open(path, "wt") as fh:
                    fh.write(text)
            else:
                path.write_text(text)


def _x509(der: bytes | None) -> dict[str, object]:
    """x509.log fields of one certificate (Zeek 6: SHA-256 fingerprint, RFC 2253 names)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    assert der is not None
    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        dns = san.value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        dns = []
    return {
        "fingerprint": cert.fingerprint(hashes.SHA256()).hex(),
        "certificate.version": cert.version.value + 1,
        "certificate.serial": format(cert.serial_number, "X"),
        "certificate.subject": cert.subject.rfc4514_string(),
        "certificate.issuer": cert.issuer.rfc4514_string(),
        "san.dns": dns or None,
        "host_cert": True,
        "client_cert": False,
    }


def _json(rows: list[dict[str, object]]) -> str:
    return "".join(json.dumps({k: v for k, v in r.items() if v is not None}) + "\n" for r in rows)


def _tsv(kind: str, rows: list[dict[str, object]]) -> str:
    fields = list(rows[0]) if rows else ["ts", "uid"]
    lines = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
             f"#path\t{kind}", "#open\t2026-01-01-00-00-00", "#fields\t" + "\t".join(fields),
             "#types\t" + "\t".join("string" for _ in fields)]  # fmt: skip
    for r in rows:
        cells = []
        for f in fields:
            value = r.get(f)
            if value is None:
                cells.append("-")
            elif isinstance(value, list):
                cells.append(",".join(map(str, value)) or "(empty)")
            elif isinstance(value, float):
                cells.append(f"{value:.6f}")
            else:
                cells.append(str(value))
        lines.append("\t".join(cells))
    lines.append("#close\t2026-01-01-01-00-00")
    return "\n".join(lines) + "\n"


def write_eve(pcap: Path, path: Path) -> None:
    """Suricata EVE JSON: flow, tls, dns (v2 answer format) and alert events."""
    conns, dns = dissect(pcap)
    events: list[dict[str, object]] = []

    def stamp(ts: float) -> str:
        from datetime import UTC, datetime

        return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")

    for i, c in enumerate(conns):
        base = {"flow_id": 1000 + i, "src_ip": c.orig[0], "src_port": c.orig[1], "dest_ip": c.resp[0],
                "dest_port": c.resp[1], "proto": "TCP"}  # fmt: skip
        app = {"ssl": "tls", "http": "http"}.get(c.service, "failed")
        if c.alert_payload is not None:
            events.append({"timestamp": stamp(c.ts), "event_type": "alert", **base, "direction": "to_server",
                           "alert": {"action": "allowed", "gid": 1, "signature_id": 2024792, "rev": 3,
                                     "signature": c.alerts[0], "category": "Crypto Currency Mining Activity Detected",
                                     "severity": 1},
                           "app_proto": app, "payload": base64.b64encode(c.alert_payload).decode()})  # fmt: skip
        if c.sni or c.cert:
            tls: dict[str, object] = {"version": "TLS 1.2" if c.cert else "TLS 1.3"}
            if c.sni:
                tls["sni"] = c.sni
            if c.cert:
                x = _x509(c.cert)
                tls |= {"subject": x["certificate.subject"], "issuerdn": x["certificate.issuer"],
                        "serial": x["certificate.serial"]}  # fmt: skip
            events.append({"timestamp": stamp(c.ts), "event_type": "tls", **base, "tls": tls})
        if c.request:
            r = c.request
            events.append({"timestamp": stamp(c.ts), "event_type": "http", **base,
                           "http": {"hostname": r["host"], "url": r["uri"], "http_user_agent": r["user_agent"],
                                    "http_method": r["method"], "protocol": "HTTP/1.1",
                                    "status": r.get("status_code"), "length": 0}})  # fmt: skip
        events.append({"timestamp": stamp(c.last), "event_type": "flow", **base, "app_proto": app,
                       "flow": {"pkts_toserver": c.orig_pkts, "pkts_toclient": c.resp_pkts,
                                "bytes_toserver": c.orig_ip, "bytes_toclient": c.resp_ip,
                                "start": stamp(c.ts), "end": stamp(c.last), "state": "closed"}})  # fmt: skip
    for d in dns:
        if not d["response"]:
            continue
        answers = [
            {"rrname": d["query"], "rrtype": "A", "ttl": 0, "rdata": a} for a in d["answers"]
        ]  # type: ignore[attr-defined]
        events.append({"timestamp": stamp(float(d["ts"])), "event_type": "dns", "src_ip": d["src"], "src_port": 53,
                       "dest_ip": d["dst"], "dest_port": d["dport"], "proto": str(d["proto"]).upper(),
                       "dns": {"version": 2, "type": "answer", "id": d["id"], "rrname": d["query"],
                               "rrtype": "A", "rcode": "NOERROR", "answers": answers}})  # fmt: skip
    path.write_text("".join(json.dumps(e) + "\n" for e in events))

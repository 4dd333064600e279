"""A large Zeek log set of many hosts with mining sessions of each kind planted in it.

Ordinary traffic: web, DNS, SSH and mail of thousands of clients to tens of thousands of
servers, with matching dns.log answers and ssl.log server names. Planted, each to its own
server and from its own client so every one is a finding of its own:

- ``port``: a plain session to a Stratum port (conn.log only);
- ``dns``: a pool name resolved in dns.log, then a session on 443 to the address it gave;
- ``sni``: a TLS session on 443 whose ssl.log SNI names a pool;
- ``agent``: an HTTP session whose http.log User-Agent is a getwork miner's.

Pool names come from minehunt's bundled pool list as an attacker would pick them; the
ordinary names, ports and agents are ones the intel must not flag (checked by the caller).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

HEADER = (
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t{kind}\n"
    "#open\t2026-01-01-00-00-00\n#fields\t{fields}\n#types\t{types}\n"
)
CONN = ("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service",
        "duration", "orig_bytes", "resp_bytes", "conn_state", "orig_pkts", "resp_pkts")  # fmt: skip
DNS = ("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "query",
       "answers")  # fmt: skip
SSL = ("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "server_name")
HTTP = ("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "host", "user_agent",
        "username")  # fmt: skip
BENIGN_PORTS = (443, 443, 443, 80, 80, 22, 993, 587, 8443)
POOLS = ("pool.supportxmr.com", "gulf.moneroocean.stream", "xmr.2miners.com",
         "monero.herominers.com", "rx.unmineable.com", "pool.hashvault.pro")  # fmt: skip
MINER_AGENTS = ("cgminer/4.12.1", "bfgminer/5.5.0", "XMRig/6.21.0 (Linux x86_64) libuv/1.44")
KINDS = ("port", "dns", "sni", "agent")


@dataclass(frozen=True)
class Planted:
    kind: str
    client: str
    server: str
    port: int


def _ip(n: int, base: int) -> str:
    n += base
    return f"{n >> 24 & 255}.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def write(out: Path, rows: int, per_kind: int = 30, seed: int = 15) -> list[Planted]:
    """conn/dns/ssl/http logs with ``rows`` ordinary connections; the planted sessions."""
    rnd = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    t0 = 1_780_000_000.0
    files = {k: open(out / f"{k}.log", "w") for k in ("conn", "dns", "ssl", "http")}  # noqa: SIM115
    try:
        for kind, fields in (("conn", CONN), ("dns", DNS), ("ssl", SSL), ("http", HTTP)):
            files[kind].write(
                HEADER.format(kind=kind, fields="\t".join(fields),
                              types="\t".join("string" for _ in fields))
            )  # fmt: skip
        conn, dns, ssl, http = (files[k] for k in ("conn", "dns", "ssl", "http"))
        ports = BENIGN_PORTS
        lines: list[str] = []
        for i in range(rows):
            client = _ip(rnd.randrange(20_000), 0x0A000000)  # 10.0.0.0/8: 20 k hosts
            server = _ip(rnd.randrange(50_000), 0x5D000000)  # 93.0.0.0/8: 50 k servers
            port = ports[i % len(ports)]
            ts = t0 + i * 0.01
            uid = f"C{i:09d}"
            service = {443: "ssl", 8443: "ssl", 80: "http"}.get(port, "-")
            lines.append(
                f"{ts:.6f}\t{uid}\t{client}\t{40000 + i % 20000}\t{server}\t{port}\ttcp\t"
                f"{service}\t{rnd.random() * 30:.6f}\t{rnd.randrange(100, 90000)}\t"
                f"{rnd.randrange(100, 900000)}\tSF\t{rnd.randrange(3, 90)}\t{rnd.randrange(3, 900)}\n"
            )
            if port == 443 and i % 10 == 0:
                ssl.write(f"{ts:.6f}\t{uid}\t{client}\t{40000 + i % 20000}\t{server}\t443\t"
                          f"www{i % 5000}.example{i % 97}.com\n")  # fmt: skip
            if i % 20 == 0:
                dns.write(f"{ts:.6f}\tD{i:09d}\t{client}\t{50000 + i % 10000}\t10.255.0.53\t53\t"
                          f"udp\tcdn{i % 8000}.example{i % 89}.net\t{server}\n")  # fmt: skip
            if port == 80 and i % 50 == 0:
                http.write(f"{ts:.6f}\t{uid}\t{client}\t{40000 + i % 20000}\t{server}\t80\t"
                           f"www.example{i % 97}.org\tMozilla/5.0 (X11; Linux x86_64)\t-\n")  # fmt: skip
            if len(lines) >= 50_000:
                conn.write("".join(lines))
                lines.clear()
        conn.write("".join(lines))
        planted: list[Planted] = []
        for n in range(per_kind):
            for k, kind in enumerate(KINDS):
                client = _ip(k * 256 + n, 0xAC100000)  # 172.16.x.y: one client per session
                server = _ip(k * 256 + n, 0xC6336400)  # 198.51.100.0 and up
                ts = t0 + rnd.randrange(rows) * 0.01
                uid = f"M{kind}{n:04d}"
                port = {"port": 3333, "dns": 443, "sni": 443, "agent": 8080}[kind]
                service = {"port": "-", "dns": "ssl", "sni": "ssl", "agent": "http"}[kind]
                conn.write(
                    f"{ts:.6f}\t{uid}\t{client}\t{41000 + n}\t{server}\t{port}\ttcp\t{service}\t"
                    f"{3600 + n:.6f}\t{20000 + n}\t{40000 + n}\tSF\t{300 + n}\t{320 + n}\n"
                )
                pool = POOLS[n % len(POOLS)]
                if kind == "dns":
                    dns.write(f"{ts - 1:.6f}\tMD{n:04d}\t{client}\t53000\t10.255.0.53\t53\t"
                              f"udp\t{pool}\t{server}\n")  # fmt: skip
                elif kind == "sni":
                    ssl.write(f"{ts:.6f}\t{uid}\t{client}\t{41000 + n}\t{server}\t443\t{pool}\n")
                elif kind == "agent":
                    agent = MINER_AGENTS[n % len(MINER_AGENTS)]
                    http.write(f"{ts:.6f}\t{uid}\t{client}\t{41000 + n}\t{server}\t8080\t"
                               f"{server}:8080\t{agent}\tworker{n}\n")  # fmt: skip
                planted.append(Planted(kind, client, server, port))
        return planted
    finally:
        for fh in files.values():
            fh.close()

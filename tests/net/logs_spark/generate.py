"""A large Zeek log set of many hosts with mining sessions of each kind planted in it.

Ordinary traffic: web, DNS, SSH and mail of 20,000 clients to 50,000 servers, with matching
dns.log answers, ssl.log server names and http.log requests. Planted, each from an ordinary
client to a server of its own so every one is a finding of its own:

- ``port``: a plain session to a Stratum port (conn.log only);
- ``dns``: a pool name resolved in dns.log, then a session on 443 to the address it gave;
- ``sni``: a TLS session on 443 whose ssl.log SNI names a pool;
- ``agent``: an HTTP session whose http.log User-Agent is a getwork miner's.

The rows are made by DuckDB from ``range()`` (values from ``hash()`` of the row number) and
written by its parallel CSV writer as Zeek TSV, header and ``#close`` line included, or as
Parquet with Zeek's column names: millions of rows a second, no Python loop over rows. Pool
names come from minehunt's bundled pool list as an attacker would pick them; the ordinary
names, ports and agents are ones the intel must not flag (checked by the callers).
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

HEADER = (
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t{kind}\n"
    "#open\t2026-01-01-00-00-00\n#fields\t{fields}\n#types\t{types}\n"
)
CLOSE = "\n#close\t2026-01-02-00-00-00\n"
CONN = ("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service",
        "duration", "orig_bytes", "resp_bytes", "conn_state", "orig_pkts", "resp_pkts")  # fmt: skip
DNS = ("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "query",
       "answers")  # fmt: skip
SSL = ("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "server_name")
HTTP = ("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "host", "user_agent",
        "username")  # fmt: skip
FIELDS = {"conn": CONN, "dns": DNS, "ssl": SSL, "http": HTTP}
BENIGN_PORTS = (443, 443, 443, 80, 80, 22, 993, 587, 8443)
POOLS = ("pool.supportxmr.com", "gulf.moneroocean.stream", "xmr.2miners.com",
         "monero.herominers.com", "rx.unmineable.com", "pool.hashvault.pro")  # fmt: skip
MINER_AGENTS = ("cgminer/4.12.1", "bfgminer/5.5.0", "XMRig/6.21.0 (Linux x86_64) libuv/1.44")
KINDS = ("port", "dns", "sni", "agent")
CLIENTS = 20_000
SERVERS = 50_000
T0 = 1_780_000_000.0
RESOLVER = "10.255.0.53"


@dataclass(frozen=True)
class Planted:
    kind: str
    client: str
    server: str
    port: int


def _ip(n: int, base: int) -> str:
    n += base
    return f"{n >> 24 & 255}.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def _sql_ip(expr: str, first: int) -> str:
    """SQL: the address ``first.x.y.z`` for a number below 2**24."""
    return (
        f"concat('{first}.', ({expr}) >> 16 & 255, '.', ({expr}) >> 8 & 255, '.', ({expr}) & 255)"
    )


def _ts(expr: str) -> str:
    return f"CAST(CAST({expr} AS DECIMAL(18, 6)) AS VARCHAR)"


# One conn row per number i: client, server and sizes from independent bits of hash(i).
_ROWS = f"""
    SELECT i, h, {_sql_ip("h % {clients}", 10)} AS client,
           {_sql_ip("(h >> 20) % {servers}", 93)} AS server,
           list_extract({list(BENIGN_PORTS)}, CAST(i % {len(BENIGN_PORTS)} + 1 AS INTEGER))
             AS port,
           {_ts("{t0} + i * 0.01")} AS ts, CAST(40000 + i % 20000 AS VARCHAR) AS cport
    FROM (SELECT i, hash(i + {{seed}}) AS h FROM range({{rows}}) t(i))
"""
_CONN = """
    SELECT ts, 'C' || lpad(CAST(i AS VARCHAR), 9, '0'), client, cport, server,
           CAST(port AS VARCHAR), 'tcp',
           CASE port WHEN 443 THEN 'ssl' WHEN 8443 THEN 'ssl' WHEN 80 THEN 'http' END,
           {duration}, CAST(100 + (h >> 8) % 89900 AS VARCHAR),
           CAST(100 + (h >> 24) % 899900 AS VARCHAR), 'SF',
           CAST(3 + (h >> 40) % 87 AS VARCHAR), CAST(3 + (h >> 48) % 897 AS VARCHAR)
    FROM rows
"""
_DNS = f"""
    SELECT ts, 'D' || lpad(CAST(i AS VARCHAR), 9, '0'), client,
           CAST(50000 + i % 10000 AS VARCHAR), '{RESOLVER}', '53', 'udp',
           concat('cdn', i % 8000, '.example', i % 89, '.net'), server
    FROM rows WHERE i % 20 = 0
"""
_SSL = """
    SELECT ts, 'C' || lpad(CAST(i AS VARCHAR), 9, '0'), client, cport, server, '443',
           concat('www', i % 5000, '.example', i % 97, '.com')
    FROM rows WHERE port = 443 AND i % 10 = 0
"""
_HTTP = """
    SELECT ts, 'C' || lpad(CAST(i AS VARCHAR), 9, '0'), client, cport, server, '80',
           concat('www.example', i % 97, '.org'), 'Mozilla/5.0 (X11; Linux x86_64)', NULL
    FROM rows WHERE port = 80 AND i % 50 = 0
"""


def _planted(rows: int, per_kind: int, seed: int) -> tuple[list[Planted], dict[str, list[tuple]]]:
    """The planted sessions and their log rows (a few hundred: built in Python)."""
    rnd = random.Random(seed)
    planted: list[Planted] = []
    extra: dict[str, list[tuple]] = {k: [] for k in FIELDS}
    # Ordinary clients (they also browse), each mining once: a finding is per client and pool.
    clients = iter(rnd.sample(range(CLIENTS), per_kind * len(KINDS)))
    for n in range(per_kind):
        for k, kind in enumerate(KINDS):
            # A server no ordinary client talks to.
            client = _ip(next(clients), 0x0A000000)
            server = _ip(k * 256 + n, 0x5DC80000)  # 93.200.x.y
            ts = f"{T0 + rnd.randrange(max(rows, 1)) * 0.01:.6f}"
            uid = f"M{kind}{n:04d}"
            cport = str(41000 + n)
            port = {"port": 3333, "dns": 443, "sni": 443, "agent": 8080}[kind]
            service = {"port": None, "dns": "ssl", "sni": "ssl", "agent": "http"}[kind]
            extra["conn"].append(
                (ts, uid, client, cport, server, str(port), "tcp", service, f"{3600 + n}.0",
                 str(20000 + n), str(40000 + n), "SF", str(300 + n), str(320 + n))
            )  # fmt: skip
            pool = POOLS[n % len(POOLS)]
            if kind == "dns":
                extra["dns"].append(
                    (f"{float(ts) - 1:.6f}", f"MD{n:04d}", client, "53000", RESOLVER, "53",
                     "udp", pool, server)
                )  # fmt: skip
            elif kind == "sni":
                extra["ssl"].append((ts, uid, client, cport, server, "443", pool))
            elif kind == "agent":
                agent = MINER_AGENTS[n % len(MINER_AGENTS)]
                extra["http"].append(
                    (ts, uid, client, cport, server, "8080", f"{server}:8080", agent,
                     f"worker{n}")
                )  # fmt: skip
            planted.append(Planted(kind, client, server, port))
    return planted, extra


def write(
    out: Path, rows: int, per_kind: int = 30, seed: int = 15, parquet: bool = False
) -> list[Planted]:
    """conn/dns/ssl/http logs with ``rows`` ordinary connections; the planted sessions.

    TSV by default (``KIND.log``); ``parquet`` writes ``KIND.parquet`` with Zeek's names."""
    out.mkdir(parents=True, exist_ok=True)
    planted, extra = _planted(rows, per_kind, seed)
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar = false")
        con.execute(
            "CREATE TEMP VIEW rows AS "
            + _ROWS.format(clients=CLIENTS, servers=SERVERS, t0=T0, seed=seed, rows=rows)
        )
        duration = "CAST(CAST(((h >> 4) % 30000000) / 1e6 AS DECIMAL(18, 6)) AS VARCHAR)"
        queries = {
            "conn": _CONN.format(duration=duration),
            "dns": _DNS,
            "ssl": _SSL,
            "http": _HTTP,
        }
        for kind, fields in FIELDS.items():
            cols = ", ".join(f"CAST(NULL AS VARCHAR) AS c{j}" for j in range(len(fields)))
            con.execute(f"CREATE TEMP TABLE planted_{kind} AS SELECT {cols} WHERE false")
            if extra[kind]:
                marks = ", ".join("?" for _ in fields)
                con.executemany(f"INSERT INTO planted_{kind} VALUES ({marks})", extra[kind])
            names = ", ".join(f'"{f}"' for f in fields)
            sql = (
                f"SELECT * FROM ({queries[kind]}) t({names}) UNION ALL SELECT * FROM planted_{kind}"
            )
            if parquet:
                target = str(out / f"{kind}.parquet").replace("'", "''")
                con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)")
                continue
            head = HEADER.format(
                kind=kind, fields="\t".join(fields), types="\t".join("string" for _ in fields)
            )
            target = str(out / f"{kind}.log").replace("'", "''")
            con.execute(
                f"COPY ({sql}) TO '{target}' (FORMAT csv, HEADER false, DELIMITER '\t', "
                f"QUOTE '', ESCAPE '', NULLSTR '-', PREFIX $p${head}$p$, SUFFIX $s${CLOSE}$s$)"
            )
    finally:
        con.close()
    (out / "planted.json").write_text(json.dumps([asdict(p) for p in planted]))
    return planted


def read_planted(out: Path) -> list[Planted]:
    return [Planted(**p) for p in json.loads((out / "planted.json").read_text())]


def eve_mining_flow(flow_id: int, src_ip: str, dest_ip: str) -> dict[str, object]:
    """One Suricata EVE flow record of an hour-long session to Stratum port 3333."""
    return {
        "timestamp": "2026-05-01T10:00:00.000000+0000",
        "flow_id": flow_id,
        "event_type": "flow",
        "src_ip": src_ip,
        "src_port": 40000,
        "dest_ip": dest_ip,
        "dest_port": 3333,
        "proto": "TCP",
        "flow": {
            "pkts_toserver": 40,
            "pkts_toclient": 40,
            "bytes_toserver": 4000,
            "bytes_toclient": 9000,
            "start": "2026-05-01T10:00:00.000000+0000",
            "end": "2026-05-01T11:00:00.000000+0000",
        },
    }

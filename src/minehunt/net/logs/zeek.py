"""`minehunt scan logs zeek DIR`: conn, dns, ssl, x509, http logs -> the shared verdict engine.

Reads Zeek's TSV (``#fields`` header) and JSON logs, gzipped or not, current and rotated
(``conn.log``, ``conn.00:00:00-01:00:00.log.gz``, ``conn.2024-05-01-10-00-00.log``), in
subdirectories too. Zeek logs carry no payload, so a plain Stratum session shows only as a
flow (to a mining port, to an address DNS gave for a pool, with a pool SNI); the verdicts
are the same as the capture's for that evidence. Certificate names come from x509.log (joined
on the first fingerprint of ssl.log's ``cert_chain_fps``) or, from older Zeek versions,
ssl.log's ``subject``. An http.log request whose User-Agent names a miner program (getwork
miners such as cgminer) becomes a getwork session with the Basic-auth user as its login.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import duckdb

from minehunt.intel import Intel
from minehunt.model import Finding
from minehunt.net.logs import logdb
from minehunt.net.observe import DnsObservation, FlowObservation, NameBook, Payload
from minehunt.net.stratum.http import (
    LOGGED_WALLET_PATH,
    logged_request_summary,
    miner_agent,
    path_login,
)
from minehunt.net.tls import certificate_host
from minehunt.net.verdict import STRATUM_V2_PORTS, Verdicts
from minehunt.report import Collector

SOURCE = "net.zeek"
SkipFn = Callable[[str, str], None]
KINDS = ("conn", "dns", "ssl", "x509", "http")
NODE_PORTS = {8333: Payload.BITCOIN_P2P, 18080: Payload.MONERO_P2P}
"""Default P2P ports: logs show no magic bytes, so node traffic is judged by port here."""
# Columns each log needs (Zeek's documented field names).
_FIELDS = {
    "conn": (
        "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service",
        "duration", "orig_bytes", "resp_bytes", "orig_pkts", "resp_pkts",
    ),
    "dns": ("ts", "uid", "id.orig_h", "id.resp_h", "query", "answers"),
    "ssl": ("uid", "server_name", "subject", "cert_chain_fps"),
    "x509": ("fingerprint", "certificate.subject", "san.dns"),
    "http": ("uid", "host", "uri", "user_agent", "username"),
}  # fmt: skip


def find_logs(directory: Path) -> dict[str, list[Path]]:
    """Log files per kind: ``KIND.log``, ``KIND.*.log``, and their ``.gz``."""
    out: dict[str, list[Path]] = {k: [] for k in KINDS}
    for path in sorted(directory.rglob("*")):
        name = path.name
        kind = name.split(".", 1)[0]
        if kind in out and ".log" in name and path.is_file():
            out[kind].append(path)
    return out


def _relation(
    con: duckdb.DuckDBPyConnection, kind: str, files: list[Path], skip: SkipFn
) -> str | None:
    """A SQL subquery over all files of one log kind with the needed columns as text."""
    parts: list[str] = []
    want = _FIELDS[kind]
    json_files: list[Path] = []
    tsv_groups: dict[tuple[str, ...], list[Path]] = {}
    for path in files:
        lines = logdb.head_lines(path)
        first = next((ln for ln in lines if ln.strip()), "")
        if not first:
            continue  # an empty log (Zeek writes JSON logs without a header): no rows
        if first.startswith("{"):
            json_files.append(path)
            continue
        header = next((ln.split("\t")[1:] for ln in lines if ln.startswith("#fields\t")), [])
        if not header:
            skip(str(path), "not a Zeek log (no #fields header and not JSON)")
            continue
        tsv_groups.setdefault(tuple(header), []).append(path)
    for fields, paths in tsv_groups.items():
        columns = ", ".join(f"{logdb.sql_str(f)}: 'VARCHAR'" for f in fields)
        select = ", ".join(f'"{f}"' if f in fields else f'NULL::VARCHAR AS "{f}"' for f in want)
        parts.append(
            f"SELECT {select}, filename FROM read_csv({logdb.sql_list(paths)}, delim='\\t', "
            f"header=false, comment='#', quote='', escape='', nullstr='-', "
            f"auto_detect=false, strict_mode=false, null_padding=true, "
            f"columns={{{columns}}}, filename=true)"
        )
    if json_files:
        columns = ", ".join(f"{logdb.sql_str(f)}: 'VARCHAR'" for f in want)
        select = ", ".join(f'"{f}"' for f in want)
        parts.append(
            f"SELECT {select}, filename FROM read_json({logdb.sql_list(json_files)}, "
            f"format='newline_delimited', columns={{{columns}}}, filename=true, "
            f"ignore_errors=true)"
        )
    return " UNION ALL ".join(f"({p})" for p in parts) if parts else None


def _answers(raw: str | None) -> list[str]:
    """Zeek's ``answers`` vector: comma-separated in TSV, a JSON array text in JSON logs."""
    if not raw:
        return []
    text = raw.strip()
    if text.startswith("["):
        text = text.strip("[]")
        return [a.strip().strip('"') for a in text.split(",") if a.strip()]
    return [a for a in text.split(",") if a and a != "(empty)"]


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def scan_zeek(directory: Path, intel: Intel, col: Collector) -> Iterator[Finding]:
    """Judge a Zeek log directory; one finding per client/pool pair."""
    skip = col.skipper(SOURCE)
    logs = find_logs(directory)
    if not any(logs.values()):
        skip(str(directory), "no Zeek conn/dns/ssl/x509/http logs found")
        return
    con = logdb.connect()
    col.progress.task("reading the logs")
    rel = {k: _relation(con, k, files, skip) for k, files in logs.items() if files}
    verdicts = Verdicts(intel)
    names = NameBook()
    try:
        _dns(con, rel.get("dns"), intel, names, verdicts, col)
        _conn(con, rel, intel, names, verdicts, col)
    except duckdb.Error as e:
        skip(str(directory), f"cannot read the logs: {e}")
    yield from verdicts.findings()


def _dns(
    con: duckdb.DuckDBPyConnection,
    rel: str | None,
    intel: Intel,
    names: NameBook,
    verdicts: Verdicts,
    col: Collector,
) -> None:
    if rel is None:
        return
    con.execute(f"CREATE TEMP TABLE dns AS SELECT * FROM ({rel})")
    col.count("zeek_dns_rows", con.execute("SELECT count(*) FROM dns").fetchone()[0])  # type: ignore[index]
    # Match names in Python (suffix rules of the pool list) over distinct values only.
    queries = [q for (q,) in con.execute("SELECT DISTINCT lower(query) FROM dns").fetchall()]
    pools = [q for q in queries if q and intel.pool_domain(q)]
    rows = con.execute(
        f'SELECT {logdb.epoch("ts")}, uid, "id.orig_h", "id.resp_h", lower(query), '
        "answers, filename FROM dns WHERE lower(query) IN (SELECT unnest(?::VARCHAR[]))",
        [pools],
    ).fetchall()
    for ts, uid, client, resolver, query, answers, filename in rows:
        values = _answers(answers)
        addresses = tuple(a for a in values if _is_ip(a))
        aliases = tuple(a.lower() for a in values if not _is_ip(a))
        pool = next((n for n in (query, *aliases) if intel.pool_domain(n)), None)
        if pool is None:
            continue
        for address in addresses:
            names.learn(address, query)
        verdicts.dns(
            DnsObservation(
                client, resolver, query, addresses, aliases, float(ts or 0.0),
                f"{filename} uid {uid}",
            )
        )  # fmt: skip


def _conn(
    con: duckdb.DuckDBPyConnection,
    rel: dict[str, str | None],
    intel: Intel,
    names: NameBook,
    verdicts: Verdicts,
    col: Collector,
) -> None:
    conn = rel.get("conn")
    if conn is None:
        return
    ssl = rel.get("ssl") or (
        "SELECT NULL::VARCHAR AS uid, NULL::VARCHAR AS server_name, NULL::VARCHAR AS subject, "
        "NULL::VARCHAR AS cert_chain_fps"
    )
    ports = sorted(intel.mining_ports | intel.tls_ports | STRATUM_V2_PORTS | set(NODE_PORTS))
    # The leaf's fingerprint: first of a set (TSV "a,b") or of a JSON array text ('["a","b"]').
    con.execute(
        f"""CREATE TEMP TABLE ssl AS SELECT uid, lower(server_name) AS sni, subject,
            nullif(split_part(regexp_replace(cert_chain_fps, '[\\[\\]" ]', '', 'g'), ',', 1), '')
            AS fp FROM ({ssl})"""
    )
    snis = [s for (s,) in con.execute("SELECT DISTINCT sni FROM ssl").fetchall()]
    pool_snis = [s for s in snis if s and intel.pool_domain(s)]
    cert_names = _certificates(con, rel.get("x509"))
    subjects = [s for (s,) in con.execute("SELECT DISTINCT subject FROM ssl").fetchall() if s]
    cert_names.update({s: names_of_subject(s, None) for s in subjects})
    pool_certs = [k for k, v in cert_names.items() if any(intel.pool_domain(n) for n in v)]
    http = rel.get("http") or (
        "SELECT NULL::VARCHAR AS uid, NULL::VARCHAR AS host, NULL::VARCHAR AS uri, "
        "NULL::VARCHAR AS user_agent, NULL::VARCHAR AS username"
    )
    con.execute(
        f"""CREATE TEMP TABLE http AS SELECT uid, any_value(host) AS host,
            any_value(user_agent) AS agent, any_value(username) AS username,
            any_value(uri) FILTER (WHERE regexp_matches(uri, {logdb.sql_str(LOGGED_WALLET_PATH)}))
            AS uri
            FROM ({http}) GROUP BY uid"""
    )
    agents = [a for (a,) in con.execute("SELECT DISTINCT agent FROM http").fetchall() if a]
    miner_agents = [a for a in agents if miner_agent(intel, a)]
    uris = con.execute("SELECT DISTINCT uri FROM http WHERE uri IS NOT NULL").fetchall()
    wallet_uris = [u for (u,) in uris if path_login(u)]
    addresses = names.addresses()
    sql = f"""
        WITH c AS (SELECT * FROM ({conn})),
        pool_ssl AS (SELECT uid FROM ssl WHERE sni IN (SELECT unnest(?::VARCHAR[]))
                     OR fp IN (SELECT unnest(?::VARCHAR[]))
                     OR subject IN (SELECT unnest(?::VARCHAR[])))
        SELECT {logdb.epoch("c.ts")}, c.uid, c."id.orig_h", c."id.orig_p", c."id.resp_h",
               c."id.resp_p", c.service, try_cast(c.duration AS DOUBLE),
               try_cast(c.orig_bytes AS BIGINT), try_cast(c.resp_bytes AS BIGINT),
               try_cast(c.orig_pkts AS BIGINT), try_cast(c.resp_pkts AS BIGINT),
               s.sni, s.fp, s.subject, c.filename, h.host, h.agent, h.username, h.uri
        FROM c LEFT JOIN ssl s USING (uid) LEFT JOIN http h USING (uid)
        WHERE c.proto = 'tcp' AND (
            try_cast(c."id.resp_p" AS INTEGER) IN (SELECT unnest(?::INTEGER[]))
            OR c."id.resp_h" IN (SELECT unnest(?::VARCHAR[]))
            OR c.uid IN (SELECT uid FROM pool_ssl)
            OR h.agent IN (SELECT unnest(?::VARCHAR[]))
            OR h.uri IN (SELECT unnest(?::VARCHAR[])))
    """
    rows = con.execute(
        sql, [pool_snis, pool_certs, pool_certs, ports, addresses, miner_agents, wallet_uris]
    ).fetchall()
    col.count("zeek_conn_candidates", len(rows))
    for row in rows:
        (ts, uid, client, cport, server, sport, service, duration, ob, rb, op, rp) = row[:12]
        sni, fp, subject, fn, host, agent, user, uri = row[12:]
        certs = cert_names.get(fp, ()) + cert_names.get(subject, ())
        obs = _flow(
            float(ts or 0.0), str(uid), str(client), int(cport), str(server), int(sport),
            service, duration, ob, rb, op, rp, sni, str(fn), names,
        )  # fmt: skip
        obs = replace(obs, cert_names=tuple(dict.fromkeys(certs)))
        summary = logged_request_summary(intel, agent=agent, host=host, user=user, uri=uri)
        if summary is not None:
            obs = replace(obs, mining=summary, payload=Payload.MINING)
        verdicts.flow(obs)


def names_of_subject(subject: str | None, san: str | None) -> tuple[str, ...]:
    """Host names of a certificate: the CN of a subject string ("CN=a,O=b") and SAN DNS names
    (a Zeek set or vector, TSV or JSON)."""
    out: list[str] = []
    for part in (subject or "").split(","):
        key, _, value = part.strip().partition("=")
        if key.upper() == "CN" and value:
            out.append(value)
    out += _answers(san)
    return tuple(certificate_host(n) for n in out)


def _certificates(con: duckdb.DuckDBPyConnection, rel: str | None) -> dict[str, tuple[str, ...]]:
    """Names per certificate fingerprint from x509.log (certificates are few: done in Python)."""
    if rel is None:
        return {}
    rows = con.execute(
        f'SELECT DISTINCT fingerprint, "certificate.subject", "san.dns" FROM ({rel})'
    ).fetchall()
    return {fp: names_of_subject(subject, san) for fp, subject, san in rows if fp}


def _flow(
    ts: float,
    uid: str,
    client: str,
    cport: int,
    server: str,
    sport: int,
    service: str | None,
    duration: float | None,
    orig_bytes: int | None,
    resp_bytes: int | None,
    orig_pkts: int | None,
    resp_pkts: int | None,
    sni: str | None,
    filename: str,
    names: NameBook,
) -> FlowObservation:
    ob, rb = orig_bytes or 0, resp_bytes or 0
    services = (service or "").lower()
    if sport in NODE_PORTS:
        payload = NODE_PORTS[sport]
    elif "ssl" in services or sni is not None:
        payload = Payload.TLS
    elif "http" in services:
        payload = Payload.HTTP
    elif ob or rb:
        payload = Payload.UNKNOWN
    else:
        payload = Payload.NONE
    return FlowObservation(
        client=client,
        client_port=cport,
        server=server,
        server_port=sport,
        first_seen=ts,
        last_seen=ts + (duration or 0.0),
        packets=(orig_pkts or 0) + (resp_pkts or 0),
        bytes=ob + rb,
        client_bytes=ob,
        server_bytes=rb,
        payload=payload,
        source=f"{filename} uid {uid}",
        sni=sni,
        server_name=names.name(server),
    )

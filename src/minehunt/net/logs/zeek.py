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

import glob
import ipaddress
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from minehunt.intel import Intel
from minehunt.model import Finding
from minehunt.net.logs import logdb
from minehunt.net.logs.engine import (
    DuckDBEngine,
    Engine,
    EngineName,
    Format,
    Source,
    Unreachable,
    column,
    display_path,
    gzip_intact,
    is_pattern,
    is_url,
    local_path,
)
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


REQUIRED = {
    "conn": ("uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto"),
    "dns": ("query",),
    "ssl": ("uid",),
    "x509": ("fingerprint",),
    "http": ("uid",),
}
"""Columns without which a log says nothing: a file lacking one is skipped with the reason."""


def _kind(name: str) -> str | None:
    kind = name.split(".", 1)[0]
    if kind in KINDS and (".log" in name or name.endswith(".parquet")):
        return kind
    return None


def find_logs(directory: Path) -> dict[str, list[Path]]:
    """Log files per kind: ``KIND.log``, ``KIND.*.log``, their ``.gz``, and ``KIND*.parquet``."""
    out: dict[str, list[Path]] = {k: [] for k in KINDS}
    for path in sorted(directory.rglob("*")):
        kind = _kind(path.name)
        if kind is not None and path.is_file():
            out[kind].append(path)
    return out


def is_remote(location: str | Path) -> bool:
    """A URL Spark reads (``hdfs://``, ``s3a://``...), not a local path."""
    return "://" in str(location) and not str(location).startswith("file:")


def _sources(engine: Engine, kind: str, files: list[str], skip: SkipFn) -> list[Source]:
    """The files of one log kind grouped by format (TSV by header), unreadable ones skipped.

    Local files (``file:`` URLs too) are checked here; others are read through the engine."""
    need = REQUIRED[kind]
    parquet: list[str] = []
    json_files: list[str] = []
    tsv_groups: dict[tuple[str, ...], list[str]] = {}
    for url in files:
        local = local_path(url)
        path = display_path(url)
        if url.endswith(".parquet"):
            parquet.append(url)
            continue
        if local is not None and url.endswith(".gz") and (why := gzip_intact(local)):
            skip(path, why)
            continue
        try:
            lines = engine.head(url, 16) if local is None else logdb.head_lines(local)
        except engine.errors as e:
            skip(path, f"cannot read: {str(e).strip().splitlines()[0]}")
            continue
        first = next((ln for ln in lines if ln.strip()), "")
        if not first:
            continue  # an empty log (Zeek writes JSON logs without a header): no rows
        if first.startswith("{"):
            try:
                keys = set(json.loads(first))
            except ValueError:
                keys = set()
            if missing := [f for f in need if f not in keys]:
                skip(path, f"JSON {kind} log lacks the columns {', '.join(missing)}")
                continue
            json_files.append(url)
            continue
        header = next((ln.split("\t")[1:] for ln in lines if ln.startswith("#fields\t")), [])
        if not header:
            skip(path, "not a Zeek log (no #fields header and not JSON)")
            continue
        if missing := [f for f in need if f not in header]:
            skip(path, f"{kind} log lacks the columns {', '.join(missing)}")
            continue
        if twice := _repeated(header):
            skip(path, f"the #fields header names {twice[:80]!r} twice (or leaves it empty)")
            continue
        tsv_groups.setdefault(tuple(header), []).append(url)
    out = [Source(Format.TSV, tuple(p), fields) for fields, p in tsv_groups.items()]
    if json_files:
        out.append(Source(Format.JSON, tuple(json_files)))
    if parquet:
        out.append(Source(Format.PARQUET, tuple(parquet)))
    return out


def _repeated(header: list[str]) -> str | None:
    """A column name the header gives twice (the engines compare names without case) or an
    empty one: no table can have it, so such a log is skipped."""
    seen: set[str] = set()
    for name in header:
        key = column(name).lower()
        if not key or key in seen:
            return name
        seen.add(key)
    return None


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


def _find(eng: Engine, location: str) -> dict[str, list[str]]:
    """The log files per kind at a directory, URL or glob.

    Spark lists URLs (``file://`` too) and globs itself (Hadoop's FileSystem, so they are passed
    to it as given); local paths and globs for DuckDB are listed here."""
    found: dict[str, list[str]] = {k: [] for k in KINDS}
    if eng.name is EngineName.SPARK and (is_url(location) or is_pattern(location)):
        for url in eng.list_files(location):
            kind = _kind(url.rsplit("/", 1)[-1])
            if kind is not None:
                found[kind].append(url)
        return found
    root = local_path(location)
    if root is None:
        raise Unreachable(f"DuckDB reads local paths only, not {location}: use --engine spark")
    roots = [root] if root.exists() else _glob(root) if is_pattern(location) else []
    if not roots:
        raise Unreachable(f"{location}: no such file or directory")
    for match in roots:
        files = find_logs(match) if match.is_dir() else {k: [] for k in KINDS}
        if match.is_file() and (kind := _kind(match.name)) is not None:
            files[kind].append(match)
        for kind, paths in files.items():
            found[kind] += [str(p.resolve()) for p in paths]
    return found


def _glob(pattern: Path) -> list[Path]:
    return [Path(p) for p in sorted(glob.glob(str(pattern), recursive=True))]


def scan_zeek(
    directory: Path | str,
    intel: Intel,
    col: Collector,
    engine: Engine | None = None,
    output_dir: str | None = None,
) -> Iterator[Finding]:
    """Judge a Zeek log directory or glob (with Spark also any URL Hadoop reads: ``file://``,
    ``hdfs://``, ``s3a://``); one finding per client/pool pair. ``output_dir`` receives the
    candidate rows as Parquet."""
    skip = col.skipper(SOURCE)
    own = engine is None
    eng = engine or DuckDBEngine()
    location = str(directory)
    try:
        try:
            found = _find(eng, location)
        except Unreachable as e:
            skip(location, str(e))
            return
        except eng.errors as e:
            skip(location, f"cannot list the logs: {str(e).strip().splitlines()[0]}")
            return
        if not any(found.values()):
            skip(location, "no Zeek conn/dns/ssl/x509/http logs found")
            return
        col.progress.task("reading the logs")
        verdicts = Verdicts(intel)
        names = NameBook()
        try:
            for kind in KINDS:
                sources = _sources(eng, kind, found[kind], skip)
                eng.load(f"zeek_{kind}", sources, _FIELDS[kind])
            _dns(eng, intel, names, verdicts, col)
            _conn(eng, intel, names, verdicts, col, output_dir, skip, location)
        except eng.errors as e:
            skip(location, f"cannot read the logs: {str(e)[:500]}")
        if isinstance(eng, DuckDBEngine):
            for path, n in sorted(eng.rejected().items()):
                skip(path, f"{n} line(s) over the {logdb.MAX_LINE >> 20} MiB line limit skipped")
        yield from verdicts.findings()
    finally:
        if own:
            eng.close()


def ordered(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows in one order whatever engine produced them: equal input, equal findings."""
    return sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r))


def _dns(eng: Engine, intel: Intel, names: NameBook, verdicts: Verdicts, col: Collector) -> None:
    eng.materialize("zeek_dns_t", "SELECT * FROM zeek_dns")
    col.count("zeek_dns_rows", eng.rows("SELECT count(*) FROM zeek_dns_t")[0][0])
    # Match names in Python (suffix rules of the pool list) over distinct values only.
    queries = [q for (q,) in eng.rows("SELECT DISTINCT lower(query) FROM zeek_dns_t")]
    eng.lookup("mh_pool_queries", [q for q in queries if q and intel.pool_domain(q)], "VARCHAR")
    rows = eng.rows(
        f"SELECT {eng.epoch('ts')}, uid, id_orig_h, id_resp_h, lower(query), answers, filename "
        "FROM zeek_dns_t WHERE lower(query) IN (SELECT v FROM mh_pool_queries)"
    )
    for ts, uid, client, resolver, query, answers, filename in ordered(rows):
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


POOL_UIDS = """
    SELECT uid FROM zeek_ssl_t WHERE sni IN (SELECT v FROM mh_pool_snis)
    OR fp IN (SELECT v FROM mh_pool_certs) OR subject IN (SELECT v FROM mh_pool_certs)
    UNION ALL
    SELECT uid FROM zeek_http_t WHERE agent IN (SELECT v FROM mh_agents)
    OR uri IN (SELECT v FROM mh_wallet_uris)
"""
"""Connection ids whose ssl.log names a pool or whose http.log is a miner's (few: kept as the
table ``mh_pool_uids`` so the conn log is filtered by lookups alone)."""

CANDIDATES = """
    WITH c AS (SELECT * FROM zeek_conn WHERE proto = 'tcp' AND (
          try_cast(id_resp_p AS INTEGER) IN (SELECT v FROM mh_ports)
          OR id_resp_h IN (SELECT v FROM mh_addresses)
          OR uid IN (SELECT uid FROM mh_pool_uids)))
    SELECT {ts} AS ts, c.uid, c.id_orig_h, try_cast(c.id_orig_p AS INTEGER) AS id_orig_p,
           c.id_resp_h, try_cast(c.id_resp_p AS INTEGER) AS id_resp_p, c.service,
           try_cast(c.duration AS DOUBLE) AS duration,
           try_cast(c.orig_bytes AS BIGINT) AS orig_bytes,
           try_cast(c.resp_bytes AS BIGINT) AS resp_bytes,
           try_cast(c.orig_pkts AS BIGINT) AS orig_pkts,
           try_cast(c.resp_pkts AS BIGINT) AS resp_pkts,
           s.sni, s.fp, s.subject, c.filename, h.host, h.agent, h.username, h.uri
    FROM c LEFT JOIN zeek_ssl_t s ON s.uid = c.uid LEFT JOIN zeek_http_t h ON h.uid = c.uid
"""
"""Zeek connections that can be mining: the one candidate selection both engines run. Every
test is a lookup in a small set (semi-joins; on Spark broadcast, no shuffle), so the full conn
log is filtered where it is read; only the candidates are joined with ssl and http on uid."""


def _conn(
    eng: Engine,
    intel: Intel,
    names: NameBook,
    verdicts: Verdicts,
    col: Collector,
    output_dir: str | None,
    skip: Callable[[str, str], None],
    location: str,
) -> None:
    ports = sorted(intel.mining_ports | intel.tls_ports | STRATUM_V2_PORTS | set(NODE_PORTS))
    eng.lookup("mh_ports", ports, "INTEGER")
    # The leaf's fingerprint: first of a set (TSV "a,b") or of a JSON array text ('["a","b"]').
    eng.materialize(
        "zeek_ssl_t",
        "SELECT uid, lower(server_name) AS sni, subject, "
        "nullif(regexp_extract(cert_chain_fps, '([0-9A-Fa-f]+)', 1), '') AS fp FROM zeek_ssl",
    )
    snis = [s for (s,) in eng.rows("SELECT DISTINCT sni FROM zeek_ssl_t")]
    eng.lookup("mh_pool_snis", [s for s in snis if s and intel.pool_domain(s)], "VARCHAR")
    cert_names = _certificates(eng)
    subjects = [s for (s,) in eng.rows("SELECT DISTINCT subject FROM zeek_ssl_t") if s]
    cert_names.update({s: names_of_subject(s, None) for s in subjects})
    pool_certs = [k for k, v in cert_names.items() if any(intel.pool_domain(n) for n in v)]
    eng.lookup("mh_pool_certs", sorted(pool_certs), "VARCHAR")
    eng.materialize(
        "zeek_http_t",
        "SELECT uid, max(host) AS host, max(user_agent) AS agent, max(username) AS username, "
        # regexp_extract reads the same in DuckDB and Spark SQL
        f"max(CASE WHEN regexp_extract(uri, '{LOGGED_WALLET_PATH}', 0) <> '' THEN uri END) "
        "AS uri FROM zeek_http GROUP BY uid",
    )
    agents = [a for (a,) in eng.rows("SELECT DISTINCT agent FROM zeek_http_t") if a]
    eng.lookup("mh_agents", [a for a in agents if miner_agent(intel, a)], "VARCHAR")
    uris = eng.rows("SELECT DISTINCT uri FROM zeek_http_t WHERE uri IS NOT NULL")
    eng.lookup("mh_wallet_uris", sorted(u for (u,) in uris if path_login(u)), "VARCHAR")
    eng.lookup("mh_addresses", names.addresses(), "VARCHAR")
    eng.materialize("mh_pool_uids", POOL_UIDS)
    sql = CANDIDATES.format(ts=eng.epoch("c.ts"))
    if output_dir is not None:
        eng.write(sql, output_dir.rstrip("/") + "/zeek_conn_candidates")
    rows = ordered(eng.rows(sql))
    col.count("zeek_conn_candidates", len(rows))
    bad_ports = 0
    for row in rows:
        (ts, uid, client, cport, server, sport, service, duration, ob, rb, op, rp) = row[:12]
        sni, fp, subject, fn, host, agent, user, uri = row[12:]
        if cport is None or sport is None:  # a port that is not a number: a damaged line
            bad_ports += 1
            continue
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
    if bad_ports:
        skip(location, f"{bad_ports} connection(s) with a port that is not a number skipped")


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


def _certificates(eng: Engine) -> dict[str, tuple[str, ...]]:
    """Names per certificate fingerprint from x509.log (certificates are few: done in Python)."""
    rows = eng.rows("SELECT DISTINCT fingerprint, certificate_subject, san_dns FROM zeek_x509")
    out: dict[str, tuple[str, ...]] = {}
    for fp, subject, san in ordered(rows):
        if fp:
            out[fp] = names_of_subject(subject, san)
    return out


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

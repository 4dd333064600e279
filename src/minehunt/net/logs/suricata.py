"""`minehunt scan logs suricata EVE.json`: dns, tls, flow, http and alert events -> verdicts.

Events of one connection share a ``flow_id``. An alert that logged its payload (``payload``,
base64) is fed to the mining-protocol parser, so an ET coin-miner alert on XMRig's login
yields the wallet and worker like a capture does; without payload it stays an IDS alert.
"""

from __future__ import annotations

import base64
import binascii
import glob
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from minehunt.intel import Intel
from minehunt.model import Finding
from minehunt.net.logs import logdb
from minehunt.net.logs.engine import (
    DuckDBEngine,
    Engine,
    EngineName,
    Unreachable,
    display_path,
    gzip_intact,
    is_pattern,
    is_url,
    local_path,
)
from minehunt.net.logs.zeek import NODE_PORTS, names_of_subject, ordered
from minehunt.net.observe import DnsObservation, FlowObservation, NameBook, Payload
from minehunt.net.stratum import Direction, Session
from minehunt.net.stratum.http import (
    LOGGED_WALLET_PATH,
    logged_request_summary,
    miner_agent,
    path_login,
)
from minehunt.net.verdict import STRATUM_V2_PORTS, Verdicts, is_coinminer_alert
from minehunt.report import Collector

SOURCE = "net.suricata"
_COLUMNS = {
    "timestamp": "VARCHAR",
    "flow_id": "VARCHAR",
    "event_type": "VARCHAR",
    "src_ip": "VARCHAR",
    "src_port": "INTEGER",
    "dest_ip": "VARCHAR",
    "dest_port": "INTEGER",
    "proto": "VARCHAR",
    "app_proto": "VARCHAR",
    "dns": "JSON",
    "tls": "JSON",
    "flow": "JSON",
    "http": "JSON",
    "alert": "JSON",
    "payload": "VARCHAR",
}


def scan_eve(
    paths: list[Path] | list[str],
    intel: Intel,
    col: Collector,
    engine: Engine | None = None,
    output_dir: str | None = None,
) -> Iterator[Finding]:
    """Judge Suricata EVE files (local, or ``hdfs://``/``s3a://`` with Spark); one finding per
    client/pool pair. ``output_dir`` receives the candidate rows as Parquet."""
    skip = col.skipper(SOURCE)
    own = engine is None
    eng = engine or DuckDBEngine()
    try:
        files = [p for p in _files(eng, [str(p) for p in paths], skip) if _readable(eng, p, skip)]
        if not files:
            return
        try:
            col.progress.task("reading the events")
            eng.load_eve("eve", files, _COLUMNS)
            col.count("eve_events", eng.rows("SELECT count(*) FROM eve")[0][0])
        except eng.errors as e:
            for p in files:
                skip(p, f"cannot read as EVE JSON: {e}")
            return
        verdicts = Verdicts(intel)
        names = NameBook()
        try:
            _dns(eng, intel, names, verdicts)
            _flows(eng, intel, names, verdicts, col, output_dir)
        except eng.errors as e:  # keep what was judged before the failure
            for p in files:
                skip(p, f"cannot analyse the events: {e}")
        yield from verdicts.findings()
    finally:
        if own:
            eng.close()


def _files(eng: Engine, paths: list[str], skip: Callable[[str, str], None]) -> list[str]:
    """The EVE files given: Spark lists URLs (``file://`` too) and globs itself, as given;
    local paths and, for DuckDB, local globs are resolved here."""
    out: list[str] = []
    for given in paths:
        local = local_path(given)
        try:
            if eng.name is EngineName.SPARK and (is_url(given) or is_pattern(given)):
                out += eng.list_files(given)
            elif local is None:
                raise Unreachable(f"DuckDB reads local paths only, not {given}: use --engine spark")
            elif not local.exists() and is_pattern(given):
                out += [str(Path(p).resolve()) for p in sorted(glob.glob(str(local)))]
            else:
                out.append(str(local.resolve()))
        except Unreachable as e:
            skip(given, str(e))
        except eng.errors as e:
            skip(given, f"cannot list: {str(e).strip().splitlines()[0]}")
    return out


def _readable(eng: Engine, url: str, skip: Callable[[str, str], None]) -> bool:
    local = local_path(url)
    path = display_path(url)
    if local is not None and url.endswith(".gz") and (why := gzip_intact(local)):
        skip(path, why)
        return False
    try:
        lines = eng.head(url, 4) if local is None else logdb.head_lines(local, 4)
    except eng.errors as e:
        skip(path, f"cannot read: {str(e).strip().splitlines()[0]}")
        return False
    if not lines:
        skip(path, "empty or unreadable file")
        return False
    if not lines[0].lstrip().startswith("{"):
        skip(path, "not EVE JSON (one JSON object per line)")
        return False
    return True


def _dns(eng: Engine, intel: Intel, names: NameBook, verdicts: Verdicts) -> None:
    j = eng.json_str
    name = f"lower(coalesce({j('dns', '$.rrname')}, {j('dns', '$.queries[0].rrname')}))"
    eng.materialize(
        "eve_dns",
        f"SELECT {eng.epoch('ts')} AS ts, src_ip, src_port, dest_ip, dest_port, {name} AS name, "
        f"{j('dns', '$.type')} AS kind, {j('dns', '$.answers')} AS answers, "
        f"{j('dns', '$.rdata')} AS rdata, {j('dns', '$.rrtype')} AS rrtype, filename "
        "FROM eve WHERE event_type = 'dns'",
    )
    found = [n for (n,) in eng.rows("SELECT DISTINCT name FROM eve_dns")]
    eng.lookup("mh_pool_names", [n for n in found if n and intel.pool_domain(n)], "VARCHAR")
    rows = ordered(eng.rows("SELECT * FROM eve_dns WHERE name IN (SELECT v FROM mh_pool_names)"))
    answered: set[tuple[str, str]] = set()
    pending: list[DnsObservation] = []
    for ts, sip, sport, dip, _dport, qname, kind, answers, rdata, rrtype, fn in rows:
        if not qname or not intel.pool_domain(qname):
            continue
        # The resolver is the port-53 side, whatever the event's orientation.
        client, resolver = (dip, sip) if sport == 53 else (sip, dip)
        addresses: list[str] = []
        aliases: list[str] = []
        for record in _records(answers, rdata, rrtype):
            rtype, data = record
            if rtype in ("A", "AAAA"):
                addresses.append(data)
            elif rtype == "CNAME":
                aliases.append(data.lower())
        obs = DnsObservation(
            client, resolver, qname, tuple(addresses), tuple(aliases), float(ts or 0.0), str(fn)
        )
        if kind == "query":
            pending.append(obs)
            continue
        answered.add((client, qname))
        for address in addresses:
            names.learn(address, qname)
        verdicts.dns(obs)
    for obs in pending:
        if (obs.client, obs.name) not in answered:
            verdicts.dns(obs)


def _records(answers: str | None, rdata: str | None, rrtype: str | None) -> list[tuple[str, str]]:
    """(type, data) answers from EVE dns v2/v3 ``answers`` or a v1 per-answer event."""
    out: list[tuple[str, str]] = []
    if answers:
        try:
            items = json.loads(answers)
        except ValueError:
            items = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("rdata"), str):
                out.append((str(item.get("rrtype", "")), item["rdata"]))
    elif rdata and rrtype:
        out.append((rrtype, rdata))
    return out


CANDIDATES = """
    WITH tls AS (SELECT flow_id, max(lower({tls_sni})) AS sni, max({tls_subject}) AS subject
                 FROM eve WHERE event_type = 'tls' GROUP BY flow_id),
    http AS (SELECT flow_id, max({http_ua}) AS ua, max({http_host}) AS hhost,
                    max(CASE WHEN {http_url} IN (SELECT v FROM mh_wallet_urls)
                             THEN {http_url} END) AS url
             FROM eve WHERE event_type = 'http' GROUP BY flow_id),
    alerts AS (SELECT flow_id, {sigs} AS sigs, {payloads} AS payloads,
                      max(src_ip) AS a_src, max(src_port) AS a_sport,
                      max(dest_ip) AS a_dst, max(dest_port) AS a_dport,
                      min({ts}) AS a_ts, max(filename) AS a_fn
               FROM eve WHERE event_type = 'alert'
                 AND {signature} IN (SELECT v FROM mh_coin_alerts)
               GROUP BY flow_id),
    flows AS (SELECT * FROM eve WHERE event_type = 'flow' AND proto = 'TCP')
    SELECT coalesce(f.flow_id, a.flow_id) AS flow_id, coalesce(f.src_ip, a.a_src) AS client,
           coalesce(f.src_port, a.a_sport) AS client_port,
           coalesce(f.dest_ip, a.a_dst) AS server, coalesce(f.dest_port, a.a_dport) AS port,
           f.app_proto, coalesce({start}, a.a_ts) AS first_seen,
           coalesce({end}, a.a_ts) AS last_seen,
           try_cast({pkts_toserver} AS BIGINT) AS pkts_toserver,
           try_cast({pkts_toclient} AS BIGINT) AS pkts_toclient,
           try_cast({bytes_toserver} AS BIGINT) AS bytes_toserver,
           try_cast({bytes_toclient} AS BIGINT) AS bytes_toclient,
           t.sni, a.sigs, a.payloads, coalesce(f.filename, a.a_fn) AS filename, t.subject,
           h.ua, h.hhost, h.url
    FROM flows f FULL OUTER JOIN alerts a ON f.flow_id = a.flow_id
    LEFT JOIN tls t ON t.flow_id = coalesce(f.flow_id, a.flow_id)
    LEFT JOIN http h ON h.flow_id = coalesce(f.flow_id, a.flow_id)
    WHERE a.flow_id IS NOT NULL
       OR f.dest_port IN (SELECT v FROM mh_ports)
       OR f.dest_ip IN (SELECT v FROM mh_addresses)
       OR t.sni IN (SELECT v FROM mh_pool_snis)
       OR t.subject IN (SELECT v FROM mh_pool_subjects)
       OR h.ua IN (SELECT v FROM mh_agents)
       OR h.url IS NOT NULL
"""
"""EVE flows (and coin-miner alerts) that can be mining: the one selection both engines run."""


def _flows(
    eng: Engine,
    intel: Intel,
    names: NameBook,
    verdicts: Verdicts,
    col: Collector,
    output_dir: str | None,
) -> None:
    j = eng.json_str
    ports = sorted(intel.mining_ports | intel.tls_ports | STRATUM_V2_PORTS | set(NODE_PORTS))
    eng.lookup("mh_ports", ports, "INTEGER")
    eng.lookup("mh_addresses", names.addresses(), "VARCHAR")
    snis = eng.rows(f"SELECT DISTINCT lower({j('tls', '$.sni')}) FROM eve WHERE event_type = 'tls'")
    eng.lookup("mh_pool_snis", [s for (s,) in snis if s and intel.pool_domain(s)], "VARCHAR")
    subjects = eng.rows(
        f"SELECT DISTINCT {j('tls', '$.subject')} FROM eve WHERE event_type = 'tls'"
    )
    subject_names = {s: names_of_subject(s, None) for (s,) in subjects if s}
    pool_subjects = [s for s, n in subject_names.items() if any(intel.pool_domain(x) for x in n)]
    eng.lookup("mh_pool_subjects", pool_subjects, "VARCHAR")
    agents = eng.rows(
        f"SELECT DISTINCT {j('http', '$.http_user_agent')} FROM eve WHERE event_type = 'http'"
    )
    eng.lookup("mh_agents", [a for (a,) in agents if a and miner_agent(intel, a)], "VARCHAR")
    url = j("http", "$.url")
    urls = eng.rows(
        f"SELECT DISTINCT {url} FROM eve WHERE event_type = 'http' "
        f"AND regexp_extract({url}, '{LOGGED_WALLET_PATH}', 0) <> ''"
    )
    eng.lookup("mh_wallet_urls", sorted(u for (u,) in urls if path_login(u)), "VARCHAR")
    signatures = eng.rows(
        f"SELECT DISTINCT {j('alert', '$.signature')} FROM eve WHERE event_type = 'alert'"
    )
    coin = [s for (s,) in signatures if s and is_coinminer_alert(s)]
    eng.lookup("mh_coin_alerts", coin, "VARCHAR")
    sql = CANDIDATES.format(
        tls_sni=j("tls", "$.sni"),
        tls_subject=j("tls", "$.subject"),
        http_ua=j("http", "$.http_user_agent"),
        http_host=j("http", "$.hostname"),
        http_url=url,
        sigs=eng.collect(j("alert", "$.signature")),
        payloads=eng.collect("payload"),
        signature=j("alert", "$.signature"),
        ts=eng.epoch("ts"),
        start=eng.epoch(j("f.flow", "$.start")),
        end=eng.epoch(j("f.flow", "$.end")),
        pkts_toserver=j("f.flow", "$.pkts_toserver"),
        pkts_toclient=j("f.flow", "$.pkts_toclient"),
        bytes_toserver=j("f.flow", "$.bytes_toserver"),
        bytes_toclient=j("f.flow", "$.bytes_toclient"),
    )
    if output_dir is not None:
        eng.write(sql, output_dir.rstrip("/") + "/eve_flow_candidates")
    rows = ordered(eng.rows(sql))
    col.count("eve_flow_candidates", len(rows))
    for row in rows:
        (fid, client, cport, server, sport, app, start, end) = row[:8]
        (pts, ptc, bts, btc, sni, sigs, payloads, fn, subject, agent, host, url) = row[8:]
        session = Session()
        for raw in payloads or ():
            try:
                session.feed(Direction.CLIENT, base64.b64decode(raw, validate=False))
            except (binascii.Error, ValueError):
                continue
        summary = session.summary() or logged_request_summary(
            intel, agent=agent, host=host, uri=url
        )
        app = (app or "").lower()
        if summary is not None:
            payload = Payload.MINING
        elif sport in NODE_PORTS:
            payload = NODE_PORTS[sport]
        elif app == "tls" or sni or subject:
            payload = Payload.TLS
        elif app == "http":
            payload = Payload.HTTP
        elif (bts or 0) + (btc or 0) > 0 or sigs:
            payload = Payload.UNKNOWN
        else:
            payload = Payload.NONE
        verdicts.flow(
            FlowObservation(
                client=str(client),
                client_port=int(cport or 0),
                server=str(server),
                server_port=int(sport or 0),
                first_seen=float(start or 0.0),
                last_seen=float(end or start or 0.0),
                packets=(pts or 0) + (ptc or 0),
                bytes=(bts or 0) + (btc or 0),
                client_bytes=bts or 0,
                server_bytes=btc or 0,
                payload=payload,
                source=f"{fn} flow_id {fid}",
                mining=summary,
                sni=sni,
                cert_names=subject_names.get(subject, ()) if subject else (),
                server_name=names.name(str(server)),
                alerts=tuple(s for s in sigs or () if s),
            )
        )

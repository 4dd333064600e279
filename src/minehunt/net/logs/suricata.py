"""`minehunt scan logs suricata EVE.json`: dns, tls, flow, http and alert events -> verdicts.

Events of one connection share a ``flow_id``. An alert that logged its payload (``payload``,
base64) is fed to the mining-protocol parser, so an ET coin-miner alert on XMRig's login
yields the wallet and worker like a capture does; without payload it stays an IDS alert.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from minehunt.intel import Intel
from minehunt.model import Finding
from minehunt.net.logs import logdb
from minehunt.net.logs.zeek import NODE_PORTS, names_of_subject
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


def scan_eve(paths: list[Path], intel: Intel, col: Collector) -> Iterator[Finding]:
    """Judge Suricata EVE files; one finding per client/pool pair."""
    skip = col.skipper(SOURCE)
    files = [p for p in paths if _readable(p, skip)]
    if not files:
        return
    con = logdb.connect()
    col.progress.task("reading the events")
    columns = ", ".join(f"{logdb.sql_str(k)}: '{v}'" for k, v in _COLUMNS.items())
    try:
        con.execute(
            "CREATE TEMP TABLE eve AS SELECT *, filename FROM read_json("
            f"{logdb.sql_list(files)}, format='newline_delimited', columns={{{columns}}}, "
            "filename=true, ignore_errors=true) WHERE event_type IN "
            "('dns', 'tls', 'flow', 'http', 'alert')"
        )
    except duckdb.Error as e:
        for p in files:
            skip(str(p), f"cannot read as EVE JSON: {e}")
        return
    col.count("eve_events", con.execute("SELECT count(*) FROM eve").fetchone()[0])  # type: ignore[index]
    verdicts = Verdicts(intel)
    names = NameBook()
    try:
        _dns(con, intel, names, verdicts)
        _flows(con, intel, names, verdicts, col)
    except duckdb.Error as e:  # keep what was judged before the failure
        for p in files:
            skip(str(p), f"cannot analyse the events: {e}")
    yield from verdicts.findings()


def _readable(path: Path, skip: Callable[[str, str], None]) -> bool:
    lines = logdb.head_lines(path, 4)
    if not lines:
        skip(str(path), "empty or unreadable file")
        return False
    if not lines[0].lstrip().startswith("{"):
        skip(str(path), "not EVE JSON (one JSON object per line)")
        return False
    return True


def _dns(con: duckdb.DuckDBPyConnection, intel: Intel, names: NameBook, verdicts: Verdicts) -> None:
    rows = con.execute(
        f"""
        SELECT {logdb.epoch("timestamp")}, src_ip, src_port, dest_ip, dest_port,
               lower(coalesce(json_extract_string(dns, '$.rrname'),
                              json_extract_string(dns, '$.queries[0].rrname'))) AS name,
               json_extract_string(dns, '$.type') AS kind,
               json_extract(dns, '$.answers') AS answers,
               json_extract_string(dns, '$.rdata') AS rdata,
               json_extract_string(dns, '$.rrtype') AS rrtype,
               filename
        FROM eve WHERE event_type = 'dns'
        """
    ).fetchall()
    answered: set[tuple[str, str]] = set()
    pending: list[DnsObservation] = []
    for ts, sip, sport, dip, _dport, name, kind, answers, rdata, rrtype, fn in rows:
        if not name or not intel.pool_domain(name):
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
            client, resolver, name, tuple(addresses), tuple(aliases), float(ts or 0.0), str(fn)
        )
        if kind == "query":
            pending.append(obs)
            continue
        answered.add((client, name))
        for address in addresses:
            names.learn(address, name)
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


def _flows(
    con: duckdb.DuckDBPyConnection,
    intel: Intel,
    names: NameBook,
    verdicts: Verdicts,
    col: Collector,
) -> None:
    ports = sorted(intel.mining_ports | intel.tls_ports | STRATUM_V2_PORTS | set(NODE_PORTS))
    snis = con.execute(
        "SELECT DISTINCT lower(json_extract_string(tls, '$.sni')) FROM eve WHERE event_type = 'tls'"
    ).fetchall()
    pool_snis = [s for (s,) in snis if s and intel.pool_domain(s)]
    subjects = con.execute(
        "SELECT DISTINCT json_extract_string(tls, '$.subject') FROM eve WHERE event_type = 'tls'"
    ).fetchall()
    subject_names = {s: names_of_subject(s, None) for (s,) in subjects if s}
    pool_subjects = [s for s, n in subject_names.items() if any(intel.pool_domain(x) for x in n)]
    agents = con.execute(
        "SELECT DISTINCT json_extract_string(http, '$.http_user_agent') FROM eve "
        "WHERE event_type = 'http'"
    ).fetchall()
    miner_agents = [a for (a,) in agents if a and miner_agent(intel, a)]
    urls = con.execute(
        "SELECT DISTINCT json_extract_string(http, '$.url') AS u FROM eve "
        f"WHERE event_type = 'http' AND regexp_matches(u, {logdb.sql_str(LOGGED_WALLET_PATH)})"
    ).fetchall()
    wallet_urls = [u for (u,) in urls if path_login(u)]
    signatures = con.execute(
        "SELECT DISTINCT json_extract_string(alert, '$.signature') FROM eve "
        "WHERE event_type = 'alert'"
    ).fetchall()
    coin = [s for (s,) in signatures if s and is_coinminer_alert(s)]
    rows = con.execute(
        f"""
        WITH tls AS (SELECT flow_id, any_value(lower(json_extract_string(tls, '$.sni'))) AS sni,
                            any_value(json_extract_string(tls, '$.subject')) AS subject
                     FROM eve WHERE event_type = 'tls' GROUP BY flow_id),
        http AS (SELECT flow_id, any_value(json_extract_string(http, '$.http_user_agent')) AS ua,
                        any_value(json_extract_string(http, '$.hostname')) AS hhost,
                        any_value(json_extract_string(http, '$.url')) FILTER (
                            WHERE json_extract_string(http, '$.url')
                                  IN (SELECT unnest(?::VARCHAR[]))) AS url
                 FROM eve WHERE event_type = 'http' GROUP BY flow_id),
        alerts AS (SELECT flow_id, list(json_extract_string(alert, '$.signature')) AS sigs,
                          list(payload) FILTER (WHERE payload IS NOT NULL) AS payloads,
                          any_value(src_ip) AS a_src, any_value(src_port) AS a_sport,
                          any_value(dest_ip) AS a_dst, any_value(dest_port) AS a_dport,
                          min({logdb.epoch("timestamp")}) AS a_ts, any_value(filename) AS a_fn
                   FROM eve WHERE event_type = 'alert'
                     AND json_extract_string(alert, '$.signature') IN (SELECT unnest(?::VARCHAR[]))
                   GROUP BY flow_id),
        flows AS (SELECT * FROM eve WHERE event_type = 'flow' AND proto = 'TCP')
        SELECT coalesce(f.flow_id, a.flow_id), coalesce(f.src_ip, a.a_src),
               coalesce(f.src_port, a.a_sport), coalesce(f.dest_ip, a.a_dst),
               coalesce(f.dest_port, a.a_dport), f.app_proto,
               coalesce({logdb.epoch("json_extract_string(f.flow, '$.start')")}, a.a_ts),
               coalesce({logdb.epoch("json_extract_string(f.flow, '$.end')")}, a.a_ts),
               json_extract(f.flow, '$.pkts_toserver')::BIGINT,
               json_extract(f.flow, '$.pkts_toclient')::BIGINT,
               json_extract(f.flow, '$.bytes_toserver')::BIGINT,
               json_extract(f.flow, '$.bytes_toclient')::BIGINT,
               t.sni, a.sigs, a.payloads, coalesce(f.filename, a.a_fn), t.subject, h.ua, h.hhost,
               h.url
        FROM flows f FULL OUTER JOIN alerts a ON f.flow_id = a.flow_id
        LEFT JOIN tls t ON t.flow_id = coalesce(f.flow_id, a.flow_id)
        LEFT JOIN http h ON h.flow_id = coalesce(f.flow_id, a.flow_id)
        WHERE a.flow_id IS NOT NULL
           OR f.dest_port IN (SELECT unnest(?::INTEGER[]))
           OR f.dest_ip IN (SELECT unnest(?::VARCHAR[]))
           OR t.sni IN (SELECT unnest(?::VARCHAR[]))
           OR t.subject IN (SELECT unnest(?::VARCHAR[]))
           OR h.ua IN (SELECT unnest(?::VARCHAR[]))
           OR h.url IS NOT NULL
        """,
        [wallet_urls, coin, ports, names.addresses(), pool_snis, pool_subjects, miner_agents],
    ).fetchall()
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

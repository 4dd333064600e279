"""The router checks (MH-ROUTER-*): a RouterConfig in, findings out, each pointing at the
line or item to look at and saying what to remove.

Severity follows who makes such a change: what only an attacker does (a miner in the proxy
error page, a SOCKS server for one outside network, a job that deletes other jobs) is high;
what a careless or busy admin also does (a management job that fetches and imports, a
transparent caching proxy, a changed port) stays low unless attacker-only signs join it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator

from minehunt import linear
from minehunt.intel import Intel
from minehunt.model import (
    Confidence,
    Finding,
    Severity,
)
from minehunt.router import code as code_mod
from minehunt.router import versions
from minehunt.router.exposure import exposure
from minehunt.router.findings import Where, at, has_port, make_finding, ports, remove_hint
from minehunt.router.model import Action, Entry, Note, RouterConfig

__all__ = ["AUDITED", "Sweep", "Where", "audit", "keep"]

AUDITED = frozenset(
    {
        "/ip proxy",
        "/ip proxy access",
        "/ip socks",
        "/ip socks access",
        "/ip firewall nat",
        "/ip firewall filter",
        "/system scheduler",
        "/system script",
        "/ip dns",
        "/ip dns static",
        "/ip dns cache",
        "/user",
        "/user group",
        "/user active",
        "/file",
        "/ip service",
        "/interface list member",
        "/ip dhcp-client",
        "/interface pppoe-client",
        "/interface lte",
        "/system resource",
    }
)
_SWEEP_SKIP = frozenset({"/ip dns static", "/ip dns cache", "/system scheduler", "/system script"})
_FULL_POLICY = frozenset({"write", "policy", "password"})
_SHORT_INTERVAL = 30 * 60
_PROXY_MATCHERS = (
    "src-address",
    "dst-address",
    "dst-host",
    "dst-port",
    "local-port",
    "path",
    "method",
    "src-port",
)


def keep(menu: str) -> bool:
    """True for the menus the checks read (the parser keeps only these)."""
    return menu in AUDITED


class Sweep:
    """MH-ROUTER-001 over every entry of every menu, as the parser streams them."""

    def __init__(self, intel: Intel, where: Where) -> None:
        self.intel = intel
        self.where = where
        self.findings: list[Finding] = []

    def __call__(self, entry: Entry) -> None:
        if entry.menu in _SWEEP_SKIP:
            return
        for key, value in entry.props.items():
            if len(value) < 4 or (key in ("name", "comment") and entry.menu != "/file"):
                continue
            refs = code_mod.miner_refs(self.intel, value)
            if not refs:
                continue
            page = entry.menu == "/file" and entry.name.lower().lstrip("/").startswith(
                ("webproxy/", "hotspot/", "flash/webproxy/", "flash/hotspot/")
            )
            what = f"file {entry.name}" if entry.menu == "/file" else f"{entry.menu} {key}="
            fix = (
                f"delete or restore {entry.name}"
                if entry.menu == "/file"
                else f"remove it: {remove_hint(entry)}"
            )
            self.findings.append(
                make_finding(
                    "MH-ROUTER-001",
                    self.where,
                    entry,
                    f"{at(entry)}{what} names {', '.join(refs[:3])}"
                    + (" (every proxied or hotspot page carries it)" if page else "")
                    + f"; {fix}",
                    severity=Severity.CRITICAL if page else None,
                    attrs={"indicators": ", ".join(refs[:5]), "property": key},
                )
            )
            return


def audit(
    config: RouterConfig, intel: Intel, where: Where, expected_users: Iterable[str] = ()
) -> tuple[list[Finding], list[Note]]:
    """All MH-ROUTER checks except the streaming sweep; returns (findings, notes)."""
    findings: list[Finding] = []
    notes: list[Note] = []
    proxy_findings = list(_proxy(config, where))
    findings.extend(proxy_findings)
    findings.extend(_socks(config, where))
    findings.extend(_jobs(config, intel, where))
    findings.extend(_dns(config, intel, where))
    findings.extend(_users(config, where, tuple(expected_users)))
    findings.extend(_version(config, where))
    findings.extend(exposure(config, where, notes))
    return findings, notes


# -- web proxy: NAT redirect to the proxy, deny-all access (002, 003) ----------------------
def _proxy(config: RouterConfig, where: Where) -> Iterator[Finding]:
    proxy = config.singleton("/ip proxy")
    proxy_ports = {p for lo, hi in ports(proxy.get("port", "8080")) for p in range(lo, hi + 1)}
    deny_all = [
        e
        for e in config.menu("/ip proxy access")
        if e.action is Action.ADD
        and not e.disabled
        and e.get("action", "allow").lower() == "deny"
        and not any(e.get(k) for k in _PROXY_MATCHERS)
    ]
    redirects = []
    for e in config.menu("/ip firewall nat"):
        if e.disabled or e.action is not Action.ADD or e.get("chain") != "dstnat":
            continue
        if e.get("action") not in ("redirect", "dst-nat"):
            continue
        if e.get("protocol", "tcp").lower() not in ("tcp", "6"):
            continue
        dst = e.get("dst-port")
        web = [p for p in (80, 443) if dst and has_port(dst, p)]
        to = {p for lo, hi in ports(e.get("to-ports")) for p in range(lo, hi + 1)}
        if web and to & proxy_ports:
            redirects.append((e, web, sorted(to & proxy_ports)[0]))
    for e, web, port in redirects:
        sev = Severity.HIGH if deny_all else Severity.LOW
        why = (
            " and the proxy denies every request, so each page becomes its error page"
            if deny_all
            else " (transparent caching does this too; confirm it is yours)"
        )
        yield make_finding(
            "MH-ROUTER-002",
            where,
            e,
            f"{at(e)}NAT {e.get('action')} of TCP {'/'.join(map(str, web))} to the web "
            f"proxy port {port}{why}; if not yours, remove it: {remove_hint(e)}",
            severity=sev,
            confidence=Confidence.HIGH if deny_all else None,
            attrs={"to_port": port, "proxy_enabled": proxy.get("enabled", "no")},
        )
    for e in deny_all:
        yield make_finding(
            "MH-ROUTER-003",
            where,
            e,
            f"{at(e)}web proxy access rule denies every request"
            + (", and web traffic is redirected to the proxy" if redirects else "")
            + f"; remove it: {remove_hint(e)} and check webproxy/error.html",
            severity=Severity.HIGH if redirects else None,
            attrs={"redirect_to": e.get("redirect-to")},
        )


# -- SOCKS (004, 005) --------------------------------------------------------------------
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    t = text.strip().lstrip("!").split("-", 1)[0]
    try:
        return ipaddress.ip_network(t, strict=False)
    except ValueError:
        return None


def _socks(config: RouterConfig, where: Where) -> Iterator[Finding]:
    socks = config.singleton("/ip socks")
    enabled = socks.get("enabled", "no").lower() in ("yes", "true")
    port = socks.get("port", "1080")
    # The line that turned it on (a later 'set' overrides an earlier one).
    setters = [e for e in config.menu("/ip socks") if "enabled" in e.props or "port" in e.props]
    entry = setters[-1] if setters else None
    line = entry.line if entry else None
    if enabled:
        odd = port != "1080"
        yield make_finding(
            "MH-ROUTER-004",
            where,
            entry,
            f"{f'line {line}: ' if line else ''}SOCKS server enabled on port {port}"
            + (" (not the default 1080)" if odd else "")
            + "; if not in use: /ip socks set enabled=no",
            severity=Severity.MEDIUM if odd else None,
            attrs={"port": port},
        )
    allows: list[tuple[Entry, str]] = []
    for e in config.menu("/ip socks access"):
        if e.disabled or e.action is not Action.ADD:
            continue
        if e.get("action", "allow").lower() == "allow" and e.get("src-address"):
            allows.append((e, e.get("src-address")))
    nets = {str(n) for _, s in allows if (n := _network(s)) is not None}
    if len(nets) == 1:
        net = _network(next(iter(nets)))
        if net is not None and net.is_global:
            e = allows[0][0]
            yield make_finding(
                "MH-ROUTER-005",
                where,
                e,
                f"{at(e)}SOCKS access admits only {net} (a public network)"
                + ("" if enabled else " (SOCKS is disabled now)")
                + f"; remove the rule ({remove_hint(e)}) and disable SOCKS",
                severity=None if enabled else Severity.MEDIUM,
                attrs={"network": str(net)},
            )


# -- schedulers and scripts (006) -------------------------------------------------------
_RUN_SCRIPT = re.compile(r"(?i)script[\s/]+run\s+\"?([\w.-]+)")


def _jobs(config: RouterConfig, intel: Intel, where: Where) -> Iterator[Finding]:
    scripts = {e.name: e for e in config.menu("/system script") if e.action is Action.ADD}
    used: set[str] = set()
    jobs: list[tuple[Entry, list[Entry]]] = []
    for e in config.menu("/system scheduler"):
        if e.action is not Action.ADD:
            continue
        event = e.get("on-event").strip()
        refs = [scripts[event]] if event in scripts else []
        refs += [scripts[n] for n in _RUN_SCRIPT.findall(event) if n in scripts]
        used.update(r.name for r in refs)
        jobs.append((e, refs))
    jobs += [(s, []) for name, s in scripts.items() if name not in used]
    for e, refs in jobs:
        body = e.get("source") if e.menu == "/system script" else e.get("on-event")
        code = "\n".join([body, *(r.get("source") for r in refs)])
        sig = code_mod.signals(code, intel)
        if not (sig.remote_code or sig.attacker):
            continue
        interval = code_mod.duration_seconds(e.get("interval"))
        short = interval is not None and 0 < interval <= _SHORT_INTERVAL
        parts = []
        if sig.remote_code:
            parts.append("fetches " + (", ".join(sig.fetches[:2]) or "a file") + " and runs it")
        parts.extend(sig.attacker)
        if interval:
            parts.append(f"every {e.get('interval')}")
        if sig.attacker:
            sev, conf = Severity.HIGH, Confidence.HIGH
        elif short and sig.plain_bare:
            sev, conf = Severity.MEDIUM, Confidence.MEDIUM
        else:
            sev, conf = Severity.LOW, Confidence.LOW
        kind = "scheduler" if e.menu == "/system scheduler" else "script"
        advice = (
            "remove it and the scripts it runs"
            if sig.attacker
            else "if this is not your management job, remove it"
        )
        yield make_finding(
            "MH-ROUTER-006",
            where,
            e,
            f"{at(e)}{kind} {e.name or '?'} {'; '.join(parts)}; {advice}: {remove_hint(e)}",
            severity=sev,
            confidence=conf,
            attrs={
                "job": e.name,
                "interval": e.get("interval"),
                "fetches": ", ".join(sig.fetches[:5]),
                "attacker_actions": "; ".join(sig.attacker),
                "scripts": ", ".join(r.name for r in refs),
            },
        )


# -- DNS (007, 008) ---------------------------------------------------------------------
def _sink(e: Entry) -> bool:
    if e.get("type").upper() == "NXDOMAIN":
        return True
    addr = e.get("address")
    if not addr or e.get("cname") or e.get("forward-to"):
        return False
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return ip.is_unspecified or ip.is_loopback


_RX_HOST = linear.compile(r"(?:[a-z0-9-]+\\\.)+[a-z]{2,24}")


def _dns_names(e: Entry, intel: Intel) -> list[str]:
    names: list[str] = []
    name = e.get("name")
    if name and intel.pool_domain(name):
        names.append(name)
    rx = e.get("regexp")
    if rx:
        for m in _RX_HOST.finditer(rx.lower()):
            host = m.group(0).replace("\\.", ".")
            if intel.pool_domain(host):
                names.append(host)
        names += intel.find_pool_domains(rx)
    for key in ("cname", "forward-to"):
        v = e.get(key)
        if v and intel.pool_domain(v):
            names.append(v)
    return list(dict.fromkeys(names))


def _dns(config: RouterConfig, intel: Intel, where: Where) -> Iterator[Finding]:
    for e in config.menu("/ip dns static"):
        if e.disabled or e.action is not Action.ADD:
            continue
        names = _dns_names(e, intel)
        if not names or _sink(e):
            continue
        answer = e.get("address") or e.get("cname") or e.get("forward-to") or "?"
        asked = e.get("name") or e.get("regexp")
        yield make_finding(
            "MH-ROUTER-007",
            where,
            e,
            f"{at(e)}static DNS answers {asked} with {answer} (mining pool {names[0]}): "
            f"clients using this router are sent there; remove it: {remove_hint(e)}",
            attrs={"domain": names[0], "answer": answer},
        )
    seen: set[str] = set()
    for e in config.menu("/ip dns cache"):
        name = e.get("name").lower().rstrip(".")
        pool = intel.pool_domain(name) if name else None
        if not pool or name in seen:
            continue
        seen.add(name)
        answer = e.get("address") or e.get("data")
        yield make_finding(
            "MH-ROUTER-008",
            where,
            e,
            f"DNS cache holds {name} ({answer or 'no address'}): a client behind this router "
            "looked up a mining pool; find it in the firewall connection table",
            attrs={"domain": name, "pool": pool, "answer": answer},
        )


# -- users (009) ------------------------------------------------------------------------
def _users(config: RouterConfig, where: Where, expected: tuple[str, ...]) -> Iterator[Finding]:
    full_groups = {"full"}
    for g in config.menu("/user group"):
        policy = {p.strip() for p in g.get("policy").split(",")}
        if policy >= _FULL_POLICY:
            full_groups.add(g.name)
    allowed = set(expected) or {"admin"}
    active: dict[str, list[str]] = {}
    for a in config.menu("/user active"):
        via = f" via {a.get('via')}" if a.get("via") else ""
        active.setdefault(a.name, []).append(f"{a.get('address') or '?'}{via}")
    for e in config.menu("/user"):
        if e.action is not Action.ADD or e.disabled:
            continue
        if e.get("group") in full_groups and e.name and e.name not in allowed:
            now = active.get(e.name, [])
            yield make_finding(
                "MH-ROUTER-009",
                where,
                e,
                f"{at(e)}user {e.name} has full rights (group {e.get('group')})"
                + (f", last login {e.get('last-logged-in')}" if e.get("last-logged-in") else "")
                + (f", logged in now from {', '.join(now[:3])}" if now else "")
                + f'; if you did not add it: /user remove [find name="{e.name}"]',
                severity=Severity.MEDIUM if expected else None,
                attrs={
                    "user": e.name,
                    "group": e.get("group"),
                    "address": e.get("address"),
                    "active_from": ", ".join(now),
                },
            )


# -- version (010) ----------------------------------------------------------------------
def _version(config: RouterConfig, where: Where) -> Iterator[Finding]:
    version = config.version or config.singleton("/system resource").get("version")
    if not version:
        return
    hits = versions.vulnerabilities(version)
    if not hits:
        return
    worst = max(v.severity for v in hits)
    cves = ", ".join(c for v in hits for c in v.cves)
    yield make_finding(
        "MH-ROUTER-010",
        where,
        None,
        f"RouterOS {version} is affected by {cves}; upgrade RouterOS and change every "
        "password (stolen credentials survive the upgrade)",
        severity=worst,
        attrs={"version": version, "cves": cves},
        line=1 if not where.live else None,
    )

"""Router checks: MikroTik RouterOS exports and live devices (MH-ROUTER-0xx)."""

from __future__ import annotations

from minehunt.checks.base import C, Check, K, S
from minehunt.checks.base import make as _c

CHECKS: tuple[Check, ...] = (
    _c(
        "MH-ROUTER-001",
        "Miner script or pool host in a router page, file or rule",
        S.HIGH,
        C.HIGH,
        K.CONTENT,
        ("T1496", "T1557"),
        "A file on the router (the web proxy's error page, hotspot login pages), a proxy "
        "access rule or any other setting names a browser-miner script or a mining-pool "
        "host: the router injects a miner into the pages its users open.",
    ),
    _c(
        "MH-ROUTER-002",
        "Web traffic forced through the router's web proxy",
        S.LOW,
        C.LOW,
        K.TAMPERING,
        ("T1496", "T1557"),
        "A dst-nat or redirect rule sends TCP 80 or 443 to the router's own web proxy port. "
        "Transparent caching does this too, so alone it is low; with a proxy that answers "
        "every request with its error page it is the campaign's injection path.",
    ),
    _c(
        "MH-ROUTER-003",
        "Web proxy answers every request with its error page",
        S.MEDIUM,
        C.MEDIUM,
        K.TAMPERING,
        ("T1496", "T1557"),
        "A web proxy access rule denies every request without any matcher, so each page "
        "becomes the proxy's error page: the page the MikroTik campaigns filled with a miner.",
    ),
    _c(
        "MH-ROUTER-004",
        "SOCKS proxy enabled",
        S.LOW,
        C.LOW,
        K.TAMPERING,
        ("T1090",),
        "The router's SOCKS server is on; on a port other than 1080 (the campaigns used 4153) "
        "it counts as medium.",
    ),
    _c(
        "MH-ROUTER-005",
        "SOCKS access admits only one outside network",
        S.HIGH,
        C.HIGH,
        K.TAMPERING,
        ("T1090", "T1133"),
        "The SOCKS access list allows a single public network and denies the rest: a proxy "
        "kept for the attacker's own addresses.",
    ),
    _c(
        "MH-ROUTER-006",
        "Scheduler or script runs remote code or deletes other jobs",
        S.LOW,
        C.MEDIUM,
        K.PERSISTENCE,
        ("T1053", "T1105"),
        "A scheduler entry or script downloads with /tool fetch and runs what it got "
        "(/import, :parse, :execute), or removes other schedulers and scripts. ISP "
        "management jobs fetch and import too, so alone it is low; short intervals over "
        "plain HTTP to a bare address raise it to medium; attacker-only actions (deleting "
        "other jobs, silencing logs, changing the proxy, SOCKS or users, pool hosts) to high.",
    ),
    _c(
        "MH-ROUTER-007",
        "Mining pool name in a DNS static entry",
        S.HIGH,
        C.HIGH,
        K.TAMPERING,
        ("T1496", "T1565.002"),
        "A static DNS entry answers for a mining-pool or browser-miner domain with a real "
        "address or CNAME. Entries that sink the name (0.0.0.0, loopback, NXDOMAIN) are a "
        "defence and are not reported.",
    ),
    _c(
        "MH-ROUTER-008",
        "Mining pool name in the router's DNS cache",
        S.MEDIUM,
        C.MEDIUM,
        K.NETWORK,
        ("T1496",),
        "The router's DNS cache holds a mining-pool or browser-miner domain: a client behind "
        "it (or the router) looked it up recently.",
    ),
    _c(
        "MH-ROUTER-009",
        "Unexpected user with full rights",
        S.LOW,
        C.LOW,
        K.PERSISTENCE,
        ("T1136", "T1098"),
        "A router user in a full-rights group other than the expected ones (admin, or the "
        "names given with --expected-user; then medium).",
    ),
    _c(
        "MH-ROUTER-010",
        "RouterOS version with exploited vulnerabilities",
        S.MEDIUM,
        C.HIGH,
        K.CONFIG,
        ("T1190",),
        "The RouterOS version is one that known, exploited CVEs affect; before 6.42.1 "
        "(CVE-2018-14847, the Winbox flaw the mining campaigns used) it counts as high.",
    ),
    _c(
        "MH-ROUTER-011",
        "Management service reachable from the WAN",
        S.MEDIUM,
        C.MEDIUM,
        K.CONFIG,
        ("T1133", "T1190"),
        "Winbox, API, FTP, Telnet, SSH or the web interface is enabled without an address "
        "restriction and the input firewall lets the WAN reach it.",
    ),
    _c(
        "MH-ROUTER-012",
        "Default service port changed",
        S.LOW,
        C.LOW,
        K.CONFIG,
        ("T1133",),
        "A management service listens on a port other than its default: hardening by an "
        "admin, or a door kept by an attacker. Confirm who changed it.",
    ),
    _c(
        "MH-ROUTER-013",
        "DNS resolver open to the WAN",
        S.MEDIUM,
        C.MEDIUM,
        K.CONFIG,
        ("T1498",),
        "allow-remote-requests is on and the input firewall does not stop DNS from the WAN: "
        "an open resolver, and a cache outsiders can poison.",
    ),
    _c(
        "MH-ROUTER-014",
        "No input firewall on the WAN",
        S.MEDIUM,
        C.MEDIUM,
        K.CONFIG,
        ("T1133",),
        "No input-chain rule drops new connections from the WAN interfaces: every service "
        "of the router is reachable from the internet.",
    ),
)

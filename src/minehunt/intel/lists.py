"""Read the public block-list formats people already use, line by line, bounded.

Hosts files, plain domain lists, adblock (``||d^$opts``, ``|https://d/``, ``*://d/path*``),
dnsmasq (``address=/d/...``, ``server=/d/``, ``local=/d/``), unbound ``local-zone``, RPZ
zones and IP/CIDR lists, mixed in one file if need be. What cannot be used is counted with a
reason (cosmetic filters, uBlock scriptlets, exceptions, regexes, invalid names...).
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from minehunt import linear

__all__ = ["MAX_ENTRIES", "MAX_LINE", "ListResult", "Skip", "parse_list", "valid_host"]

MAX_LINE = 4096
"""Longer lines are garbage or an attack on the parser; they are skipped."""
MAX_ENTRIES = 250_000
"""Entries kept per list; more are counted as over the limit (memory stays bounded)."""


class Skip(enum.StrEnum):
    """Why a line gave no entry."""

    COSMETIC = "cosmetic (element-hiding) filter: nothing to block at the network"
    SCRIPTLET = "uBlock/AdGuard scriptlet or snippet: needs a content blocker"
    EXCEPTION = "exception (@@) rule: an allow rule, not a block"
    REGEX = "regex rule: not a domain"
    WILDCARD_HOST = "wildcard inside a host name: not one domain"
    INVALID = "not a valid host name (illegal characters or labels)"
    HOUSEKEEPING = "hosts-file housekeeping name (localhost, broadcasthost...)"
    RESERVED_NET = "private, loopback or reserved address: never a pool"
    BROAD_NET = "network broader than /8 (IPv4) or /24 (IPv6): too broad to block"
    TOO_LONG = f"line longer than {MAX_LINE} characters"
    OVER_LIMIT = f"over the {MAX_ENTRIES} entries kept per list"
    UNRECOGNISED = "unrecognised line (not a known list syntax)"
    ZONE = "zone-file directive or record other than a block"
    DUPLICATE = "repeated in the same list"


@dataclass
class ListResult:
    """What one list gave: domains, URL rules (adblock syntax), networks, and skips."""

    domains: set[str] = field(default_factory=set)
    url_rules: set[str] = field(default_factory=set)
    networks: set[str] = field(default_factory=set)
    skipped: Counter[Skip] = field(default_factory=Counter)
    lines: int = 0
    comments: int = 0

    @property
    def entries(self) -> int:
        return len(self.domains) + len(self.url_rules) + len(self.networks)


_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?")
_HOUSEKEEPING = frozenset(
    {"localhost", "localhost.localdomain", "local", "broadcasthost", "ip6-localhost",
     "ip6-loopback", "ip6-localnet", "ip6-mcastprefix", "ip6-allnodes", "ip6-allrouters",
     "ip6-allhosts", "0.0.0.0"}
)  # fmt: skip
_HOSTS_IP = re.compile(r"^(?:0\.0\.0\.0|127\.\d+\.\d+\.\d+|::1?|0|fe80::1%lo0|255\.255\.255\.255)$")
_DNSMASQ = re.compile(r"^(?:address|server|local)=/([^#]*?)/")
_UNBOUND = re.compile(r'^local-(?:zone|data):\s*"?([^"\s]+?)\.?"?\s')
_RPZ = re.compile(r"^(\*\.)?([^\s;]+?)\.?\s+(?:\d+\s+)?(?:IN\s+)?CNAME\s+(\S+)", re.I)
_PLAIN = linear.compile(r"[a-z0-9][a-z0-9.-]*\.[a-z][a-z0-9-]*")
_SCRIPTLET = re.compile(r"#[@?$%]*#\+js\(|##\^?script:inject|#%#|#\$#//scriptlet")
_COSMETIC = re.compile(r"#[@?$]*#")
_ZONE_RR = re.compile(r"\s(?:SOA|NS|TXT|A|AAAA|MX)\s", re.I)
_REGEX_RULE = re.compile(r"^/.+/(\$.*)?$")
_NETLIKE = re.compile(r"^[0-9a-fA-F:.]+(?:/\d{1,3})?$")
_ADB_PATH = re.compile(r"^(\*?/[^\s$]*[A-Za-z0-9][^\s$]*)(?:\$\S*)?$")
_URL = re.compile(r"^(?:\*|https?|wss?)://([^/\s]+)(/\S*)?$", re.I)
_ADB_HOST = re.compile(r"^\|\|([^/^$|*]+)([\^/|$*].*)?$")


def valid_host(name: str) -> str | None:
    """``name`` as a lowercase ASCII (punycode) host name, or None when it is not one."""
    name = name.strip().lower().rstrip(".")
    if not name or len(name) > 253:
        return None
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    labels = name.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(lab) for lab in labels):
        return None
    tld = labels[-1]
    if not (tld.isalpha() or tld.startswith("xn--")) or "_" in tld:
        return None
    return name


class _Reader:
    def __init__(self) -> None:
        self.r = ListResult()
        self.origin = ""

    def host(self, raw: str) -> None:
        if raw.lower() in _HOUSEKEEPING:
            self.r.skipped[Skip.HOUSEKEEPING] += 1
            return
        wild = raw.startswith("*.")
        raw = raw[2:] if wild else raw
        if "*" in raw:
            self.r.skipped[Skip.WILDCARD_HOST] += 1
            return
        if self.origin and raw.lower().endswith("." + self.origin):
            raw = raw[: -len(self.origin) - 1]
        name = valid_host(raw)
        if name is None:
            self.r.skipped[Skip.INVALID] += 1
        else:
            self._add(self.r.domains, name)

    def _add(self, bucket: set[str], value: str) -> None:
        if value in bucket:
            self.r.skipped[Skip.DUPLICATE] += 1
        elif self.r.entries >= MAX_ENTRIES:
            self.r.skipped[Skip.OVER_LIMIT] += 1
        else:
            bucket.add(value)

    def network(self, text: str) -> bool:
        try:
            net = ipaddress.ip_network(text, strict=False)
        except ValueError:
            return False
        if not net.is_global:
            self.r.skipped[Skip.RESERVED_NET] += 1
        elif net.prefixlen < (8 if net.version == 4 else 24):
            self.r.skipped[Skip.BROAD_NET] += 1
        else:
            self._add(self.r.networks, str(net))
        return True

    def url(self, host: str, path: str | None) -> None:
        """A URL or match pattern: a domain when it has no path, else an adblock URL rule."""
        if path in (None, "", "/", "/*", "*") or (path and path.strip("/*^") == ""):
            self.host(host)
            return
        body = (path or "").rstrip("*|^")
        if host in ("*", "*.*"):
            # a path on any host ("*://*/*coinhive.min.js*"): a substring rule
            body = body.lstrip("/*")
            if len(body) < 4:
                self.r.skipped[Skip.WILDCARD_HOST] += 1
            else:
                self._add(self.r.url_rules, body)
            return
        name = valid_host(host.removeprefix("*."))
        if name is None:
            self.r.skipped[Skip.WILDCARD_HOST if "*" in host else Skip.INVALID] += 1
        else:
            self._add(self.r.url_rules, f"||{name}{body}")

    def line(self, raw: str) -> None:
        self.r.lines += 1
        if len(raw) > MAX_LINE:
            self.r.skipped[Skip.TOO_LONG] += 1
            return
        line = raw.strip().lstrip("\ufeff")
        if not line or line[0] in "!#;" or line.startswith("[") or line.startswith("//"):
            self.r.comments += 1
            return
        if _PLAIN.fullmatch(line):  # the common case: one bare name per line
            self.host(line)
            return
        if "#" in line:
            if _SCRIPTLET.search(line):
                self.r.skipped[Skip.SCRIPTLET] += 1
                return
            if _COSMETIC.search(line):
                self.r.skipped[Skip.COSMETIC] += 1
                return
        if line.startswith("@@"):
            self.r.skipped[Skip.EXCEPTION] += 1
            return
        line = line.split(" #", 1)[0].strip()
        if line.startswith("$ORIGIN"):
            self.origin = line.split()[1].lower().rstrip(".") if len(line.split()) > 1 else ""
            self.r.comments += 1
            return
        if line.startswith("$") or _ZONE_RR.search(line):
            self.r.skipped[Skip.ZONE] += 1
            return
        if line.startswith("/") and _REGEX_RULE.match(line):
            self.r.skipped[Skip.REGEX] += 1
            return
        m = _ADB_HOST.match(line)
        if m:
            host, rest = m.group(1), m.group(2) or ""
            path = rest[rest.index("/") :] if "/" in rest.split("$", 1)[0] else None
            self.url(host, path.split("$", 1)[0] if path else None)
            return
        m = _ADB_PATH.match(line)
        if m:  # "*/coinhive.min.js", "/lib/miner.js$script": a path on any host
            body = m.group(1)
            if len(body.strip("*/")) < 4:
                self.r.skipped[Skip.WILDCARD_HOST] += 1
            else:
                self._add(self.r.url_rules, body)
            return
        if line.startswith("|") and not line.startswith("||"):
            line = line[1:].rstrip("|")
        m = _URL.match(line.split("$", 1)[0])
        if m:
            self.url(m.group(1).split(":", 1)[0], m.group(2))
            return
        m = _DNSMASQ.match(line)
        if m:
            for host in m.group(1).split("/"):
                if host.startswith("#") or not host:
                    continue
                self.host(host)
            return
        m = _UNBOUND.match(line + " ")
        if m:
            self.host(m.group(1))
            return
        m = _RPZ.match(line)
        if m:
            self.host(("*." if m.group(1) else "") + m.group(2))
            return
        parts = line.replace("\t", " ").split()
        if len(parts) >= 2 and _HOSTS_IP.match(parts[0]):
            for name in parts[1:]:
                if name.startswith("#"):
                    break
                self.host(name)
            return
        if len(parts) == 1:
            token = parts[0].rstrip(",;")
            if _NETLIKE.match(token) and self.network(token):
                return
            if "^" in token or "/" in token or "$" in token:
                self.r.skipped[Skip.UNRECOGNISED] += 1
                return
            self.host(token)
            return
        self.r.skipped[Skip.UNRECOGNISED] += 1


def parse_list(lines: Iterable[str]) -> ListResult:
    """Entries and skip counts of one list; ``lines`` may be a file object (streamed)."""
    reader = _Reader()
    for raw in lines:
        reader.line(raw.rstrip("\r\n"))
    return reader.r

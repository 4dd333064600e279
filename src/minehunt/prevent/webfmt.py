"""Filter and proxy formats: adblock (uBlock Origin / AdGuard), a squid ACL, and JSON."""

from __future__ import annotations

import json
import re

from minehunt.prevent.dnsfmt import dns_names
from minehunt.prevent.entries import BlockSet, to_ascii
from minehunt.prevent.formats import Meta, Rendered

__all__ = ["adblock", "as_json", "path_regex", "squid"]


def path_regex(pattern: str) -> str:
    """The intel's script-path pattern as one regex over a URL: a whole path segment on."""
    return rf"/(?:{pattern})(?:$|[?#])"


def adblock(blocks: BlockSet, meta: Meta) -> Rendered:
    """``||d^`` per domain (name and subdomains, every request type), and a regex rule per
    browser-miner script path, which also catches a miner copied onto the site's own host."""
    r = Rendered()
    body = [f"||{name}^\n" for name, _ in dns_names(blocks, r, wildcard=True)]
    for p in blocks.url_patterns:
        body.append("/" + path_regex(p).replace("/", r"\/") + "/\n")
    body.extend(f"{rule}\n" for rule in blocks.url_rules)
    if blocks.networks:
        r.left_out["IP networks (filter lists match names; use the IDS or squid format)"] += len(
            blocks.networks
        )
    r.count = len(body)
    title = (
        "[Adblock Plus 2.0]\n! Title: minehunt mining blocklist\n"
        f"! Version: {meta.date.replace('-', '')}\n! Expires: 7 days\n"
    )
    r.text = title + meta.header(r.count, "!") + "".join(body)
    return r


_NONCAPTURE = re.compile(r"\(\?:")


def _posix(pattern: str) -> str | None:
    """A Python regex as POSIX extended (what squid compiles), or None if it needs more."""
    out = _NONCAPTURE.sub("(", path_regex(pattern))
    return None if "(?" in out or re.search(r"\\[dswDSW]", out) else out


def squid(blocks: BlockSet, meta: Meta) -> Rendered:
    """ACLs with their ``http_access deny`` lines; include it before your allow rules.

    Over HTTPS (CONNECT) squid sees only the host, so the path ACL acts on plain HTTP or
    where squid bumps TLS."""
    r = Rendered()
    lines = [
        f"acl minehunt_mining dstdomain .{n}\n" for n, _ in dns_names(blocks, r, wildcard=True)
    ]
    deny = ["http_access deny minehunt_mining\n"] if lines else []
    paths = []
    for p in blocks.url_patterns:
        posix = _posix(p)
        if posix is None:
            r.left_out["script-path patterns POSIX regex cannot express"] += 1
        else:
            paths.append(f"acl minehunt_miner_paths urlpath_regex -i {posix}\n")
    if paths:
        deny.append("http_access deny minehunt_miner_paths\n")
    if blocks.url_rules:
        r.left_out["adblock URL rules from user lists (use the adblock format)"] += len(
            blocks.url_rules
        )
    nets = [f"acl minehunt_mining_nets dst {n}\n" for n in blocks.networks]
    if nets:
        deny.append("http_access deny minehunt_mining_nets\n")
    r.count = len(lines) + len(paths) + len(nets)
    r.text = meta.header(r.count) + "".join(lines + paths + nets + deny)
    return r


def _unicode(name: str) -> str:
    try:
        return name.encode("ascii").decode("idna")
    except UnicodeError:
        return name


def as_json(blocks: BlockSet, meta: Meta) -> Rendered:
    """Every entry with its kind, source and note; stable keys, sorted entries."""
    r = Rendered()
    domains = []
    for e in blocks.domains:
        ascii_name = to_ascii(e.domain)
        if ascii_name is None:
            r.left_out["not a valid DNS name (illegal characters, empty or over-long labels)"] += 1
            continue
        domains.append(
            {
                "domain": e.domain,
                "ascii": ascii_name,
                "unicode": _unicode(ascii_name),
                "kind": e.kind.value,
                "source": e.source,
                "note": e.note,
                "subdomains": True,
            }
        )
    doc = {
        "generator": f"minehunt {meta.version}",
        "format": "minehunt-blocklist/1",
        "date": meta.date,
        "sources": list(meta.sources),
        "domains": domains,
        "url_patterns": [path_regex(p) for p in blocks.url_patterns],
        "networks": list(blocks.networks),
        "url_rules": list(blocks.url_rules),
    }
    r.count = len(domains) + len(blocks.url_patterns) + len(blocks.networks) + len(blocks.url_rules)
    r.text = json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    return r

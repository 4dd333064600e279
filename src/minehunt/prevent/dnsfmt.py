"""Resolver formats: hosts, dnsmasq, unbound and a response-policy zone (RPZ)."""

from __future__ import annotations

from collections.abc import Iterator

from minehunt.prevent.entries import BlockEntry, BlockSet, to_ascii
from minehunt.prevent.formats import Meta, Rendered

__all__ = ["dns_names", "dnsmasq", "hosts", "rpz", "unbound"]

INVALID = "not a valid DNS name (illegal characters, empty or over-long labels)"
COVERED = "subdomain entries covered by a parent entry's wildcard"


def dns_names(blocks: BlockSet, r: Rendered, *, wildcard: bool) -> Iterator[tuple[str, BlockEntry]]:
    """(ascii name, entry) sorted by name; invalid names are counted in ``r.left_out``, and with
    ``wildcard`` names under another entry are folded into it (counted in ``r.notes``)."""
    names: dict[str, BlockEntry] = {}
    for e in blocks.domains:
        name = to_ascii(e.domain)
        if name is None:
            r.left_out[INVALID] += 1
        else:
            names.setdefault(name, e)
    for name in sorted(names):
        if wildcard and _under(name, names):
            r.notes[COVERED] += 1
            continue
        yield name, names[name]


def _under(name: str, names: dict[str, BlockEntry]) -> bool:
    labels = name.split(".")
    return any(".".join(labels[i:]) in names for i in range(1, len(labels) - 1))


def _no_paths(blocks: BlockSet, r: Rendered, fmt: str) -> None:
    if blocks.url_patterns:
        r.left_out[f"URL path patterns ({fmt} matches names only)"] += len(blocks.url_patterns)
    if blocks.url_rules:
        r.left_out[f"URL rules from user lists ({fmt} matches names only)"] += len(blocks.url_rules)
    if blocks.networks:
        r.left_out[f"IP networks ({fmt} answers for names only)"] += len(blocks.networks)


def hosts(blocks: BlockSet, meta: Meta) -> Rendered:
    r = Rendered()
    body = [f"0.0.0.0 {name}\n" for name, _ in dns_names(blocks, r, wildcard=False)]
    r.count = len(body)
    r.notes["entries blocked for the exact name only (a hosts file has no wildcards)"] = r.count
    _no_paths(blocks, r, "a hosts file")
    r.text = meta.header(r.count) + "".join(body)
    return r


def dnsmasq(blocks: BlockSet, meta: Meta) -> Rendered:
    """``address=/d/0.0.0.0`` and ``address=/d/::``: the name and every subdomain."""
    r = Rendered()
    body = []
    for name, _ in dns_names(blocks, r, wildcard=True):
        body.append(f"address=/{name}/0.0.0.0\naddress=/{name}/::\n")
    r.count = len(body)
    _no_paths(blocks, r, "dnsmasq")
    r.text = meta.header(r.count) + "".join(body)
    return r


def unbound(blocks: BlockSet, meta: Meta) -> Rendered:
    """A ``server:`` clause of ``local-zone: "d." always_nxdomain`` (an include file)."""
    r = Rendered()
    body = [
        f'    local-zone: "{name}." always_nxdomain\n'
        for name, _ in dns_names(blocks, r, wildcard=True)
    ]
    r.count = len(body)
    _no_paths(blocks, r, "unbound")
    r.text = meta.header(r.count) + "server:\n" + "".join(body)
    return r


RPZ_ORIGIN = "rpz.minehunt"


def rpz(blocks: BlockSet, meta: Meta) -> Rendered:
    """A BIND/PowerDNS/Knot response-policy zone: ``d CNAME .`` (NXDOMAIN) and ``*.d``.

    Load it as zone ``rpz.minehunt`` (any name works: owners are relative to $ORIGIN)."""
    r = Rendered()
    serial = meta.date.replace("-", "") + "01"
    head = (
        f"$TTL 300\n@ IN SOA localhost. hostmaster.localhost. {serial} 3600 600 604800 300\n"
        "@ IN NS localhost.\n"
    )
    body = []
    for name, e in dns_names(blocks, r, wildcard=True):
        note = f" ; {e.kind.value}: {e.note}"[:120] if e.note else f" ; {e.kind.value}"
        body.append(f"{name} CNAME .{note.replace(chr(10), ' ')}\n*.{name} CNAME .\n")
    r.count = len(body)
    _no_paths(blocks, r, "an RPZ")
    r.text = meta.header(r.count, ";") + head + "".join(body)
    return r

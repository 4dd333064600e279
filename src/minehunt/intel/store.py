"""The user intel directory as ``intel update`` and ``intel subscribe`` write it.

``pools.txt`` gets ``domain  # <kind> from <source>`` lines (so every entry keeps where it
came from and ``intel.load`` still reads it as a plain list), ``networks.txt`` CIDRs and
``urls.txt`` adblock-syntax URL rules, each with its source.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from minehunt.intel import Intel
from minehunt.intel.lists import ListResult

__all__ = ["MergeReport", "merge", "read_tagged"]

_TAG = re.compile(r"#\s*(?:(pools|web|campaigns)\s+)?from\s+(\S+)")


@dataclass
class MergeReport:
    added: Counter[str] = field(default_factory=Counter)
    """'domains', 'url rules', 'networks' -> how many were new."""
    known: Counter[str] = field(default_factory=Counter)
    """Why an entry was not added although the list had it."""


def read_tagged(path: Path) -> dict[str, str]:
    """entry -> source for a user list file (entries without a tag come from 'user')."""
    out: dict[str, str] = {}
    try:
        text = path.read_text("utf-8", "replace")
    except OSError:
        return out
    for line in text.splitlines():
        entry, _, comment = line.partition("#")
        entry = entry.strip()
        if not entry:
            continue
        m = _TAG.search("#" + comment)
        out[entry.split()[0]] = m.group(2) if m else "user"
    return out


def _write(path: Path, lines: list[str]) -> None:
    """Replace ``path`` atomically, so a crash never leaves half a list."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.writelines(lines)
    os.replace(tmp, path)


def _covered(name: str, domains: frozenset[str] | set[str] | dict[str, str]) -> bool:
    labels = name.split(".")
    return any(".".join(labels[i:]) in domains for i in range(len(labels) - 1))


def merge(result: ListResult, source: str, kind: str, bundled: Intel, target: Path) -> MergeReport:
    """Add what ``result`` holds to the user intel in ``target``; known entries are counted."""
    rep = MergeReport()
    source = re.sub(r"\s", "_", source)
    pools = target / "pools.txt"
    have = read_tagged(pools)
    new_pools: list[str] = []
    for name in sorted(result.domains):
        if _covered(name, bundled.allow_domains):
            rep.known["under an allowlisted parent (code host, cloud, free DNS...)"] += 1
        elif _covered(name, bundled.pool_domains):
            rep.known["already in the bundled intel (or under a bundled entry)"] += 1
        elif name in have:
            rep.known["already in the user intel"] += 1
        else:
            new_pools.append(f"{name}  # {kind} from {source}\n")
    if new_pools:
        old = pools.read_text("utf-8").splitlines(keepends=True) if pools.is_file() else []
        _write(pools, sorted(old + new_pools, key=lambda s: s.split("#", 1)[0].strip()))
    rep.added["domains"] = len(new_pools)
    for fname, entries, label in (
        ("networks.txt", result.networks, "networks"),
        ("urls.txt", result.url_rules, "url rules"),
    ):
        path = target / fname
        known = read_tagged(path)
        fresh = [f"{e}  # from {source}\n" for e in sorted(entries) if e not in known]
        rep.known["already in the user intel"] += len(entries) - len(fresh)
        if fresh:
            old = path.read_text("utf-8").splitlines(keepends=True) if path.is_file() else []
            _write(path, old + fresh)
        rep.added[label] = len(fresh)
    return rep

"""Threat intel: the one knowledge base every check matches against.

The bundled data (``data/pools.txt``, ``data/intel.toml``) works offline. A user intel
directory (``$MINEHUNT_INTEL_DIR``, default ``~/.local/share/minehunt/intel``) extends it:
``pools.txt`` there adds domains, ``intel.toml`` there adds list entries.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from minehunt import rxshape, userdirs

__all__ = ["Campaign", "Intel", "IntelError", "WalletPattern", "load", "user_dir"]


class IntelError(Exception):
    """Intel data could not be read or is malformed."""


@dataclass(frozen=True)
class WalletPattern:
    name: str
    coin: str
    regex: re.Pattern[str]
    confidence: str = "medium"


@dataclass(frozen=True)
class Campaign:
    name: str
    aliases: tuple[str, ...] = ()
    files: frozenset[str] = frozenset()
    paths: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    ssh_key_comments: tuple[str, ...] = ()
    processes: frozenset[str] = frozenset()
    references: tuple[str, ...] = ()


_HOST_RE = re.compile(
    r"(?<![\w.-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?![\w-])"
)


@dataclass(frozen=True)
class Intel:
    """Indicators, loaded once; all look-ups are local (nothing is ever resolved)."""

    pool_domains: frozenset[str]
    miner_names: frozenset[str]
    disguised_names: frozenset[str]
    legit_names: frozenset[str]
    options: frozenset[str]
    algo_options: frozenset[str]
    algorithms: frozenset[str]
    schemes: frozenset[str]
    mining_ports: frozenset[int]
    tls_ports: frozenset[int]
    wallets: tuple[WalletPattern, ...]
    scripts: Mapping[str, tuple[re.Pattern[str], ...]]
    campaigns: tuple[Campaign, ...]
    allow_processes: frozenset[str] = frozenset()
    allow_memfd: frozenset[str] = frozenset()
    allow_domains: frozenset[str] = frozenset()
    web_script_paths: tuple[str, ...] = ()
    """Regexes of well-known browser-miner script paths (NoCoin-style path rules)."""
    pow_markers: tuple[str, ...] = ()
    """Names of proof-of-work captcha widgets and libraries."""
    security_agents: frozenset[str] = frozenset()
    """Process, service and directory names of security and cloud-monitoring agents that
    dropper scripts stop or remove (lowercase)."""
    sources: tuple[str, ...] = ()
    _stratum_re: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _wire_re: re.Pattern[bytes] | None = field(init=False, repr=False, compare=False)
    pool_labels: frozenset[str] = field(init=False, repr=False, compare=False)
    """The first label of every pool domain: a text naming a pool holds one as a word."""

    @cached_property
    def _wallet_shapes(
        self,
    ) -> tuple[dict[re.Pattern[str], int], re.Pattern[str] | None, int, re.Pattern[str] | None]:
        """The wallet patterns searched by runs with their shortest match, the run pattern,
        its shortest run, and all those patterns in one (None where they cannot be joined):
        a run none of them matches in is dropped at once (worked out on first use: reading
        the patterns' shapes costs what compiling them does)."""
        widths = {
            w.regex: rxshape.width(w.regex)[0]
            for w in self.wallets
            if rxshape.consumes_only_word_chars(w.regex, ":")
        }
        shortest = max(min(widths.values(), default=0), 1)
        run = re.compile(rf"[\w:]{{{shortest},}}") if widths else None
        return widths, run, shortest, _joined(list(widths))

    def __post_init__(self) -> None:
        # DNS wire format spells every label of a name as <length><bytes> (compression only
        # points at earlier bytes of the same message), so a message naming a pool holds the
        # first label of that pool's list entry literally.
        firsts = sorted({d.split(".", 1)[0] for d in self.pool_domains}, key=len, reverse=True)
        object.__setattr__(self, "pool_labels", frozenset(firsts))
        wire = b"|".join(re.escape(bytes([len(f)]) + f.encode("idna")) for f in firsts if f)
        object.__setattr__(self, "_wire_re", re.compile(b"(?i)" + wire) if wire else None)
        schemes = "|".join(re.escape(s) for s in sorted(self.schemes, key=len, reverse=True))
        object.__setattr__(
            self,
            "_stratum_re",
            re.compile(rf"(?i)\b(?:{schemes})://[^\s'\"<>;|&]+"),
        )

    # Patterns most commands never use, compiled on first use (a third of loading intel).
    @cached_property
    def _artefact_index(self) -> tuple[re.Pattern[str] | None, dict[str, Campaign]]:
        artefacts: dict[str, Campaign] = {}
        for c in self.campaigns:
            for a in (*c.paths, *c.files, *c.ssh_key_comments):
                artefacts.setdefault(a, c)
        alternatives = "|".join(re.escape(a) for a in sorted(artefacts, key=len, reverse=True))
        # Whole-word mentions only, so 'dbused' does not match 'dbusedaemon'.
        rx = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])") if artefacts else None
        return rx, artefacts

    @cached_property
    def _script_path_re(self) -> re.Pattern[str] | None:
        paths = "|".join(self.web_script_paths)
        return re.compile(rf"(?i)(?:^|/)(?:{paths})(?:$|[?#])") if paths else None

    @cached_property
    def _pow_re(self) -> re.Pattern[str] | None:
        pows = "|".join(re.escape(m) for m in sorted(self.pow_markers, key=len, reverse=True))
        return re.compile(rf"(?i)\b(?:{pows})\b") if pows else None

    # -- domains --------------------------------------------------------------------------
    def pool_domain(self, host: str) -> str | None:
        """The pool-list entry ``host`` falls under (equal or subdomain), else None."""
        host = host.lower().rstrip(".")
        labels = host.split(".")
        for i in range(len(labels) - 1):
            suffix = ".".join(labels[i:])
            if suffix in self.allow_domains:
                return None
            if suffix in self.pool_domains:
                return suffix
        return None

    def may_name_pool(self, dns_message: bytes) -> bool:
        """Could this DNS wire-format message name a pool domain? (False is certain.)"""
        return self._wire_re is not None and self._wire_re.search(dns_message) is not None

    def find_pool_domains(self, text: str) -> list[str]:
        """Host names in ``text`` that are pool domains, in order, without repeats."""
        out: list[str] = []
        for m in _HOST_RE.finditer(text.lower()):
            host = m.group(1)
            if self.pool_domain(host) and host not in out:
                out.append(host)
        return out

    # -- urls, wallets ----------------------------------------------------------------------
    def find_stratum_urls(self, text: str) -> list[str]:
        return list(dict.fromkeys(m.group(0) for m in self._stratum_re.finditer(text)))

    def find_wallets(self, text: str) -> list[tuple[WalletPattern, str]]:
        """Wallet addresses in ``text``, pattern by pattern, in order, without repeats."""
        out: list[tuple[WalletPattern, str]] = []
        seen: set[str] = set()
        runs: list[tuple[int, int]] | None = None
        widths, run, shortest, joined = self._wallet_shapes
        for pat in self.wallets:
            least = widths.get(pat.regex)
            if least is not None:
                # Its matches lie inside runs of [\w:] at least as long as its shortest
                # address: search those runs, not every position of the text (same matches).
                if runs is None:
                    runs = rxshape.spans_in_words(run, text, shortest) if run is not None else []
                    if joined is not None:
                        runs = [(s, e) for s, e in runs if joined.search(text, s, e)]
                found: Iterable[re.Match[str]] = (
                    m for s, e in runs if e - s >= least for m in pat.regex.finditer(text, s, e)
                )
            else:
                found = pat.regex.finditer(text)
            for m in found:
                if m.group(0) not in seen:
                    seen.add(m.group(0))
                    out.append((pat, m.group(0)))
        return out

    # -- names ------------------------------------------------------------------------------
    def miner_name(self, name: str) -> str | None:
        """The miner (or campaign binary) ``name`` is, ignoring case and an extension."""
        n = _normalise_program(name)
        if n in self.miner_names or n in self.disguised_names:
            return n
        return None

    def legit_miner(self, name: str) -> str | None:
        n = _normalise_program(name)
        return n if n in self.legit_names else None

    def campaign_for_file(self, path: str) -> Campaign | None:
        base = os.path.basename(path)
        for c in self.campaigns:
            if path in c.paths or base in c.files:
                return c
        return None

    def campaign_artefacts(self, text: str) -> list[tuple[Campaign, str]]:
        """(campaign, artefact) for every campaign file, path or key comment ``text`` names."""
        artefact_re, artefacts = self._artefact_index
        if artefact_re is None:
            return []
        found = dict.fromkeys(m.group(0) for m in artefact_re.finditer(text))
        return [(artefacts[a], a) for a in found]

    def miner_script_path(self, path_and_query: str) -> bool:
        """True if a URL path (with its query) is a well-known browser-miner script."""
        return bool(self._script_path_re and self._script_path_re.search(path_and_query))

    def pow_marker(self, text: str) -> str | None:
        """The first proof-of-work captcha name ``text`` mentions, else None."""
        m = self._pow_re.search(text) if self._pow_re else None
        return m.group(0) if m else None

    @property
    def pow_marker_pattern(self) -> re.Pattern[str] | None:
        """The pattern ``pow_marker`` searches with (a match starts with a marker name)."""
        return self._pow_re

    def script_hits(self, line: str) -> Iterator[tuple[str, re.Pattern[str]]]:
        """(kind, pattern) for every script pattern matching ``line``."""
        for kind, pats in self.scripts.items():
            for p in pats:
                if p.search(line):
                    yield kind, p
                    break


def _joined(patterns: list[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One pattern matching where any of ``patterns`` does, or None if they cannot be joined
    (different flags, inline flags, references to groups, whose numbers would move)."""
    if not patterns or len({rx.flags for rx in patterns}) != 1:
        return None
    if any(re.search(r"\\\d|\(\?P=|\(\?[aiLmsux]", rx.pattern) for rx in patterns):
        return None
    return re.compile("|".join(f"(?:{rx.pattern})" for rx in patterns), patterns[0].flags)


def _normalise_program(name: str) -> str:
    n = os.path.basename(name.strip()).lower()
    for ext in (".exe", ".bin", ".elf", ".sh", ".py"):
        if n.endswith(ext):
            n = n[: -len(ext)]
    return n


def user_dir() -> Path | None:
    """Where ``minehunt intel update`` keeps local additions (None: no home directory to
    keep them in, and no $MINEHUNT_INTEL_DIR)."""
    env = os.environ.get("MINEHUNT_INTEL_DIR")
    if env:
        return Path(env)
    base = userdirs.xdg("XDG_DATA_HOME", ".local/share")
    return base / "minehunt" / "intel" if base is not None else None


def read_domain_list(text: str) -> list[str]:
    """Domains from a plain list, a hosts file or adblock ``||domain^`` lines."""
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("!") or line.startswith("["):
            continue
        if line.startswith("||"):
            line = line[2:].split("^", 1)[0].split("/", 1)[0]
        else:
            parts = line.split()
            # hosts file: "0.0.0.0 pool.example" (possibly several names per line)
            if len(parts) > 1 and re.fullmatch(r"[0-9a-fA-F:.]+", parts[0]):
                out.extend(p.lower() for p in parts[1:] if "." in p)
                continue
            line = parts[0]
        line = line.lower().lstrip("*.").rstrip(".")
        if _HOST_RE.fullmatch(line):
            out.append(line)
    return out


def _list(d: Mapping[str, Any], key: str, where: str) -> list[Any]:
    v = d.get(key, [])
    if not isinstance(v, list):
        raise IntelError(f"{where}: '{key}' must be a list")
    return v


_BUNDLED = "bundled intel.toml"


class _Patterns(Mapping[str, tuple[re.Pattern[str], ...]]):
    """Script patterns by kind, compiled (case-insensitively) when a kind is first read:
    most commands never read them, and compiling them all was a third of loading intel."""

    def __init__(self, sources: Mapping[str, tuple[str, ...]]) -> None:
        self._sources = dict(sources)
        self._compiled: dict[str, tuple[re.Pattern[str], ...]] = {}

    def __getitem__(self, kind: str) -> tuple[re.Pattern[str], ...]:
        if kind not in self._compiled:
            self._compiled[kind] = tuple(re.compile(p, re.IGNORECASE) for p in self._sources[kind])
        return self._compiled[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)


def _compile(rx: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(rx, re.IGNORECASE)
    except re.error as e:
        raise IntelError(f"{where}: bad regex {rx!r}: {e}") from e


def _parse(docs: Iterable[tuple[str, Mapping[str, Any]]], domains: set[str]) -> dict[str, Any]:
    acc: dict[str, Any] = {
        "miner_names": set(),
        "disguised_names": set(),
        "legit_names": set(),
        "options": set(),
        "algo_options": set(),
        "algorithms": set(),
        "schemes": set(),
        "mining_ports": set(),
        "tls_ports": set(),
        "wallets": [],
        "scripts": {},
        "campaigns": [],
        "allow_processes": set(),
        "allow_memfd": set(),
        "allow_domains": set(),
        "web_script_paths": [],
        "pow_markers": [],
        "security_agents": set(),
    }
    for where, doc in docs:
        miners = doc.get("miners", {})
        acc["miner_names"].update(n.lower() for n in _list(miners, "names", where))
        acc["disguised_names"].update(n.lower() for n in _list(miners, "disguised", where))
        acc["legit_names"].update(n.lower() for n in _list(miners, "legit", where))
        cmd = doc.get("cmdline", {})
        acc["options"].update(_list(cmd, "options", where))
        acc["algo_options"].update(_list(cmd, "algo_options", where))
        acc["algorithms"].update(a.lower() for a in _list(cmd, "algorithms", where))
        acc["schemes"].update(s.lower() for s in _list(doc.get("stratum", {}), "schemes", where))
        ports = doc.get("ports", {})
        acc["mining_ports"].update(int(p) for p in _list(ports, "mining", where))
        acc["tls_ports"].update(int(p) for p in _list(ports, "tls", where))
        for w in _list(doc, "wallets", where):
            acc["wallets"].append(
                WalletPattern(
                    w["name"],
                    w.get("coin", ""),
                    re.compile(w["regex"]),
                    w.get("confidence", "medium"),
                )
            )
        for kind, pats in doc.get("scripts", {}).items():
            if where != _BUNDLED:  # the bundled ones compile (tests/intel checks them)
                for p in pats:
                    _compile(p, f"{where} [scripts].{kind}")
            acc["scripts"].setdefault(kind, []).extend(pats)
        for c in _list(doc, "campaigns", where):
            acc["campaigns"].append(
                Campaign(
                    name=c["name"],
                    aliases=tuple(c.get("aliases", ())),
                    files=frozenset(c.get("files", ())),
                    paths=frozenset(c.get("paths", ())),
                    services=frozenset(c.get("services", ())),
                    ssh_key_comments=tuple(c.get("ssh_key_comments", ())),
                    processes=frozenset(c.get("processes", ())),
                    references=tuple(c.get("references", ())),
                )
            )
        allow = doc.get("allowlist", {})
        acc["allow_processes"].update(_list(allow, "processes", where))
        acc["allow_memfd"].update(_list(allow, "memfd", where))
        acc["allow_domains"].update(d.lower() for d in _list(allow, "domains", where))
        web = doc.get("web", {})
        for rx in _list(web, "miner_script_paths", where):
            if where != _BUNDLED:
                _compile(rx, f"{where} [web].miner_script_paths")
            acc["web_script_paths"].append(rx)
        acc["pow_markers"].extend(_list(web, "pow_markers", where))
        dropper = doc.get("dropper", {})
        acc["security_agents"].update(a.lower() for a in _list(dropper, "security_agents", where))
    acc["pool_domains"] = domains - acc["allow_domains"]
    return acc


def load(extra: Path | None = None, *, use_user_dir: bool = True) -> Intel:
    """Bundled intel, plus the user intel directory, plus ``extra`` (a directory)."""
    data = resources.files("minehunt.intel") / "data"
    docs: list[tuple[str, Mapping[str, Any]]] = []
    sources = ["bundled"]
    domains: set[str] = set(read_domain_list((data / "pools.txt").read_text("utf-8")))
    docs.append((_BUNDLED, tomllib.loads((data / "intel.toml").read_text("utf-8"))))
    dirs = [d for d in ((user_dir() if use_user_dir else None), extra) if d is not None]
    for d in dirs:
        try:
            if (d / "pools.txt").is_file():
                domains.update(read_domain_list((d / "pools.txt").read_text("utf-8")))
                sources.append(str(d / "pools.txt"))
            if (d / "intel.toml").is_file():
                docs.append((str(d / "intel.toml"), tomllib.loads((d / "intel.toml").read_text())))
                sources.append(str(d / "intel.toml"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise IntelError(f"cannot read intel in {d}: {e}") from e
    try:
        acc = _parse(docs, domains)
    except (KeyError, TypeError, ValueError, re.error) as e:
        raise IntelError(f"malformed intel: {e}") from e
    return Intel(
        pool_domains=frozenset(acc["pool_domains"]),
        miner_names=frozenset(acc["miner_names"]),
        disguised_names=frozenset(acc["disguised_names"]),
        legit_names=frozenset(acc["legit_names"]),
        options=frozenset(acc["options"]),
        algo_options=frozenset(acc["algo_options"]),
        algorithms=frozenset(acc["algorithms"]),
        schemes=frozenset(acc["schemes"]),
        mining_ports=frozenset(acc["mining_ports"]),
        tls_ports=frozenset(acc["tls_ports"]),
        wallets=tuple(acc["wallets"]),
        scripts=_Patterns({k: tuple(v) for k, v in acc["scripts"].items()}),
        campaigns=tuple(acc["campaigns"]),
        allow_processes=frozenset(acc["allow_processes"]),
        allow_memfd=frozenset(acc["allow_memfd"]),
        allow_domains=frozenset(acc["allow_domains"]),
        web_script_paths=tuple(dict.fromkeys(acc["web_script_paths"])),
        pow_markers=tuple(dict.fromkeys(acc["pow_markers"])),
        security_agents=frozenset(acc["security_agents"]),
        sources=tuple(sources),
    )


@cache
def default() -> Intel:
    """The intel every scan uses unless told otherwise (loaded once per process)."""
    return load()

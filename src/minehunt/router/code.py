"""What a RouterOS script (scheduler on-event, /system script source) does, as signals the
scheduler check scores: fetch-and-run, and actions only an attacker takes."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from minehunt import linear
from minehunt.intel import Intel

__all__ = ["CodeSignals", "duration_seconds", "signals"]

_FETCH = re.compile(r"(?i)(?<![\w-])tool[\s/]+fetch\b")
_RUN = re.compile(r"(?i)(?:(?<![\w:-])import\b|:execute\b|:parse\b)")
_URL = re.compile(r"(?i)\burl=\"?([^\"\s;\]]+)")
_ADDRESS = re.compile(r"(?i)(?<![\w-])address=\"?([^\"\s;\]]+)")
_MODE_HTTP = re.compile(r"(?i)\bmode=http\b")
_REMOVE = re.compile(r"(?i)(scheduler|script)[\s/]+remove\s*(\[[^\]]*\]|\$[\w]+|\S+)")
_LOOP_REMOVE = re.compile(
    r"(?i)(scheduler|script)[\s/]+find\b(?![^\]]*\bname\s*=)[^\]]*\]\s*do=\{[^}]*\bremove\b"
)
_MINER_PATH = linear.compile(r"(?i)[\w./:%?=&~+-]*\.(?:js|wasm)\b[^\s\"'<>)]*")
_ATTACKER = (
    (
        re.compile(r"(?i)system[\s/]+logging[\s/]+(?:remove|disable|set|action)"),
        "changes system logging",
    ),
    (re.compile(r"(?i)ip[\s/]+socks[\s/]+(?:set|access|enable)"), "changes the SOCKS proxy"),
    (re.compile(r"(?i)ip[\s/]+proxy[\s/]+(?:set|access|enable)"), "changes the web proxy"),
    (re.compile(r"(?i)(?<![\w-])user[\s/]+(?:add|set)\b"), "adds or changes router users"),
    (
        re.compile(r"(?i)dst-path=\"?(?:flash/)?(?:webproxy|hotspot)/"),
        "writes into the web proxy's or hotspot's pages",
    ),
    (
        re.compile(r"(?i)ip[\s/]+firewall[\s/]+filter[\s/]+(?:remove|disable)"),
        "removes firewall rules",
    ),
)
_DURATION = re.compile(r"(\d+)([wdhms])")
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


@dataclass(frozen=True)
class CodeSignals:
    """What one piece of RouterOS script does."""

    fetches: tuple[str, ...] = ()
    """URLs or addresses /tool fetch downloads from."""
    fetch: bool = False
    """The code calls /tool fetch."""
    runs: bool = False
    """The code runs text as code (/import, :parse, :execute)."""
    attacker: tuple[str, ...] = ()
    """Actions only an attacker takes, in words."""
    plain_bare: bool = False
    """A fetch goes over plain HTTP to a bare IP address."""

    @property
    def remote_code(self) -> bool:
        return self.fetch and self.runs


def _bare_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _host_of(url: str) -> str:
    rest = url.split("://", 1)[-1]
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def miner_refs(intel: Intel, text: str) -> list[str]:
    """Pool domains and browser-miner script paths ``text`` names."""
    # '*.pool.example' (walled garden, proxy rules): the wildcard label hides the name.
    out = list(intel.find_pool_domains(text.replace("*.", " ")))
    for m in _MINER_PATH.finditer(text):
        ref = m.group(0)
        path = ref.split("://", 1)[-1]
        if "/" in path and "://" in ref:
            path = "/" + path.split("/", 1)[1]
        if intel.miner_script_path(path) and ref not in out:
            out.append(ref)
    return out


def signals(code: str, intel: Intel) -> CodeSignals:
    """Signals of one script body."""
    fetch = bool(_FETCH.search(code))
    fetches: list[str] = []
    plain_bare = False
    if fetch:
        for m in _URL.finditer(code):
            url = m.group(1)
            fetches.append(url)
            if url.lower().startswith("http://") and _bare_ip(_host_of(url)):
                plain_bare = True
        http_mode = bool(_MODE_HTTP.search(code))
        for m in _ADDRESS.finditer(code):
            fetches.append(m.group(1))
            if _bare_ip(m.group(1)) and (http_mode or "mode=" not in code.lower()):
                plain_bare = True
    attacker = [label for rx, label in _ATTACKER if rx.search(code)]
    for m in _REMOVE.finditer(code):
        sel = m.group(2).strip()
        inner = sel.strip("[]").strip()
        targeted = "name=" in inner.replace(" ", "") and "!=" not in inner
        if not targeted and not sel.startswith('"') and sel.lower() not in ("[find]",):
            attacker.append(f"removes other {m.group(1).lower()} entries")
            break
        if sel.replace(" ", "").lower() == "[find]":
            attacker.append(f"removes every {m.group(1).lower()} entry")
            break
    if _LOOP_REMOVE.search(code):
        attacker.append("removes other scheduler or script entries in a loop")
    refs = miner_refs(intel, code)
    if refs:
        attacker.append("names a mining pool or miner script: " + ", ".join(refs[:3]))
    return CodeSignals(
        fetches=tuple(dict.fromkeys(fetches)),
        fetch=fetch,
        runs=bool(_RUN.search(code)),
        attacker=tuple(dict.fromkeys(attacker)),
        plain_bare=plain_bare,
    )


def duration_seconds(text: str) -> int | None:
    """RouterOS durations: ``5m``, ``1h30m``, ``1d 02:00:00``, ``00:05:00``; None if empty."""
    t = text.strip().lower()
    if not t:
        return None
    total = 0
    clock = re.search(r"(\d+):(\d{2}):(\d{2})", t)
    if clock:
        h, m, s = (int(x) for x in clock.groups())
        total += h * 3600 + m * 60 + s
        t = t[: clock.start()] + t[clock.end() :]
    for num, unit in _DURATION.findall(t):
        total += int(num) * _UNITS[unit]
    if not clock and not _DURATION.search(t):
        return int(t) if t.isdigit() else None
    return total

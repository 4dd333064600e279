"""A parser for the Suricata 7 and Snort 3 rule grammar (header, options, content escapes,
modifier placement, pcre) and a small matcher for plain TCP content rules.

Suricata is not in Debian 12 and Snort 3 is not packaged either, so the generated rules are
checked against the grammar both documents and, for the Stratum content rules, run against
real protocol bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HEADER = re.compile(r"^(alert|drop|pass|reject) (\S+) (\S+) (\S+) (->|<>) (\S+) (\S+) \((.*)\)$")
ACTIONS_PROTOS_SURICATA = {"tcp", "udp", "ip", "dns", "tls", "http"}
ACTIONS_PROTOS_SNORT = {"tcp", "udp", "ip", "http"}
SURICATA_KEYWORDS = {
    "msg", "flow", "content", "nocase", "depth", "offset", "distance", "within", "endswith",
    "startswith", "fast_pattern", "pcre", "reference", "classtype", "metadata", "sid", "rev",
    "dns.query", "tls.sni", "http.host", "http.header", "dotprefix",
}  # fmt: skip
SURICATA_MODIFIERS = {"nocase", "depth", "offset", "distance", "within", "endswith",
                      "startswith", "fast_pattern"}  # fmt: skip
SURICATA_STICKY = {"dns.query", "tls.sni", "http.host", "http.header"}
SNORT_KEYWORDS = {
    "msg", "flow", "content", "pcre", "reference", "classtype", "metadata", "sid", "rev",
    "ssl_state", "http_header",
}  # fmt: skip
SNORT_CONTENT_MODS = re.compile(r"^(?:nocase|fast_pattern|(?:offset|depth|distance|within) -?\d+)$")
FLOW = re.compile(r"^(?:established|to_server|to_client|from_server|from_client)"
                  r"(?:,(?:established|to_server|to_client|from_server|from_client))*$")  # fmt: skip


class GrammarError(ValueError):
    pass


@dataclass
class Content:
    data: bytes
    nocase: bool = False
    offset: int | None = None
    depth: int | None = None
    distance: int | None = None
    within: int | None = None
    buffer: str | None = None


@dataclass
class Rule:
    action: str
    proto: str
    options: list[tuple[str, str | None]]
    sid: int = 0
    msg: str = ""
    contents: list[Content] = field(default_factory=list)
    pcres: list[re.Pattern[bytes]] = field(default_factory=list)
    flow: str = ""
    buffers: set[str] = field(default_factory=set)


def split_options(body: str) -> list[tuple[str, str | None]]:
    """`key:value;` pairs; quotes may hold escaped quote, semicolon and backslash."""
    out: list[tuple[str, str | None]] = []
    i, n = 0, len(body)
    while i < n:
        while i < n and body[i] == " ":
            i += 1
        if i >= n:
            break
        j, in_q = i, False
        while j < n:
            c = body[j]
            if c == "\\" and in_q:
                j += 2
                continue
            if c == '"':
                in_q = not in_q
            elif c == ";" and not in_q:
                break
            j += 1
        if j >= n:
            raise GrammarError(f"option not closed by ';': {body[i:]!r}")
        opt = body[i:j]
        key, sep, value = opt.partition(":")
        if not re.fullmatch(r"[a-z_.]+", key):
            raise GrammarError(f"bad keyword {key!r}")
        out.append((key, value.strip() if sep else None))
        i = j + 1
    return out


def unquote(value: str) -> str:
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        raise GrammarError(f"not quoted: {value!r}")
    inner = value[1:-1]
    if re.search(r'(?<!\\)(?:\\\\)*[";]', inner):
        raise GrammarError(f"unescaped quote or semicolon in {value!r}")
    return inner


def content_bytes(text: str) -> bytes:
    """Content notation: text with escapes, and |hex hex| blocks."""
    out = bytearray()
    parts = text.split("|")
    if len(parts) % 2 == 0:
        raise GrammarError(f"unbalanced | in {text!r}")
    for k, part in enumerate(parts):
        if k % 2:
            hexes = part.split()
            if not hexes or not all(re.fullmatch(r"[0-9A-Fa-f]{2}", h) for h in hexes):
                if not re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", part):
                    raise GrammarError(f"bad hex block |{part}|")
                hexes = re.findall("..", part)
            out += bytes(int(h, 16) for h in hexes)
        else:
            out += re.sub(r"\\(.)", r"\1", part).encode("latin-1")
    return bytes(out)


def pcre(value: str) -> re.Pattern[bytes]:
    m = re.fullmatch(r"/(.*)/([ismxAEGRUBPOHDMCKSY]*)", unquote(value))
    if not m:
        raise GrammarError(f"bad pcre {value!r}")
    flags = re.I if "i" in m.group(2) else 0
    try:
        return re.compile(m.group(1).encode("latin-1"), flags)
    except re.error as e:
        raise GrammarError(f"pcre does not compile: {e}") from e


def parse(line: str, engine: str) -> Rule:
    m = HEADER.match(line)
    if not m:
        raise GrammarError(f"bad header: {line[:80]!r}")
    action, proto, _src, _sp, _dir, _dst, _dp, body = m.groups()
    protos = ACTIONS_PROTOS_SURICATA if engine == "suricata" else ACTIONS_PROTOS_SNORT
    if proto not in protos:
        raise GrammarError(f"protocol {proto!r} not in {engine}")
    rule = Rule(action, proto, split_options(body))
    keywords = SURICATA_KEYWORDS if engine == "suricata" else SNORT_KEYWORDS
    buffer: str | None = None
    for key, value in rule.options:
        if key not in keywords:
            raise GrammarError(f"{engine} has no keyword {key!r}")
        if key == "msg":
            rule.msg = unquote(value or "")
        elif key == "sid":
            rule.sid = int(value or "")
        elif key == "rev":
            int(value or "")
        elif key == "flow":
            if not FLOW.match(value or ""):
                raise GrammarError(f"bad flow {value!r}")
            rule.flow = value or ""
        elif key == "reference":
            if not re.fullmatch(r"(?:url|cve|md5),\S+", value or ""):
                raise GrammarError(f"bad reference {value!r}")
        elif key == "metadata":
            for pair in (value or "").split(","):
                if not re.fullmatch(r"\s*[A-Za-z0-9_]+ [^,;\s]+\s*", pair):
                    raise GrammarError(f"bad metadata pair {pair!r}")
        elif key == "classtype":
            if value != "policy-violation":
                raise GrammarError(f"unexpected classtype {value!r}")
        elif key == "pcre":
            rule.pcres.append(pcre(value or ""))
        elif key in SURICATA_STICKY or key == "http_header":
            buffer = key
            rule.buffers.add(key)
        elif key == "ssl_state":
            if value != "client_hello":
                raise GrammarError(f"bad ssl_state {value!r}")
        elif key == "content":
            if engine == "snort":
                quoted, *mods = [
                    p.strip() for p in re.split(r',(?=(?:[^"]*"[^"]*")*[^"]*$)', value or "")
                ]
                c = Content(content_bytes(unquote(quoted)), buffer=buffer)
                for mod in mods:
                    if not SNORT_CONTENT_MODS.match(mod):
                        raise GrammarError(f"bad snort content modifier {mod!r}")
                    _apply(c, mod.split(" ")[0], mod.split(" ")[1] if " " in mod else None)
            else:
                c = Content(content_bytes(unquote(value or "")), buffer=buffer)
            rule.contents.append(c)
        elif key == "dotprefix":
            if buffer is None:
                raise GrammarError("dotprefix outside a sticky buffer")
        elif key in SURICATA_MODIFIERS:
            if engine != "suricata" or not rule.contents:
                raise GrammarError(f"{key} without a preceding content")
            _apply(rule.contents[-1], key, value)
    if not rule.msg or not rule.sid:
        raise GrammarError("msg and sid are required")
    return rule


def _apply(c: Content, key: str, value: str | None) -> None:
    if key == "nocase":
        c.nocase = True
    elif key in ("offset", "depth", "distance", "within"):
        setattr(c, key, int(value or ""))


def matches(rule: Rule, payload: bytes) -> bool:
    """Whether a plain (no sticky buffer) content rule matches one payload."""
    assert not rule.buffers
    end = 0
    for c in rule.contents:
        hay, needle = (payload.lower(), c.data.lower()) if c.nocase else (payload, c.data)
        if c.distance is not None or c.within is not None:
            start = end + (c.distance or 0)
            stop = start + c.within if c.within is not None else len(hay)
        else:
            start = c.offset or 0
            stop = start + c.depth if c.depth is not None else len(hay)
        pos = hay.find(needle, start, stop)
        if pos < 0:
            return False
        end = pos + len(needle)
    return all(p.search(payload) for p in rule.pcres)

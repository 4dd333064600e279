"""IDS rules: Suricata 7 and Snort 3, for pool names (DNS query, TLS SNI, HTTP host) and for
the content of every Stratum dialect minehunt's parser reads (minehunt.net.stratum*).

SIDs sit in the local range (1,000,000-1,999,999): protocol rules have fixed SIDs, a domain
rule's SID derives from a CRC of its channel and name, so it stays the same across releases
unless two names collide (then the later one in sorted order takes the next free SID).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from minehunt.prevent.dnsfmt import dns_names
from minehunt.prevent.entries import BlockEntry, BlockSet
from minehunt.prevent.formats import Meta, Rendered

__all__ = ["PROTOCOL_RULES", "snort", "suricata"]

PROTO_SID = 1_770_000
DOMAIN_SID, DOMAIN_SPACE = 1_800_000, 199_999


@dataclass(frozen=True)
class ProtoRule:
    """One content rule, written for both engines (their option syntax differs)."""

    sid_offset: int
    dialect: str
    """The minehunt.net.stratum Dialect the rule stands for."""
    msg: str
    to_server: bool
    reference: str
    suricata: str
    snort: str
    proto: str = "tcp"


def _q(text: str) -> str:
    """Escape a content/pcre string for both engines (quote, semicolon, backslash)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace(";", "\\;")


_WS = r"\s*"
_M = r"\x22method\x22\s*:\s*\x22"  # "method": "  (\x22 keeps quotes out of the rule text)

PROTOCOL_RULES: tuple[ProtoRule, ...] = (
    ProtoRule(
        1,
        "xmrig",
        "XMRig/CryptoNote login with algorithm list or rig id",
        True,
        "url,xmrig.com/docs/extensions",
        r'content:"|22|login|22|"; content:"|22|pass|22|"; content:"|22|agent|22|"; '
        rf'pcre:"/{_M}login\x22/"; pcre:"/\x22(?:algo\x22\s*:\s*\[|rigid\x22)/";',
        r'content:"|22|login|22|"; content:"|22|pass|22|"; content:"|22|agent|22|"; '
        rf'pcre:"/{_M}login\x22/"; pcre:"/\x22(?:algo\x22\s*:\s*\[|rigid\x22)/";',
    ),
    ProtoRule(
        2,
        "xmrig",
        "CryptoNote login with a Monero-address login",
        True,
        "url,xmrig.com/docs/extensions",
        r'content:"|22|login|22|"; content:"|22|pass|22|"; '
        rf'pcre:"/{_M}login\x22/"; '
        r'pcre:"/\x22login\x22\s*:\s*\x22[48][1-9A-HJ-NP-Za-km-z]{94}/";',
        r'content:"|22|login|22|"; content:"|22|pass|22|"; '
        rf'pcre:"/{_M}login\x22/"; '
        r'pcre:"/\x22login\x22\s*:\s*\x22[48][1-9A-HJ-NP-Za-km-z]{94}/";',
    ),
    ProtoRule(
        3,
        "xmrig",
        "CryptoNote job with hashing blob from pool",
        False,
        "url,xmrig.com/docs/extensions",
        r'content:"|22|blob|22|"; content:"|22|job_id|22|"; content:"|22|target|22|"; '
        r'pcre:"/\x22blob\x22\s*:\s*\x22[0-9a-fA-F]{152}/";',
        r'content:"|22|blob|22|"; content:"|22|job_id|22|"; content:"|22|target|22|"; '
        r'pcre:"/\x22blob\x22\s*:\s*\x22[0-9a-fA-F]{152}/";',
    ),
    ProtoRule(
        4,
        "xmrig",
        "CryptoNote share submit with nonce and result",
        True,
        "url,xmrig.com/docs/extensions",
        r'content:"|22|submit|22|"; content:"|22|nonce|22|"; content:"|22|result|22|"; '
        rf'pcre:"/{_M}submit\x22/";',
        r'content:"|22|submit|22|"; content:"|22|nonce|22|"; content:"|22|result|22|"; '
        rf'pcre:"/{_M}submit\x22/";',
    ),
    ProtoRule(
        5,
        "stratum-v1",
        "Stratum mining.subscribe or mining.authorize",
        True,
        "url,en.bitcoin.it/wiki/Stratum_mining_protocol",
        rf'content:"|22|mining."; pcre:"/{_M}mining\.(?:subscribe|authorize)\x22/";',
        rf'content:"|22|mining."; pcre:"/{_M}mining\.(?:subscribe|authorize)\x22/";',
    ),
    ProtoRule(
        6,
        "stratum-v1",
        "Stratum mining.notify job from pool",
        False,
        "url,en.bitcoin.it/wiki/Stratum_mining_protocol",
        rf'content:"|22|mining.notify|22|"; pcre:"/{_M}mining\.notify\x22/";',
        rf'content:"|22|mining.notify|22|"; pcre:"/{_M}mining\.notify\x22/";',
    ),
    ProtoRule(
        7,
        "stratum-v1",
        "Stratum mining.submit share",
        True,
        "url,en.bitcoin.it/wiki/Stratum_mining_protocol",
        rf'content:"|22|mining.submit|22|"; pcre:"/{_M}mining\.submit\x22/";',
        rf'content:"|22|mining.submit|22|"; pcre:"/{_M}mining\.submit\x22/";',
    ),
    ProtoRule(
        8,
        "ethereum-stratum",
        "NiceHash EthereumStratum subscribe",
        True,
        "url,github.com/nicehash/Specifications",
        r'content:"|22|mining.subscribe|22|"; content:"EthereumStratum/"; nocase;',
        r'content:"|22|mining.subscribe|22|"; content:"EthereumStratum/", nocase;',
    ),
    ProtoRule(
        9,
        "eth-proxy",
        "eth-proxy login or work submit",
        True,
        "url,github.com/sammy007/open-ethereum-pool",
        rf'content:"|22|eth_submit"; pcre:"/{_M}eth_submit(?:Login|Work)\x22/";',
        rf'content:"|22|eth_submit"; pcre:"/{_M}eth_submit(?:Login|Work)\x22/";',
    ),
    ProtoRule(
        10,
        "getwork-http",
        "getwork/getblocktemplate mining header (X-Mining-Extensions)",
        True,
        "url,en.bitcoin.it/wiki/Getwork",
        r'http.header; content:"x-mining-extensions|3a|"; nocase;',
        r'http_header; content:"x-mining-extensions|3a|", nocase;',
        proto="http",
    ),
    ProtoRule(
        11,
        "coinhive-ws",
        "CoinHive-style browser-miner job over WebSocket",
        False,
        "url,en.wikipedia.org/wiki/Coinhive",
        r'content:"|22|type|22|"; content:"|22|blob|22|"; content:"|22|job_id|22|"; '
        r'pcre:"/\x22type\x22\s*:\s*\x22job\x22/";',
        r'content:"|22|type|22|"; content:"|22|blob|22|"; content:"|22|job_id|22|"; '
        r'pcre:"/\x22type\x22\s*:\s*\x22job\x22/";',
    ),
    ProtoRule(
        12,
        "webminerpool-ws",
        "webminerpool browser-miner job over WebSocket",
        False,
        "url,github.com/notgiven688/webminerpool",
        r'content:"|22|identifier|22|"; content:"|22|blob|22|"; '
        r'pcre:"/\x22identifier\x22\s*:\s*\x22job\x22/";',
        r'content:"|22|identifier|22|"; content:"|22|blob|22|"; '
        r'pcre:"/\x22identifier\x22\s*:\s*\x22job\x22/";',
    ),
    ProtoRule(
        13,
        "stratum-v2",
        "Stratum V2 SetupConnection for the mining protocol (plaintext)",
        True,
        "url,stratumprotocol.org/specification",
        r'content:"|00 00 00|"; depth:3; content:"|00 02 00 02 00|"; offset:6; depth:5;',
        r'content:"|00 00 00|", depth 3; content:"|00 02 00 02 00|", offset 6, depth 5;',
    ),
)

NOT_EXPRESSIBLE = {
    "stratum-v2-noise": "Stratum V2 over Noise is encrypted: no content rule can see it",
}


def _meta_value(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.:/-]", "_", text)[:80] or "_"


def _label_pcre(name: str) -> str:
    """Matches ``name`` as a whole name or a parent (preceded by a non-name byte or a dot)."""
    return rf"/(?:^|[^a-z0-9-])(?:[a-z0-9-]+\.)*{re.escape(name)}(?:$|[^a-z0-9.-])/i"


def _wire(name: str) -> str:
    """A DNS wire-format suffix: |len|label...|00| in content hex/text notation."""
    return "".join(f"|{len(lab):02x}|{lab}" for lab in name.split(".")) + "|00|"


class _Sids:
    def __init__(self) -> None:
        self.used: set[int] = set()

    def take(self, key: str) -> int:
        sid = DOMAIN_SID + zlib.crc32(key.encode()) % DOMAIN_SPACE
        while sid in self.used:
            sid = DOMAIN_SID + (sid - DOMAIN_SID + 1) % DOMAIN_SPACE
        self.used.add(sid)
        return sid


def _common(meta: Meta, sid: int, reference: str | None, extra_meta: str) -> str:
    created = meta.date.replace("-", "_")
    ref = f"reference:{reference}; " if reference else ""
    return (
        f"{ref}classtype:policy-violation; "
        f"metadata:{extra_meta}, created_at {created}, generator minehunt_{meta.version}; "
        f"sid:{sid}; rev:1;"
    )


def _proto_rules(meta: Meta, snort: bool) -> list[str]:
    out = []
    for p in PROTOCOL_RULES:
        flow = "flow:established,to_server;" if p.to_server else "flow:established,to_client;"
        if snort:
            body, proto = p.snort, "tcp" if p.proto == "tcp" else "http"
        else:
            body, proto = p.suricata, p.proto
        tail = _common(meta, PROTO_SID + p.sid_offset, p.reference, f"minehunt_dialect {p.dialect}")
        out.append(
            f'alert {proto} any any -> any any (msg:"MINEHUNT {_q(p.msg)}"; {flow} {body} {tail})\n'
        )
    return out


def _domain_rules(name: str, e: BlockEntry, meta: Meta, sids: _Sids, snort: bool) -> list[str]:
    what = {"pools": "mining pool", "web": "browser-miner host", "campaigns": "campaign host"}
    label = what.get(e.kind.value, "mining host")
    extra = f"minehunt_kind {e.kind.value}, minehunt_source {_meta_value(e.source)}"
    ref = f"url,{name}"
    if snort:
        channels = {
            "dns": (
                "udp any any -> any 53",
                f'content:"{_wire(name)}", nocase;',
            ),
            "tls": (
                "tcp $HOME_NET any -> any any",
                f'flow:established,to_server; ssl_state:client_hello; content:"{name}", nocase; '
                f'pcre:"{_label_pcre(name)}";',
            ),
            "http": (
                "http $HOME_NET any -> any any",
                f'flow:established,to_server; http_header:field host; content:"{name}", nocase; '
                f'pcre:"{_label_pcre(name)}";',
            ),
        }
    else:
        channels = {
            "dns": (
                "dns any any -> any any",
                f'dns.query; dotprefix; content:".{name}"; nocase; endswith;',
            ),
            "tls": (
                "tls $HOME_NET any -> any any",
                f'tls.sni; dotprefix; content:".{name}"; nocase; endswith;',
            ),
            "http": (
                "http $HOME_NET any -> any any",
                f'flow:established,to_server; http.host; dotprefix; content:".{name}"; endswith;',
            ),
        }
    out = []
    for channel, (head, body) in channels.items():
        sid = sids.take(f"{channel}:{name}")
        msg = f"MINEHUNT {channel.upper()} {label} {name}"
        out.append(f'alert {head} (msg:"{_q(msg)}"; {body} {_common(meta, sid, ref, extra)})\n')
    return out


def _rules(blocks: BlockSet, meta: Meta, snort: bool) -> Rendered:
    r = Rendered()
    for reason in NOT_EXPRESSIBLE.values():
        r.left_out[reason] += 1
    lines = _proto_rules(meta, snort)
    sids = _Sids()
    for name, e in dns_names(blocks, r, wildcard=True):
        lines.extend(_domain_rules(name, e, meta, sids, snort))
    if blocks.url_patterns:
        r.left_out["script-path patterns (use the adblock or squid format)"] += len(
            blocks.url_patterns
        )
    if blocks.url_rules:
        r.left_out["adblock URL rules from user lists (use the adblock format)"] += len(
            blocks.url_rules
        )
    for i, net in enumerate(blocks.networks):
        sid = PROTO_SID + 200 + i
        lines.append(
            f'alert ip $HOME_NET any -> {net} any (msg:"MINEHUNT traffic to listed mining network '
            f'{net}"; {_common(meta, sid, None, "minehunt_kind networks")})\n'
        )
    r.count = len(lines)
    r.text = meta.header(r.count) + "".join(lines)
    return r


def suricata(blocks: BlockSet, meta: Meta) -> Rendered:
    return _rules(blocks, meta, snort=False)


def snort(blocks: BlockSet, meta: Meta) -> Rendered:
    return _rules(blocks, meta, snort=True)

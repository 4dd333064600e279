"""Network checks: captures, live traffic, logs (MH-NET-1xx)."""

from __future__ import annotations

from minehunt.checks.base import T1496 as _T1496
from minehunt.checks.base import C, Check, K, S
from minehunt.checks.base import make as _c

CHECKS: tuple[Check, ...] = (
    # -- network: captures, live traffic, logs (MH-NET-1xx) ---------------------------------
    _c(
        "MH-NET-101",
        "Mining protocol in network traffic",
        S.HIGH,
        C.HIGH,
        K.CONTENT,
        _T1496,
        "A connection carries a mining protocol (Stratum v1, NiceHash EthereumStratum, "
        "XMRig/Monero JSON-RPC, eth-proxy, getwork, CoinHive/webminerpool over WebSocket, "
        "Stratum V2): logins with wallets, jobs and shares on the wire.",
    ),
    _c(
        "MH-NET-102",
        "DNS lookup of a mining pool",
        S.MEDIUM,
        C.MEDIUM,
        K.NETWORK,
        _T1496,
        "A client asked DNS for a known mining-pool domain (directly or through a CNAME).",
    ),
    _c(
        "MH-NET-103",
        "TLS connection to a mining pool",
        S.HIGH,
        C.HIGH,
        K.NETWORK,
        _T1496,
        "A TLS ClientHello names a mining-pool domain (SNI), or the server's certificate "
        "does (subject CN or SAN, visible up to TLS 1.2): encrypted mining. On port "
        "443 it may be the pool's website, so it counts as medium there.",
    ),
    _c(
        "MH-NET-104",
        "Connection to a pool-resolved address",
        S.MEDIUM,
        C.MEDIUM,
        K.NETWORK,
        _T1496,
        "A connection goes to an address that an earlier DNS answer gave for a mining-pool "
        "domain, whatever its port and payload (encrypted mining included).",
    ),
    _c(
        "MH-NET-105",
        "Unrecognised traffic on a mining port",
        S.LOW,
        C.LOW,
        K.NETWORK,
        _T1496,
        "A connection to a port mining pools use carries TLS or a payload no parser "
        "recognises: possibly encrypted mining.",
    ),
    _c(
        "MH-NET-106",
        "Mining-like rhythm in a long-lived encrypted flow",
        S.LOW,
        C.LOW,
        K.BEHAVIOUR,
        _T1496,
        "A long-lived TLS or unrecognised connection moves few bytes both ways, like a "
        "miner's small share submissions and a pool's job pushes.",
    ),
    _c(
        "MH-NET-107",
        "Cryptocurrency node traffic",
        S.INFO,
        C.HIGH,
        K.NETWORK,
        _T1496,
        "Bitcoin or Monero peer-to-peer protocol (network magic bytes): a full node, not "
        "mining by itself; confirm the node is meant to run here.",
    ),
    _c(
        "MH-NET-108",
        "IDS coin-miner alert",
        S.MEDIUM,
        C.MEDIUM,
        K.CONTENT,
        _T1496,
        "An IDS (Suricata) raised a coin-mining alert on the flow and its payload was not "
        "available to confirm the protocol.",
    ),
    # -- end network --
)

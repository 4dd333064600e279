"""Web-specific indicators not (yet) in the shared intel: miner script paths, PoW markers.

Pool and browser-miner host names come from ``minehunt.intel`` (pools.txt); family code is
recognised by the shared YARA-X web rules. What is here is the NoCoin-style path list and
the proof-of-work captcha markers, kept as data in one place so they can move into
intel.toml (a ``[web]`` section) without touching any check.
"""

from __future__ import annotations

import re

MINER_SCRIPT_PATHS = re.compile(
    r"(?i)(?:^|/)(?:"
    r"coinhive(?:\.min)?\.js|coin-hive\.js|authedmine(?:\.min)?\.js|cryptonight(?:-asmjs)?"
    r"(?:\.min)?\.(?:js|wasm)|cryptonight-worker\.js|deepminer\.js|webmr\.js|webmr4?\.js"
    r"|crypta\.js|cryptoloot(?:\.min)?\.js|minero(?:-[a-z]+)?\.min\.js|coinimp\.js"
    r"|cryptonoter\.js|processor\.js\?.*site_key|miner\.min\.js\?.*key=|jsecoin\.js"
    r"|lib/(?:coinhive|cryptonight|crlt|minero)\b[^/]*"
    r")(?:$|[?#])"
)
"""Paths of well-known browser-miner scripts and modules (the NoCoin list's path rules)."""

POW_MARKERS = re.compile(
    r"(?i)\b(?:altcha(?:-widget)?|friendly-challenge|frc-captcha|mcaptcha|pow-captcha"
    r"|powcaptcha|cap-widget|hashcash)\b"
)
"""Names of proof-of-work captcha widgets and libraries."""

POW_SHAPE = (
    re.compile(r"crypto\.subtle\.digest\s*\(|sha256\s*\(|createHash\s*\(", re.I),
    re.compile(r"\b(?:challenge|difficulty)\b", re.I),
    re.compile(r"\b(?:nonce|number|solution|maxnumber)\b", re.I),
)
"""All three together: code that hashes a challenge until a nonce solves it."""

SITE_KEY = re.compile(
    r"""(?x)
    (?:\.(?:Anonymous|User|Token)\s*\(\s*|site_?key["']?\s*[:=]\s*)
    ["']([A-Za-z0-9_-]{16,64})["']
    """
)
"""A miner site key: CoinHive-style constructors or a site_key field."""

POOL_QUERY = re.compile(r"(?i)[?&](?:pool|stratum|host)=([a-z0-9.-]+[:%][0-9]{2,5})")
"""A WebSocket proxy URL naming the pool it should forward to (?pool=host:port)."""

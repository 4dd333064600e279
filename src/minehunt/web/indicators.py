"""Code shapes the website checks look for (not indicators: those live in intel).

Pool and browser-miner host names, miner script paths and proof-of-work captcha names come
from ``minehunt.intel`` (pools.txt, intel.toml [web]); family code is recognised by the
shared YARA-X web rules. What is here are shapes of code and URLs: a hash-until-solved
loop, a miner site key, a proxy URL naming its pool.
"""

from __future__ import annotations

import re

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

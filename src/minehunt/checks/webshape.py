"""Website checks on the shape of mining code and on obfuscated scripts (MH-WEB-020..025)."""

from __future__ import annotations

from minehunt.checks.base import T1496 as _T1496
from minehunt.checks.base import C, Check, K, S
from minehunt.checks.base import make as _c

CHECKS: tuple[Check, ...] = (
    # -- website code shapes (MH-WEB-020..025) -------------------------------------------
    _c(
        "MH-WEB-020",
        "Obfuscated script decoded",
        S.INFO,
        C.MEDIUM,
        K.CONTENT,
        ("T1027",),
        "A script was obfuscated (javascript-obfuscator string array with rotation, base64 "
        "or RC4 string encoding; a p,a,c,k,e,d packer; atob blobs; String.fromCharCode "
        "chains; hex/unicode escapes) and was decoded without running it. Context only: "
        "every check runs again on the decoded text, and what it finds is scored.",
    ),
    _c(
        "MH-WEB-021",
        "Mining algorithm compiled to JavaScript (asm.js)",
        S.HIGH,
        C.HIGH,
        K.CONTENT,
        _T1496,
        "JavaScript carries CryptoNight compiled to asm.js or wasm2js: Keccak round "
        "constants, AES tables and two of BLAKE-256/Groestl/JH/Skein (or the 2 MiB "
        "scratchpad size) as integer arrays, a memory initialiser or literals in code.",
    ),
    _c(
        "MH-WEB-022",
        "Mining worker loop",
        S.MEDIUM,
        C.MEDIUM,
        K.BEHAVIOUR,
        _T1496,
        "A worker's message loop takes mining jobs (job, blob, target) and posts nonces, "
        "hash counts or shares back: the hashing half of a browser miner, whatever the "
        "script is called.",
    ),
    _c(
        "MH-WEB-023",
        "Workers sized to the CPU with a throttle",
        S.LOW,
        C.LOW,
        K.BEHAVIOUR,
        _T1496,
        "The page starts Web Workers sized by navigator.hardwareConcurrency and throttles "
        "them: how browser miners take every core while staying unnoticed. Worker pools do "
        "this for other reasons too, so alone it stays low.",
    ),
    _c(
        "MH-WEB-024",
        "Mining login over a WebSocket",
        S.MEDIUM,
        C.MEDIUM,
        K.NETWORK,
        _T1496,
        "A script opens a WebSocket, logs in with a site key, wallet or login (auth, "
        "login, mining.authorize) and exchanges jobs and shares over it: a browser miner "
        "talking to its (possibly self-hosted) proxy, on any host, port or path.",
    ),
    _c(
        "MH-WEB-025",
        "Browser-miner loader or UI script",
        S.MEDIUM,
        C.MEDIUM,
        K.CONTENT,
        _T1496,
        "A script drives a browser miner's API (getHashesPerSecond, getTotalHashes, "
        "setThrottle ...): the loader or hash-rate UI of a CoinHive-compatible miner, "
        "reported as part of that miner.",
    ),
    # -- end website code shapes --
)

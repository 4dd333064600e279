"""Website checks (MH-WEB-*)."""

from __future__ import annotations

from minehunt.checks.base import T1496 as _T1496
from minehunt.checks.base import C, Check, K, S
from minehunt.checks.base import make as _c

CHECKS: tuple[Check, ...] = (
    # -- websites (MH-WEB-*) ---------------------------------------------------------------
    _c(
        "MH-WEB-001",
        "Browser-miner host or script path",
        S.HIGH,
        C.HIGH,
        K.NETWORK,
        _T1496,
        "A script, iframe, worker, WebSocket or URL in the page points to a browser-miner "
        "host of the pool list (coinhive.com, crypto-loot.com ...) or to a well-known "
        "miner script path (coinhive.min.js, cryptonight.wasm ...). Nothing is fetched "
        "from or resolved for such hosts.",
    ),
    _c(
        "MH-WEB-002",
        "Browser-miner code",
        S.HIGH,
        C.HIGH,
        K.CONTENT,
        ("T1496", "T1059.007"),
        "HTML or JavaScript of the page matches a web rule of the shared YARA-X rule set: "
        "a miner family's embed code, API or pool protocol (CoinHive, CryptoLoot, CoinIMP, "
        "webminerpool ...).",
    ),
    _c(
        "MH-WEB-003",
        "WebAssembly mining module",
        S.HIGH,
        C.HIGH,
        K.CONTENT,
        _T1496,
        "A WebAssembly module the page loads (fetched, inlined as base64, or compiled in "
        "the browser) computes a mining algorithm: the WASM analyser fingerprints "
        "Keccak, AES rounds and the CryptoNight finalists (BLAKE-256, Groestl, JH, Skein), "
        "a 2 MiB scratchpad, or RandomX's Argon2 + AES.",
    ),
    _c(
        "MH-WEB-004",
        "Mining protocol over WebSocket",
        S.HIGH,
        C.HIGH,
        K.NETWORK,
        _T1496,
        "In the browser the page opened a WebSocket whose frames parse as a mining "
        "protocol (CoinHive-style auth/job/submit, webminerpool, Stratum/XMRig JSON-RPC).",
    ),
    _c(
        "MH-WEB-005",
        "WebSocket URL of a mining proxy",
        S.MEDIUM,
        C.MEDIUM,
        K.NETWORK,
        _T1496,
        "The page or a script names a ws:// or wss:// URL on a pool domain, on a mining "
        "port, or carrying a pool in its query (?pool=host:port), the way browser "
        "miners reach their Stratum proxy.",
    ),
    _c(
        "MH-WEB-006",
        "Script injected outside the document",
        S.MEDIUM,
        C.MEDIUM,
        K.TAMPERING,
        ("T1496", "T1557"),
        "A script sits before <!DOCTYPE>/<html> or after </html>: what a compromised "
        "router or proxy (the MikroTik campaigns) or a tampered template injects.",
    ),
    _c(
        "MH-WEB-007",
        "Packed loader evaluates a decoded blob",
        S.INFO,
        C.LOW,
        K.CONTENT,
        ("T1027",),
        "JavaScript decodes a large blob (base64, char codes, a p,a,c,k,e,d packer) and "
        "evaluates it. Common in obfuscated miners; also in many legitimate bundles, so it "
        "is context: what the blob decodes to is analysed and scored on its own.",
    ),
    _c(
        "MH-WEB-008",
        "Inline WebAssembly module",
        S.INFO,
        C.LOW,
        K.CONTENT,
        _T1496,
        "JavaScript carries a WebAssembly module as base64. The module is analysed; "
        "on its own this is context, not a finding.",
    ),
    _c(
        "MH-WEB-009",
        "Heavy CPU use by the page",
        S.INFO,
        C.LOW,
        K.BEHAVIOUR,
        _T1496,
        "In the browser the page kept the CPU busy without any user gesture, measured on "
        "its renderer and worker processes; workers sized to "
        "navigator.hardwareConcurrency or a steady throttled duty cycle raise it to low. "
        "Animations and games do this too, so alone it never reaches medium.",
    ),
    _c(
        "MH-WEB-010",
        "Proof-of-work challenge",
        S.LOW,
        C.MEDIUM,
        K.BEHAVIOUR,
        _T1496,
        "The page computes a proof of work (a PoW captcha such as ALTCHA, Friendly "
        "Captcha or mCaptcha): the visitor's CPU is used briefly, with consent implied. "
        "Reported so that it is known, not as a miner.",
    ),
    _c(
        "MH-WEB-011",
        "Miner site key shared across pages",
        S.INFO,
        C.MEDIUM,
        K.IDENTITY,
        _T1496,
        "The same miner site key (the operator's account at the mining service) appears "
        "on several pages of the scan: one operator, one campaign. Context only.",
    ),
    _c(
        "MH-WEB-012",
        "Site posture: CSP and Subresource Integrity",
        S.INFO,
        C.HIGH,
        K.CONFIG,
        _T1496,
        "Whether the page sends a Content-Security-Policy (script-src, worker-src) and "
        "whether its third-party scripts carry Subresource Integrity hashes: the controls "
        "that stop injected or swapped miner scripts. Context only.",
    ),
    _c(
        "MH-WEB-013",
        "WebAssembly hashing module (benign)",
        S.INFO,
        C.MEDIUM,
        K.CONTENT,
        _T1496,
        "A WebAssembly module implements hash functions but not a mining algorithm "
        "(password hashing with Argon2, file hashing with SHA-2/BLAKE3). Context only.",
    ),
    # -- end websites --
)

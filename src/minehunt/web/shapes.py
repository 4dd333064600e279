"""Shapes of browser-mining code that do not depend on names.

A browser miner has to do the same few things whatever it is called: a worker takes a job
(blob, target) and posts back hashes or a nonce; the page starts as many workers as there
are cores and throttles them; a WebSocket logs in with a site key or wallet and then
receives jobs and submits shares; a UI or loader drives the miner's API. Each function here
recognises one of these shapes in (decoded) JavaScript text and says what it saw. It reads
the script's ``Hints`` first: a shape whose literals are absent is not searched for, and
case-insensitive patterns are tried only where their literals are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from minehunt.web.hints import Hints, WordStart

__all__ = [
    "Shape",
    "miner_api_use",
    "thread_pool",
    "websocket_login",
    "worker_loop",
]


@dataclass(frozen=True)
class Shape:
    """One recognised shape: what it is and the facts that make it."""

    summary: str
    facts: tuple[str, ...]
    detail: str | None = None


def _leftmost(*found: re.Match[str] | None) -> re.Match[str] | None:
    """The earliest match, as one alternation of the patterns would find it (their matches
    never start at the same place)."""
    return min((m for m in found if m is not None), key=lambda m: m.start(), default=None)


_HANDLER = (
    WordStart(r"onmessage\s*="),
    re.compile(r"addEventListener\s*\(\s*[\"']message[\"']"),
    WordStart(r"on\s*\(\s*[\"']message[\"']"),
)
r"""``\bonmessage\s*=|addEventListener\s*\(\s*["']message["']|\bon\s*\(\s*["']message["']``,
in parts (only whether one matches is used)."""
_POST = WordStart(r"postMessage\b")
_JOB = WordStart(r"job(?:_?id|Id)?\b")
_BLOB = WordStart(r"blob\b")
_TARGET = re.compile(r"\btarget\b|\bdifficulty\b")
_RESULT = re.compile(
    r"\bnonce\b|\bhashes(?:PerSecond)?\b|\bhashrate\b|\bshare\b|\bresult\b\s*:|\bhash_?count\b",
    re.I,
)


_TOGETHER = 4096
"""A job's blob, its target and the job itself are read in the same few lines of a miner's
worker (``job.blob``, ``job.target``; after deobfuscation, or side by side in a string
array); in a large bundle the three words turn up megabytes apart in unrelated code."""
_BLOBS_TRIED = 256


def _job_together(text: str) -> bool:
    """Whether some ``blob`` has a ``job`` and a ``target`` within _TOGETHER characters."""
    for n, blob in enumerate(_BLOB.finditer(text)):
        if n >= _BLOBS_TRIED:
            return False
        near = text[max(0, blob.start() - _TOGETHER) : blob.end() + _TOGETHER]
        if _JOB.search(near) and _TARGET.search(near):
            return True
    return False


def worker_loop(hints: Hints) -> Shape | None:
    """A message loop that takes job/blob/target and posts nonces, hashes or shares."""
    if not all(map(hints.has, ("post_message", "blob", "job", "result"))):
        return None
    text = hints.text
    if not (any(rx.search(text) for rx in _HANDLER) and _POST.search(text)):
        return None
    if not _job_together(text):
        return None
    result = hints.search(_RESULT, "result")
    if result is None:
        return None
    return Shape(
        "worker message loop takes mining jobs (job, blob, target) and posts "
        f"{result.group(0).rstrip(':').strip()} back",
        ("message handler", "job", "blob", "target", result.group(0).rstrip(":").strip()),
    )


_SPAWN = (
    WordStart(r"new\s+(?:Shared)?Worker\s*\("),
    re.compile(r"\.\s*_?spawn\w*\s*\("),
    WordStart(r"Worker\s*\("),
)
r"""``\bnew\s+(?:Shared)?Worker\s*\(|\.\s*_?spawn\w*\s*\(|\bWorker\s*\(``, in parts."""
_THROTTLE = re.compile(r"throttl|\bduty\b|\bidle\s*:\s*|setThrottle", re.I)


def thread_pool(hints: Hints) -> Shape | None:
    """Workers sized by navigator.hardwareConcurrency, with a throttle."""
    if not hints.has("hardware_concurrency") or not hints.has("throttle"):
        return None
    throttle = hints.search(_THROTTLE, "throttle")
    if throttle is None:
        return None
    spawn = _leftmost(*(rx.search(hints.text) for rx in _SPAWN))
    if spawn is None:
        return None
    return Shape(
        "starts workers sized by navigator.hardwareConcurrency and throttles them",
        ("navigator.hardwareConcurrency", spawn.group(0).strip(), throttle.group(0).strip()),
    )


_SOCKET = WordStart(r"new\s+WebSocket\s*\(\s*([^)]{0,300})\)")
_LOGIN = re.compile(
    r"""(?x)
    \b(?:type|method|cmd|action|op)\s*(?::|=(?!=))\s*["']
      (auth|login|mining\.authorize|mining\.subscribe|eth_submitLogin|handshake|subscribe)["']
    """
)
_CREDENTIAL = re.compile(
    r"\b(site_?key|sitekey|wallet|address|login|pass(?:word)?|rig_?id|user(?:name)?|"
    r"identifier|token)\b\s*(?::|=(?!=))",
    re.I,
)
_WORK = re.compile(
    r"""["'](?:job|submit|mining\.notify|mining\.submit|hash_accepted|share|getjob|solved)["']"""
)
_URL = re.compile(r"""["'`](wss?://[^"'`\s]{3,300})["'`]""")


def websocket_login(hints: Hints) -> Shape | None:
    """A WebSocket that logs in with a key or wallet, then exchanges jobs and shares."""
    if not hints.has("websocket"):
        return None
    text = hints.text
    sock = _SOCKET.search(text)
    if sock is None:
        return None
    login = _LOGIN.search(text)
    cred = _CREDENTIAL.search(text)
    work = _WORK.search(text)
    if login is None or cred is None or work is None:
        return None
    detail = None
    url = _URL.search(text)
    if url is not None:
        detail = url.group(1)
        parts = urlsplit(detail)
        try:
            port = parts.port
        except ValueError:
            port = None
        if port not in (None, 80, 443) or parts.path not in ("", "/"):
            detail += " (own port or path)"
    return Shape(
        f"WebSocket logs in ({login.group(1)} with {cred.group(1)}) and exchanges "
        f"mining work ({work.group(0).strip(chr(34) + chr(39))})",
        ("new WebSocket", login.group(1), cred.group(1), work.group(0).strip("\"'")),
        detail,
    )


_API_CALL = re.compile(
    r"\.\s*(getHashesPerSecond|getTotalHashes|getAcceptedHashes|setThrottle|getThrottle|"
    r"setNumThreads|getNumThreads|didOptOut|hasWASMSupport|setAutoThreadsEnabled|"
    r"getAutoThreadsEnabled|isMobile)\s*\("
)
_HASH_API = frozenset({"getHashesPerSecond", "getTotalHashes", "getAcceptedHashes"})


def miner_api_use(hints: Hints) -> Shape | None:
    """A loader or UI script driving a CoinHive-style miner API (hash rate, throttle ...)."""
    if not hints.has("hash_api"):
        return None
    used = list(dict.fromkeys(m.group(1) for m in _API_CALL.finditer(hints.text)))
    if len(used) < 2 or not _HASH_API.intersection(used):
        return None
    return Shape(
        f"drives a browser miner's API ({', '.join(used[:5])})",
        tuple(used[:8]),
    )

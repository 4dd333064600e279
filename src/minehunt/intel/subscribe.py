"""Subscriptions to public mining block lists: fetched over HTTPS only when the user asks,
cached with ETag/Last-Modified, size-limited, sniffed, then merged like ``intel update``.
Scans never fetch; they read what is merged in the user intel directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import ssl
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from minehunt.intel.lists import ListResult, parse_list

__all__ = [
    "KNOWN_LISTS",
    "FetchError",
    "KnownList",
    "Subscription",
    "fetch",
    "load_state",
    "save_state",
]

MAX_BYTES = 32 << 20
"""Largest list accepted (the big public lists are a few MB)."""


class FetchError(Exception):
    """The list could not be fetched or is not a block list."""


@dataclass(frozen=True)
class KnownList:
    name: str
    url: str
    licence: str
    kind: str
    """What its entries are: pools, web or campaigns."""
    about: str


KNOWN_LISTS: dict[str, KnownList] = {
    k.name: k
    for k in (
        KnownList(
            "nocoin",
            "https://raw.githubusercontent.com/hoshsadiq/adblock-nocoin-list/master/nocoin.txt",
            "MIT",
            "web",
            "NoCoin adblock list: browser-miner scripts, their hosts and pools",
        ),
        KnownList(
            "nocoin-hosts",
            "https://raw.githubusercontent.com/hoshsadiq/adblock-nocoin-list/master/hosts.txt",
            "MIT",
            "web",
            "NoCoin as a hosts file",
        ),
        KnownList(
            "coinblocker",
            "https://zerodot1.gitlab.io/CoinBlockerLists/list.txt",
            "GPL-3.0",
            "pools",
            "CoinBlockerLists: pools, proxies and browser-miner hosts (plain domains)",
        ),
        KnownList(
            "coinblocker-browser",
            "https://zerodot1.gitlab.io/CoinBlockerLists/list_browser.txt",
            "GPL-3.0",
            "web",
            "CoinBlockerLists, browser-miner part only",
        ),
        KnownList(
            "coinblocker-ips",
            "https://zerodot1.gitlab.io/CoinBlockerLists/MiningServerIPList.txt",
            "GPL-3.0",
            "pools",
            "CoinBlockerLists: addresses of mining servers",
        ),
        KnownList(
            "minerblock",
            "https://raw.githubusercontent.com/xd4rker/MinerBlock/master/assets/filters.txt",
            "MIT",
            "web",
            "MinerBlock extension filters (*://host/path* match patterns)",
        ),
        KnownList(
            "ublock-resource-abuse",
            "https://raw.githubusercontent.com/uBlockOrigin/uAssets/master/filters/resource-abuse.txt",
            "GPL-3.0",
            "web",
            "uBlock Origin 'Resource abuse' filters (scriptlet lines are skipped, counted)",
        ),
    )
}


@dataclass
class Subscription:
    name: str
    url: str
    kind: str
    licence: str = ""
    etag: str = ""
    last_modified: str = ""
    fetched: float = 0.0
    """When the list was last fetched or confirmed unchanged (Unix time)."""
    changed: float = 0.0
    sha256: str = ""
    entries: int = 0
    skipped: int = 0


def _state_file(target: Path) -> Path:
    return target / "subscriptions.json"


def load_state(target: Path) -> dict[str, Subscription]:
    try:
        raw: dict[str, Any] = json.loads(_state_file(target).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    out = {}
    for name, d in raw.items():
        if isinstance(d, dict):
            out[name] = Subscription(
                **{k: v for k, v in d.items() if k in Subscription.__dataclass_fields__}
            )
    return out


def save_state(target: Path, state: dict[str, Subscription]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    tmp = _state_file(target).with_suffix(".tmp")
    tmp.write_text(json.dumps({k: asdict(v) for k, v in sorted(state.items())}, indent=2))
    os.replace(tmp, _state_file(target))


def _sniff(body: bytes) -> str:
    head = body[:4096].lstrip().lower()
    if b"\x00" in body[:65536]:
        raise FetchError("binary content: not a text block list")
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"{", b"[{")):
        raise FetchError("HTML, XML or JSON document: not a block list")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FetchError(f"not UTF-8 text at byte {e.start}") from e


def _https_only(request: Any) -> None:
    if request.url.scheme != "https":
        raise FetchError(f"refusing non-HTTPS URL {request.url}")


def fetch(
    sub: Subscription,
    cache: Path,
    *,
    ca_file: str | None = None,
    max_bytes: int = MAX_BYTES,
    timeout: float = 30.0,
) -> tuple[ListResult, bool]:
    """Fetch ``sub`` (conditionally), cache the body, parse it: (result, changed)."""
    import httpx  # only this command needs it; every scan starts without it

    if urlsplit(sub.url).scheme != "https":
        raise FetchError(f"{sub.url}: only https:// lists are fetched")
    headers = {"User-Agent": "minehunt-intel", "Accept": "text/plain, */*;q=0.5"}
    if cache.is_file():
        if sub.etag:
            headers["If-None-Match"] = sub.etag
        if sub.last_modified:
            headers["If-Modified-Since"] = sub.last_modified
    try:
        verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=ca_file) if ca_file else True
        )
        with (
            httpx.Client(
                verify=verify,
                timeout=timeout,
                follow_redirects=True,
                max_redirects=5,
                event_hooks={"request": [_https_only]},
            ) as client,
            client.stream("GET", sub.url, headers=headers) as resp,
        ):
            if resp.status_code == 304:
                sub.fetched = time.time()
                with cache.open(encoding="utf-8") as f:
                    return parse_list(f), False
            if resp.status_code != 200:
                raise FetchError(f"{sub.url}: HTTP {resp.status_code}")
            declared = int(resp.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise FetchError(f"{sub.url}: {declared} bytes is over the {max_bytes} limit")
            chunks, size = [], 0
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"{sub.url}: over the {max_bytes}-byte limit")
                chunks.append(chunk)
            body = b"".join(chunks)
            etag, modified = resp.headers.get("etag", ""), resp.headers.get("last-modified", "")
    except (httpx.HTTPError, ssl.SSLError, OSError) as e:
        raise FetchError(f"{sub.url}: {e}") from e
    text = _sniff(body)
    result = parse_list(text.splitlines())
    if result.entries == 0:
        raise FetchError(f"{sub.url}: no domains, URL rules or networks: not a block list")
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(body)
    digest = hashlib.sha256(body).hexdigest()
    changed = digest != sub.sha256
    sub.etag, sub.last_modified, sub.sha256 = etag, modified, digest
    sub.fetched = time.time()
    if changed:
        sub.changed = sub.fetched
    return result, changed

"""A careful HTTP client for hostile pages: scope, redirect, byte and time limits.

httpx does the HTTP; this module decides what may be fetched. Only http and https, only
hosts in scope (the seeds' hosts and their subdomains, plus ``--allow-host``), never a
pool or browser-miner host (minehunt never resolves or contacts those), redirects followed
one hop at a time so each hop is checked, bodies cut at a byte cap, every request under a
deadline. Nothing fetched is ever executed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from minehunt import __version__
from minehunt.intel import Intel

__all__ = ["FetchError", "FetchLimits", "Fetched", "Fetcher", "Scope", "UrlError", "check_url"]

SCHEMES = ("http", "https")


class UrlError(ValueError):
    """A URL minehunt will not scan (wrong scheme, no host)."""


class FetchError(Exception):
    """A resource could not be fetched; the message says why in user terms."""


def check_url(url: str) -> str:
    """Return ``url`` if it is an absolute http(s) URL with a host, else raise UrlError."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        raise UrlError(f"{url}: only http:// and https:// URLs can be scanned")
    if not parts.hostname:
        raise UrlError(f"{url}: no host name")
    return url


@dataclass(frozen=True)
class FetchLimits:
    """Per-resource and per-scan budgets."""

    max_bytes: int = 5 * 1024 * 1024
    """Bytes read of one resource; the rest is not downloaded."""
    timeout: float = 10.0
    """Seconds for one resource, redirects included."""
    max_redirects: int = 5
    user_agent: str = f"minehunt/{__version__} (cryptojacking scan)"


@dataclass(frozen=True)
class Scope:
    """Which hosts may be fetched: same site as the seeds, plus explicit additions."""

    hosts: frozenset[str]
    """Seed hosts; their subdomains are in scope too."""
    allow: frozenset[str] = frozenset()
    """Extra hosts (``--allow-host``), with their subdomains."""
    intel: Intel | None = field(default=None, compare=False)

    @classmethod
    def for_seeds(cls, seeds: Iterable[str], allow: Iterable[str], intel: Intel) -> Scope:
        hosts = frozenset((urlsplit(s).hostname or "").lower() for s in seeds)
        return cls(hosts, frozenset(h.lower().strip(".") for h in allow), intel)

    def contains(self, url: str) -> bool:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme.lower() not in SCHEMES or not host:
            return False
        if self.intel is not None and self.intel.pool_domain(host):
            return False  # never contact a pool or browser-miner host, even if "allowed"
        return any(host == h or host.endswith("." + h) for h in self.hosts | self.allow)


@dataclass(frozen=True)
class Fetched:
    """One fetched resource."""

    url: str
    """Final URL after redirects."""
    status: int
    content_type: str | None
    body: bytes
    truncated: bool
    """The body was longer than the byte cap; only the first max_bytes were read."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Selected response headers (lower-case names): content-security-policy."""
    redirects: int = 0


class Fetcher:
    """Thread-safe fetcher (one httpx.Client with a connection pool)."""

    def __init__(self, scope: Scope, limits: FetchLimits, *, pool: int = 8) -> None:
        self.scope = scope
        self.limits = limits
        self.bytes = 0
        self.requests = 0
        self._client = httpx.Client(
            follow_redirects=False,
            timeout=httpx.Timeout(limits.timeout, connect=min(5.0, limits.timeout)),
            headers={"User-Agent": limits.user_agent, "Accept-Encoding": "gzip, deflate"},
            limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
            trust_env=False,  # no proxies from the environment: only the scanned site
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str) -> Fetched:
        """Fetch ``url`` within scope and limits; raises FetchError with the reason."""
        deadline = time.monotonic() + self.limits.timeout
        current = url
        for hop in range(self.limits.max_redirects + 1):
            if not self.scope.contains(current):
                raise FetchError(f"{current}: out of scope (not fetched)")
            try:
                with self._client.stream("GET", current) as resp:
                    self.requests += 1
                    if resp.is_redirect and "location" in resp.headers:
                        try:
                            current = urljoin(current, resp.headers["location"])
                        except ValueError as e:
                            raise FetchError(f"{current}: bad redirect location ({e})") from e
                        continue
                    body, truncated = self._read(resp, deadline)
                    return Fetched(
                        url=current,
                        status=resp.status_code,
                        content_type=resp.headers.get("content-type"),
                        body=body,
                        truncated=truncated,
                        headers={
                            k.lower(): v
                            for k, v in resp.headers.items()
                            if k.lower() == "content-security-policy"
                        },
                        redirects=hop,
                    )
            except httpx.TimeoutException as e:
                raise FetchError(f"timed out after {self.limits.timeout:g}s") from e
            except httpx.HTTPError as e:
                raise FetchError(f"{type(e).__name__}: {e}"[:300]) from e
        raise FetchError(f"more than {self.limits.max_redirects} redirects")

    def _read(self, resp: httpx.Response, deadline: float) -> tuple[bytes, bool]:
        buf = bytearray()
        for chunk in resp.iter_bytes():
            buf += chunk
            if len(buf) > self.limits.max_bytes:
                del buf[self.limits.max_bytes :]
                self.bytes += len(buf)
                return bytes(buf), True
            if time.monotonic() > deadline:
                raise FetchError(f"body not complete after {self.limits.timeout:g}s")
        self.bytes += len(buf)
        return bytes(buf), False

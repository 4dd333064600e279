"""Would this page's Content-Security-Policy have stopped the browser miners minehunt knows?

Each way a miner gets into a page is checked against the directive the browser applies to
it (with CSP's fallbacks): a script from a miner host (script-src), an injected inline
script (script-src), a miner worker from a blob: URL (worker-src), the WebSocket to a pool
proxy (connect-src) and compiling WebAssembly (script-src 'wasm-unsafe-eval'). A copy of a
miner on the site's own origin is allowed by any 'self' policy: only SRI-free hygiene and
the other layers catch that one. The result is one finding (MH-EXPO-013) with a policy to
start from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from minehunt import checks
from minehunt.intel import Intel
from minehunt.model import CheckId, Evidence, Finding, Scalar, Severity, Target, TargetKind

__all__ = ["Vector", "csp_finding", "evaluate", "example_hosts", "parse_policy"]

FALLBACK = {
    "script-src-elem": ("script-src-elem", "script-src", "default-src"),
    "script-src": ("script-src", "default-src"),
    "worker-src": ("worker-src", "child-src", "script-src", "default-src"),
    "connect-src": ("connect-src", "default-src"),
}


@dataclass(frozen=True)
class Vector:
    name: str
    directive: str
    url: str | None
    """The request the vector makes (None for inline code and WebAssembly compilation)."""


def parse_policy(text: str) -> dict[str, list[str]]:
    """Directive -> source list; the first occurrence of a directive wins (CSP3)."""
    out: dict[str, list[str]] = {}
    for part in text.split(";"):
        tokens = part.strip().split()
        if tokens:
            out.setdefault(tokens[0].lower(), [t for t in tokens[1:]])
    return out


def _sources(policy: dict[str, list[str]], directive: str) -> list[str] | None:
    for name in FALLBACK.get(directive, (directive, "default-src")):
        if name in policy:
            return policy[name]
    return None


def _allows_url(sources: list[str], url: str, page: str) -> bool:
    u, p = urlsplit(url), urlsplit(page)
    scheme, host = u.scheme.lower(), (u.hostname or "").lower()
    for raw in sources:
        s = raw.lower()
        if s == "'none'":
            continue
        if s == "*":
            if scheme in ("http", "https", "ws", "wss") or scheme == p.scheme:
                return True
            continue
        if s == "'self'":
            same = host == (p.hostname or "").lower() and (u.port == p.port)
            upgrade = {("http", "ws"), ("https", "wss"), ("http", "https"), ("http", "wss")}
            if same and (scheme == p.scheme or (p.scheme, scheme) in upgrade):
                return True
            continue
        if s.endswith(":") and "/" not in s:
            if (
                scheme == s[:-1]
                or (s == "http:" and scheme == "https")
                or (s == "ws:" and scheme == "wss")
            ):
                return True
            continue
        if s.startswith("'"):
            continue
        src = urlsplit(s if "://" in s else "//" + s)
        if src.scheme and src.scheme != scheme:
            continue
        pat = (src.hostname or "").lower()
        if (pat.startswith("*.") and host.endswith(pat[1:])) or pat == host:
            return True
    return False


def _allows(sources: list[str] | None, vector: Vector, page: str) -> bool:
    if sources is None:
        return True
    keywords = {s.lower() for s in sources}
    if vector.name == "inline":
        nonce_or_hash = any(k.startswith(("'nonce-", "'sha")) for k in keywords)
        return "'unsafe-inline'" in keywords and not nonce_or_hash
    if vector.name == "wasm":
        return bool({"'unsafe-eval'", "'wasm-unsafe-eval'"} & keywords)
    assert vector.url is not None
    if "'strict-dynamic'" in keywords and vector.directive.startswith("script"):
        return False  # only scripts loaded by trusted (nonce/hash) scripts run
    return _allows_url(sources, vector.url, page)


def example_hosts(intel: Intel) -> tuple[str, str]:
    """(a browser-miner script host, a pool) from the intel, to test the policy against."""
    pools = sorted(intel.pool_domains)
    miner = next((d for d in ("coinhive.com", "crypto-loot.com") if d in intel.pool_domains), None)
    pool = next(
        (d for d in ("moneroocean.stream", "supportxmr.com") if d in intel.pool_domains), None
    )
    return miner or pools[0], pool or pools[-1]


def vectors(page: str, miner_host: str, pool_proxy: str) -> list[Vector]:
    return [
        Vector("miner-host script", "script-src-elem", f"https://{miner_host}/lib/miner.min.js"),
        Vector("inline", "script-src", None),
        Vector("blob worker", "worker-src", "blob:" + page),
        Vector("pool WebSocket", "connect-src", f"wss://{pool_proxy}/proxy"),
        Vector("wasm", "script-src", None),
    ]


def evaluate(policy_text: str | None, page: str, miner_host: str, pool: str) -> dict[str, bool]:
    """Vector name -> would the browser let it run under this policy?"""
    policy = parse_policy(policy_text or "")
    out = {}
    for v in vectors(page, miner_host, pool):
        sources = _sources(policy, v.directive)
        if v.name == "blob worker" and sources is not None:
            # blob: must be named: '*' and 'self' never match it
            out[v.name] = any(s.lower() == "blob:" for s in sources)
        else:
            out[v.name] = _allows(sources, v, page)
    return out


def suggest(page: str, third_party: Sequence[tuple[str, bool]], policy_text: str | None) -> str:
    """A policy that keeps what the page loads and stops the miner vectors."""
    hosts = sorted({(urlsplit(u).scheme or "https") + "://" + (urlsplit(u).netloc or "")
                    for u, _ in third_party if urlsplit(u).netloc})  # fmt: skip
    wasm = ""
    if policy_text and "wasm-unsafe-eval" in policy_text:
        wasm = " 'wasm-unsafe-eval'"
    script = " ".join(["'self'", *hosts]) + wasm
    return (
        f"default-src 'self'; script-src {script}; worker-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
    )


def csp_finding(
    url: str,
    csp_header: str | None,
    csp_meta: str | None,
    third_party: Sequence[tuple[str, bool]],
    miner_host: str,
    pool: str,
) -> Finding:
    """MH-EXPO-013 for one page: which miner vectors its CSP stops, and a suggested policy."""
    policy = csp_header or csp_meta
    verdict = evaluate(policy, url, miner_host, pool)
    allowed = [name for name, ok in verdict.items() if ok]
    without_sri = [u for u, sri in third_party if not sri]
    suggested = suggest(url, third_party, policy)
    c = checks.get("MH-EXPO-013")
    what = (
        f"CSP would not stop: {', '.join(allowed)}" if allowed else "CSP stops every miner vector"
    )
    if not policy:
        what = "no Content-Security-Policy: nothing stops a miner script, worker or WebAssembly"
    summary = (
        f"{what}; a copy on the site's own origin passes any 'self' policy; "
        f"{len(without_sri)}/{len(third_party)} third-party scripts without SRI"
    )
    attrs: dict[str, Scalar] = {
        "csp": ("header" if csp_header else "meta") if policy else "absent",
        "policy": (policy or "")[:500],
        **{
            f"allows_{k.lower().replace(' ', '_').replace('-', '_')}": v for k, v in verdict.items()
        },
        "third_party_without_sri": len(without_sri),
        "suggested_policy": suggested,
        "fix": f"serve Content-Security-Policy: {suggested}; add integrity= to third-party scripts",
    }
    sev = Severity.LOW if allowed else Severity.INFO
    target = Target(TargetKind.URL, name=url, url=url)
    ev = Evidence(CheckId(c.id), summary, source="response", attributes=attrs)
    return Finding(c.id, c.title, sev, c.confidence, target, summary, (ev,), c.attack)

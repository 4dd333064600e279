"""One finding per page: static and runtime signals merged, posture and context attached.

Scored signals go through the shared correlator; context signals (posture, benign modules,
inline modules, shared site keys) are appended as evidence afterwards so they never raise
severity. The summary says what was found, where, and what to do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from minehunt.correlate import Signal, correlate
from minehunt.model import Finding, Scalar, Target
from minehunt.web.signals import is_context, signal, target_for

_MINER_CHECKS = (
    "MH-WEB-001",
    "MH-WEB-002",
    "MH-WEB-003",
    "MH-WEB-004",
    "MH-WEB-005",
    "MH-WEB-021",
    "MH-WEB-022",
    "MH-WEB-024",
    "MH-WEB-025",
)
_PREFERENCE = {
    "MH-WEB-004": 0,
    "MH-WEB-003": 1,
    "MH-WEB-002": 2,
    "MH-WEB-001": 3,
    "MH-WEB-005": 4,
    "MH-WEB-021": 1,
    "MH-WEB-024": 4,
    "MH-WEB-022": 4,
    "MH-WEB-025": 4,
    "MH-WEB-006": 5,
}
ADVICE_MINER = (
    "remove it and find how it got in; add CSP script-src and worker-src 'self' "
    "(and connect-src without wildcards), and Subresource Integrity on third-party scripts"
)
ADVICE_INJECTED = "compare with the server's copy: a router, proxy or template injects it"


def posture_signal(
    target: Target,
    csp_header: str | None,
    csp_meta: str | None,
    third_party: Sequence[tuple[str, bool]],
) -> Signal:
    """MH-WEB-012: CSP present/absent (script-src, worker-src) and SRI on third-party scripts."""
    csp = csp_header or csp_meta
    attrs: dict[str, Scalar] = {"csp": "present" if csp else "absent"}
    if csp:
        attrs["csp_source"] = "header" if csp_header else "meta"
        for directive in ("script-src", "worker-src", "connect-src", "default-src"):
            value = _directive(csp, directive)
            if value is not None:
                attrs[directive.replace("-", "_")] = value[:200]
    without = [u for u, sri in third_party if not sri]
    attrs["third_party_scripts"] = len(third_party)
    attrs["third_party_without_sri"] = len(without)
    if without:
        attrs["example_without_sri"] = without[0][:200]
    parts = [f"CSP {'present' if csp else 'absent'}"]
    if csp and "worker_src" not in attrs:
        parts.append("no worker-src")
    parts.append(f"{len(without)}/{len(third_party)} third-party scripts without SRI")
    return signal(target, "MH-WEB-012", "site posture: " + ", ".join(parts), "response", attrs)


def _directive(csp: str, name: str) -> str | None:
    for part in csp.split(";"):
        tokens = part.strip().split(None, 1)
        if tokens and tokens[0].lower() == name:
            return tokens[1] if len(tokens) > 1 else ""
    return None


def _family(signals: Iterable[Signal]) -> str | None:
    """The miner family: from a family rule first, else the algorithm of the module."""
    for s in sorted(signals, key=lambda s: s.evidence.check_id != "MH-WEB-002"):
        fam = s.evidence.attributes.get("family")
        if isinstance(fam, str) and fam not in ("generic", "unknown"):
            return fam
    return None


def _describe(target: Target, signals: list[Signal]) -> str:
    ids = {s.evidence.check_id for s in signals}
    head = signals[0]
    where = head.evidence.source or "page"
    if ids & set(_MINER_CHECKS):
        fam = _family(signals)
        what = f"browser miner{f' ({fam})' if fam else ''}"
        return f"{target.label()}: {what} in {where}: {head.evidence.summary[:160]}; {ADVICE_MINER}"
    if "MH-WEB-006" in ids:
        return f"{target.label()}: {head.evidence.summary}; {ADVICE_INJECTED}"
    return f"{target.label()}: {head.evidence.summary}"


def page_finding(
    url: str,
    signals: Sequence[Signal],
    context: Sequence[Signal] = (),
) -> Finding | None:
    """The page's finding, or None when only context (or nothing) was observed."""
    scored = [s for s in signals if not is_context(s)]
    extra = [s for s in signals if is_context(s)] + list(context)
    if not scored:
        return None
    target = target_for(url)
    # Among equally strong signals the most telling names the finding: protocol seen on the
    # wire, then the module's algorithm, the family rule, and only then a URL or path.
    scored.sort(key=lambda s: _PREFERENCE.get(s.evidence.check_id, 99))
    finding = correlate([replace(s, target=target) for s in scored], _describe)
    seen = {(e.check_id, e.summary, e.source) for e in finding.evidence}
    more = []
    for s in extra:
        e = s.evidence
        if (e.check_id, e.summary, e.source) not in seen:
            seen.add((e.check_id, e.summary, e.source))
            more.append(e)
    return replace(finding, evidence=finding.evidence + tuple(more))


def shared_key_context(page_keys: Mapping[str, Sequence[str]]) -> dict[str, list[Signal]]:
    """MH-WEB-011 per page for site keys that appear on two or more pages."""
    counts = Counter(k for keys in page_keys.values() for k in set(keys))
    out: dict[str, list[Signal]] = {}
    for url, keys in page_keys.items():
        for key in dict.fromkeys(keys):
            if counts[key] >= 2:
                out.setdefault(url, []).append(
                    signal(
                        target_for(url),
                        "MH-WEB-011",
                        f"miner site key {key} is used on {counts[key]} pages of this scan",
                        "site",
                        {"site_key": key, "pages": counts[key]},
                    )
                )
    return out

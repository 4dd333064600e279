"""Score a script's behaviours into one verdict, and turn it into signals for a finding.

Each behaviour counts once (its strongest sub-signal, plus one per further distinct
sub-signal, at most two). The behaviours' weights add up; the sum maps to a severity, so
several weak behaviours (a download that is run, a cron entry, a hidden background start)
make a medium finding with no name or URL known to intel, and one strong behaviour (a
write to /etc/ld.so.preload, a bind mount over /proc/PID) is enough on its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from minehunt.correlate import Signal
from minehunt.intel import Intel
from minehunt.model import CheckId, Confidence, Evidence, Scalar, Severity, Target

from . import calls
from .behaviours import DECODED, INSTALL_HOOK, Behaviour, Hit, all_hits, excerpt
from .normalise import Layer, layers

MAX_BYTES = 512 << 10
"""Larger text files are not analysed as scripts (the YARA rules still run)."""

VERDICT = CheckId("MH-SCRIPT-001")
WALLET_LIST = CheckId("MH-SCRIPT-002")
CONTEXT_CHECKS = frozenset(b.value for b in Behaviour)
"""Behaviour evidence explains the verdict and never adds to a finding's score itself."""

THRESHOLDS: tuple[tuple[int, Severity], ...] = (
    (17, Severity.CRITICAL),
    (11, Severity.HIGH),
    (7, Severity.MEDIUM),
    (4, Severity.LOW),
)


@dataclass(frozen=True)
class Scored:
    """One behaviour of a script with the hits that show it."""

    behaviour: Behaviour
    weight: int
    hits: tuple[Hit, ...]

    @property
    def techniques(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(h.sub.technique for h in self.hits))


@dataclass(frozen=True)
class Analysis:
    """What the behavioural analysis concluded about one script."""

    language: str
    behaviours: tuple[Scored, ...]
    score: int
    layers: tuple[str, ...]
    """Origins of the decoded layers (the file itself not included)."""

    @property
    def severity(self) -> Severity | None:
        for floor, sev in THRESHOLDS:
            if self.score >= floor:
                return sev
        return None


_SHEBANG = re.compile(rb"^#!\s*(\S+)(?:[ \t]+(?:-\S+[ \t]+)*([\w.-]+))?")
_PS = re.compile(r"(?i)\$\w+\s*=|\b(?:new-object|invoke-\w+|write-host|param\s*\(|get-\w+)\b")


def language(text: str, name: str = "") -> str:
    """A best guess at the script language, for evidence only (detection ignores it)."""
    m = _SHEBANG.match(text[:200].encode("utf-8", "replace"))
    if m:
        word = m.group(1).decode().rsplit("/", 1)[-1]
        if word == "env" and m.group(2):
            word = m.group(2).decode()
        for prefix, lang in (("python", "python"), ("perl", "perl"), ("pwsh", "powershell")):
            if word.startswith(prefix):
                return lang
        return "shell" if word.endswith("sh") else word
    if _is_package(name):
        return "npm package"
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    by_ext = {
        "ps1": "powershell",
        "psm1": "powershell",
        "py": "python",
        "pl": "perl",
        "bat": "batch",
        "cmd": "batch",
        "vbs": "vbscript",
        "sh": "shell",
        "js": "javascript",
        "mjs": "javascript",
        "cjs": "javascript",
        "ts": "typescript",
        "mts": "typescript",
        "cts": "typescript",
    }
    if ext in by_ext:
        return by_ext[ext]
    return "powershell" if len(_PS.findall(text[:4096])) >= 2 else "shell"


def score_behaviour(hits: Sequence[Hit]) -> int:
    keys = {h.sub.key: h.sub.weight for h in hits}
    ranked = sorted(keys.values(), reverse=True)
    return ranked[0] + min(2, sum(1 for w in ranked[1:] if w >= 2))


def analyse(text: str, intel: Intel, name: str = "") -> Analysis:
    """Deobfuscate ``text`` into layers, find the behaviours in each, and score them. The
    Python or JavaScript calls of the file and of each decoded layer that start programs,
    download or write files or change modes are one more layer each, read as the shell
    commands they amount to."""
    found = layers(text)
    hits: list[Hit] = []
    translated = [calls.layer(text), *(calls.layer(x.text, x) for x in found if x.depth)]
    for layer in (*found, *(t for t in translated if t is not None)):
        layer_hits = all_hits(layer, intel)
        if layer.depth and any(h.sub.weight >= 2 for h in layer_hits):
            first = layer_hits[0]
            hits.append(Hit(DECODED, first.line, first.text, layer.origin, layer.origin))
        hits.extend(layer_hits)
    if _is_package(name):
        hits.extend(_install_hooks(found[0], hits))
    by: dict[Behaviour, list[Hit]] = {}
    for h in hits:
        by.setdefault(h.sub.behaviour, []).append(h)
    scored = tuple(
        sorted(
            (Scored(b, score_behaviour(hs), tuple(hs)) for b, hs in by.items()),
            key=lambda s: -s.weight,
        )
    )
    return Analysis(
        language(text, name),
        scored,
        sum(s.weight for s in scored),
        tuple(layer.origin for layer in found if layer.depth),
    )


def _is_package(name: str) -> bool:
    """Is ``name`` (a path or a file name) an npm package's manifest?"""
    return name.rsplit("/", 1)[-1] == "package.json"


_HOOK = re.compile(r'"(?:preinstall|install|postinstall)"[^\S\n]*:')
"""An npm lifecycle script that npm runs when the package is installed, as a package.json
line holds it."""


def _install_hooks(file: Layer, hits: Sequence[Hit]) -> list[Hit]:
    """A hit on each package.json install hook whose own line shows a behaviour (weight 2 or
    more): what it does, npm does on every install of the package."""
    lines = {h.line for h in hits if h.layer == "file" and h.sub.weight >= 2}
    out = []
    for i in range(len(file.numbers)):
        ln = file.line(i)
        if ln.no in lines and _HOOK.search(ln.plain):
            out.append(Hit(INSTALL_HOOK, ln.no, excerpt(ln.plain.strip()), "file"))
    return out


def is_context(s: Signal) -> bool:
    return s.evidence.check_id in CONTEXT_CHECKS


def signals(target: Target, a: Analysis, source: str) -> list[Signal]:
    """The scored verdict (MH-SCRIPT-001) and one context signal per behaviour; nothing
    when the script scores below low."""
    sev = a.severity
    if sev is None:
        return []
    names = ", ".join(s.behaviour.words for s in a.behaviours)
    first = min((h.line for s in a.behaviours for h in s.hits), default=None)
    attrs: dict[str, Scalar] = {
        "language": a.language,
        "score": a.score,
        "behaviours": ",".join(s.behaviour.value for s in a.behaviours),
        "techniques": ",".join(dict.fromkeys(t for s in a.behaviours for t in s.techniques)),
    }
    if a.layers:
        attrs["decoded"] = "; ".join(a.layers)[:300]
    conf = Confidence.HIGH if len(a.behaviours) >= 4 else Confidence.MEDIUM
    verdict = Signal(
        target,
        Evidence(VERDICT, f"{a.language} script {names} (score {a.score})", source, first, attrs),
        severity=sev,
        confidence=conf,
    )
    out = [verdict]
    for s in a.behaviours:
        h = s.hits[0]
        keys = list(dict.fromkeys(x.sub.key for x in s.hits))
        where = "" if h.layer == "file" else f" (in {h.layer})"
        detail = f" [{h.detail}]" if h.detail else ""
        out.append(
            Signal(
                target,
                Evidence(
                    CheckId(s.behaviour.value),
                    f"line {h.line}: {'; '.join(keys)}{detail}{where}: {h.text}",
                    source,
                    h.line,
                    {
                        "weight": s.weight,
                        "signals": ",".join(keys),
                        "technique": ",".join(s.techniques),
                        "layer": h.layer,
                        "lines": ",".join(str(n) for n in dict.fromkeys(x.line for x in s.hits))[
                            :200
                        ],
                    },
                ),
            )
        )
    return out


def techniques(sigs: Sequence[Signal]) -> tuple[str, ...]:
    """The ATT&CK techniques the behaviour evidence names (for the finding's attack list)."""
    out: list[str] = []
    for s in sigs:
        t = s.evidence.attributes.get("techniques") or s.evidence.attributes.get("technique")
        if isinstance(t, str):
            out.extend(x for x in t.split(",") if x and x not in out)
    return tuple(out)


# -- files that are only wallets or pool addresses ---------------------------------------


_HOST_PORT = re.compile(r"[\"']?([\w.-]+\.[a-z]{2,}|(?:\d{1,3}\.){3}\d{1,3}):(\d{2,5})[\"',]*")


def wallet_list(target: Target, text: str, intel: Intel, source: str) -> list[Signal]:
    """MH-SCRIPT-002 for a small file whose entries are wallet addresses or pool URLs."""
    lines = [ln.strip() for ln in text.splitlines()]
    entries = [ln for ln in lines if ln and not ln.startswith(("#", "//", ";"))]
    if not entries or len(entries) > 500:
        return []
    ports = intel.mining_ports | intel.tls_ports

    def on_port(e: str) -> bool:
        hostport = _HOST_PORT.fullmatch(e)
        return hostport is not None and int(hostport.group(2)) in ports

    strong: list[str] = []
    weak: list[str] = []
    if not (
        intel.find_stratum_urls(text) or intel.find_pool_domains(text) or intel.find_wallets(text)
    ):
        # No match crosses a line (an entry is a line less its surrounding spaces): when the
        # whole text names no stratum URL, pool or wallet, only host:port entries can count.
        weak = [e for e in entries if on_port(e)]
    else:
        unread = len(entries)
        for e in entries:
            # Once 60 % is out of reach, the entries left do not matter.
            if (len(strong) + len(weak) + unread) / len(entries) < 0.6:
                return []
            unread -= 1
            if intel.find_stratum_urls(e) or intel.find_pool_domains(e):
                strong.append(e)
                continue
            wallets = intel.find_wallets(e)
            if any(p.confidence == "high" for p, _ in wallets):
                strong.append(e)
            elif wallets or on_port(e):
                weak.append(e)
    if (len(strong) + len(weak)) / len(entries) < 0.6:
        return []
    sev = Severity.MEDIUM if strong else Severity.LOW
    example = (strong or weak)[0][:120]
    return [
        Signal(
            target,
            Evidence(
                WALLET_LIST,
                f"{len(strong) + len(weak)} of {len(entries)} entries are wallet addresses or "
                f"pool addresses, e.g. {example}",
                source,
                None,
                {"entries": len(entries), "strong": len(strong), "weak": len(weak)},
            ),
            severity=sev,
            confidence=Confidence.HIGH if strong else Confidence.LOW,
        )
    ]

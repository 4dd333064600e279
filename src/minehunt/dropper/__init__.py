"""Behavioural analysis of dropper and persistence scripts (MH-SCRIPT-*).

Shell, PowerShell, Python, Perl, batch and VBScript text is deobfuscated into layers
(normalise), each layer searched for what dropper scripts do (behaviours), and the
behaviours scored into one verdict per file (analysis). The file scanner and the host's
start-up file reader fold the result into their findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from minehunt.correlate import Signal, correlate
from minehunt.intel import Intel
from minehunt.model import Finding, Target

from .analysis import (
    CONTEXT_CHECKS,
    MAX_BYTES,
    Analysis,
    analyse,
    is_context,
    signals,
    techniques,
    wallet_list,
)
from .behaviours import ALNUM_RUN, Behaviour, excerpt

__all__ = [
    "CONTEXT_CHECKS",
    "MAX_BYTES",
    "Analysis",
    "Behaviour",
    "analyse",
    "excerpt",
    "file_signals",
    "finding",
    "is_context",
    "signals",
    "techniques",
    "wallet_list",
]


def file_signals(target: Target, content: bytes, intel: Intel, source: str) -> list[Signal]:
    """The script verdict and behaviours of one text file, or its wallet-list finding."""
    if len(content) > MAX_BYTES or b"\0" in content[:4096]:
        return []
    text = content.decode("utf-8", "replace")
    a = analyse(text, intel, target.name or "")
    # A wallet or pool list names nothing but mining indicators; only then is it read as one.
    only_indicators = all(s.behaviour is Behaviour.MINING_INDICATORS for s in a.behaviours)
    if only_indicators and (a.behaviours or ALNUM_RUN.search(text)):
        listed = wallet_list(target, text, intel, source)
        if listed:
            return listed
    return signals(target, a, source)


def finding(script: Sequence[Signal], web: Sequence[Signal] = ()) -> Finding:
    """The finding about a file that only the script analysis (and maybe the website
    checks) flagged: scored signals correlated, behaviour and web context attached."""
    from minehunt.web.signals import is_context as web_context

    scored = [s for s in (*script, *web) if not is_context(s) and not web_context(s)]
    context = tuple(s.evidence for s in (*script, *web) if is_context(s) or web_context(s))
    # A pool host named in a dropper is also a website signal (MH-WEB-001, "browser-miner
    # host"). When that is all the website checks saw and the script acts on the host
    # (downloads and runs, starts hidden programs, persists ...), the file is a dropper and
    # the script verdict leads the finding; a page script that only names a miner and
    # hides it (eval of a decoded blob) stays a browser miner.
    names_only = all(s.evidence.check_id == NAMED_HOST for s in web if not web_context(s))
    acts = any(s.evidence.check_id not in NAMING for s in script)
    found = correlate(scored, lead=_from_script if names_only and acts else None)
    attack = (*found.attack, *(t for t in techniques(script) if t not in found.attack))
    return replace(found, evidence=found.evidence + context, attack=attack)


NAMED_HOST = "MH-WEB-001"
"""The website check that says a text names a mining host: all it sees in a dropper."""
NAMING = frozenset({"MH-SCRIPT-001", "MH-SCRIPT-002", "MH-SCRIPT-019", "MH-SCRIPT-023"})
"""Script checks that name or hide mining (the verdict, wallet lists, pools and miner
options, hidden commands) rather than act on the host: a browser miner has them too."""


def _from_script(s: Signal) -> bool:
    return s.evidence.check_id.startswith("MH-SCRIPT-")

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
    found = correlate(scored)
    attack = (*found.attack, *(t for t in techniques(script) if t not in found.attack))
    return replace(found, evidence=found.evidence + context, attack=attack)

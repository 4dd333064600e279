"""Combine observations about one target into one finding.

Users must not get six findings for one miner: every signal about a process (or a file) is
merged, and severity and confidence rise with independent evidence. Scoring: each distinct
check adds the points of its severity; agreement across independent categories multiplies
the sum (x1.5 for two, x2 for three ...). A CPU-heavy process alone stays info; CPU + a
pool connection + an executable in /tmp reaches critical.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from minehunt import checks
from minehunt.model import CheckId, Confidence, Evidence, Finding, Severity, Target

POINTS = {
    Severity.INFO: 10,
    Severity.LOW: 20,
    Severity.MEDIUM: 40,
    Severity.HIGH: 60,
    Severity.CRITICAL: 90,
}


@dataclass(frozen=True)
class Signal:
    """One observation about a target, before correlation."""

    target: Target
    evidence: Evidence
    severity: Severity | None = None
    """Overrides the check's default severity for this observation."""
    confidence: Confidence | None = None
    """Overrides the check's default confidence for this observation."""

    @property
    def check(self) -> checks.Check:
        return checks.get(self.evidence.check_id)

    @property
    def points(self) -> int:
        return POINTS[self.severity or self.check.severity]


def severity_for(score: float) -> Severity:
    for sev in reversed(Severity):
        if score >= POINTS[sev]:
            return sev
    return Severity.INFO


Describe = Callable[[Target, list[Signal]], str]


def _default_describe(target: Target, signals: list[Signal]) -> str:
    more = len({s.evidence.check_id for s in signals}) - 1
    tail = f" (+{more} more signal{'s' if more > 1 else ''})" if more > 0 else ""
    return f"{target.label()}: {signals[0].evidence.summary}{tail}"


def correlate(
    signals: Iterable[Signal],
    describe: Describe = _default_describe,
    *,
    lead: Callable[[Signal], bool] | None = None,
) -> Finding:
    """Merge signals about the same target into one Finding. The strongest signal gives the
    finding its check, title and summary; with ``lead``, the strongest of the signals it
    accepts does, when there is one (severity and confidence are the same either way)."""
    sigs = sorted(
        signals,
        key=lambda s: (
            lead is not None and not lead(s),
            -s.points,
            -(s.confidence or s.check.confidence).rank,
        ),
    )
    if not sigs:
        raise ValueError("correlate() needs at least one signal")
    best: dict[CheckId, Signal] = {}
    for s in sigs:
        best.setdefault(s.evidence.check_id, s)
    categories = {s.check.category for s in best.values()}
    total = sum(s.points for s in best.values()) * (1 + 0.5 * (len(categories) - 1))
    severity = max(severity_for(total), max((s.severity or s.check.severity) for s in sigs))
    conf_rank = max((s.confidence or s.check.confidence).rank for s in sigs)
    conf_rank = max(conf_rank, min(len(categories) - 1, Confidence.HIGH.rank))
    primary = sigs[0]
    # The richest target wins: sources add fields (exe, cmdline, user) as they learn them.
    target = max(
        (s.target for s in sigs), key=lambda t: sum(v is not None for v in vars(t).values())
    )
    attack: list[str] = ["T1496"] if any("T1496" in s.check.attack for s in sigs) else []
    for s in sigs:
        attack.extend(a for a in s.check.attack if a not in attack)
        technique = s.evidence.attributes.get("technique")
        if isinstance(technique, str) and technique not in attack:
            attack.append(technique)
    return Finding(
        check_id=primary.evidence.check_id,
        title=primary.check.title,
        severity=severity,
        confidence=list(Confidence)[conf_rank],
        target=target,
        summary=describe(target, sigs),
        evidence=_dedupe(s.evidence for s in sigs),
        attack=tuple(attack),
    )


def _dedupe(evidence: Iterable[Evidence]) -> tuple[Evidence, ...]:
    seen: set[tuple[str, str, str | None, int | None]] = set()
    out = []
    for e in evidence:
        k = (e.check_id, e.summary, e.source, e.line)
        if k not in seen:
            seen.add(k)
            out.append(e)
    return tuple(out)


def group(signals: Iterable[Signal], describe: Describe = _default_describe) -> Iterator[Finding]:
    """Correlate a stream of signals about many targets: one finding per target."""
    by_key: dict[str, list[Signal]] = {}
    for s in signals:
        by_key.setdefault(s.target.key, []).append(s)
    for sigs in by_key.values():
        yield correlate(sigs, describe)


def merge(
    finding: Finding, extra: Iterable[Signal], describe: Describe = _default_describe
) -> Finding:
    """Fold late signals (e.g. a memory match) into an existing finding."""
    base = [Signal(finding.target, e) for e in finding.evidence]
    merged = correlate([*base, *extra], describe)
    return replace(merged, observed=finding.observed)

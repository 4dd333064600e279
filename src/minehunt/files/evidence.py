"""Rule matches -> signals: the one place that says what a YARA match means to a user.

Shared by the file scanner and the memory scanner, so a rule reads the same wherever it
matched. Each match is one piece of evidence, named by the rule's check ID (MH-YARA-nnn);
a rule from an external file is evidence of MH-FILE-001 with the rule's own severity.

A legitimate-software rule (kind "legit", e.g. the reference RandomX library) *explains*
the mining-algorithm matches in the same object: they are folded into its evidence instead
of being scored on their own, so librandomx.so is "mining software present" (low), not
"cryptojacking" (high). Miner-family matches are never explained away.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from minehunt.correlate import Signal
from minehunt.model import CheckId, Evidence, Scalar, Target
from minehunt.rules import RuleMatch

EXTERNAL_CHECK = CheckId("MH-FILE-001")


@dataclass(frozen=True)
class Hit:
    """The rule matches in one scanned object: a file, an archive member, a memory image."""

    where: str
    """The object, as users see it: a path, ``a.zip!member``, or a memory mapping."""
    ftype: str
    """Content type (sniffed) or mapping kind."""
    matches: tuple[RuleMatch, ...]
    lines: tuple[int | None, ...] = ()
    """1-based line of each match's first offset (text files), aligned with ``matches``."""

    def line_of(self, match: RuleMatch) -> int | None:
        i = self.matches.index(match)
        return self.lines[i] if i < len(self.lines) else None


def _hex(offsets: Sequence[int]) -> str:
    return ",".join(f"{o:#x}" for o in offsets)


def check_of(match: RuleMatch) -> CheckId:
    return EXTERNAL_CHECK if match.rule.external else CheckId(match.rule.id)


def explained(matches: Sequence[RuleMatch]) -> tuple[list[RuleMatch], list[RuleMatch]]:
    """(matches scored on their own, algorithm matches a legit rule explains)."""
    if not any(m.rule.kind == "legit" for m in matches):
        return list(matches), []
    keep = [m for m in matches if m.rule.kind != "algorithm"]
    return keep, [m for m in matches if m.rule.kind == "algorithm"]


def signals(
    target: Target,
    hit: Hit,
    *,
    source: str,
    where: Callable[[RuleMatch], str] | None = None,
    extra: dict[str, Scalar] | None = None,
    explain: bool = True,
) -> list[Signal]:
    """One signal per rule match in ``hit`` about ``target``.

    ``where`` words the location of a match ("at 0x1a0"); ``extra`` adds attributes
    (e.g. the memory mapping); ``explain=False`` keeps algorithm matches scored even
    beside a legit rule (memory that no file backs is not explained by a library name).
    """
    keep, folded = explained(hit.matches) if explain else (list(hit.matches), [])
    out = []
    for m in keep:
        rule = m.rule
        attrs: dict[str, Scalar] = {
            "rule": rule.name,
            "rule_id": rule.id,
            "family": rule.family,
            "kind": rule.kind,
            "offsets": _hex(m.offsets),
            "patterns": ",".join(m.patterns),
            "type": hit.ftype,
            **(extra or {}),
        }
        summary = rule.title if not rule.external else f"rule {rule.name} ({rule.namespace})"
        if folded and rule.kind == "legit":
            names = ", ".join(f.rule.title for f in folded)
            summary += f"; explains {names}"
            attrs["explains"] = ",".join(f.rule.id for f in folded)
        loc = where(m) if where else (f"at {_hex(m.offsets[:1])}" if m.offsets else "")
        evidence = Evidence(
            check_of(m),
            f"{summary} {loc}".strip(),
            source=source,
            line=hit.line_of(m),
            attributes=attrs,
        )
        out.append(Signal(target, evidence, severity=rule.severity, confidence=rule.confidence))
    return out

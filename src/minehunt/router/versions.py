"""RouterOS versions that known, exploited vulnerabilities affect (the version -> CVE
table routeros-scanner reports), from MikroTik's changelogs and the CVE records."""

from __future__ import annotations

import re
from dataclasses import dataclass

from minehunt.model import Severity

__all__ = ["Advisory", "parse", "vulnerabilities"]


@dataclass(frozen=True)
class Advisory:
    """Versions below ``fixed`` (on the same major line) are affected."""

    cves: tuple[str, ...]
    fixed: tuple[int, ...]
    """First fixed version of the current release line."""
    also_fixed: tuple[tuple[int, ...], ...]
    """Fixed releases of older maintained lines (bugfix/long-term): x.y.z at or above
    these on the same x.y are not affected."""
    severity: Severity
    summary: str


ADVISORIES: tuple[Advisory, ...] = (
    Advisory(
        ("CVE-2018-14847",),
        (6, 42, 1),
        ((6, 40, 8),),
        Severity.HIGH,
        "Winbox reads any file without login (user database with passwords): the way in "
        "for the 2018 MikroTik cryptojacking campaigns",
    ),
    Advisory(
        ("CVE-2018-1156", "CVE-2018-1157", "CVE-2018-1158", "CVE-2018-1159"),
        (6, 42, 7),
        ((6, 40, 9),),
        Severity.MEDIUM,
        "authenticated remote code execution and denial of service",
    ),
    Advisory(
        ("CVE-2019-3976", "CVE-2019-3977", "CVE-2019-3978", "CVE-2019-3979"),
        (6, 45, 7),
        ((6, 44, 6),),
        Severity.MEDIUM,
        "DNS cache poisoning and unsafe package upgrade",
    ),
    Advisory(
        ("CVE-2023-30799",),
        (6, 49, 7),
        ((6, 48, 7),),
        Severity.MEDIUM,
        "admin escalates to super-admin over Winbox or HTTP",
    ),
)


def parse(version: str) -> tuple[int, ...] | None:
    """``6.40.5 (stable)`` -> (6, 40, 5); None when it is not a version."""
    m = re.match(r"\s*(\d+)\.(\d+)(?:\.(\d+))?", version)
    if not m:
        return None
    return tuple(int(x) for x in m.groups() if x is not None)


def vulnerabilities(version: str) -> list[Advisory]:
    """The advisories ``version`` is affected by (RouterOS 6 only; 7 fixed them all)."""
    v = parse(version)
    if v is None or v[0] != 6:
        return []
    v3 = (*v, 0)[:3]
    out = []
    for a in ADVISORIES:
        if v3 >= a.fixed:
            continue
        if any(v3[:2] == f[:2] and v3 >= f for f in a.also_fixed):
            continue
        out.append(a)
    return out

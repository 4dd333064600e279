"""The registry of checks: every check ID minehunt can report, in one place.

Each area keeps its checks in a module of this package (host, files, net, web ...); this
module joins them. docs/detections.md has one row per check; tests/test_checks.py keeps the
two in agreement.
"""

from __future__ import annotations

from minehunt.checks import cloud, dropper, exposure, files, host, net, router, web, webshape
from minehunt.checks.base import Category, Check

__all__ = ["CHECKS", "Category", "Check", "get"]

_AREAS = (host, files, net, web, cloud, dropper, exposure, router, webshape)

CHECKS: dict[str, Check] = {c.id: c for group in _AREAS for c in group.CHECKS}


def get(check_id: str) -> Check:
    """The metadata of ``check_id``; KeyError for an unknown id is a programming error."""
    return CHECKS[check_id]

"""Build or fetch real mining-algorithm code for the rule tests.

Every helper caches its output under ``tests/.cache/`` keyed by a digest of its inputs, so a
second run reuses the artefacts, and raises :class:`~tests.build.cache.ToolMissing` (which
the tests turn into a skip) only when a required program or system package is absent.
"""

from __future__ import annotations

from tests.build.cache import CACHE_DIR, BuildError, ToolMissing

__all__ = ["CACHE_DIR", "BuildError", "ToolMissing"]

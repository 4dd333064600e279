"""The fleet server: agents report findings over HTTP, administrators see and act on them in a
dashboard. Imported only by ``minehunt server`` so a scan never pays for FastAPI."""

from __future__ import annotations

__all__: list[str] = []

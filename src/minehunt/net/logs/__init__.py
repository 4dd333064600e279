"""IDS logs: Zeek and Suricata EVE read through DuckDB -> flow and DNS observations."""

from __future__ import annotations

__all__: list[str] = []

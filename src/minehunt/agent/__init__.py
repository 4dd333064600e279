"""The fleet agent: scans this host on an interval and reports new or changed findings to
the minehunt server through a durable offline queue."""

from __future__ import annotations

from .queue import Outbox
from .run import AgentOptions, run

__all__ = ["AgentOptions", "Outbox", "run"]

"""Prevention: blocklists for resolvers, proxies, IDS and browsers, and the exposure audit.

``entries`` gathers what to block from the intel; ``formats`` renders it for one consumer
(one module per family: ``dnsfmt``, ``webfmt``, ``idsfmt``); ``exposure`` audits the
doors miners use to get onto a host.
"""

from __future__ import annotations

from minehunt.prevent.entries import BlockEntry, BlockSet, EntryKind, collect
from minehunt.prevent.formats import BlockFormat, Rendered, render

__all__ = [
    "BlockEntry",
    "BlockFormat",
    "BlockSet",
    "EntryKind",
    "Rendered",
    "collect",
    "render",
]

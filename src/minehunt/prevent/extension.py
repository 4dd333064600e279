"""The Chromium (Manifest V3) extension format: built in a later step."""

from __future__ import annotations

from minehunt.prevent.entries import BlockSet
from minehunt.prevent.formats import Meta, Rendered


def build(blocks: BlockSet, meta: Meta) -> Rendered:
    raise NotImplementedError("chromium-extension")

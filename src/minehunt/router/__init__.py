"""MikroTik RouterOS audit: export files and live devices (SSH or API), read-only.

Parsing (:mod:`.parse`) gives a typed :class:`RouterConfig`; :mod:`.audit` turns it into
MH-ROUTER-* findings; :mod:`.live` reads devices; :mod:`.sinkhole` writes a DNS sink script.
"""

from __future__ import annotations

from minehunt.router.model import Action, Entry, Note, RouterConfig
from minehunt.router.sinkhole import sinkhole_script

__all__ = ["Action", "Entry", "Note", "RouterConfig", "sinkhole_script"]

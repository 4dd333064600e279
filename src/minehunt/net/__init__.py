"""Network sources: the shared mining-protocol parser, captures and IDS log readers.

`minehunt.net.stratum` is the one pure parser every network source feeds (bytes in, mining
messages out, no I/O).
"""

from __future__ import annotations

__all__: list[str] = []

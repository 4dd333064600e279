"""Where minehunt keeps its state; light enough for the agent to import."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """$MINEHUNT_DATA_DIR, else $XDG_DATA_HOME/minehunt, else ~/.local/share/minehunt."""
    explicit = os.environ.get("MINEHUNT_DATA_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "minehunt"

"""Where minehunt keeps its state; light enough for the agent to import."""

from __future__ import annotations

import os
from pathlib import Path

from minehunt import userdirs


def data_dir() -> Path:
    """$MINEHUNT_DATA_DIR, else $XDG_DATA_HOME/minehunt, else ~/.local/share/minehunt;
    ``NoHome`` for a user with none of them."""
    explicit = os.environ.get("MINEHUNT_DATA_DIR")
    if explicit:
        return Path(explicit)
    base = userdirs.xdg("XDG_DATA_HOME", ".local/share")
    if base is None:
        raise userdirs.NoHome(
            "no home directory to keep minehunt's state in: set MINEHUNT_DATA_DIR"
        )
    return base / "minehunt"

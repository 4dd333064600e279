"""The user's cache and data directories, where the user has a home to keep them in.

A container run under an arbitrary uid has no passwd entry and often no ``$HOME``: there is
no home directory, and minehunt then keeps nothing there rather than fail (``Path.home()``
raises).
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path | None:
    """The home directory, or None where there is none."""
    try:
        return Path.home()
    except (RuntimeError, KeyError):
        return None


def xdg(variable: str, default: str) -> Path | None:
    """``$variable`` (XDG_CACHE_HOME, XDG_DATA_HOME), else ``~/default``; None when neither
    exists."""
    explicit = os.environ.get(variable)
    if explicit:
        return Path(explicit)
    base = home()
    return base / default if base is not None else None


class NoHome(Exception):
    """State that must be kept (the fleet server's database, the agent's queue) has no
    directory: no home, and no variable naming one. The message says which to set."""

"""Locate mining code installed from Debian packages or PyPI rather than built here.

These files are real positives (the RandomX library, the python ``randomx`` binding, Monero's
own node and tools), so the false-positive scan of /usr and site-packages leaves exactly these
paths out and the positive tests assert their rule matches instead.
"""

from __future__ import annotations

import contextlib
import importlib.util
from pathlib import Path

from tests.build.cache import ToolMissing

LIB_DIR = Path("/usr/lib/x86_64-linux-gnu")
BIN_DIR = Path("/usr/bin")


def librandomx() -> Path:
    """The real file behind Debian's librandomx.so.0."""
    link = LIB_DIR / "librandomx.so.0"
    if not link.exists():
        raise ToolMissing("librandomx not installed (apt-get install librandomx0 librandomx-dev)")
    return link.resolve()


def randomx_wheel_extension() -> Path:
    """The compiled module shipped inside the PyPI ``randomx`` wheel."""
    spec = importlib.util.find_spec("randomx")
    origin = Path(spec.origin) if spec and spec.origin else None
    if origin is None or origin.suffix != ".so":
        raise ToolMissing("PyPI package randomx is not installed (pip install randomx)")
    return origin


def monero_binaries() -> list[Path]:
    """monerod and the monero-* tools from Debian's ``monero`` package."""
    found = sorted(p for p in BIN_DIR.glob("monero*") if p.is_file() and not p.is_symlink())
    if not any(p.name == "monerod" for p in found):
        raise ToolMissing("monerod not installed (apt-get install monero)")
    return found


def known_mining_code() -> set[Path]:
    """Every installed file above; the false-positive scan skips exactly these."""
    found: set[Path] = set()
    for locate in (librandomx, randomx_wheel_extension):
        with contextlib.suppress(ToolMissing):
            found.add(locate())
    with contextlib.suppress(ToolMissing):
        found.update(monero_binaries())
    return {p.resolve() for p in found}

"""Command-line wiring only: no detection logic lives here.

One module per command group; each registers its commands on the Typer apps of
``common`` when imported.
"""

from __future__ import annotations

from minehunt.cli import (  # noqa: F401  (each module registers its commands)
    agent,
    cloud,
    files,
    host,
    intel,
    net,
    prevent,
    respond,
    router,
    server,
    web,
)
from minehunt.cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()

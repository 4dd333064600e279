"""Command-line wiring only: no detection logic lives here.

One module per command group; each registers its commands on the Typer apps of
``common`` when imported. ``main`` imports only the group a command line names (a
``scan pcap`` does not pay for the server's, the agent's or the intel subscriber's
imports: start-up is most of a short scan's time); help, completion, anything
unrecognised and ``minehunt.cli.app`` import every group.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

__all__ = ["GROUPS", "ROUTES", "app", "load", "main"]

GROUPS = (
    "agent",
    "cloud",
    "files",
    "host",
    "intel",
    "net",
    "prevent",
    "respond",
    "router",
    "server",
    "web",
)

# (command, subcommand) -> the modules that define it. ``host`` comes with every ``scan``
# (it holds the group's callback, the bare `minehunt scan`); ``scan logs`` spans net and
# cloud. tests/test_cli.py checks this table against the commands each module registers.
ROUTES: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("scan", "host"): ("host",),
    ("scan", "pcap"): ("host", "net"),
    ("scan", "logs"): ("host", "net", "cloud"),
    ("scan", "files"): ("host", "files"),
    ("scan", "url"): ("host", "web"),
    ("scan", "image"): ("host", "cloud"),
    ("scan", "router"): ("host", "router"),
    ("scan", "exposure"): ("host", "prevent"),
    ("watch", "host"): ("host",),
    ("watch", "iface"): ("net",),
    ("intel", None): ("intel",),
    ("blocklist", None): ("prevent",),
    ("agent", None): ("agent",),
    ("respond", None): ("respond",),
    ("router", None): ("router",),
    ("server", None): ("server",),
}


def load(modules: tuple[str, ...] = GROUPS) -> Any:
    """Import the named command-group modules; the Typer app they registered on."""
    for name in modules:
        importlib.import_module(f"minehunt.cli.{name}")
    from minehunt.cli.common import app as typer_app

    return typer_app


def _route(argv: list[str]) -> tuple[str, ...]:
    """The modules a command line needs; every group when in doubt."""
    words = list(argv)
    while words and words[0] in ("-v", "-vv", "--verbose"):
        words.pop(0)
    if not words or any(w in ("--help", "-h", "--version") for w in words[:3]):
        return GROUPS
    first = words[0]
    if (first, None) in ROUTES:
        return ROUTES[(first, None)]
    second = words[1] if len(words) > 1 else None
    return ROUTES.get((first, second), GROUPS)


def __getattr__(name: str) -> Any:
    if name == "app":
        return load()
    raise AttributeError(name)


def main() -> None:
    """Console-script entry point."""
    from minehunt.userdirs import NoHome

    try:
        load(_route(sys.argv[1:]))()
    except NoHome as e:
        sys.stderr.write(f"error: {e}\n")
        sys.exit(2)  # as a usage error: the environment is to be set

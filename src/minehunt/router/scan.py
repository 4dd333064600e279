"""``minehunt scan router``: export files and live devices -> findings and skipped inputs."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

from minehunt.intel import Intel
from minehunt.model import Finding
from minehunt.report import Collector
from minehunt.router.audit import Sweep, Where, audit, keep
from minehunt.router.live import DeviceError, Login, fetch
from minehunt.router.model import RouterConfig
from minehunt.router.parse import read_export

__all__ = ["scan_devices", "scan_exports"]

SOURCE = "router"


def _check(
    config: RouterConfig, sweep: Sweep, intel: Intel, col: Collector, expected: Sequence[str]
) -> list[Finding]:
    skip = col.skipper(SOURCE)
    for note in config.skipped:
        where = f"{config.source}:{note.line}" if note.line else config.source
        skip(where, note.reason or "unreadable")
    findings, notes = audit(config, intel, sweep.where, expected)
    for note in notes:
        skip(config.source, note.reason or "not checked")
    for key, n in config.counters.items():
        col.count(f"router_{key}", n)
    return [*sweep.findings, *findings]


def scan_exports(
    paths: Iterable[str], intel: Intel, col: Collector, expected_users: Sequence[str] = ()
) -> Iterator[Finding]:
    """Findings of RouterOS export files; unreadable files are skipped with the reason."""
    skip = col.skipper(SOURCE)
    for path in paths:
        if os.path.isdir(path):
            skip(path, "a directory, not an export file")
            continue
        sweep = Sweep(intel, Where(path))
        try:
            config = read_export(path, keep, sweep)
        except OSError as e:
            skip(path, f"cannot read: {e.strerror or e}")
            continue
        col.count("router_exports")
        yield from _check(config, sweep, intel, col, expected_users)


def scan_devices(
    logins: Sequence[Login],
    intel: Intel,
    col: Collector,
    expected_users: Sequence[str] = (),
    concurrency: int = 8,
) -> Iterator[Finding]:
    """Findings of live devices, read ``concurrency`` at a time; a device that cannot be
    read is a skipped input with a message that never holds a credential."""

    def one(login: Login) -> tuple[RouterConfig | None, Sweep, str | None]:
        sweep = Sweep(intel, Where(login.url, live=True))
        try:
            return fetch(login, keep, sweep), sweep, None
        except DeviceError as e:
            return None, sweep, str(e)

    skip = col.skipper(SOURCE)
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for login, (config, sweep, error) in zip(logins, pool.map(one, logins), strict=True):
            if config is None:
                skip(login.url, error or "cannot read the device")
                continue
            col.count("router_devices")
            yield from _check(config, sweep, intel, col, expected_users)

"""Fixtures for the prevention tests: generated blocklists from a user intel directory
holding an IDN and a few user entries, and helpers for loopback services."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_cli

# What a user list merged earlier left in the user intel directory: an IDN pool (punycode,
# as intel update stores it), a subdomain of a bundled pool, and a web entry with a note.
USER_POOLS = """\
xn--mnero-pool-ecb.example  # pools from testlist: IDN pool (mönero-pool.example)
eu.supportxmr.com  # pools from testlist
webminer-cdn.example  # web from testlist: script host
"""


@pytest.fixture
def intel_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "intel"
    d.mkdir()
    (d / "pools.txt").write_text(USER_POOLS, encoding="utf-8")
    (d / "networks.txt").write_text("198.51.100.0/24  # from testlist\n", encoding="utf-8")
    monkeypatch.setenv("MINEHUNT_INTEL_DIR", str(d))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    return d


def generate(fmt: str, out: Path, *extra: str) -> tuple[Path, str]:
    """Run ``minehunt blocklist`` for real; return the file and its stderr."""
    res = run_cli("blocklist", "--format", fmt, "-o", str(out), *extra)
    assert res.code == 0, res.stderr
    return out, res.stderr


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], udp: bool = False) -> None:
    """Until something answers on 127.0.0.1:port (TCP) or the process dies."""
    for _ in range(200):
        if proc.poll() is not None:
            raise AssertionError(f"service exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in started:
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

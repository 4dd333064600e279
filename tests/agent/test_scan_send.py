"""``minehunt scan ... --send URL --token-file F``: a one-off scan prints its report as usual
and then reports into the fleet server like an agent; a refusal is an error."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.net.conftest import capture
from tests.support.fleet import FleetServer, running_server
from tests.support.launch import TEST_WALLET, start_xmrig_like, stop_process, wait_for_shares
from tests.support.pool import running_pool


@pytest.fixture(scope="module")
def mining_capture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A real capture of an XMRig-like miner talking Stratum to the test pool on lo."""
    out = tmp_path_factory.mktemp("pcap") / "uplink.pcapng"
    with running_pool(job_interval=1.0) as pool:
        port = pool.port
        with capture("lo", f"tcp port {port}", out):
            miner = start_xmrig_like(port)
            try:
                wait_for_shares(pool, 1, 60, proc=miner)
            finally:
                stop_process(miner)
    return out, port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FleetServer]:
    with running_server(f"sqlite:///{tmp_path / 'fleet.sqlite'}", tmp_path / "srv") as s:
        yield s


def scan_pcap(pcap: Path, *extra: str, state: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minehunt", "scan", "pcap", str(pcap), "-f", "json", *extra],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "MINEHUNT_DATA_DIR": str(state)},
    )


def test_scan_pcap_send_reaches_the_server(
    server: FleetServer, mining_capture: tuple[Path, int], tmp_path: Path
) -> None:
    pcap, port = mining_capture
    token = tmp_path / "token"
    token.write_text(server.token("gateway") + "\n")
    sent = scan_pcap(pcap, "--send", server.url, "--token-file", str(token), state=tmp_path / "d")
    # The findings are printed as without --send, and the exit code still says "found".
    assert sent.returncode == 1, sent.stderr
    printed = json.loads(sent.stdout)
    mine = [f for f in printed["findings"] if f["target"]["raddr"] == f"127.0.0.1:{port}"]
    assert mine and mine[0]["check_id"] == "MH-NET-101"
    assert "1 report(s) sent to" in sent.stderr

    rows = [
        r
        for r in server.user("admin").findings(kind="network")
        if r["finding"]["target"]["raddr"] == f"127.0.0.1:{port}"
    ]
    assert len(rows) == 1 and rows[0]["host"] == socket.gethostname()
    attrs = {k: v for e in rows[0]["finding"]["evidence"] for k, v in e["attributes"].items()}
    assert attrs.get("wallet") == TEST_WALLET
    # Sending the same scan again is a second report; the finding is merged, not duplicated.
    again = scan_pcap(pcap, "--send", server.url, "--token-file", str(token), state=tmp_path / "d")
    assert again.returncode == 1, again.stderr
    rows2 = [
        r
        for r in server.user("admin2").findings(kind="network")
        if r["finding"]["target"]["raddr"] == f"127.0.0.1:{port}"
    ]
    assert len(rows2) == 1 and rows2[0]["times_seen"] == 2


def test_scan_pcap_send_refused_token_fails_but_still_prints(
    server: FleetServer, mining_capture: tuple[Path, int], tmp_path: Path
) -> None:
    pcap, port = mining_capture
    token = tmp_path / "token"
    token.write_text("mhe_not-a-token-this-server-made\n")
    r = scan_pcap(pcap, "--send", server.url, "--token-file", str(token), state=tmp_path / "d")
    assert r.returncode == 77, r.stderr
    assert "refused" in r.stderr
    assert any(
        f["target"]["raddr"] == f"127.0.0.1:{port}" for f in json.loads(r.stdout)["findings"]
    )
    assert server.user("admin").findings() == []
    usage = scan_pcap(pcap, "--send", server.url, state=tmp_path / "d")
    assert usage.returncode == 2 and "--token-file" in usage.stderr

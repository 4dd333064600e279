"""MH-NET-106: a real TLS mining session on a pool port, captured long enough to show its rhythm.

The test miner (real RandomX hashing) talks XMRig's protocol through a TLS tunnel to the
test pool on 127.0.0.33:3333 for a little over a minute: the pool pushes a job every few
seconds, the miner submits the odd share. Next to it, an ordinary long-lived TLS connection
on port 443 exchanges small messages just as steadily: it is no pool endpoint and must stay
without a verdict.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from minehunt.net.verdict import RHYTHM_MIN_SECONDS
from tests.conftest import run_cli
from tests.net import peers
from tests.net.conftest import _miner_to, capture
from tests.support.launch import TEST_WALLET, stop_process
from tests.support.pool import running_pool

SECONDS = RHYTHM_MIN_SECONDS + 5


def _chatty_tls_client(host: str, port: int, ctx: object, stop: threading.Event) -> None:
    """A small message every few seconds over one TLS connection (a chat or a heartbeat)."""
    import ssl

    assert isinstance(ctx, ssl.SSLContext)
    with ctx.wrap_socket(socket.create_connection((host, port), timeout=None)) as c:
        while not stop.wait(4.0):
            c.sendall(b"ping\n")
            c.recv(64)


def _echo(conn: socket.socket) -> None:
    while data := conn.recv(64):
        conn.sendall(data)


def test_long_lived_tls_mining_session_shows_mining_rhythm(tmp_path: Path) -> None:
    if shutil.which("dumpcap") is None:
        pytest.skip("needs dumpcap (Debian tshark)")
    server_ctx, client_ctx = peers.tls_contexts(tmp_path)
    pcap = tmp_path / "rhythm.pcapng"
    stop = threading.Event()
    with running_pool(job_interval=4.0, rx_difficulty=100_000) as pool:
        sockets = [
            peers.relay(
                "127.0.0.33",
                ("127.0.0.1", pool.port),
                server_ctx=server_ctx,
                port=3333,
                patient=True,
            )[0]
        ]
        cli, cli_port = peers.relay(
            "127.0.0.34", ("127.0.0.33", 3333), client_ctx=client_ctx, patient=True
        )
        sockets.append(cli)

        def tls_echo(conn: socket.socket) -> None:
            conn.settimeout(None)
            _echo(server_ctx.wrap_socket(conn, server_side=True))

        echo, _ = peers.serve("127.0.0.35", tls_echo, 443)
        sockets.append(echo)
        try:
            with capture("lo", "host 127.0.0.33 or host 127.0.0.35", pcap):
                chat = threading.Thread(
                    target=_chatty_tls_client, args=("127.0.0.35", 443, client_ctx, stop)
                )
                chat.start()
                miner = _miner_to("127.0.0.34", cli_port, TEST_WALLET + ".quiet", "xmrig")
                time.sleep(SECONDS)
                stop.set()
                stop_process(miner)
                chat.join(timeout=10)
                time.sleep(1)
        finally:
            stop.set()
            for s in sockets:
                with contextlib.suppress(OSError):
                    s.close()
    result = run_cli("scan", "pcap", str(pcap), "--format", "json", "--min-severity", "info")
    assert result.code in (0, 1), result.stderr
    by_server = {(f.target.raddr or "").rsplit(":", 1)[0]: f for f in result.report.findings}
    f = by_server["127.0.0.33"]
    assert {e.check_id for e in f.evidence} == {"MH-NET-105", "MH-NET-106"}
    rhythm = next(e for e in f.evidence if e.check_id == "MH-NET-106")
    assert float(rhythm.attributes["duration_s"]) >= RHYTHM_MIN_SECONDS
    assert "127.0.0.35" not in by_server  # steady, small and long-lived, but no pool endpoint

"""One capture of real loopback traffic, made once per test session and shared by the tests.

Servers sit on their own loopback addresses so that each gives its own finding:
127.0.0.1 the test pool, 127.0.0.17-31 mining peers and relays, 127.0.0.36-37 getwork over
HTTP, 127.0.0.41-47 benign services, 127.0.0.53 dnsmasq.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.net import peers
from tests.support.launch import (
    TEST_WALLET,
    die_with_parent,
    start_stratum1,
    start_xmrig_like,
    stop_process,
)
from tests.support.pool import running_pool

POOL_SNI = "pool.supportxmr.com"
DNS_POOL = "gulf.moneroocean.stream"
CERT_POOL = "monero.herominers.com"  # only on the certificate: no SNI, no DNS
TCP_DNS_POOL = "etc.2miners.com"  # looked up over DNS-over-TCP
CAPTURE_FILTER = (
    "(tcp port {port}) or (net 127.0.0.16/28) or (net 127.0.0.32/27) or (net 127.0.0.48/28)"
)


@dataclass
class World:
    pcap: Path
    pool_port: int
    proxied: bool
    """The Stratum v1 miner went through aiostratum-proxy (else: why not, in proxy_error)."""
    proxy_error: str | None


@contextlib.contextmanager
def capture(iface: str, expression: str, out: Path, snaplen: int = 0) -> Iterator[None]:
    """dumpcap on ``iface`` with a capture filter, writing pcapng to ``out``."""
    argv = ["dumpcap", "-q", "-i", iface, "-f", expression, "-w", str(out)]
    if snaplen:
        argv += ["-s", str(snaplen)]
    proc = subprocess.Popen(
        argv, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, preexec_fn=die_with_parent
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()  # "Capturing on 'Loopback: lo'" once the filter is set
    assert b"Capturing" in line, line
    # dumpcap prints that before its capture ring is live: packets sent in the next few
    # milliseconds can be missed (seen under load as a capture starting mid-conversation).
    time.sleep(1.0)
    try:
        yield
    finally:
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def _aiostratum(
    tmp: Path, pool_port: int
) -> tuple[subprocess.Popen[bytes] | None, int, str | None]:
    """Start aiostratum-proxy (PyPI) in front of the pool; (process, port, or why not)."""
    try:
        import aiostratum_proxy  # noqa: F401
    except ImportError as e:
        return None, 0, f"aiostratum-proxy not importable: {e}"
    port = _free("127.0.0.18")
    cfg = tmp / "aiostratum.yaml"
    cfg.write_text(
        "proxies:\n"
        "- worker_class: aiostratum_proxy.protocols.stratum.StratumWorkerProtocol\n"
        "  pool_class: aiostratum_proxy.protocols.stratum.StratumPoolProtocol\n"
        f"  listen:\n  - host: 127.0.0.18\n    port: {port}\n"
        f"  pools:\n  - name: test\n    host: 127.0.0.1\n    port: {pool_port}\n"
        "    account_name: bc1qminehuntproxied.proxyrig\n    account_password: x\n"
    )
    with open(tmp / "aiostratum.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", _AIOSTRATUM_MAIN, "-c", str(cfg)],
            stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
            preexec_fn=die_with_parent,
        )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return None, 0, (tmp / "aiostratum.log").read_text()[-400:]
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.18", port), 0.2):
            return proc, port, None
        time.sleep(0.2)
    stop_process(proc)
    return None, 0, "aiostratum-proxy did not listen within 10 s"


# aiostratum-proxy 1.1 pins PyYAML==3.12, which does not build on Python 3.11, and calls
# yaml.load() without a Loader, which PyYAML 6 rejects: give it the safe loader.
_AIOSTRATUM_MAIN = (
    "import functools, yaml; yaml.load = functools.partial(yaml.load, Loader=yaml.SafeLoader); "
    "from aiostratum_proxy.application import main; main()"
)


def _free(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _tls_miner_client(host: str, port: int, client_ctx: object) -> None:
    """XMRig's login and a job over TLS without SNI (the address came from DNS)."""
    import json
    import ssl

    assert isinstance(client_ctx, ssl.SSLContext)
    with client_ctx.wrap_socket(socket.create_connection((host, port)), server_hostname=None) as c:
        login = {"login": TEST_WALLET, "pass": "x", "agent": "XMRig/6.21.0", "algo": ["rx/0"]}
        c.sendall(
            json.dumps({"id": 1, "jsonrpc": "2.0", "method": "login", "params": login}).encode()
            + b"\n"
        )
        peers.recv_line(c)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    if shutil.which("dumpcap") is None or shutil.which("dnsmasq") is None:
        pytest.skip("needs dumpcap (Debian tshark) and dnsmasq")
    socket.setdefaulttimeout(15)  # a peer that goes wrong fails the fixture, never hangs it
    tmp = tmp_path_factory.mktemp("world")
    pcap = tmp / "world.pcapng"
    server_ctx, client_ctx = peers.tls_contexts(tmp)
    cert_ctx, _ = peers.tls_contexts(tmp, CERT_POOL, tls12=True)
    with running_pool(job_interval=1.0) as pool:
        pool_port = pool.port
        proxy, proxy_port, proxy_error = _aiostratum(tmp, pool.port)
        procs: list[subprocess.Popen[bytes]] = []
        with capture("lo", CAPTURE_FILTER.format(port=pool.port), pcap):
            # TLS: miner -> 127.0.0.28 (plain) => TLS with pool SNI => 127.0.0.27 => pool
            tls_srv, tls_port = peers.relay(
                "127.0.0.27", ("127.0.0.1", pool.port), server_ctx=server_ctx
            )
            cli_srv, cli_port = peers.relay(
                "127.0.0.28", ("127.0.0.27", tls_port), client_ctx=client_ctx, sni=POOL_SNI
            )
            dns_srv, dns_port = peers.relay(
                "127.0.0.29", ("127.0.0.1", pool.port), server_ctx=server_ctx
            )
            cert_srv, cert_port = peers.relay(
                "127.0.0.30", ("127.0.0.1", pool.port), server_ctx=cert_ctx
            )
            tcp_dns_srv, tcp_dns_port = peers.relay(
                "127.0.0.31", ("127.0.0.1", pool.port), server_ctx=server_ctx
            )
            procs.append(start_xmrig_like(pool.port))
            if proxy is not None:
                procs.append(
                    _miner_to("127.0.0.18", proxy_port, "bc1qminehuntworker.rig1", "stratum1")
                )
            else:
                procs.append(start_stratum1(pool.port))
            with contextlib.suppress(Exception):
                procs.append(_miner_to("127.0.0.28", cli_port, TEST_WALLET + ".tlsrig", "xmrig"))
            answers = {
                DNS_POOL: "127.0.0.29",
                TCP_DNS_POOL: "127.0.0.31",
                "www.example.org": "127.0.0.44",
            }
            with peers.dnsmasq("127.0.0.53", answers, tmp):
                assert peers.dns_query("127.0.0.53", DNS_POOL, 0x1234) == ["127.0.0.29"]
                peers.dns_query("127.0.0.53", "www.example.org", 0x1235)
                got = peers.dns_query("127.0.0.53", TCP_DNS_POOL, 0x1236, tcp=True)
                assert got == ["127.0.0.31"]
                peers.dns_query("127.0.0.53", "www.example.org", 0x1237, tcp=True)
            _tls_miner_client("127.0.0.29", dns_port, client_ctx)
            _tls_miner_client("127.0.0.30", cert_port, client_ctx)
            _tls_miner_client("127.0.0.31", tcp_dns_port, client_ctx)
            peers.eth_proxy("127.0.0.21")
            peers.getwork("127.0.0.22")
            peers.eth_getwork_http("127.0.0.36")
            peers.getblocktemplate_http("127.0.0.37")
            peers.coinhive_ws("127.0.0.23")
            peers.webminerpool_ws("127.0.0.24")
            peers.stratum_v2("127.0.0.25")
            peers.nicehash_ethstratum("127.0.0.26")
            peers.malformed_then_xmrig("127.0.0.19")
            peers.lsp_jsonrpc("127.0.0.41")
            peers.wallet_rpc("127.0.0.42")
            peers.http_page("127.0.0.43")
            peers.tls_ordinary("127.0.0.45", server_ctx, client_ctx)
            peers.bitcoin_node("127.0.0.47")
            peers.chat_websocket("127.0.0.46", seconds=2.0)
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and (
                pool.accepted_by_dialect.get("xmrig", 0) < 1
                or pool.accepted_by_dialect.get("stratum1", 0) < 1
            ):
                time.sleep(0.2)
            for p in procs:
                stop_process(p)
            for s in (tls_srv, cli_srv, dns_srv, cert_srv, tcp_dns_srv):
                s.close()
        if proxy is not None:
            stop_process(proxy)
    # Real traffic for the fuzzers' seed corpus (fuzz/run.py reads tests/.cache/seeds).
    seeds = Path(__file__).resolve().parents[1] / ".cache/seeds/pcap"
    seeds.mkdir(parents=True, exist_ok=True)
    shutil.copy(pcap, seeds / "world.pcapng")
    yield World(pcap, pool_port, proxy is not None, proxy_error)


def _miner_to(host: str, port: int, user: str, protocol: str) -> subprocess.Popen[bytes]:
    """The test miner pointed at a relay or proxy on another loopback address."""
    import tests.support.launch as launch

    algo = "rx/0" if protocol == "xmrig" else "sha256d"
    argv = [sys.executable, str(launch.MINER_SCRIPT), "-o", f"stratum+tcp://{host}:{port}",
            "-u", user, "-p", "x", "-a", algo, "--protocol", protocol, "-t", "1"]  # fmt: skip
    return launch._spawn(argv, log_path=None)

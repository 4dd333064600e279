"""Small real peers (server + client on loopback sockets) for protocols the test pool lacks.

Each exchange sends real protocol messages over real TCP connections so that a capture of
it is genuine traffic: mining dialects (eth-proxy, getwork, CoinHive and webminerpool over
WebSocket, Stratum V2, NiceHash EthereumStratum), relays (plain and TLS) and benign
services (LSP-style JSON-RPC, wallet RPC, HTTP, chat WebSocket, Bitcoin P2P version).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import http.server
import json
import os
import select
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.support.launch import TEST_WALLET

Handler = Callable[[socket.socket], None]
BLOB = "0e0e" + "a1" * 70 + "00000000" + "b2" * 32 + "05"
ETH_ADDR = "0x" + "5a" * 20


def serve(host: str, handler: Handler, port: int = 0) -> tuple[socket.socket, int]:
    """Listen on host:port; every accepted connection runs ``handler`` in a thread."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(16)

    def loop() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=_run, args=(handler, conn), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return srv, int(srv.getsockname()[1])


def _run(handler: Handler, conn: socket.socket) -> None:
    with contextlib.suppress(OSError, ValueError), conn:
        handler(conn)


def recv_line(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def recv_until(sock: socket.socket, marker: bytes) -> bytes:
    data = b""
    while marker not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def send_json(sock: socket.socket, obj: object) -> None:
    sock.sendall(json.dumps(obj).encode() + b"\n")


# --- relays ---------------------------------------------------------------------------------


def _splice(a: socket.socket, b: socket.socket) -> None:
    """Forward both directions in this one thread until both ends have closed.

    One thread rather than one per direction: an SSL socket read in one thread and written
    in another at the same time is a data race inside OpenSSL (it crashed the test process
    once). Bytes OpenSSL already decrypted (``pending()``) are forwarded before waiting.
    """
    peer = {a: b, b: a}
    live = [a, b]
    while live:
        ready = [s for s in live if isinstance(s, ssl.SSLSocket) and s.pending()]
        if not ready:
            ready = select.select(live, [], [])[0]
        for s in ready:
            try:
                data = s.recv(65536)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                continue
            except OSError:
                data = b""
            if data:
                try:
                    peer[s].sendall(data)
                    continue
                except OSError:
                    pass
            live.remove(s)
            with contextlib.suppress(OSError):
                peer[s].shutdown(socket.SHUT_WR)


def relay(
    host: str,
    upstream: tuple[str, int],
    *,
    server_ctx: ssl.SSLContext | None = None,
    client_ctx: ssl.SSLContext | None = None,
    sni: str | None = None,
    port: int = 0,
    patient: bool = False,
) -> tuple[socket.socket, int]:
    """A forwarder; optionally TLS-terminating (server_ctx) or TLS-originating (client_ctx).
    ``patient`` lets either side stay silent indefinitely (no socket timeout)."""

    def handle(conn: socket.socket) -> None:
        if patient:
            conn.settimeout(None)
        if server_ctx is not None:
            conn = server_ctx.wrap_socket(conn, server_side=True)
        up = socket.create_connection(upstream)
        if patient:
            up.settimeout(None)
        if client_ctx is not None:
            up = client_ctx.wrap_socket(up, server_hostname=sni)
        try:
            _splice(conn, up)
        finally:
            up.close()

    return serve(host, handle, port)


def tls_contexts(
    tmp: Path, name: str = "minehunt test", *, tls12: bool = False
) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server, client) contexts with a self-signed certificate made now for ``name``
    (a DNS name also goes into the SAN); ``tls12`` caps the server at TLS 1.2, where the
    certificate crosses the wire in the clear."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "minehunt tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
    )
    if "." in name:
        san = x509.SubjectAlternativeName([x509.DNSName(name), x509.DNSName("*." + name)])
        builder = builder.add_extension(san, critical=False)
    cert = builder.sign(key, hashes.SHA256())
    stem = name.replace(" ", "-")
    cert_file, key_file = tmp / f"{stem}.cert.pem", tmp / f"{stem}.key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    if tls12:
        server.maximum_version = ssl.TLSVersion.TLSv1_2
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    return server, client


# --- WebSocket ------------------------------------------------------------------------------


def ws_frame(text: str, *, mask: bool) -> bytes:
    payload = text.encode()
    head = bytes([0x81])
    n = len(payload)
    bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([bit | n])
    else:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def ws_read(sock: socket.socket) -> str:
    def exact(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    _b0, b1 = exact(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", exact(2))[0]
    key = exact(4) if b1 & 0x80 else None
    payload = exact(n)
    if key:
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return payload.decode()


def ws_accept(conn: socket.socket) -> None:
    head = recv_until(conn, b"\r\n\r\n").decode()
    key = next(
        ln.split(":", 1)[1].strip()
        for ln in head.split("\r\n")
        if ln.lower().startswith("sec-websocket-key")
    )
    accept = base64.b64encode(
        hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
    )
    conn.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )


def ws_connect(host: str, port: int, path: str, agent: str = "Mozilla/5.0") -> socket.socket:
    sock = socket.create_connection((host, port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"User-Agent: {agent}\r\n\r\n".encode()
    )
    recv_until(sock, b"\r\n\r\n")
    return sock


# --- mining dialects ------------------------------------------------------------------------

JOB = {"blob": BLOB, "job_id": "j1", "target": "e4a63d00", "algo": "cn/r"}
SHARE = {"job_id": "j1", "nonce": "deadbeef", "result": "ab" * 32}


def eth_proxy(host: str) -> None:
    """Claymore-style eth-proxy: submitLogin, getWork, submitWork, submitHashrate."""

    def server(conn: socket.socket) -> None:
        while line := recv_line(conn):
            req = json.loads(line)
            if req["method"] == "eth_getWork":
                work = ["0x" + "11" * 32, "0x" + "22" * 32, "0x0000" + "ff" * 30]
                send_json(conn, {"id": req["id"], "jsonrpc": "2.0", "result": work})
            else:
                send_json(conn, {"id": req["id"], "jsonrpc": "2.0", "result": True})

    srv, port = serve(host, server)
    with socket.create_connection((host, port)) as c:
        for req in (
            {"id": 1, "method": "eth_submitLogin", "params": [ETH_ADDR, "x"], "worker": "rig7"},
            {"id": 2, "method": "eth_getWork", "params": []},
            {
                "id": 3,
                "method": "eth_submitWork",
                "params": ["0x" + "01" * 8, "0x" + "11" * 32, "0x" + "33" * 32],
            },
            {"id": 4, "method": "eth_submitHashrate", "params": ["0x500000", "0x" + "44" * 32]},
        ):
            send_json(c, {"jsonrpc": "2.0", **req})
            recv_line(c)
    srv.close()


def getwork(host: str) -> None:
    """getwork over HTTP with X-Mining-Extensions, as cgminer/bfgminer speak it."""

    def server(conn: socket.socket) -> None:
        head = recv_until(conn, b"\r\n\r\n")
        length = int(
            next(
                ln.split(b":")[1]
                for ln in head.split(b"\r\n")
                if ln.lower().startswith(b"content-length")
            )
        )
        body = head.split(b"\r\n\r\n", 1)[1]
        while len(body) < length:
            body += conn.recv(4096)
        req = json.loads(body)
        result = {
            "data": "00" * 128,
            "midstate": "aa" * 32,
            "hash1": "00" * 64,
            "target": "ff" * 28 + "00" * 4,
        }
        out = json.dumps({"id": req["id"], "result": result, "error": None}).encode()
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Long-Polling: /LP\r\n"
            b"Content-Length: " + str(len(out)).encode() + b"\r\n\r\n" + out
        )

    srv, port = serve(host, server)
    body = json.dumps({"method": "getwork", "params": [], "id": 0}).encode()
    auth = base64.b64encode(b"1MinehuntTestAddrXXXXXXXXXXXXXXXX.rig2:x").decode()
    with socket.create_connection((host, port)) as c:
        c.sendall(
            f"POST / HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: cgminer/4.12.1\r\n"
            f"Authorization: Basic {auth}\r\nX-Mining-Extensions: longpoll midstate rollntime\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        recv_until(c, b"}}")
    srv.close()


ETH_GETWORK_ADDR = "0x" + "7b" * 20
GBT_ADDR = "bc1qminehuntgbtsolo0000000000000000000"


class _JsonRpcPool(http.server.BaseHTTPRequestHandler):
    """A getwork pool's HTTP JSON-RPC endpoint (geth/open-ethereum-pool, bitcoind style)."""

    protocol_version = "HTTP/1.1"  # keep-alive, as miners poll over one connection

    def do_POST(self) -> None:
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        method = req["method"]
        result: object = True
        if method == "eth_getWork":
            result = ["0x" + "11" * 32, "0x" + "22" * 32, "0x0000" + "ff" * 30, "0x10d4f3"]
        elif method == "getblocktemplate":
            result = {
                "version": 536870912,
                "previousblockhash": "00" * 8 + "3c" * 24,
                "transactions": [],
                "coinbasevalue": 312500000,
                "target": "00000000ffff" + "00" * 26,
                "mintime": 1700000000,
                "mutable": ["time", "transactions", "prevblock"],
                "noncerange": "00000000ffffffff",
                "curtime": 1700000600,
                "bits": "1d00ffff",
                "height": 870001,
            }
        elif method == "submitblock":
            result = None
        out = json.dumps({"jsonrpc": "2.0", "id": req["id"], "result": result}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def jsonrpc_pool(host: str) -> Iterator[int]:
    """The getwork pool (stdlib HTTP server) on ``host``; yields its port."""
    srv = http.server.ThreadingHTTPServer((host, 0), _JsonRpcPool)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield int(srv.server_address[1])
    finally:
        srv.shutdown()
        srv.server_close()


def _post(conn: http.client.HTTPConnection, path: str, body: object, **headers: str) -> object:
    conn.request("POST", path, json.dumps(body).encode(), headers)
    resp = conn.getresponse()
    reply = json.loads(resp.read())
    assert resp.status == 200, resp.status
    return reply


def eth_getwork_http(host: str) -> None:
    """Ethereum getwork over HTTP (ethminer `-P http://`, open-ethereum-pool): JSON-RPC POSTs.

    One keep-alive connection logs in (`eth_submitLogin`) and polls work; a second one, on
    the path form of the wallet that pools use for getwork (`/0xWALLET/WORKER`), polls,
    submits a solution and the hashrate. No miner User-Agent: only the bodies say mining.
    """
    with jsonrpc_pool(host) as port:
        plain = {"Content-Type": "application/json"}
        c = http.client.HTTPConnection(host, port, timeout=15)
        _post(c, "/", {"jsonrpc": "2.0", "id": 1, "method": "eth_submitLogin",
                       "params": [ETH_GETWORK_ADDR, "x"], "worker": "rig9"}, **plain)  # fmt: skip
        _post(c, "/", {"jsonrpc": "2.0", "id": 2, "method": "eth_getWork", "params": []}, **plain)
        c.close()
        c = http.client.HTTPConnection(host, port, timeout=15)
        path = f"/{ETH_GETWORK_ADDR}/rig9"
        _post(c, path, {"jsonrpc": "2.0", "id": 3, "method": "eth_getWork", "params": []})
        nonce, header, mix = "0x" + "01" * 8, "0x" + "11" * 32, "0x" + "33" * 32
        _post(c, path, {"jsonrpc": "2.0", "id": 4, "method": "eth_submitWork",
                        "params": [nonce, header, mix]})  # fmt: skip
        _post(c, path, {"jsonrpc": "2.0", "id": 5, "method": "eth_submitHashrate",
                        "params": ["0x500000", "0x" + "44" * 32]})  # fmt: skip
        c.close()


def getblocktemplate_http(host: str) -> None:
    """Bitcoin solo mining over HTTP: cpuminer's `getblocktemplate` (BIP 22/23) and
    `submitblock` against a node or a getwork pool, Basic auth carrying wallet.worker."""
    with jsonrpc_pool(host) as port:
        auth = base64.b64encode(f"{GBT_ADDR}.solo1:x".encode()).decode()
        headers = {"Authorization": f"Basic {auth}", "User-Agent": "cpuminer/2.5.1",
                   "Content-Type": "application/json"}  # fmt: skip
        c = http.client.HTTPConnection(host, port, timeout=15)
        caps = {"capabilities": ["coinbasetxn", "workid", "coinbase/append"], "rules": ["segwit"]}
        _post(c, "/", {"id": 0, "method": "getblocktemplate", "params": [caps]}, **headers)
        _post(c, "/", {"id": 1, "method": "submitblock", "params": ["00" * 80 + "01"]}, **headers)
        c.close()


def coinhive_ws(host: str) -> None:
    """CoinHive-style browser miner proxy over WebSocket."""

    def server(conn: socket.socket) -> None:
        ws_accept(conn)
        auth = json.loads(ws_read(conn))
        assert auth["type"] == "auth"
        conn.sendall(
            ws_frame(
                json.dumps({"type": "authed", "params": {"token": "", "hashes": 0}}), mask=False
            )
        )
        conn.sendall(ws_frame(json.dumps({"type": "job", "params": JOB}), mask=False))
        ws_read(conn)  # submit
        conn.sendall(
            ws_frame(json.dumps({"type": "hash_accepted", "params": {"hashes": 256}}), mask=False)
        )
        time.sleep(0.1)

    srv, port = serve(host, server)
    c = ws_connect(host, port, "/proxy", "Mozilla/5.0 (X11; Linux x86_64) Chrome/120")
    with c:
        auth = {
            "site_key": "SiteKeyMinehuntTest0123456789abc",
            "type": "anonymous",
            "user": "visitor42",
            "goal": 0,
        }
        c.sendall(ws_frame(json.dumps({"type": "auth", "params": auth}), mask=True))
        ws_read(c)
        ws_read(c)
        c.sendall(ws_frame(json.dumps({"type": "submit", "params": SHARE}), mask=True))
        ws_read(c)
    srv.close()


def webminerpool_ws(host: str) -> None:
    """webminerpool (webminerpool.com server) handshake/job/solved over WebSocket."""

    def server(conn: socket.socket) -> None:
        ws_accept(conn)
        ws_read(conn)
        conn.sendall(ws_frame(json.dumps({"identifier": "job", **JOB}), mask=False))
        ws_read(conn)
        conn.sendall(ws_frame(json.dumps({"identifier": "hashsolved"}), mask=False))
        time.sleep(0.1)

    srv, port = serve(host, server)
    c = ws_connect(host, port, "/")
    with c:
        hello = {
            "identifier": "handshake",
            "pool": "xmrpool.eu",
            "login": TEST_WALLET + ".web1",
            "password": "x",
            "userid": "",
            "version": 7,
        }
        c.sendall(ws_frame(json.dumps(hello), mask=True))
        ws_read(c)
        c.sendall(ws_frame(json.dumps({"identifier": "solved", **SHARE}), mask=True))
        ws_read(c)
    srv.close()


def _str0(text: str) -> bytes:
    raw = text.encode()
    return bytes([len(raw)]) + raw


def _sv2(msg_type: int, payload: bytes, channel: bool = False) -> bytes:
    ext = 0x8000 if channel else 0
    return struct.pack("<HB", ext, msg_type) + len(payload).to_bytes(3, "little") + payload


def stratum_v2(host: str) -> None:
    """Plaintext Stratum V2 mining sub-protocol: setup, open channel, job, share."""

    def server(conn: socket.socket) -> None:
        conn.recv(4096)
        conn.sendall(_sv2(0x01, struct.pack("<HI", 2, 0)))
        conn.recv(4096)
        target = b"\xff" * 28 + b"\x00" * 4
        conn.sendall(
            _sv2(0x11, struct.pack("<II", 1, 7) + target + b"\x04" + b"\x01\x02\x03\x04", True)
        )
        conn.sendall(
            _sv2(
                0x15,
                struct.pack("<II", 7, 1)
                + b"\x01"
                + struct.pack("<I", 0)
                + struct.pack("<I", 0x20000000)
                + b"\x55" * 32,
                True,
            )
        )
        conn.recv(4096)
        conn.sendall(_sv2(0x1C, struct.pack("<IIIQ", 7, 0, 1, 1000), True))
        time.sleep(0.1)

    srv, port = serve(host, server)
    setup = (
        bytes([0])
        + struct.pack("<HHI", 2, 2, 0)
        + _str0("pool.braiins.com")
        + struct.pack("<H", 34254)
        + _str0("Bitmain")
        + _str0("S19")
        + _str0("fw-2024.1")
        + _str0("dev01")
    )
    with socket.create_connection((host, port)) as c:
        c.sendall(_sv2(0x00, setup))
        c.recv(4096)
        open_ch = (
            struct.pack("<I", 1)
            + _str0("minehunt.worker9")
            + struct.pack("<f", 1e12)
            + b"\xff" * 32
        )
        c.sendall(_sv2(0x10, open_ch, True))
        time.sleep(0.2)
        c.recv(4096)
        c.sendall(_sv2(0x1A, struct.pack("<IIIIII", 7, 0, 1, 0x1234, 0x5E000000, 0x20000000), True))
        c.recv(4096)
    srv.close()


def nicehash_ethstratum(host: str) -> None:
    """NiceHash EthereumStratum/1.0.0: subscribe, authorize, set_difficulty, notify, submit."""

    def server(conn: socket.socket) -> None:
        sub = json.loads(recv_line(conn))
        send_json(
            conn,
            {
                "id": sub["id"],
                "result": [
                    ["mining.notify", "ae6812eb4cd7735a302a8a9dd95cf71f", "EthereumStratum/1.0.0"],
                    "080c",
                ],
                "error": None,
            },
        )
        auth = json.loads(recv_line(conn))
        send_json(conn, {"id": auth["id"], "result": True, "error": None})
        send_json(conn, {"id": None, "method": "mining.set_difficulty", "params": [0.5]})
        send_json(
            conn,
            {
                "id": None,
                "method": "mining.notify",
                "params": ["bf0488aa", "ab" * 32, "cd" * 32, True],
            },
        )
        share = json.loads(recv_line(conn))
        send_json(conn, {"id": share["id"], "result": True, "error": None})
        time.sleep(0.1)

    srv, port = serve(host, server)
    with socket.create_connection((host, port)) as c:
        send_json(
            c,
            {
                "id": 1,
                "method": "mining.subscribe",
                "params": ["NiceHashMiner/3.0", "EthereumStratum/1.0.0"],
            },
        )
        recv_line(c)
        send_json(
            c,
            {
                "id": 2,
                "method": "mining.authorize",
                "params": ["3MinehuntNicehashTestAddrXXXXXXX.rig3", "x"],
            },
        )
        for _ in range(3):  # authorize reply, set_difficulty, notify
            recv_line(c)
        send_json(
            c, {"id": 4, "method": "mining.submit", "params": ["rig3", "bf0488aa", "6a909d9bbc0f"]}
        )
        recv_line(c)
    srv.close()


def malformed_then_xmrig(host: str) -> None:
    """A client that sends broken JSON before a real XMRig login: the parser must recover."""

    def server(conn: socket.socket) -> None:
        recv_until(conn, b'broken1"}}')  # the end of the login line
        send_json(
            conn,
            {
                "id": 1,
                "jsonrpc": "2.0",
                "error": None,
                "result": {"id": "x1", "job": JOB, "status": "OK"},
            },
        )
        recv_line(conn)
        send_json(conn, {"id": 2, "jsonrpc": "2.0", "error": None, "result": {"status": "OK"}})

    srv, port = serve(host, server)
    with socket.create_connection((host, port)) as c:
        c.sendall(b'{"id":0,"method":"hello","params":{bad json}\n{"unterminated": "x\n\x00\xff\n')
        time.sleep(0.05)
        login = {
            "login": TEST_WALLET,
            "pass": "x",
            "agent": "XMRig/6.21.0",
            "algo": ["rx/0"],
            "rigid": "broken1",
        }
        send_json(c, {"id": 1, "jsonrpc": "2.0", "method": "login", "params": login})
        recv_line(c)
        send_json(
            c, {"id": 2, "jsonrpc": "2.0", "method": "submit", "params": {"id": "x1", **SHARE}}
        )
        recv_line(c)
    srv.close()


# --- benign ---------------------------------------------------------------------------------


def lsp_jsonrpc(host: str) -> None:
    """A language-server style JSON-RPC 2.0 session (Content-Length framing)."""

    def frame(obj: object) -> bytes:
        body = json.dumps(obj).encode()
        return b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body

    def server(conn: socket.socket) -> None:
        for _ in range(3):
            data = recv_until(conn, b"}")
            if b'"id"' in data and b"initialize" in data:
                conn.sendall(
                    frame(
                        {
                            "jsonrpc": "2.0",
                            "id": 1,
                            "result": {"capabilities": {"hoverProvider": True}},
                        }
                    )
                )
        conn.sendall(
            frame(
                {
                    "jsonrpc": "2.0",
                    "method": "textDocument/publishDiagnostics",
                    "params": {"uri": "file:///x.py", "diagnostics": []},
                }
            )
        )
        time.sleep(0.1)

    srv, port = serve(host, server)
    with socket.create_connection((host, port)) as c:
        c.sendall(
            frame(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "initialize",
                    "params": {"processId": 1, "rootUri": "file:///", "capabilities": {}},
                }
            )
        )
        time.sleep(0.05)
        c.sendall(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        c.sendall(
            frame(
                {
                    "jsonrpc": "2.0",
                    "method": "textDocument/didOpen",
                    "params": {
                        "textDocument": {
                            "uri": "file:///x.py",
                            "languageId": "python",
                            "version": 1,
                            "text": "print(1)",
                        }
                    },
                }
            )
        )
        recv_until(c, b"publishDiagnostics")
    srv.close()


def wallet_rpc(host: str, port: int = 18082) -> None:
    """monero-wallet-rpc style JSON-RPC over HTTP: getbalance, get_address (not mining)."""

    def server(conn: socket.socket) -> None:
        while True:
            head = recv_until(conn, b"\r\n\r\n")
            if not head:
                return
            req = json.loads(
                recv_until(conn, b"}}")
                if not head.endswith(b"}")
                else head.split(b"\r\n\r\n", 1)[1]
            )
            result = (
                {"balance": 1000000, "unlocked_balance": 1000000}
                if req["method"] == "getbalance"
                else {"address": TEST_WALLET}
            )
            out = json.dumps({"id": req["id"], "jsonrpc": "2.0", "result": result}).encode()
            conn.sendall(
                b"HTTP/1.1 200 Ok\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(out)).encode()
                + b"\r\n\r\n"
                + out
            )

    srv, port = serve(host, server, port)
    with socket.create_connection((host, port)) as c:
        for i, method in enumerate(("getbalance", "get_address")):
            body = json.dumps(
                {"jsonrpc": "2.0", "id": str(i), "method": method, "params": {"account_index": 0}}
            ).encode()
            c.sendall(
                f"POST /json_rpc HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            recv_until(c, b"}}")
    srv.close()


def http_page(host: str) -> None:
    def server(conn: socket.socket) -> None:
        recv_until(conn, b"\r\n\r\n")
        page = b"<html><body>" + b"hello " * 2000 + b"</body></html>"
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
            + str(len(page)).encode()
            + b"\r\n\r\n"
            + page
        )

    srv, port = serve(host, server)
    with socket.create_connection((host, port)) as c:
        c.sendall(
            b"GET /index.html HTTP/1.1\r\nHost: www.example.org\r\nUser-Agent: curl/7.88.1\r\n\r\n"
        )
        recv_until(c, b"</html>")
    srv.close()


def tls_ordinary(host: str, server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext) -> None:
    def server(conn: socket.socket) -> None:
        tconn = server_ctx.wrap_socket(conn, server_side=True)
        tconn.recv(4096)
        tconn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        time.sleep(0.1)

    srv, port = serve(host, server)
    with client_ctx.wrap_socket(
        socket.create_connection((host, port)), server_hostname="www.example.org"
    ) as c:
        c.sendall(b"GET / HTTP/1.1\r\nHost: www.example.org\r\n\r\n")
        c.recv(4096)
    srv.close()


def chat_websocket(host: str, seconds: float = 2.0) -> None:
    """A long-lived chat: small messages both ways, server pushes in between."""

    def server(conn: socket.socket) -> None:
        ws_accept(conn)
        with contextlib.suppress(ConnectionError):
            while True:
                msg = json.loads(ws_read(conn))
                conn.sendall(
                    ws_frame(
                        json.dumps(
                            {"type": "message", "from": "bob", "text": "re: " + msg["text"]}
                        ),
                        mask=False,
                    )
                )
                conn.sendall(
                    ws_frame(
                        json.dumps({"type": "presence", "user": "carol", "online": True}),
                        mask=False,
                    )
                )

    srv, port = serve(host, server)
    c = ws_connect(host, port, "/chat")
    with c:
        end = time.monotonic() + seconds
        i = 0
        while time.monotonic() < end:
            c.sendall(
                ws_frame(
                    json.dumps({"type": "message", "room": "general", "text": f"hi {i}"}), mask=True
                )
            )
            ws_read(c)
            ws_read(c)
            i += 1
            time.sleep(0.2)
    srv.close()


def bitcoin_node(host: str, port: int = 8333) -> None:
    """Two Bitcoin P2P peers exchange version/verack (mainnet magic)."""

    def message(command: str, payload: bytes) -> bytes:
        check = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
        return (
            b"\xf9\xbe\xb4\xd9"
            + command.encode().ljust(12, b"\0")
            + struct.pack("<I", len(payload))
            + check
            + payload
        )

    addr = (
        struct.pack("<Q", 1)
        + b"\0" * 10
        + b"\xff\xff"
        + socket.inet_aton(host)
        + struct.pack(">H", port)
    )
    version = (
        struct.pack("<iQq", 70016, 1, int(time.time()))
        + addr
        + addr
        + struct.pack("<Q", 42)
        + b"\x10/Satoshi:26.0.0/"
        + struct.pack("<i?", 850000, True)
    )

    def server(conn: socket.socket) -> None:
        conn.recv(4096)
        conn.sendall(message("version", version) + message("verack", b""))
        conn.recv(4096)

    srv, port = serve(host, server, port)
    with socket.create_connection((host, port)) as c:
        c.sendall(message("version", version))
        c.recv(4096)
        c.sendall(message("verack", b""))
        time.sleep(0.1)
    srv.close()


def dns_query(resolver: str, name: str, txid: int, *, tcp: bool = False) -> list[str]:
    """Ask ``resolver``:53 for the A record of ``name`` (over UDP, or TCP with its two-byte
    length prefix); returns the addresses answered."""
    q = struct.pack("!HHHHHH", txid, 0x0100, 1, 0, 0, 0)
    q += (
        b"".join(bytes([len(p)]) + p.encode() for p in name.split("."))
        + b"\0"
        + struct.pack("!HH", 1, 1)
    )
    if tcp:
        with socket.create_connection((resolver, 53), timeout=3) as c:
            c.sendall(struct.pack("!H", len(q)) + q)
            size = struct.unpack("!H", _recv_exact(c, 2))[0]
            data = _recv_exact(c, size)
    else:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(3)
            s.sendto(q, (resolver, 53))
            data, _ = s.recvfrom(4096)
    from minehunt.net.dns import parse

    msg = parse(data)
    return [a for _, a in msg.addresses] if msg else []


def _recv_exact(c: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = c.recv(n - len(data))
        if not chunk:
            raise ConnectionError("peer closed early")
        data += chunk
    return data


@contextlib.contextmanager
def dnsmasq(
    address: str, hosts: dict[str, str], tmp: Path, cnames: dict[str, str] | None = None
) -> Iterator[None]:
    """dnsmasq answering only ``hosts`` (name -> address) and ``cnames`` (alias -> a name of
    ``hosts``) on address:53, nothing upstream."""
    import subprocess

    hosts_file = tmp / f"dnsmasq-{address}.hosts"
    hosts_file.write_text("".join(f"{a} {n}\n" for n, a in hosts.items()))
    aliases = [f"--cname={alias},{target}" for alias, target in (cnames or {}).items()]
    proc = subprocess.Popen(
        ["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--no-poll",
         f"--addn-hosts={hosts_file}", f"--listen-address={address}", "--bind-interfaces",
         "--port=53", "--user=root", "--pid-file=", "--log-facility=-", "--conf-file=/dev/null",
         *aliases],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                if dns_query(address, next(iter(hosts)), 1):
                    break
            except OSError:
                time.sleep(0.1)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=5)

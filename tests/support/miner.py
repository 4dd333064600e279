#!/usr/bin/env python3
"""XMRig look-alike that does real proof-of-work against the minehunt test pool.

Test support only: it refuses any pool that is not on the loopback interface. Standalone on
purpose (stdlib, randomx, optionally setproctitle) so that a copied interpreter can run it from a
temp dir, the way a dropper runs a renamed miner.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import hashlib
import ipaddress
import json
import os
import random
import re
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit


class Protocol(StrEnum):
    """Pool dialect; decides the hash function too."""

    XMRIG = "xmrig"
    STRATUM1 = "stratum1"


AGENTS = {
    Protocol.XMRIG: "XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0",
    Protocol.STRATUM1: "cpuminer/2.5.1",
}
DEFAULT_ALGOS = {Protocol.XMRIG: "rx/0", Protocol.STRATUM1: "sha256d"}
NONCE_OFFSET = 39
KEEPALIVE_SECONDS = 20.0
DIFF1_TARGET = 0xFFFF << 208
SHA_BATCH = 16384
PR_SET_NAME = 15
TITLE_RE = re.compile(r"^\[[^\[\]]+\]$")
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad arguments or configuration; exit status 2."""


class ProtocolError(Exception):
    """The pool said something we cannot work with; reconnect."""


@dataclass(frozen=True)
class Options:
    """Everything the miner needs, merged from argv and config.json."""

    host: str
    port: int
    user: str
    password: str
    algo: str
    protocol: Protocol
    threads: int
    agent: str
    duration: float | None
    retry_pause: float


@dataclass(frozen=True)
class RxJob:
    """RandomX job from an XMRig-dialect pool."""

    conn: int
    job_id: str
    blob: bytes
    target64: int
    difficulty: int
    seed: bytes
    height: int


@dataclass(frozen=True)
class ShaJob:
    """sha256d job from a Stratum v1 pool."""

    conn: int
    job_id: str
    prev: bytes
    coinb1: bytes
    coinb2: bytes
    branches: tuple[bytes, ...]
    version: int
    nbits: int
    ntime: int
    extranonce1: bytes
    extranonce2_size: int
    difficulty: float

    def header_prefix(self, en2: bytes) -> bytes:
        """First 76 bytes of the block header (everything but the nonce)."""
        root = sha256d(self.coinb1 + self.extranonce1 + en2 + self.coinb2)
        for branch in self.branches:
            root = sha256d(root + branch)
        return (
            struct.pack("<I", self.version)
            + self.prev
            + root
            + struct.pack("<II", self.ntime, self.nbits)
        )


Job = RxJob | ShaJob


@dataclass(frozen=True)
class Share:
    """A nonce that met the job's target."""

    job: Job
    nonce: int
    result: bytes
    extranonce2: bytes = b""


def log(tag: str, message: str) -> None:
    """XMRig-style log line on stderr."""
    now = time.time()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now)) + f".{int(now % 1 * 1000):03d}"
    with contextlib.suppress(OSError, ValueError):
        print(f"[{stamp}]  {tag:<8} {message}", file=sys.stderr, flush=True)


def sha256d(data: bytes) -> bytes:
    """Bitcoin's double SHA-256."""
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def swap_words(data: bytes) -> bytes:
    """Undo Stratum's per-32-bit-word byte swap of the previous block hash."""
    return b"".join(data[i : i + 4][::-1] for i in range(0, len(data), 4))


def rx_target64(target_hex: str) -> int:
    """Expand a pool's compact target the way XMRig does."""
    raw = bytes.fromhex(target_hex)
    if len(raw) > 4:
        return int.from_bytes(raw[:8], "little")
    return 0xFFFFFFFFFFFFFFFF // (0xFFFFFFFF // int.from_bytes(raw, "little"))


# --- disguise -----------------------------------------------------------------------------------


def disguise_title() -> str | None:
    """Name to hide behind: $MH_TEST_PROCTITLE, else an exec'ed argv[0] like ``[kworker/0:1]``."""
    wanted = os.environ.get("MH_TEST_PROCTITLE")
    if wanted:
        return wanted
    argv0 = sys.orig_argv[0] if sys.orig_argv else ""
    return argv0 if TITLE_RE.match(argv0) else None


def _end_cmdline_after_title(length: int) -> None:
    """Make /proc/self/cmdline read ``title\\0`` instead of the title plus NUL padding.

    setproctitle pads the old argv area with NULs, and the kernel then returns the whole area.
    If the area's last byte is not NUL, the kernel assumes a setproctitle-style rewrite and
    returns only the first string: exactly what a one-word command line looks like.
    """
    try:
        with open("/proc/self/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        arg_start, arg_end = int(fields[45]), int(fields[46])  # stat fields 48 and 49
    except (OSError, IndexError, ValueError):
        return
    if arg_end - arg_start > length + 1:
        ctypes.memmove(arg_end - 1, b" ", 1)


def apply_disguise(title: str) -> None:
    """Set the kernel comm and rewrite /proc/self/cmdline to ``title`` alone."""
    try:
        import setproctitle

        setproctitle.setproctitle(title)
        _end_cmdline_after_title(len(title.encode()))
    except ImportError:
        log("config", "setproctitle missing: command line left as is")
    # After setproctitle, which may set comm itself; comm holds 15 bytes and no brackets.
    comm = title.strip("[]").encode()[:15]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NAME, ctypes.c_char_p(comm), 0, 0, 0) != 0:
        log("config", f"prctl(PR_SET_NAME) failed: errno {ctypes.get_errno()}")


# --- configuration ------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="xmrig", allow_abbrev=False)
    p.add_argument("-o", "--url")
    p.add_argument("-u", "--user")
    p.add_argument("-p", "--pass", dest="password")
    p.add_argument("-a", "--algo")
    p.add_argument("-t", "--threads", type=int)
    p.add_argument("-k", "--keepalive", action="store_true", help="always on; accepted for XMRig")
    p.add_argument("-c", "--config")
    p.add_argument("--donate-level", type=int)
    p.add_argument("--coin")
    p.add_argument("--protocol", choices=[p.value for p in Protocol])
    p.add_argument("--user-agent")
    # A bound even when no one asks for one: a test that dies must not leave a miner behind.
    p.add_argument(
        "--duration", type=float, default=600.0, help="stop after this many seconds (600)"
    )
    p.add_argument("--retry-pause", type=float)
    return p


def _find_config() -> Path | None:
    for folder in (Path(__file__).resolve().parent, Path.cwd()):
        candidate = folder / "config.json"
        if candidate.is_file():
            return candidate
    return None


def _threads_from_hint(cpu: dict[str, Any]) -> int:
    threads = cpu.get("threads")
    if isinstance(threads, int):
        return max(1, threads)
    hint = int(cpu.get("max-threads-hint", 100))
    cores = len(os.sched_getaffinity(0))
    return max(1, (cores * hint + 99) // 100)


def parse_options(argv: list[str]) -> Options:
    """Merge XMRig-style argv over config.json (argv wins)."""
    args, unknown = _parser().parse_known_args(argv)
    if unknown:
        log("config", f"ignoring unsupported options {' '.join(unknown)}")
    config: dict[str, Any] = {}
    path = Path(args.config) if args.config else None if args.url else _find_config()
    if path is not None:
        try:
            config = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read config {path}: {exc}") from exc
        log("config", f"use config {path}")
    pools = [p for p in config.get("pools", []) if isinstance(p, dict) and p.get("enabled", True)]
    entry: dict[str, Any] = pools[0] if pools else {}
    if entry.get("tls"):
        raise UsageError("TLS pools are not supported")
    url = args.url or entry.get("url")
    if not url:
        raise UsageError("no pool: give -o URL or a config.json with pools[0].url")
    if "://" not in url:
        url = "stratum+tcp://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("stratum+tcp", "tcp") or not parts.hostname or not parts.port:
        raise UsageError(f"unsupported pool URL {url!r}")
    protocol = Protocol(args.protocol or entry.get("protocol") or Protocol.XMRIG)
    cpu = config.get("cpu", {}) if isinstance(config.get("cpu"), dict) else {}
    threads = args.threads or (_threads_from_hint(cpu) if cpu else 1)
    return Options(
        host=parts.hostname,
        port=parts.port,
        user=args.user or entry.get("user") or "x",
        password=args.password or entry.get("pass") or "x",
        algo=args.algo or entry.get("algo") or DEFAULT_ALGOS[protocol],
        protocol=protocol,
        threads=max(1, threads),
        agent=args.user_agent or config.get("user-agent") or AGENTS[protocol],
        duration=args.duration,
        retry_pause=args.retry_pause if args.retry_pause is not None else 1.0,
    )


def loopback_addresses(host: str, port: int) -> list[tuple[Any, ...]]:
    """Resolve the pool, refusing anything off the loopback interface."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UsageError(f"cannot resolve {host}: {exc}") from exc
    for info in infos:
        if not ipaddress.ip_address(info[4][0]).is_loopback:
            raise UsageError(f"refusing non-loopback pool {host} ({info[4][0]}): test miner only")
    return infos


# --- hashing threads ----------------------------------------------------------------------------


class JobBoard:
    """The current job for the hashing threads; None while disconnected."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.generation = 0
        self.job: Job | None = None

    def publish(self, job: Job | None) -> None:
        with self._cond:
            self.job = job
            self.generation += 1
            self._cond.notify_all()

    def current(self) -> tuple[int, Job | None]:
        with self._cond:
            return self.generation, self.job

    def wait_change(self, generation: int, timeout: float) -> None:
        with self._cond:
            if self.generation == generation:
                self._cond.wait(timeout)


class RxCaches:
    """One light-mode RandomX cache per seed, shared by all threads' VMs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seed: bytes | None = None
        self._cache: Any = None

    def vm_for(self, seed: bytes) -> Any:
        import randomx

        with self._lock:
            if seed != self._seed:
                log("randomx", f"init cache seed {seed.hex()[:16]}...")
                started = time.monotonic()
                self._cache = randomx.Cache(randomx.get_flags(), seed)
                self._seed = seed
                log("randomx", f"cache ready ({int((time.monotonic() - started) * 1000)} ms)")
            return randomx.VM(randomx.get_flags(), self._cache)


class Worker(threading.Thread):
    """One hashing thread; scans a slice of the nonce space of whatever job is current."""

    def __init__(
        self,
        index: int,
        count: int,
        board: JobBoard,
        submit: Callable[[Share], None],
        stop: threading.Event,
        caches: RxCaches,
    ) -> None:
        super().__init__(name=f"worker-{index}", daemon=True)
        self.index, self.count = index, count
        self.board, self.submit, self.stop, self.caches = board, submit, stop, caches
        self._vm: Any = None
        self._vm_seed: bytes | None = None

    def run(self) -> None:
        while not self.stop.is_set():
            generation, job = self.board.current()
            if job is None:
                self.board.wait_change(generation, 0.5)
            elif isinstance(job, RxJob):
                self._scan_rx(generation, job)
            else:
                self._scan_sha(generation, job)

    def _scan_rx(self, generation: int, job: RxJob) -> None:
        if job.seed != self._vm_seed:
            self._vm, self._vm_seed = self.caches.vm_for(job.seed), job.seed
        blob = bytearray(job.blob)
        nonce = (self.index << 32) // self.count
        while not self.stop.is_set() and self.board.generation == generation:
            blob[NONCE_OFFSET : NONCE_OFFSET + 4] = struct.pack("<I", nonce)
            result = bytes(self._vm.calculate_hash(blob))
            if int.from_bytes(result[24:32], "little") < job.target64:
                self.submit(Share(job, nonce, result))
            nonce = (nonce + 1) & 0xFFFFFFFF

    def _scan_sha(self, generation: int, job: ShaJob) -> None:
        target = int(Fraction(DIFF1_TARGET) / Fraction(job.difficulty))
        en2 = random.getrandbits(8 * job.extranonce2_size)
        sha256, pack = hashlib.sha256, struct.Struct("<I").pack
        while not self.stop.is_set() and self.board.generation == generation:
            en2 = (en2 + self.count) % (1 << (8 * job.extranonce2_size))
            en2_bytes = en2.to_bytes(job.extranonce2_size, "big")
            prefix = job.header_prefix(en2_bytes)
            midstate, tail = sha256(prefix[:64]), prefix[64:]
            for base in range(0, 1 << 32, SHA_BATCH):
                if self.stop.is_set() or self.board.generation != generation:
                    return
                for nonce in range(base, base + SHA_BATCH):
                    inner = midstate.copy()
                    inner.update(tail + pack(nonce))
                    digest = sha256(inner.digest()).digest()
                    if int.from_bytes(digest, "little") <= target:
                        self.submit(Share(job, nonce, digest, en2_bytes))


# --- network ------------------------------------------------------------------------------------


class Connection:
    """Newline-delimited JSON over one TCP socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buffer = b""
        self._send_lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message, separators=(",", ":")).encode() + b"\n"
        with self._send_lock:
            self.sock.sendall(data)

    def read(self) -> dict[str, Any] | None:
        """Next message, or None after the socket timeout; raises ConnectionError on EOF."""
        while b"\n" not in self._buffer:
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                return None
            if not chunk:
                raise ConnectionError("pool closed the connection")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            message = json.loads(line)
        except ValueError as exc:
            raise ProtocolError(f"bad JSON from pool: {exc}") from exc
        if not isinstance(message, dict):
            raise ProtocolError("pool sent a non-object message")
        return message

    def close(self) -> None:
        self.sock.close()


@dataclass(frozen=True)
class _Request:
    kind: str
    sent: float
    share: Share | None = None


class Miner:
    """Connects, mines, submits, reconnects; stops on SIGTERM/SIGINT or after --duration."""

    def __init__(self, options: Options) -> None:
        self.opts = options
        self.board = JobBoard()
        self.stop_event = threading.Event()
        self.stop_requested = False
        self.accepted = 0
        self.rejected = 0
        self._lock = threading.Lock()
        self._next_id = 0
        self._pending: dict[int, _Request] = {}
        self._conn: Connection | None = None
        self._conn_serial = 0
        self._session_id = ""
        self._extranonce1 = b""
        self._extranonce2_size = 4
        self._sha_difficulty = 1.0
        self._deadline: float | None = None

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        # Signal handler: only flip a flag; the main loop notices within its 0.5 s poll.
        self.stop_requested = True

    def _should_stop(self) -> bool:
        if self._deadline is not None and time.monotonic() >= self._deadline:
            self.stop_requested = True
        return self.stop_requested

    def run(self) -> int:
        if self.opts.duration is not None:
            self._deadline = time.monotonic() + self.opts.duration
        caches = RxCaches()
        workers = [
            Worker(i, self.opts.threads, self.board, self.submit, self.stop_event, caches)
            for i in range(self.opts.threads)
        ]
        for worker in workers:
            worker.start()
        log("cpu", f"use {self.opts.protocol} {self.opts.algo} threads {self.opts.threads}")
        while not self._should_stop():
            try:
                self._session()
            except (OSError, ProtocolError) as exc:
                log("net", f"{self.opts.host}:{self.opts.port} error: {exc}")
            self.board.publish(None)
            pause_until = time.monotonic() + self.opts.retry_pause
            while not self._should_stop() and time.monotonic() < pause_until:
                time.sleep(0.1)
        self.stop_event.set()
        self.board.publish(None)
        for worker in workers:
            worker.join(timeout=5)
        log("signal", f"stopping: accepted {self.accepted} rejected {self.rejected}")
        return 0

    def _session(self) -> None:
        infos = loopback_addresses(self.opts.host, self.opts.port)
        sock = socket.create_connection(infos[0][4][:2], timeout=5)
        sock.settimeout(0.5)
        conn = Connection(sock)
        with self._lock:
            self._conn_serial += 1
            self._conn = conn
            self._pending.clear()
        log("net", f"use pool {self.opts.host}:{self.opts.port} {infos[0][4][0]}")
        try:
            if self.opts.protocol is Protocol.XMRIG:
                params = {
                    "login": self.opts.user,
                    "pass": self.opts.password,
                    "agent": self.opts.agent,
                    "algo": [self.opts.algo, "cn/r"],
                    "rigid": "",
                }
                self._request(conn, "login", "login", params)
            else:
                self._request(conn, "configure", "mining.configure", [[], {}])
                self._request(conn, "subscribe", "mining.subscribe", [self.opts.agent])
                self._request(
                    conn, "authorize", "mining.authorize", [self.opts.user, self.opts.password]
                )
            last_keepalive = time.monotonic()
            while not self._should_stop():
                message = conn.read()
                if message is not None:
                    self._dispatch(conn, message)
                if (
                    self.opts.protocol is Protocol.XMRIG
                    and self._session_id
                    and time.monotonic() - last_keepalive >= KEEPALIVE_SECONDS
                ):
                    self._request(conn, "keepalived", "keepalived", {"id": self._session_id})
                    last_keepalive = time.monotonic()
        finally:
            with self._lock:
                self._conn = None
            self._session_id = ""
            conn.close()

    def _request(
        self, conn: Connection, kind: str, method: str, params: Any, share: Share | None = None
    ) -> None:
        with self._lock:
            self._next_id += 1
            msg_id = self._next_id
            self._pending[msg_id] = _Request(kind, time.monotonic(), share)
        message: dict[str, Any] = {"id": msg_id, "method": method, "params": params}
        if self.opts.protocol is Protocol.XMRIG:
            message["jsonrpc"] = "2.0"
        conn.send(message)

    def submit(self, share: Share) -> None:
        """Called from hashing threads."""
        with self._lock:
            conn = self._conn
            if conn is None or share.job.conn != self._conn_serial:
                return
        job = share.job
        try:
            if isinstance(job, RxJob):
                params: Any = {
                    "id": self._session_id,
                    "job_id": job.job_id,
                    "nonce": struct.pack("<I", share.nonce).hex(),
                    "result": share.result.hex(),
                    "algo": self.opts.algo,
                }
                self._request(conn, "submit", "submit", params, share)
            else:
                params = [
                    self.opts.user,
                    job.job_id,
                    share.extranonce2.hex(),
                    f"{job.ntime:08x}",
                    f"{share.nonce:08x}",
                ]
                self._request(conn, "submit", "mining.submit", params, share)
        except OSError:
            pass  # the network loop sees the broken connection and reconnects

    def _dispatch(self, conn: Connection, message: dict[str, Any]) -> None:
        method = message.get("method")
        if isinstance(method, str):
            self._notification(method, message.get("params"))
            return
        msg_id = message.get("id")
        with self._lock:
            request = self._pending.pop(msg_id, None) if isinstance(msg_id, int) else None
        if request is None:
            return
        error, result = message.get("error"), message.get("result")
        if request.kind == "login":
            if error or not isinstance(result, dict):
                raise ProtocolError(f"login failed: {_error_text(error)}")
            self._session_id = str(result.get("id", ""))
            self._publish_rx(result.get("job"))
        elif request.kind == "subscribe":
            if error or not isinstance(result, list) or len(result) < 3:
                raise ProtocolError(f"subscribe failed: {_error_text(error)}")
            self._extranonce1 = bytes.fromhex(result[1])
            self._extranonce2_size = int(result[2])
        elif request.kind == "authorize":
            if error or result is not True:
                raise ProtocolError(f"authorize failed: {_error_text(error)}")
        elif request.kind == "submit" and request.share is not None:
            ok = error is None and (
                result is True or (isinstance(result, dict) and result.get("status") == "OK")
            )
            self._log_share(request, ok, error)

    def _log_share(self, request: _Request, ok: bool, error: Any) -> None:
        assert request.share is not None
        elapsed = int((time.monotonic() - request.sent) * 1000)
        diff = request.share.job.difficulty
        diff_text = f"{diff:g}"
        if ok:
            self.accepted += 1
            log(
                "cpu", f"accepted ({self.accepted}/{self.rejected}) diff {diff_text} ({elapsed} ms)"
            )
        else:
            self.rejected += 1
            reason = _error_text(error)
            log(
                "cpu",
                f"rejected ({self.accepted}/{self.rejected}) diff {diff_text}"
                f' "{reason}" ({elapsed} ms)',
            )

    def _notification(self, method: str, params: Any) -> None:
        if method == "job" and isinstance(params, dict):
            self._publish_rx(params)
        elif method == "mining.set_difficulty" and isinstance(params, list) and params:
            self._sha_difficulty = float(params[0])
        elif method == "mining.set_extranonce" and isinstance(params, list) and len(params) >= 2:
            self._extranonce1 = bytes.fromhex(params[0])
            self._extranonce2_size = int(params[1])
        elif method == "mining.notify" and isinstance(params, list) and len(params) >= 9:
            job = ShaJob(
                conn=self._conn_serial,
                job_id=str(params[0]),
                prev=swap_words(bytes.fromhex(params[1])),
                coinb1=bytes.fromhex(params[2]),
                coinb2=bytes.fromhex(params[3]),
                branches=tuple(bytes.fromhex(b) for b in params[4]),
                version=int(params[5], 16),
                nbits=int(params[6], 16),
                ntime=int(params[7], 16),
                extranonce1=self._extranonce1,
                extranonce2_size=self._extranonce2_size,
                difficulty=self._sha_difficulty,
            )
            log("net", f"new job diff {job.difficulty:g} algo sha256d")
            self.board.publish(job)

    def _publish_rx(self, params: Any) -> None:
        if not isinstance(params, dict):
            raise ProtocolError("job missing from pool reply")
        target64 = rx_target64(str(params["target"]))
        job = RxJob(
            conn=self._conn_serial,
            job_id=str(params["job_id"]),
            blob=bytes.fromhex(params["blob"]),
            target64=target64,
            difficulty=0xFFFFFFFFFFFFFFFF // target64,
            seed=bytes.fromhex(params.get("seed_hash", "00" * 32)),
            height=int(params.get("height", 0)),
        )
        if len(job.blob) < NONCE_OFFSET + 4:
            raise ProtocolError("job blob too short")
        log(
            "net",
            f"new job diff {job.difficulty} algo {params.get('algo', self.opts.algo)}"
            f" height {job.height}",
        )
        self.board.publish(job)


def _error_text(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("message", error))
    if isinstance(error, list) and len(error) > 1:
        return str(error[1])
    return str(error)


def main(argv: list[str] | None = None) -> int:
    """Entry point: disguise first (threads inherit comm), then mine."""
    title = disguise_title()
    if title:
        apply_disguise(title)
    try:
        options = parse_options(sys.argv[1:] if argv is None else argv)
        loopback_addresses(options.host, options.port)
    except UsageError as exc:
        log("config", f"error: {exc}")
        return EXIT_USAGE
    miner = Miner(options)
    signal.signal(signal.SIGTERM, miner.request_stop)
    signal.signal(signal.SIGINT, miner.request_stop)
    return miner.run()


if __name__ == "__main__":
    sys.exit(main())

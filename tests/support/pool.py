"""Test mining pool: XMRig (Monero) JSON-RPC and Stratum v1 on one loopback port.

Every share is re-verified for real: RandomX in light mode for the XMRig dialect, sha256d over
the rebuilt 80-byte header for Stratum v1. Binds 127.0.0.1 only. Standalone (stdlib + randomx)
so that ``python tests/support/pool.py --port N`` works as a separate process.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import errno
import hashlib
import json
import logging
import secrets
import signal
import struct
import sys
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any

HOST = "127.0.0.1"
"""The only address the pool ever binds."""

DEFAULT_RX_DIFFICULTY = 64
"""~2 s per share at the ~32 H/s of one core in RandomX light mode."""

DEFAULT_SHA_DIFFICULTY = 0.0002
"""~1 s per share for a pure-Python sha256d loop (~700 kH/s on one core)."""

NONCE_OFFSET = 39
"""Byte offset of the 32-bit nonce in a Monero hashing blob."""

DIFF1_TARGET = 0xFFFF << 208
"""Bitcoin pool difficulty-1 target (the "pdiff" convention used by Stratum pools)."""

RECENT_JOBS = 4
"""Jobs per connection that still accept shares, so a share racing a job push is not stale."""

EXTRANONCE1_SIZE = 4
EXTRANONCE2_SIZE = 4
MAX_LINE = 64 * 1024
MONERO_BASE_HEIGHT = 3_100_000
BITCOIN_BASE_HEIGHT = 870_000
STRATUM_NBITS = 0x17034219
STRATUM_VERSION = 0x20000000
POOL_TAG = b"/minehunt-test-pool/"
PAYOUT_HASH160 = hashlib.sha256(b"minehunt test payout").digest()[:20]

log = logging.getLogger("minehunt.tests.pool")


class Dialect(StrEnum):
    """Wire protocol a connection speaks, decided by its first message."""

    XMRIG = "xmrig"
    STRATUM1 = "stratum1"


class PoolError(Exception):
    """The pool could not start (for example, its port is taken)."""


class ShareRejected(Exception):
    """A submitted share failed verification; the message is what the miner is told."""

    def __init__(self, message: str, code: int = -1) -> None:
        super().__init__(message)
        self.code = code


# --- proof-of-work helpers (mirrored by miner.py, which must stay standalone) -------------------


def sha256d(data: bytes) -> bytes:
    """Bitcoin's double SHA-256."""
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def rx_target_hex(difficulty: int) -> str:
    """Compact 32-bit little-endian target that pools send to XMRig for ``difficulty``."""
    return struct.pack("<I", 0xFFFFFFFF // max(1, difficulty)).hex()


def rx_target64(target_hex: str) -> int:
    """Expand a compact target the way XMRig does; a hash's last 8 bytes must be below it."""
    if len(target_hex) > 8:
        return int.from_bytes(bytes.fromhex(target_hex)[:8], "little")
    t32 = int.from_bytes(bytes.fromhex(target_hex), "little")
    return 0xFFFFFFFFFFFFFFFF // (0xFFFFFFFF // t32)


def rx_meets_target(hash_: bytes, target64: int) -> bool:
    """Monero share check: the hash's last 8 bytes as little-endian uint64 below the target."""
    return int.from_bytes(hash_[24:32], "little") < target64


def sha_target(difficulty: float) -> int:
    """256-bit target for a (possibly fractional) Stratum share difficulty."""
    return int(Fraction(DIFF1_TARGET) / Fraction(difficulty))


def swap_words(data: bytes) -> bytes:
    """Byte-swap each 32-bit word: Stratum's odd encoding of the previous block hash."""
    return b"".join(data[i : i + 4][::-1] for i in range(0, len(data), 4))


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


# --- jobs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """The chain tip every job of one tick builds on."""

    number: int
    """Ticks since the pool started; heights in both dialects derive from it."""
    prev: bytes
    """Previous block hash, 32 bytes in header byte order."""
    timestamp: int
    branches: tuple[bytes, ...]
    """Merkle branch for Stratum jobs (pretend transactions)."""


@dataclass(frozen=True)
class RxJob:
    """A RandomX job handed to one XMRig-dialect connection."""

    job_id: str
    blob: bytes
    target64: int
    height: int


@dataclass(frozen=True)
class ShaJob:
    """A sha256d job handed to one Stratum v1 connection."""

    job_id: str
    prev: bytes
    coinb1: bytes
    coinb2: bytes
    branches: tuple[bytes, ...]
    version: int
    nbits: int
    ntime: int
    target: int

    def header(self, en1: bytes, en2: bytes, ntime: int, nonce: int, version: int) -> bytes:
        """Rebuild the 80-byte block header a miner hashed."""
        root = sha256d(self.coinb1 + en1 + en2 + self.coinb2)
        for branch in self.branches:
            root = sha256d(root + branch)
        return (
            struct.pack("<I", version)
            + self.prev
            + root
            + struct.pack("<III", ntime, self.nbits, nonce)
        )


# --- connections --------------------------------------------------------------------------------


class _Session:
    """One client connection; subclasses implement a dialect."""

    dialect: Dialect

    def __init__(self, pool: Pool, writer: asyncio.StreamWriter) -> None:
        self.pool = pool
        self.writer = writer
        self.peer = writer.get_extra_info("peername")

    def send(self, message: dict[str, Any]) -> None:
        if self.writer.is_closing():
            return
        self.writer.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")

    async def handle(self, message: dict[str, Any]) -> None:
        raise NotImplementedError

    def on_block(self, block: Block) -> None:
        """Push a fresh job after the pool's chain tip moved."""
        raise NotImplementedError


class _XmrigSession(_Session):
    """Monero pool JSON-RPC as XMRig speaks it (login / submit / keepalived / job)."""

    dialect = Dialect.XMRIG

    def __init__(self, pool: Pool, writer: asyncio.StreamWriter) -> None:
        super().__init__(pool, writer)
        self.session_id: str | None = None
        self.jobs: OrderedDict[str, RxJob] = OrderedDict()
        self.seen: set[tuple[str, str]] = set()

    def _new_job(self, block: Block) -> dict[str, Any]:
        assert self.session_id is not None
        job_id = secrets.token_urlsafe(12)
        root = hashlib.sha256(f"{self.session_id}/{job_id}".encode() + block.prev).digest()
        blob = bytes([16, 16]) + _varint(block.timestamp) + block.prev + bytes(4) + root + b"\x2a"
        target_hex = rx_target_hex(self.pool.rx_difficulty)
        job = RxJob(job_id, blob, rx_target64(target_hex), MONERO_BASE_HEIGHT + block.number)
        self.jobs[job_id] = job
        while len(self.jobs) > RECENT_JOBS:
            self.jobs.popitem(last=False)
        self.pool.jobs_sent += 1
        return {
            "blob": blob.hex(),
            "job_id": job_id,
            "target": target_hex,
            "algo": "cn/0" if self.pool.cn_hash else "rx/0",
            "height": job.height,
            "seed_hash": self.pool.seed_hash.hex(),
            "id": self.session_id,
        }

    def on_block(self, block: Block) -> None:
        if self.session_id is not None:
            job = self._new_job(block)
            self.send({"jsonrpc": "2.0", "method": "job", "params": job})

    def _reply(self, msg_id: Any, result: Any = None, error: str | None = None) -> None:
        reply: dict[str, Any] = {"id": msg_id, "jsonrpc": "2.0", "error": None, "result": result}
        if error is not None:
            reply["error"] = {"code": -1, "message": error}
            reply["result"] = None
        self.send(reply)

    async def handle(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        msg_id = message.get("id")
        params = message.get("params")
        if not isinstance(params, dict):
            params = {}
        if method == "login":
            self.session_id = str(uuid.uuid4())
            self.pool.record_login(self.dialect, str(params.get("login")), params.get("agent"))
            result = {
                "id": self.session_id,
                "job": self._new_job(self.pool.block),
                "extensions": ["algo", "nicehash", "keepalive"],
                "status": "OK",
            }
            self._reply(msg_id, result)
        elif self.session_id is None or params.get("id") != self.session_id:
            if method == "submit":
                self.pool.record_share(self.dialect, "Unauthenticated")
            self._reply(msg_id, error="Unauthenticated")
        elif method == "getjob":
            self._reply(msg_id, self._new_job(self.pool.block))
        elif method == "keepalived":
            self._reply(msg_id, {"status": "KEEPALIVED"})
        elif method == "submit":
            try:
                await self._verify(params)
            except ShareRejected as exc:
                self.pool.record_share(self.dialect, str(exc))
                self._reply(msg_id, error=str(exc))
            else:
                self.pool.record_share(self.dialect, None)
                self._reply(msg_id, {"status": "OK"})
        else:
            self._reply(msg_id, error=f"Unsupported method {method!r}")

    async def _verify(self, params: dict[str, Any]) -> None:
        job = self.jobs.get(str(params.get("job_id")))
        if job is None:
            raise ShareRejected("Invalid job id")
        nonce_hex, result_hex = params.get("nonce"), params.get("result")
        try:
            nonce = bytes.fromhex(str(nonce_hex))
            claimed = bytes.fromhex(str(result_hex))
        except ValueError:
            raise ShareRejected("Malformed share") from None
        if len(nonce) != 4 or len(claimed) != 32:
            raise ShareRejected("Malformed share")
        key = (job.job_id, nonce.hex())
        if key in self.seen:
            raise ShareRejected("Duplicate share")
        blob = job.blob[:NONCE_OFFSET] + nonce + job.blob[NONCE_OFFSET + 4 :]
        actual = await self.pool.pow_hash(blob)
        if actual != claimed:
            raise ShareRejected("Invalid share: hash mismatch")
        if not rx_meets_target(actual, job.target64):
            raise ShareRejected("Low difficulty share")
        self.seen.add(key)


class _Stratum1Session(_Session):
    """Bitcoin-style Stratum v1 (subscribe / authorize / notify / submit)."""

    dialect = Dialect.STRATUM1

    def __init__(self, pool: Pool, writer: asyncio.StreamWriter) -> None:
        super().__init__(pool, writer)
        self.extranonce1 = pool.next_extranonce1()
        self.workers: set[str] = set()
        self.version_mask = 0
        self.jobs: OrderedDict[str, ShaJob] = OrderedDict()
        self.seen: set[tuple[str, ...]] = set()
        self._job_counter = 0

    def _reply(self, msg_id: Any, result: Any = None, error: tuple[int, str] | None = None) -> None:
        err = None if error is None else [error[0], error[1], None]
        self.send({"id": msg_id, "result": None if err else result, "error": err})

    def _notify(self, block: Block, clean: bool) -> None:
        self._job_counter += 1
        job_id = f"{block.number:x}{self._job_counter:04x}"
        height = (BITCOIN_BASE_HEIGHT + block.number).to_bytes(3, "little")
        script_len = 1 + 3 + 1 + EXTRANONCE1_SIZE + EXTRANONCE2_SIZE + 1 + len(POOL_TAG)
        coinb1 = (
            struct.pack("<I", 1)
            + b"\x01"
            + bytes(32)
            + b"\xff\xff\xff\xff"
            + bytes([script_len, 3])
            + height
            + bytes([EXTRANONCE1_SIZE + EXTRANONCE2_SIZE])
        )
        coinb2 = (
            bytes([len(POOL_TAG)])
            + POOL_TAG
            + b"\xff\xff\xff\xff\x01"
            + struct.pack("<Q", 312_500_000)
            + b"\x19\x76\xa9\x14"
            + PAYOUT_HASH160
            + b"\x88\xac"
            + bytes(4)
        )
        job = ShaJob(
            job_id=job_id,
            prev=block.prev,
            coinb1=coinb1,
            coinb2=coinb2,
            branches=block.branches,
            version=STRATUM_VERSION,
            nbits=STRATUM_NBITS,
            ntime=block.timestamp,
            target=sha_target(self.pool.sha_difficulty),
        )
        self.jobs[job_id] = job
        while len(self.jobs) > RECENT_JOBS:
            self.jobs.popitem(last=False)
        self.pool.jobs_sent += 1
        params = [
            job_id,
            swap_words(block.prev).hex(),
            coinb1.hex(),
            coinb2.hex(),
            [b.hex() for b in block.branches],
            f"{job.version:08x}",
            f"{job.nbits:08x}",
            f"{job.ntime:08x}",
            clean,
        ]
        self.send({"id": None, "method": "mining.notify", "params": params})

    def on_block(self, block: Block) -> None:
        if self.workers:
            self._notify(block, clean=True)

    async def handle(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        msg_id = message.get("id")
        params = message.get("params")
        if not isinstance(params, list):
            params = []
        if method == "mining.subscribe":
            if params:
                self.pool.last_agent = str(params[0])
            subs = [["mining.set_difficulty", "d1"], ["mining.notify", "n1"]]
            self._reply(msg_id, [subs, self.extranonce1.hex(), EXTRANONCE2_SIZE])
        elif method == "mining.configure":
            result: dict[str, Any] = {}
            ext = params[1] if len(params) > 1 and isinstance(params[1], dict) else {}
            if params and "version-rolling" in params[0]:
                asked = int(str(ext.get("version-rolling.mask", "1fffe000")), 16)
                self.version_mask = asked & 0x1FFFE000
                result["version-rolling"] = True
                result["version-rolling.mask"] = f"{self.version_mask:08x}"
            self._reply(msg_id, result)
        elif method == "mining.extranonce.subscribe":
            self._reply(msg_id, True)
        elif method == "mining.authorize":
            worker = str(params[0]) if params else ""
            self.workers.add(worker)
            self.pool.record_login(self.dialect, worker, None)
            self._reply(msg_id, True)
            self.send(
                {
                    "id": None,
                    "method": "mining.set_difficulty",
                    "params": [self.pool.sha_difficulty],
                }
            )
            self._notify(self.pool.block, clean=True)
        elif method == "mining.submit":
            try:
                self._verify(params)
            except ShareRejected as exc:
                self.pool.record_share(self.dialect, str(exc))
                self._reply(msg_id, error=(exc.code, str(exc)))
            else:
                self.pool.record_share(self.dialect, None)
                self._reply(msg_id, True)
        else:
            self._reply(msg_id, error=(20, f"Unsupported method {method!r}"))

    def _verify(self, params: list[Any]) -> None:
        if len(params) < 5:
            raise ShareRejected("Malformed share", 20)
        worker, job_id, en2_hex, ntime_hex, nonce_hex = (str(p) for p in params[:5])
        if worker not in self.workers:
            raise ShareRejected("Unauthorized worker", 24)
        job = self.jobs.get(job_id)
        if job is None:
            raise ShareRejected("Job not found", 21)
        try:
            en2 = bytes.fromhex(en2_hex)
            ntime = int(ntime_hex, 16)
            nonce = int(nonce_hex, 16)
            version_bits = int(str(params[5]), 16) if len(params) > 5 else 0
        except ValueError:
            raise ShareRejected("Malformed share", 20) from None
        if len(en2) != EXTRANONCE2_SIZE or len(nonce_hex) != 8 or len(ntime_hex) != 8:
            raise ShareRejected("Malformed share", 20)
        if not job.ntime <= ntime <= job.ntime + 7200:
            raise ShareRejected("ntime out of range", 20)
        if version_bits & ~self.version_mask:
            raise ShareRejected("Invalid version bits", 20)
        version = (job.version & ~self.version_mask) | version_bits
        key = (job_id, en2_hex, ntime_hex, nonce_hex, f"{version:08x}")
        if key in self.seen:
            raise ShareRejected("Duplicate share", 22)
        header = job.header(self.extranonce1, en2, ntime, nonce, version)
        if int.from_bytes(sha256d(header), "little") > job.target:
            raise ShareRejected("Low difficulty share", 23)
        self.seen.add(key)


# --- the pool -----------------------------------------------------------------------------------


def _new_vm(seed: bytes) -> Any:
    import randomx  # imported lazily: a Stratum-only pool needs no 256 MB RandomX cache

    return randomx.RandomX(seed, full_mem=False)


class Pool:
    """A loopback mining pool that verifies every share it is sent."""

    def __init__(
        self,
        port: int = 0,
        job_interval: float = 5.0,
        *,
        rx_difficulty: int = DEFAULT_RX_DIFFICULTY,
        sha_difficulty: float = DEFAULT_SHA_DIFFICULTY,
        cn_hash: Callable[[bytes], bytes] | None = None,
    ) -> None:
        self.requested_port = port
        self.cn_hash = cn_hash
        """CryptoNight (cn/0) for XMRig-dialect jobs instead of RandomX: what browser miners
        compute. The caller provides the hash (the tests' native pycryptonight build)."""
        self.job_interval = job_interval
        self.rx_difficulty = rx_difficulty
        self.sha_difficulty = sha_difficulty
        self.seed_hash = secrets.token_bytes(32)
        self.logins = 0
        self.logins_by_dialect = dict.fromkeys(Dialect, 0)
        self.shares_accepted = 0
        self.shares_rejected = 0
        self.accepted_by_dialect = dict.fromkeys(Dialect, 0)
        self.rejected_by_dialect = dict.fromkeys(Dialect, 0)
        self.last_login: str | None = None
        self.last_agent: str | None = None
        self.last_reject_reason: str | None = None
        self.connections_total = 0
        self.jobs_sent = 0
        self.block = self._make_block(0)
        self._sessions: set[_Session] = set()
        self._server: asyncio.Server | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._vm: asyncio.Future[Any] | None = None
        self._extranonce = secrets.randbits(16) << 16

    @property
    def port(self) -> int:
        """The bound TCP port (useful when 0 was requested)."""
        if self._server is None:
            raise PoolError("pool is not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def connections(self) -> int:
        """Currently open client connections."""
        return len(self._sessions)

    async def start(self) -> None:
        """Bind 127.0.0.1 and start serving; raises PoolError if the port is taken."""
        try:
            self._server = await asyncio.start_server(
                self._serve, HOST, self.requested_port, limit=MAX_LINE, reuse_address=True
            )
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PoolError(
                    f"cannot listen on {HOST}:{self.requested_port}: address already in use"
                ) from exc
            raise PoolError(f"cannot listen on {HOST}:{self.requested_port}: {exc}") from exc
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="pool-rx")
        self._ticker = asyncio.create_task(self._tick())
        log.info("listening on %s:%d", HOST, self.port)

    async def stop(self) -> None:
        """Close the listener and every client connection."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        if self._server is not None:
            self._server.close()
        for session in list(self._sessions):
            session.writer.close()
        if self._server is not None:
            await self._server.wait_closed()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)

    def stats(self) -> dict[str, Any]:
        """Counters as plain JSON-able data."""
        return {
            "port": self.port,
            "logins": self.logins,
            "logins_by_dialect": {str(k): v for k, v in self.logins_by_dialect.items()},
            "shares_accepted": self.shares_accepted,
            "shares_rejected": self.shares_rejected,
            "accepted_by_dialect": {str(k): v for k, v in self.accepted_by_dialect.items()},
            "rejected_by_dialect": {str(k): v for k, v in self.rejected_by_dialect.items()},
            "last_login": self.last_login,
            "last_agent": self.last_agent,
            "last_reject_reason": self.last_reject_reason,
            "connections": self.connections,
            "connections_total": self.connections_total,
            "jobs_sent": self.jobs_sent,
        }

    def record_login(self, dialect: Dialect, login: str, agent: Any) -> None:
        self.logins += 1
        self.logins_by_dialect[dialect] += 1
        self.last_login = login
        if agent is not None:
            self.last_agent = str(agent)
        log.info("%s login %s agent %s", dialect, login, self.last_agent)

    def record_share(self, dialect: Dialect, reject_reason: str | None) -> None:
        if reject_reason is None:
            self.shares_accepted += 1
            self.accepted_by_dialect[dialect] += 1
        else:
            self.shares_rejected += 1
            self.rejected_by_dialect[dialect] += 1
            self.last_reject_reason = reject_reason
        log.info("%s share %s", dialect, reject_reason or "accepted")

    def next_extranonce1(self) -> bytes:
        self._extranonce = (self._extranonce + 1) & 0xFFFFFFFF
        return self._extranonce.to_bytes(EXTRANONCE1_SIZE, "big")

    async def pow_hash(self, blob: bytes) -> bytes:
        """The proof-of-work hash of an XMRig-dialect job blob (cn/0 or rx/0)."""
        if self.cn_hash is None:
            return await self.randomx_hash(blob)
        assert self._executor is not None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.cn_hash, blob)

    async def randomx_hash(self, blob: bytes) -> bytes:
        """RandomX hash of ``blob`` under this pool's seed, computed off the event loop."""
        assert self._executor is not None
        loop = asyncio.get_running_loop()
        if self._vm is None:
            self._vm = loop.run_in_executor(self._executor, _new_vm, self.seed_hash)
        vm = await self._vm
        return bytes(await loop.run_in_executor(self._executor, vm.calculate_hash, blob))

    @staticmethod
    def _make_block(number: int) -> Block:
        return Block(
            number=number,
            prev=secrets.token_bytes(32),
            timestamp=int(time.time()),
            branches=(secrets.token_bytes(32), secrets.token_bytes(32)),
        )

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.job_interval)
            self.block = self._make_block(self.block.number + 1)
            for session in list(self._sessions):
                session.on_block(self.block)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session: _Session | None = None
        try:
            while line := await reader.readline():
                try:
                    message = json.loads(line)
                except ValueError:
                    break
                if not isinstance(message, dict):
                    break
                if session is None:
                    session = self._open_session(message, writer)
                    if session is None:
                        break
                await session.handle(message)
                await writer.drain()
        except (ConnectionError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            if session is not None:
                self._sessions.discard(session)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def _open_session(self, first: dict[str, Any], writer: asyncio.StreamWriter) -> _Session | None:
        method = str(first.get("method", ""))
        session: _Session
        if method == "login":
            session = _XmrigSession(self, writer)
        elif method.startswith("mining."):
            session = _Stratum1Session(self, writer)
        elif method == "pool.stats":
            # Test-only control call, so a pool in another process can be watched.
            reply = {"id": first.get("id"), "result": self.stats(), "error": None}
            writer.write(json.dumps(reply).encode() + b"\n")
            return None
        else:
            return None
        self.connections_total += 1
        self._sessions.add(session)
        return session


@contextlib.contextmanager
def running_pool(
    port: int = 0,
    job_interval: float = 5.0,
    *,
    rx_difficulty: int = DEFAULT_RX_DIFFICULTY,
    sha_difficulty: float = DEFAULT_SHA_DIFFICULTY,
    cn_hash: Callable[[bytes], bytes] | None = None,
) -> Iterator[Pool]:
    """Run a Pool on its own event-loop thread for synchronous tests."""
    pool = Pool(
        port,
        job_interval,
        rx_difficulty=rx_difficulty,
        sha_difficulty=sha_difficulty,
        cn_hash=cn_hash,
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-pool", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(pool.start(), loop).result(timeout=10)
        try:
            yield pool
        finally:
            asyncio.run_coroutine_threadsafe(pool.stop(), loop).result(timeout=10)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


async def _serve_until_signalled(args: argparse.Namespace) -> int:
    pool = Pool(
        args.port,
        args.job_interval,
        rx_difficulty=args.rx_difficulty,
        sha_difficulty=args.sha_difficulty,
    )
    try:
        await pool.start()
    except PoolError as exc:
        print(f"pool: {exc}", file=sys.stderr, flush=True)
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f"LISTENING {pool.port}", flush=True)
    await stop.wait()
    await pool.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line: serve until SIGTERM/SIGINT; prints ``LISTENING <port>`` once bound."""
    parser = argparse.ArgumentParser(description="minehunt test mining pool (127.0.0.1 only)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--job-interval", type=float, default=5.0)
    parser.add_argument("--rx-difficulty", type=int, default=DEFAULT_RX_DIFFICULTY)
    parser.add_argument("--sha-difficulty", type=float, default=DEFAULT_SHA_DIFFICULTY)
    parser.add_argument("-v", "--verbose", action="store_true", help="log events to stderr")
    args = parser.parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s pool %(message)s")
    return asyncio.run(_serve_until_signalled(args))


if __name__ == "__main__":
    sys.exit(main())

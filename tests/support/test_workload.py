"""The test workload is real: the pool re-verifies proof-of-work the miner really computed."""

from __future__ import annotations

import json
import os
import re
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
import randomx

from .launch import (
    DISGUISE_EXE,
    MINER_SCRIPT,
    POOL_SCRIPT,
    TEST_WALLET,
    disguised_miner,
    free_port,
    keccak256,
    monero_b58decode,
    query_pool_stats,
    start_pool_process,
    start_stratum1,
    start_xmrig_like,
    stop_process,
    wait_for_shares,
)
from .pool import (
    DIFF1_TARGET,
    NONCE_OFFSET,
    Dialect,
    Pool,
    running_pool,
    rx_meets_target,
    rx_target64,
    sha256d,
    swap_words,
)

Procs = list[subprocess.Popen[bytes]]


@pytest.fixture
def procs() -> Iterator[Procs]:
    """Processes to kill (whole group) when the test ends, pass or fail."""
    started: Procs = []
    yield started
    for proc in started:
        stop_process(proc)


@pytest.fixture
def pool() -> Iterator[Pool]:
    with running_pool(job_interval=1.0) as running:
        yield running


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:] if path.exists() else "(no log)"


class JsonLines:
    """Bare JSON-lines client for poking the pool by hand."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.reader = self.sock.makefile("rb")
        self.notifications: list[dict[str, Any]] = []
        self._id = 0

    def call(self, method: str, params: Any) -> dict[str, Any]:
        self._id += 1
        line = json.dumps({"id": self._id, "jsonrpc": "2.0", "method": method, "params": params})
        self.sock.sendall(line.encode() + b"\n")
        while True:
            message: dict[str, Any] = json.loads(self.reader.readline())
            if message.get("id") == self._id:
                return message
            self.notifications.append(message)

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


def test_test_wallet_is_a_wellformed_monero_address() -> None:
    assert keccak256(b"").hex().startswith("c5d2460186f7233c927e7db2dcc703c0")
    assert re.fullmatch(r"4[0-9AB][1-9A-HJ-NP-Za-km-z]{93}", TEST_WALLET)
    raw = monero_b58decode(TEST_WALLET)
    assert len(raw) == 69 and raw[0] == 0x12
    assert keccak256(raw[:65])[:4] == raw[65:]


def test_xmrig_like_client_mines_randomx_shares(pool: Pool, procs: Procs, tmp_path: Path) -> None:
    log = tmp_path / "xmrig.log"
    proc = start_xmrig_like(pool.port, TEST_WALLET, log_path=log)
    procs.append(proc)
    try:
        wait_for_shares(pool, 3, timeout=45, proc=proc)
    except (TimeoutError, RuntimeError) as exc:
        pytest.fail(f"{exc}\n{_tail(log)}")

    assert pool.logins_by_dialect[Dialect.XMRIG] == 1
    assert pool.last_login == TEST_WALLET
    assert pool.last_agent is not None and pool.last_agent.startswith("XMRig/6.")
    assert pool.shares_rejected == 0
    assert pool.jobs_sent >= 3  # job pushes every second were followed
    cmdline = psutil.Process(proc.pid).cmdline()
    assert cmdline[cmdline.index("-o") + 1] == f"stratum+tcp://127.0.0.1:{pool.port}"
    assert "--donate-level" in cmdline and cmdline[cmdline.index("-u") + 1] == TEST_WALLET
    before = psutil.Process(proc.pid).cpu_times()
    time.sleep(1.0)
    after = psutil.Process(proc.pid).cpu_times()
    assert (after.user + after.system) - (before.user + before.system) > 0.3  # really hashing

    assert stop_process(proc) == 0  # SIGTERM is a clean exit
    assert re.search(r"cpu +accepted \(3/0\) diff 64", log.read_text()), _tail(log)


def test_stratum1_client_mines_sha256d_shares(pool: Pool, procs: Procs, tmp_path: Path) -> None:
    log = tmp_path / "stratum.log"
    proc = start_stratum1(pool.port, "bc1qtest.rig7", log_path=log)
    procs.append(proc)
    try:
        wait_for_shares(pool, 3, timeout=30, proc=proc)
    except (TimeoutError, RuntimeError) as exc:
        pytest.fail(f"{exc}\n{_tail(log)}")
    assert pool.accepted_by_dialect[Dialect.STRATUM1] >= 3
    assert pool.logins_by_dialect == {Dialect.XMRIG: 0, Dialect.STRATUM1: 1}
    assert pool.last_login == "bc1qtest.rig7"
    assert pool.last_agent == "cpuminer/2.5.1"
    assert pool.shares_rejected == 0


def test_disguised_copy_hides_as_kernel_thread(pool: Pool, tmp_path: Path) -> None:
    log = tmp_path / "disguised.log"
    copy = (tmp_path / DISGUISE_EXE).resolve()
    with disguised_miner(tmp_path, pool.port, TEST_WALLET, log_path=log) as proc:
        try:
            wait_for_shares(pool, 1, timeout=45, proc=proc)
        except (TimeoutError, RuntimeError) as exc:
            pytest.fail(f"{exc}\n{_tail(log)}")

        proc_dir = Path(f"/proc/{proc.pid}")
        assert os.readlink(proc_dir / "exe") == str(copy)
        assert copy.read_bytes() == Path(os.path.realpath(sys.executable)).read_bytes()
        assert (proc_dir / "comm").read_text() == "kworker/0:1\n"
        assert (proc_dir / "cmdline").read_bytes() == b"[kworker/0:1]\0"
        threads = {(task / "comm").read_text() for task in (proc_dir / "task").iterdir()}
        assert threads == {"kworker/0:1\n"}  # hashing threads inherit the name
        assert pool.last_login == TEST_WALLET
        config = json.loads((copy.parent / "config.json").read_text())
        assert config["pools"][0]["url"] == f"127.0.0.1:{pool.port}"
    assert proc.returncode == 0  # SIGTERM is a clean exit for the copy too
    assert not copy.parent.exists()  # nothing left for later host scans to trip over


def test_pool_rejects_bad_xmrig_shares() -> None:
    with running_pool(job_interval=60, rx_difficulty=2) as pool:
        client = JsonLines(pool.port)
        try:
            login = client.call(
                "login",
                {"login": TEST_WALLET, "pass": "x", "agent": "XMRig/6.21.0", "algo": ["rx/0"]},
            )["result"]
            assert login["status"] == "OK" and "keepalive" in login["extensions"]
            sid, job = login["id"], login["job"]
            assert len(job["target"]) == 8 and len(job["seed_hash"]) == 64
            assert len(bytes.fromhex(job["blob"])) >= 76
            assert client.call("keepalived", {"id": sid})["result"] == {"status": "KEEPALIVED"}
            assert client.call("getjob", {"id": sid})["result"]["job_id"] != job["job_id"]

            vm = randomx.RandomX(bytes.fromhex(job["seed_hash"]), full_mem=False)
            blob, target = bytes.fromhex(job["blob"]), rx_target64(job["target"])
            good: tuple[str, str] | None = None
            low: tuple[str, str] | None = None
            for nonce in range(64):
                nonce_le = struct.pack("<I", nonce)
                digest = vm(blob[:NONCE_OFFSET] + nonce_le + blob[NONCE_OFFSET + 4 :])
                if rx_meets_target(digest, target):
                    good = good or (nonce_le.hex(), digest.hex())
                else:
                    low = low or (nonce_le.hex(), digest.hex())
                if good and low:
                    break
            assert good and low

            def submit(session: str, job_id: str, share: tuple[str, str]) -> Any:
                params = {"id": session, "job_id": job_id, "nonce": share[0], "result": share[1]}
                reply = client.call("submit", params)
                return reply["result"] or reply["error"]["message"]

            assert submit("not-my-session", job["job_id"], good) == "Unauthenticated"
            assert submit(sid, "no-such-job", good) == "Invalid job id"
            assert submit(sid, job["job_id"], ("zz", good[1])) == "Malformed share"
            assert "mismatch" in submit(sid, job["job_id"], (good[0], "00" * 32))
            assert submit(sid, job["job_id"], low) == "Low difficulty share"
            assert submit(sid, job["job_id"], good) == {"status": "OK"}
            assert submit(sid, job["job_id"], good) == "Duplicate share"
        finally:
            client.close()
        assert (pool.shares_accepted, pool.shares_rejected) == (1, 6)


def test_pool_rejects_bad_stratum1_shares() -> None:
    with running_pool(job_interval=60, sha_difficulty=2.0**-31) as pool:
        client = JsonLines(pool.port)
        try:
            mask = client.call("mining.configure", [["version-rolling"], {}])["result"]
            assert mask["version-rolling"] is True
            subscribed = client.call("mining.subscribe", ["cgminer/4.10.0"])["result"]
            en1, en2_size = bytes.fromhex(subscribed[1]), subscribed[2]
            assert client.call("mining.extranonce.subscribe", [])["result"] is True
            early = client.call("mining.submit", ["w", "1", "00" * en2_size, "0" * 8, "0" * 8])
            assert early["error"][0] == 24  # unauthorized worker
            assert client.call("mining.authorize", ["w", "x"])["result"] is True
            while len(client.notifications) < 2:  # set_difficulty, then notify
                client.notifications.append(json.loads(client.reader.readline()))
            assert client.notifications[0]["method"] == "mining.set_difficulty"
            job_id, prev, cb1, cb2, branches, version, nbits, ntime, _ = client.notifications[1][
                "params"
            ]

            en2 = bytes(en2_size)
            root = sha256d(bytes.fromhex(cb1) + en1 + en2 + bytes.fromhex(cb2))
            for branch in branches:
                root = sha256d(root + bytes.fromhex(branch))
            prefix = (
                struct.pack("<I", int(version, 16))
                + swap_words(bytes.fromhex(prev))
                + root
                + struct.pack("<II", int(ntime, 16), int(nbits, 16))
            )
            target = int(DIFF1_TARGET * 2**31)
            verdicts = {
                n: int.from_bytes(sha256d(prefix + struct.pack("<I", n)), "little") <= target
                for n in range(64)
            }
            good = next(n for n, ok in verdicts.items() if ok)
            low = next(n for n, ok in verdicts.items() if not ok)

            def submit(job: str, nonce: int, *extra: str) -> Any:
                params = ["w", job, en2.hex(), ntime, f"{nonce:08x}", *extra]
                reply = client.call("mining.submit", params)
                return True if reply["result"] is True else reply["error"][0]

            assert submit("nope", good) == 21
            assert submit(job_id, low) == 23
            assert submit(job_id, good, "00000001") == 20  # version bit outside the mask
            assert submit(job_id, good) is True
            assert submit(job_id, good) == 22
        finally:
            client.close()
        assert (pool.shares_accepted, pool.shares_rejected) == (1, 5)


def test_pool_process_on_given_port_survives_restart(procs: Procs, tmp_path: Path) -> None:
    port = free_port()
    pool_proc, bound = start_pool_process(port, job_interval=2.0)
    procs.append(pool_proc)
    assert bound == port

    clash = subprocess.run(
        [sys.executable, str(POOL_SCRIPT), "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert clash.returncode == 2 and "already in use" in clash.stderr
    assert clash.stdout == ""

    log = tmp_path / "miner.log"
    miner = start_stratum1(port, extra_args=["--retry-pause", "0.3"], log_path=log)
    procs.append(miner)
    wait_for_shares(port, 1, timeout=30, proc=miner)
    assert stop_process(pool_proc) == 0

    pool_proc, bound = start_pool_process(port, job_interval=2.0)
    procs.append(pool_proc)
    try:
        wait_for_shares(port, 1, timeout=30, proc=miner)  # a fresh pool: counters start at 0
    except (TimeoutError, RuntimeError) as exc:
        pytest.fail(f"{exc}\n{_tail(log)}")
    stats = query_pool_stats(port)
    assert stats["logins_by_dialect"] == {"xmrig": 0, "stratum1": 1}
    assert "pool closed the connection" in log.read_text()


def test_miner_stops_after_duration_and_refuses_remote_pools(pool: Pool, tmp_path: Path) -> None:
    started = time.monotonic()
    argv = [sys.executable, str(MINER_SCRIPT), "-o", f"127.0.0.1:{pool.port}", "--duration", "1.5"]
    done = subprocess.run(
        [*argv, "--protocol", "stratum1"],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 10 and "stopping" in done.stderr

    # TEST-NET-1 (RFC 5737): refused before any packet is sent.
    remote = subprocess.run(
        [sys.executable, str(MINER_SCRIPT), "-o", "stratum+tcp://192.0.2.1:3333", "-u", "x"],
        capture_output=True,
        text=True,
        timeout=20,
        cwd=tmp_path,
    )
    assert remote.returncode == 2 and "non-loopback" in remote.stderr

"""Start, watch and stop the test workload (pool and miner) from tests.

Every process is started in its own session so that ``stop_process`` can kill its whole group.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from .pool import HOST, Pool

SUPPORT_DIR = Path(__file__).resolve().parent
MINER_SCRIPT = SUPPORT_DIR / "miner.py"
POOL_SCRIPT = SUPPORT_DIR / "pool.py"
DISGUISE_TITLE = "[kworker/0:1]"
DISGUISE_EXE = Path(".cache") / "kthreadd"

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_BLOCK_SIZES = [0, 2, 3, 5, 6, 7, 9, 10, 11]
"""Monero base58: characters needed for a block of 0..8 bytes."""
_MONERO_MAINNET_PREFIX = 0x12


# --- a wallet nobody owns -----------------------------------------------------------------------


def _rotation_offsets() -> list[int]:
    offsets = [0] * 25
    x, y = 1, 0
    for t in range(24):
        offsets[x + 5 * y] = ((t + 1) * (t + 2) // 2) % 64
        x, y = y, (2 * x + 3 * y) % 5
    return offsets


def _round_constants() -> list[int]:
    constants, lfsr = [], 1
    for _ in range(24):
        rc = 0
        for j in range(7):
            lfsr = ((lfsr << 1) ^ ((lfsr >> 7) * 0x71)) % 256
            if lfsr & 2:
                rc ^= 1 << ((1 << j) - 1)
        constants.append(rc)
    return constants


_ROT, _RC, _MASK = _rotation_offsets(), _round_constants(), (1 << 64) - 1


def _keccak_f(a: list[int]) -> None:
    for rc in _RC:
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [
            c[(x - 1) % 5] ^ (((c[(x + 1) % 5] << 1) | (c[(x + 1) % 5] >> 63)) & _MASK)
            for x in range(5)
        ]
        b = [0] * 25
        for x in range(5):
            for y in range(5):
                lane, r = a[x + 5 * y] ^ d[x], _ROT[x + 5 * y]
                b[y + 5 * ((2 * x + 3 * y) % 5)] = ((lane << r) | (lane >> (64 - r))) & _MASK
        for x in range(5):
            for y in range(5):
                i = x + 5 * y
                a[i] = b[i] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y])
        a[0] ^= rc


def keccak256(data: bytes) -> bytes:
    """Original Keccak-256 (Monero's cn_fast_hash), which hashlib's sha3_256 is not."""
    rate = 136
    padded = bytearray(data) + b"\x01" + bytes(-(len(data) + 1) % rate)
    padded[-1] |= 0x80
    state = [0] * 25
    for off in range(0, len(padded), rate):
        for i in range(rate // 8):
            state[i] ^= int.from_bytes(padded[off + 8 * i : off + 8 * i + 8], "little")
        _keccak_f(state)
    return b"".join(lane.to_bytes(8, "little") for lane in state[:4])


def monero_b58encode(data: bytes) -> str:
    """Monero's block-wise base58 (8-byte blocks, 11 characters each)."""
    out = []
    for i in range(0, len(data), 8):
        block = data[i : i + 8]
        num, chars = int.from_bytes(block, "big"), []
        for _ in range(_B58_BLOCK_SIZES[len(block)]):
            num, rem = divmod(num, 58)
            chars.append(_B58[rem])
        out.append("".join(reversed(chars)))
    return "".join(out)


def monero_b58decode(text: str) -> bytes:
    """Inverse of ``monero_b58encode``."""
    out = bytearray()
    for i in range(0, len(text), 11):
        chunk = text[i : i + 11]
        num = 0
        for char in chunk:
            num = num * 58 + _B58.index(char)
        out += num.to_bytes(_B58_BLOCK_SIZES.index(len(chunk)), "big")
    return bytes(out)


def make_test_wallet(label: str = "minehunt test wallet") -> str:
    """A checksum-valid standard Monero address whose keys are hashes: no one holds them."""
    spend = hashlib.sha256(f"{label}/spend".encode()).digest()
    view = hashlib.sha256(f"{label}/view".encode()).digest()
    body = bytes([_MONERO_MAINNET_PREFIX]) + spend + view
    return monero_b58encode(body + keccak256(body)[:4])


TEST_WALLET = make_test_wallet()
"""95 characters, starts with 4, valid checksum; used as the miner's login."""


# --- processes ----------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _log_target(log_path: Path | None) -> IO[bytes] | int:
    return subprocess.DEVNULL if log_path is None else open(log_path, "ab")


_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """preexec_fn: the kernel kills this child when the thread that started it ends, so a
    test run that dies hard (a crash, a kill) leaves no miner behind to trip the next run's
    clean-host test. Test processes are started from the main thread."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _spawn(
    argv: list[str],
    *,
    log_path: Path | None,
    executable: str | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdout: int = subprocess.DEVNULL,
) -> subprocess.Popen[bytes]:
    stderr = _log_target(log_path)
    try:
        return subprocess.Popen(
            argv,
            executable=executable,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
    finally:
        if not isinstance(stderr, int):
            stderr.close()


def start_xmrig_like(
    pool_port: int,
    wallet: str = TEST_WALLET,
    extra_args: Sequence[str] = (),
    *,
    log_path: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Run the miner with the current interpreter and an XMRig command line."""
    argv = [
        sys.executable,
        str(MINER_SCRIPT),
        "-o",
        f"stratum+tcp://{HOST}:{pool_port}",
        "-u",
        wallet,
        "-p",
        "x",
        "--donate-level",
        "1",
        "-a",
        "rx/0",
        "-t",
        "1",
        "-k",
        "--coin",
        "monero",
        *extra_args,
    ]
    return _spawn(argv, log_path=log_path)


def start_stratum1(
    pool_port: int,
    user: str = "bc1qminehunttestworker.rig1",
    extra_args: Sequence[str] = (),
    *,
    log_path: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Run the miner as a Bitcoin-style Stratum v1 sha256d client."""
    argv = [sys.executable, str(MINER_SCRIPT), "-a", "sha256d", "--protocol", "stratum1"]
    argv += ["-o", f"stratum+tcp://{HOST}:{pool_port}", "-u", user, "-p", "x", *extra_args]
    return _spawn(argv, log_path=log_path)


def disguise_env() -> dict[str, str]:
    """Environment that lets a copied interpreter find its stdlib and this venv's packages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.pop("VIRTUAL_ENV", None)
    site_dirs = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    # A copied binary cannot locate lib/python3.X from its new home, nor see pyvenv.cfg.
    env["PYTHONHOME"] = os.pathsep.join(dict.fromkeys([sys.base_prefix, sys.base_exec_prefix]))
    env["PYTHONPATH"] = os.pathsep.join(site_dirs)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    libdir = sysconfig.get_config_var("LIBDIR")
    if sysconfig.get_config_var("Py_ENABLE_SHARED") and libdir:
        # pyenv links libpython by absolute RUNPATH; builds using $ORIGIN need this instead.
        env["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [libdir, env.get("LD_LIBRARY_PATH")]))
    return env


def start_disguised(
    tmp_dir: Path,
    pool_port: int,
    wallet: str = TEST_WALLET,
    *,
    title: str = DISGUISE_TITLE,
    exe_name: Path = DISGUISE_EXE,
    protocol: str = "xmrig",
    log_path: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Drop a renamed interpreter copy, miner.py and config.json, and run it as ``title``.

    /proc/PID/exe is the copy, comm is ``title`` without brackets, cmdline is ``title`` alone.
    """
    exe = (tmp_dir / exe_name).resolve()
    exe.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(os.path.realpath(sys.executable), exe)
    exe.chmod(0o755)
    script = exe.parent / MINER_SCRIPT.name
    shutil.copy2(MINER_SCRIPT, script)
    pool_entry: dict[str, Any] = {
        "url": f"{HOST}:{pool_port}",
        "user": wallet,
        "pass": "x",
        "algo": "rx/0" if protocol == "xmrig" else "sha256d",
        "keepalive": True,
        "tls": False,
        "protocol": protocol,
    }
    config = {
        "autosave": False,
        "cpu": {"enabled": True, "max-threads-hint": 100},
        "donate-level": 1,
        "randomx": {"1gb-pages": False},
        "pools": [pool_entry],
    }
    (exe.parent / "config.json").write_text(json.dumps(config, indent=4))
    # argv[0] is the disguise (like `exec -a`); the copy is what the kernel actually runs.
    return _spawn(
        [title, str(script)],
        executable=str(exe),
        env=disguise_env(),
        cwd=exe.parent,
        log_path=log_path,
    )


def remove_drop(tmp_dir: Path, exe_name: Path = DISGUISE_EXE) -> None:
    """Delete what ``start_disguised`` dropped, so no miner copy outlives the test on disk."""
    exe = (tmp_dir / exe_name).resolve()
    for path in (exe, exe.parent / MINER_SCRIPT.name, exe.parent / "config.json"):
        path.unlink(missing_ok=True)
    if exe.parent != tmp_dir.resolve():
        with contextlib.suppress(OSError):
            exe.parent.rmdir()


@contextlib.contextmanager
def disguised_miner(
    tmp_dir: Path,
    pool_port: int,
    wallet: str = TEST_WALLET,
    *,
    title: str = DISGUISE_TITLE,
    exe_name: Path = DISGUISE_EXE,
    protocol: str = "xmrig",
    log_path: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """``start_disguised`` that stops the process and removes the dropped files afterwards."""
    proc = start_disguised(
        tmp_dir,
        pool_port,
        wallet,
        title=title,
        exe_name=exe_name,
        protocol=protocol,
        log_path=log_path,
    )
    try:
        yield proc
    finally:
        stop_process(proc)
        remove_drop(tmp_dir, exe_name)


def start_pool_process(
    port: int = 0,
    job_interval: float = 5.0,
    extra_args: Sequence[str] = (),
    *,
    log_path: Path | None = None,
    timeout: float = 10.0,
) -> tuple[subprocess.Popen[bytes], int]:
    """Run pool.py as its own process; returns it and its port once it prints LISTENING."""
    argv = [sys.executable, str(POOL_SCRIPT), "--port", str(port)]
    argv += ["--job-interval", str(job_interval), *extra_args]
    proc = _spawn(argv, log_path=log_path, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        ready = select.select([proc.stdout], [], [], max(0.0, remaining))[0]
        if not ready:
            stop_process(proc)
            raise TimeoutError(f"pool did not start within {timeout} s")
        chunk = os.read(proc.stdout.fileno(), 1)
        if not chunk:
            code = proc.wait(timeout=5)
            raise RuntimeError(f"pool exited with status {code} before listening")
        line += chunk
    word, _, bound = line.decode().partition(" ")
    if word != "LISTENING":
        stop_process(proc)
        raise RuntimeError(f"unexpected pool output {line!r}")
    return proc, int(bound)


def query_pool_stats(port: int, timeout: float = 5.0) -> dict[str, Any]:
    """Counters of a pool (any process) via its test-only ``pool.stats`` call."""
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(b'{"id":1,"method":"pool.stats","params":[]}\n')
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    result: dict[str, Any] = json.loads(data)["result"]
    return result


def wait_for_shares(
    pool: Pool | int,
    count: int,
    timeout: float = 30.0,
    *,
    proc: subprocess.Popen[bytes] | None = None,
) -> int:
    """Block until the pool (object or port) has accepted ``count`` shares; return the total."""
    deadline = time.monotonic() + timeout
    accepted = 0
    while True:
        if isinstance(pool, Pool):
            accepted = pool.shares_accepted
        else:
            with contextlib.suppress(OSError, ValueError):
                accepted = int(query_pool_stats(pool)["shares_accepted"])
        if accepted >= count:
            return accepted
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(
                f"miner exited with status {proc.returncode} after {accepted} shares"
            )
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{accepted} of {count} shares accepted within {timeout} s")
        time.sleep(0.1)


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signum)


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> int:
    """SIGTERM the process group, then SIGKILL it if it lingers; returns the exit status."""
    if proc.poll() is None:
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
    _signal_group(proc, signal.SIGKILL)  # members that outlived the leader
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    return proc.wait()

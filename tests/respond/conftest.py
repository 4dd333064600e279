"""What a compromised host looks like, planted for real: a miner under a watchdog that
respawns it, and the start-up files that bring it back, below a temporary root.

Start-up files live below ``--root`` (a temp dir), never in this machine's /etc or ~/.ssh;
processes run for real from /tmp and respond only touches them through ``--pid``, so other
work on a shared machine is never hit.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from minehunt.intel import default as default_intel
from minehunt.respond.quarantine import FS_IMMUTABLE_FL, get_flags, set_flags
from tests.support.launch import MINER_SCRIPT, TEST_WALLET, _spawn, disguise_env
from tests.support.pool import Pool, running_pool


def free_mining_port() -> int:
    for port in sorted(default_intel().mining_ports):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no mining port free on 127.0.0.1")


@pytest.fixture
def pool() -> Iterator[Pool]:
    with running_pool(port=free_mining_port(), job_interval=5.0) as p:
        yield p


def unlock_tree(top: Path) -> None:
    for dirpath, dirs, files in os.walk(top):
        for name in [*files, *dirs]:
            p = os.path.join(dirpath, name)
            if not os.path.islink(p) and get_flags(p) & FS_IMMUTABLE_FL:
                set_flags(p, get_flags(p) & ~FS_IMMUTABLE_FL)


@pytest.fixture
def drop_dir() -> Iterator[Path]:
    """A drop directory in the real /tmp, removed (immutable flags and all) afterwards."""
    d = Path(tempfile.mkdtemp(prefix="mh-resp-", dir="/tmp"))
    yield d
    unlock_tree(d)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def root(tmp_path: Path) -> Iterator[Path]:
    r = tmp_path / "root"
    r.mkdir()
    yield r
    unlock_tree(r)


@pytest.fixture
def qdir(tmp_path: Path) -> Path:
    return tmp_path / "quarantine"


def write(root: Path, rel: str, data: str | bytes, mode: int = 0o644) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    p.chmod(mode)
    return p


@dataclass(frozen=True)
class Meta:
    sha256: str
    mode: int
    uid: int
    gid: int
    mtime_ns: int
    immutable: bool
    xattrs: dict[str, bytes]


def meta(path: Path) -> Meta:
    st = path.lstat()
    return Meta(
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        mode=stat.S_IMODE(st.st_mode),
        uid=st.st_uid,
        gid=st.st_gid,
        mtime_ns=st.st_mtime_ns,
        immutable=bool(get_flags(str(path)) & FS_IMMUTABLE_FL),
        xattrs={n: os.getxattr(path, n) for n in os.listxattr(path)},
    )


def chattr_i(path: Path) -> None:
    subprocess.run(["chattr", "+i", str(path)], check=True)


# --- the miner under a watchdog ---------------------------------------------------------------

WATCHDOG = """\
# keeps the miner running: what droppers start from cron or rc.local
while :; do
  (exec -a '[kworker/0:1]' "$MH_EXE" "$MH_DIR/miner.py")
  sleep 0.2
done
"""


@dataclass
class Planted:
    watchdog: subprocess.Popen[bytes]
    exe: Path
    script: Path
    config: Path

    def miner_pid(self, timeout: float = 20.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            kids = children(self.watchdog.pid)
            for k in kids:
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{k}/exe") == str(self.exe):
                        return k
            time.sleep(0.05)
        raise TimeoutError("the watchdog did not start the miner")


def children(pid: int) -> list[int]:
    out: list[int] = []
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError):
                out += [
                    int(x) for x in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
                ]
    return out


def running_from(directory: Path) -> list[int]:
    """Live (non-zombie) pids whose executable or command line is inside ``directory``."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            exe = os.readlink(f"/proc/{name}/exe")
            cmd = Path(f"/proc/{name}/cmdline").read_bytes()
            state = Path(f"/proc/{name}/stat").read_bytes().rpartition(b")")[2].split()[0]
        except OSError:
            continue
        if state != b"Z" and (exe.startswith(str(directory)) or str(directory).encode() in cmd):
            out.append(int(name))
    return out


def plant_miner(drop: Path, pool_port: int, sub: str = ".cache") -> Planted:
    """The renamed interpreter, miner.py, config.json and a watchdog script in ``drop/sub``."""
    d = drop / sub
    d.mkdir(parents=True, exist_ok=True)
    exe = d / "kthreadd"
    shutil.copy2(os.path.realpath(sys.executable), exe)
    exe.chmod(0o755)
    shutil.copy2(MINER_SCRIPT, d / "miner.py")
    config = {
        "autosave": False,
        "donate-level": 1,
        "pools": [
            {
                "url": f"127.0.0.1:{pool_port}",
                "user": TEST_WALLET,
                "pass": "x",
                "algo": "rx/0",
                "keepalive": True,
            }
        ],
    }
    (d / "config.json").write_text(json.dumps(config, indent=4))
    script = d / ".wd.sh"
    script.write_text(WATCHDOG)
    env = {**disguise_env(), "MH_EXE": str(exe), "MH_DIR": str(d)}
    wd = _spawn(["bash", str(script)], log_path=None, env=env, cwd=d)
    return Planted(wd, exe, script, d / "config.json")


def stop_planted(p: Planted) -> None:
    for pid in [p.watchdog.pid, *running_from(p.exe.parent)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    p.watchdog.wait()


def respond_env(qdir: Path) -> dict[str, str]:
    return {"MINEHUNT_QUARANTINE_DIR": str(qdir)}

"""Process trees: who belongs to a miner, who must never be touched, suspend then kill.

Everything is read from /proc/PID directly (stat, task/*/children), never from the /proc
listing, so a process a rootkit hides from readdir is handled like any other.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass

from .interface import ActionError, ProcRef

TEMP_DIRS = ("/tmp/", "/var/tmp/", "/dev/shm/")
PF_KTHREAD = 0x00200000
MAX_WATCHDOG_DEPTH = 4


@dataclass(frozen=True)
class Stat:
    pid: int
    name: str
    state: str
    ppid: int
    flags: int
    start: int


def read_stat(pid: int) -> Stat | None:
    """Fields of /proc/PID/stat; None if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    # comm may hold spaces, ')' and newlines: it ends at the last ')'.
    head, _, rest = raw.rpartition(b")")
    name = head.partition(b"(")[2].decode("utf-8", "surrogateescape")
    f = rest.split()
    return Stat(pid, name, f[0].decode(), int(f[1]), int(f[6]), int(f[19]))


def ref(pid: int) -> ProcRef | None:
    st = read_stat(pid)
    return ProcRef(pid, st.start, st.name) if st else None


def alive(r: ProcRef) -> bool:
    """The same process instance still exists and is not a zombie."""
    st = read_stat(r.pid)
    return st is not None and st.start == r.start and st.state not in ("Z", "X")


def children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{tid}/children") as fh:
            out.extend(int(x) for x in fh.read().split())
    return out


def descendants(pid: int) -> list[int]:
    """Every descendant of ``pid``, parents before children."""
    out: list[int] = []
    todo = [pid]
    while todo:
        kids = children(todo.pop(0))
        out.extend(k for k in kids if k not in out)
        todo.extend(kids)
    return out


def _ancestors(pid: int) -> set[int]:
    seen: set[int] = set()
    while pid > 0 and pid not in seen:
        seen.add(pid)
        st = read_stat(pid)
        if st is None:
            break
        pid = st.ppid
    return seen


def _cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            raw = fh.read()
    except OSError:
        return []
    return [a.decode("utf-8", "surrogateescape") for a in raw.split(b"\0") if a]


def exe_of(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


@dataclass(frozen=True)
class Protection:
    """What a response never touches."""

    pids: frozenset[int] = frozenset()
    names: frozenset[str] = frozenset()
    """Matched against comm, the executable's base name and argv[0]'s base name."""

    def reason(self, pid: int) -> str | None:
        """Why ``pid`` must not be touched, or None."""
        if pid <= 1:
            return "PID 1 (init)"
        st = read_stat(pid)
        if st is None:
            return None
        if pid == 2 or st.ppid == 2 or st.flags & PF_KTHREAD:
            return "a kernel thread"
        if pid in _ancestors(os.getpid()):
            return "minehunt itself or one of its parents"
        if pid in self.pids:
            return "on --protect"
        argv = _cmdline(pid)
        names = {st.name, os.path.basename((exe_of(pid) or "").removesuffix(" (deleted)"))}
        if argv:
            names.add(os.path.basename(argv[0]))
        if names & self.names:
            return "on --protect"
        return None


def _dropped(exe: str) -> bool:
    """An executable that lives where droppers put programs, or nowhere on disk."""
    return exe.startswith(TEMP_DIRS) or exe.endswith(" (deleted)") or exe.startswith("/memfd:")


def _is_watchdog(parent: int, child: int) -> bool:
    """A parent that exists to run (and re-run) the child: it runs from a drop directory or
    runs a script from one, or it names the child's program and that program is itself a
    dropped one. A system interpreter's name in a parent's command line proves nothing
    (a test runner or a notebook starts python too)."""
    pargv = _cmdline(parent)
    if _dropped(exe_of(parent) or ""):
        return True
    # A script or program the parent runs from a drop directory; resolved, so a symlink
    # there to an installed program (a virtualenv's python under /tmp) is not one.
    if any(os.path.realpath(a).startswith(TEMP_DIRS) and os.path.isfile(a) for a in pargv[1:]):
        return True
    exe = exe_of(child) or ""
    if not _dropped(exe):
        return False
    path = exe.removesuffix(" (deleted)")
    argv = _cmdline(child)
    names = [n for n in (path, os.path.basename(path)) if len(n) > 2]
    if argv and len(argv[0]) > 2:
        names.append(argv[0])
    text = "\0".join(pargv)
    return any(n in text for n in names)


def tree(pid: int, protect: Protection) -> list[int]:
    """The process, the watchdog parents that keep it alive, and everything below the top."""
    top = pid
    for _ in range(MAX_WATCHDOG_DEPTH):
        st = read_stat(top)
        if st is None or st.ppid <= 1 or protect.reason(st.ppid) is not None:
            break
        if not _is_watchdog(st.ppid, top):
            break
        top = st.ppid
    return [top, *descendants(top)]


def suspend(procs: Iterable[ProcRef], protect: Protection) -> list[ProcRef]:
    """SIGSTOP every process, parents first, then again for children that appeared
    meanwhile, until nothing new shows up; returns every process stopped."""
    stopped: list[ProcRef] = []
    todo = list(procs)
    for _ in range(20):
        for r in todo:
            if not alive(r) or any(s.pid == r.pid for s in stopped):
                continue
            if protect.reason(r.pid) is not None:
                raise ActionError(f"pid {r.pid} is protected: {protect.reason(r.pid)}")
            try:
                os.kill(r.pid, signal.SIGSTOP)
            except ProcessLookupError:
                continue  # exited meanwhile
            stopped.append(r)
        todo = [x for s in stopped for k in children(s.pid) if (x := ref(k)) is not None]
        todo = [r for r in todo if not any(s.pid == r.pid for s in stopped)]
        if not todo:
            break
    return stopped


def kill(procs: Iterable[ProcRef], protect: Protection, wait: float = 10.0) -> list[int]:
    """SIGKILL every still-living process (and any child it has), wait until all are gone;
    returns the pids killed."""
    victims = [r for r in procs if alive(r)]
    extra = [x for r in victims for k in descendants(r.pid) if (x := ref(k)) is not None]
    victims += [r for r in extra if all(v.pid != r.pid for v in victims)]
    for r in victims:
        if protect.reason(r.pid) is not None:
            raise ActionError(f"pid {r.pid} is protected: {protect.reason(r.pid)}")
    for r in victims:
        with contextlib.suppress(ProcessLookupError):
            if alive(r):
                os.kill(r.pid, signal.SIGKILL)
    deadline = time.monotonic() + wait
    while any(alive(r) for r in victims):
        if time.monotonic() > deadline:
            left = [r.pid for r in victims if alive(r)]
            raise ActionError(f"pid(s) {left} still alive {wait:.0f} s after SIGKILL")
        time.sleep(0.05)
    return [r.pid for r in victims]


def stop_container(cli: str, container_id: str) -> str:
    """Stop a container through its runtime's CLI. Its processes are already suspended: the
    runtime's SIGTERM waits behind the SIGSTOP, so the 1 s grace ends in SIGKILL. A stop
    (unlike a kill) also keeps Docker's and Podman's restart policies from starting it again.
    """
    if not re.fullmatch(r"[0-9a-f]{12,64}", container_id):
        raise ActionError(f"not a container id: {container_id!r}")
    name = os.path.basename(cli)
    argv = [cli, "stop", "--timeout", "1", container_id]
    if name in ("docker", "podman"):
        argv = [cli, "stop", "-t", "1", container_id]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ActionError(f"{name} stop {container_id[:12]} failed: {e}") from e
    if done.returncode != 0:
        why = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ActionError(f"{name} stop {container_id[:12]} failed: {why[0][:200]}")
    return f"stopped container {container_id[:12]} ({name})"

"""System changes made for or by miners (MH-TAMP-*), and processes hidden by rootkits."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from minehunt.correlate import Signal
from minehunt.model import CheckId, Evidence, Severity, Target, TargetKind

Skip = Callable[[str, str], None]


def _read(path: Path) -> str | None:
    try:
        return path.read_text("utf-8", "replace")
    except OSError:
        return None


def _host(name: str, path: str | None = None) -> Target:
    return Target(kind=TargetKind.FILE if path else TargetKind.HOST, name=name, path=path)


def config_signals(root: Path, skip: Skip) -> Iterator[Signal]:
    """ld.so.preload, the msr module, huge pages and the NMI watchdog below ``root``."""
    preload = root / "etc/ld.so.preload"
    text = _read(preload) if preload.exists() else None
    if preload.exists() and text is None:
        skip("/etc/ld.so.preload", "exists but cannot be read")
    if text:
        libs = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
        if libs:
            yield Signal(
                _host("ld.so.preload", "/etc/ld.so.preload"),
                Evidence(
                    CheckId("MH-TAMP-001"),
                    f"/etc/ld.so.preload loads {', '.join(libs[:3])}",
                    source="/etc/ld.so.preload",
                    line=1,
                    attributes={"libraries": " ".join(libs)},
                ),
            )
    msr = _read(root / "sys/module/msr/parameters/allow_writes")
    if msr is not None and msr.strip().lower() in ("on", "1", "y"):
        yield Signal(
            _host("msr"),
            Evidence(
                CheckId("MH-TAMP-002"),
                "msr module loaded with allow_writes=on",
                source="/sys/module/msr/parameters/allow_writes",
            ),
        )
    pages = _read(root / "proc/sys/vm/nr_hugepages")
    if pages is not None and pages.strip().isdigit() and int(pages) > 0:
        yield Signal(
            _host("hugepages"),
            Evidence(
                CheckId("MH-TAMP-003"),
                f"vm.nr_hugepages = {int(pages)}",
                source="/proc/sys/vm/nr_hugepages",
                attributes={"nr_hugepages": int(pages)},
            ),
        )
    nmi = _read(root / "proc/sys/kernel/nmi_watchdog")
    if nmi is not None and nmi.strip() == "0":
        yield Signal(
            _host("nmi_watchdog"),
            Evidence(
                CheckId("MH-TAMP-004"),
                "kernel.nmi_watchdog = 0",
                source="/proc/sys/kernel/nmi_watchdog",
            ),
        )


def _listed_pids() -> set[int]:
    return {int(n) for n in os.listdir("/proc") if n.isdigit()}


def _cgroup_pids(base: Path = Path("/sys/fs/cgroup"), limit: int = 5000) -> set[int]:
    """Every pid the cgroup tree knows; read with open(), which readdir hooks don't filter."""
    pids: set[int] = set()
    for n, (dirpath, _dirs, files) in enumerate(os.walk(base)):
        if n > limit:
            break
        if "cgroup.procs" in files:
            try:
                with open(os.path.join(dirpath, "cgroup.procs")) as fh:
                    pids.update(int(x) for x in fh.read().split() if x.isdigit())
            except OSError:
                continue
    pids.discard(0)
    return pids


def _is_process(pid: int) -> bool:
    """True if pid is a live thread-group leader (not a thread id)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("Tgid:"):
                    return int(line.split()[1]) == pid
    except (OSError, ValueError):
        return False
    return False


def hidden_processes(ppids: set[int]) -> Iterator[Signal]:
    """Pids that answer at /proc/PID but that the /proc listing leaves out.

    Candidates come from the cgroup tree and from parent pids; a brute force over pid_max
    would cost seconds. Two listings bracket the check so a process that starts meanwhile
    is not mistaken for a hidden one.
    """
    listed = _listed_pids()
    candidates = (_cgroup_pids() | ppids) - listed
    suspects = [pid for pid in sorted(candidates) if pid > 0 and _is_process(pid)]
    if not suspects:
        return
    listed_again = _listed_pids()
    for pid in suspects:
        if pid in listed_again or not _is_process(pid):
            continue
        comm = (_read(Path(f"/proc/{pid}/comm")) or "?").strip()
        exe = None
        with contextlib.suppress(OSError):
            exe = os.readlink(f"/proc/{pid}/exe")
        yield Signal(
            Target(kind=TargetKind.PROCESS, name=comm, pid=pid, exe=exe),
            Evidence(
                CheckId("MH-TAMP-005"),
                f"pid {pid} ({comm}) answers at /proc/{pid} but is missing from the listing",
                source="/proc",
                attributes={"pid": pid},
            ),
            severity=Severity.HIGH,
        )

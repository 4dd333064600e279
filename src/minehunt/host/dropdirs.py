"""Files droppers leave in world-writable directories (MH-DROP-*)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from minehunt.correlate import Signal
from minehunt.intel import Intel
from minehunt.model import CheckId, Evidence, Severity, Target, TargetKind

DROP_DIRS = ("tmp", "var/tmp", "dev/shm")
SOCKET_DIRS = ("tmp/.X11-unix", "tmp/.ICE-unix")
MAX_DEPTH = 4
MAX_ENTRIES = 50_000
ELF_MAGIC = b"\x7fELF"

Skip = Callable[[str, str], None]


def _is_elf(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == ELF_MAGIC
    except OSError:
        return False


def _walk(top: str, skip: Skip, budget: list[int]) -> Iterator[tuple[str, os.stat_result, bool]]:
    """(path, lstat, hidden) for entries below top; no symlinks followed, depth-bounded.

    Hidden means a dot name, or a dot directory right below the drop directory
    (/tmp/.x/miner, /dev/shm/.rsync/c): where droppers hide. Dot directories deeper down
    (/tmp/project/.venv/bin) are ordinary development trees.
    """
    stack = [(top, 0, False)]
    while stack:
        d, depth, hidden_parent = stack.pop()
        try:
            entries = list(os.scandir(d))
        except OSError as exc:
            if d != top:
                skip(d, f"cannot list: {exc.strerror or exc}")
            continue
        for e in entries:
            budget[0] -= 1
            if budget[0] < 0:
                skip(top, f"more than {MAX_ENTRIES} entries; rest not checked")
                return
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                continue
            hidden = e.name.startswith(".") or hidden_parent
            if stat.S_ISDIR(st.st_mode):
                if depth + 1 < MAX_DEPTH:
                    stack.append((e.path, depth + 1, hidden_parent or (depth == 0 and hidden)))
            else:
                yield e.path, st, hidden


def scan(intel: Intel, root: Path, skip: Skip) -> Iterator[Signal]:
    budget = [MAX_ENTRIES]
    shown_root = str(root).rstrip("/")
    for rel in DROP_DIRS:
        top = root / rel
        if not top.is_dir() or top.is_symlink():
            continue
        for path, st, hidden in _walk(str(top), skip, budget):
            if not stat.S_ISREG(st.st_mode):
                continue
            shown = path[len(shown_root) :] if shown_root else path
            if any(shown.startswith(f"/{s}/") for s in SOCKET_DIRS):
                continue  # reported below
            t = Target(kind=TargetKind.FILE, name=os.path.basename(path), path=shown)
            campaign = intel.campaign_for_file(shown)
            if campaign:
                yield Signal(
                    t,
                    Evidence(
                        CheckId("MH-PERS-003"),
                        f"{shown} is a {campaign.name} artefact",
                        source=shown,
                        attributes={"campaign": campaign.name},
                    ),
                )
            if not st.st_mode & 0o111:
                continue
            elf = _is_elf(path)
            miner = intel.miner_name(os.path.basename(path))
            why = ["ELF program" if elf else "executable script"]
            sev = Severity.LOW if elf else Severity.INFO
            if hidden:
                why.append("hidden")
                sev = Severity.MEDIUM if elf else Severity.LOW
            if elf and shown.startswith("/dev/shm/"):
                sev = Severity.MEDIUM
            if miner:
                why.append(f"named like the miner '{miner}'")
                sev = Severity.HIGH
            yield Signal(
                t,
                Evidence(
                    CheckId("MH-DROP-001"),
                    f"{' '.join(why)}: {shown}",
                    source=shown,
                    attributes={"elf": elf, "hidden": hidden, "size": st.st_size},
                ),
                severity=sev,
            )
    for rel in SOCKET_DIRS:
        top = root / rel
        if not top.is_dir():
            continue
        try:
            entries = list(os.scandir(top))
        except OSError as exc:
            skip(f"/{rel}", f"cannot list: {exc.strerror or exc}")
            continue
        for e in entries:
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISSOCK(st.st_mode):
                continue
            shown = f"/{rel}/{e.name}"
            kind = "directory" if stat.S_ISDIR(st.st_mode) else "file"
            yield Signal(
                Target(kind=TargetKind.FILE, name=e.name, path=shown),
                Evidence(
                    CheckId("MH-DROP-002"),
                    f"{kind} {shown} in a socket-only directory",
                    source=shown,
                ),
            )


def by_directory(signals: list[Signal]) -> list[Signal]:
    """Re-target per-file MH-DROP-001 signals to their directory: one finding per folder.

    A virtualenv or build tree in /tmp holds dozens of executables; one finding that lists
    them reads better than dozens of findings.
    """
    out = []
    for s in signals:
        if s.evidence.check_id == "MH-DROP-001" and s.target.pid is None and s.target.path:
            d = os.path.dirname(s.target.path)
            t = Target(kind=TargetKind.FILE, name=os.path.basename(d) or d, path=d)
            s = Signal(t, s.evidence, s.severity, s.confidence)
        out.append(s)
    return out

"""Start-up files a miner uses to survive: crontabs, systemd units, rc scripts, shell
profiles and SSH keys (MH-PERS-*). Every path is taken below ``root`` so a mounted disk of
another machine can be audited the same way."""

from __future__ import annotations

import fcntl
import os
import stat
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

from minehunt import dropper
from minehunt.correlate import Signal
from minehunt.indicators import decoded_blobs, scan_text
from minehunt.intel import Intel
from minehunt.model import CheckId, Evidence, Severity, Target, TargetKind

MAX_FILE_BYTES = 1024 * 1024
FS_IOC_GETFLAGS = 0x80086601  # linux/fs.h
FS_IMMUTABLE_FL = 0x00000010

# (kind, glob below root, ATT&CK technique of that start-up mechanism)
LOCATIONS: tuple[tuple[str, str, str], ...] = (
    ("cron", "etc/crontab", "T1053.003"),
    ("cron", "etc/anacrontab", "T1053.003"),
    ("cron", "etc/cron.d/*", "T1053.003"),
    ("cron", "etc/cron.hourly/*", "T1053.003"),
    ("cron", "etc/cron.daily/*", "T1053.003"),
    ("cron", "etc/cron.weekly/*", "T1053.003"),
    ("cron", "etc/cron.monthly/*", "T1053.003"),
    ("cron", "var/spool/cron/crontabs/*", "T1053.003"),
    ("cron", "var/spool/cron/*", "T1053.003"),
    ("systemd", "etc/systemd/system/*", "T1543.002"),
    ("systemd", "etc/systemd/system/*/*", "T1543.002"),
    ("systemd", "lib/systemd/system/*", "T1543.002"),
    ("systemd", "usr/lib/systemd/system/*", "T1543.002"),
    ("systemd", "run/systemd/system/*", "T1543.002"),
    ("systemd", "etc/systemd/user/*", "T1543.002"),
    ("systemd", "root/.config/systemd/user/*", "T1543.002"),
    ("systemd", "home/*/.config/systemd/user/*", "T1543.002"),
    ("rc", "etc/rc.local", "T1037.004"),
    ("rc", "etc/rc.d/rc.local", "T1037.004"),
    ("rc", "etc/init.d/*", "T1037.004"),
    ("profile", "etc/profile", "T1546.004"),
    ("profile", "etc/profile.d/*", "T1546.004"),
    ("profile", "etc/bash.bashrc", "T1546.004"),
    ("profile", "etc/bashrc", "T1546.004"),
    ("profile", "root/.bashrc", "T1546.004"),
    ("profile", "root/.profile", "T1546.004"),
    ("profile", "root/.bash_profile", "T1546.004"),
    ("profile", "root/.bash_login", "T1546.004"),
    ("profile", "root/.zshrc", "T1546.004"),
    ("profile", "home/*/.bashrc", "T1546.004"),
    ("profile", "home/*/.profile", "T1546.004"),
    ("profile", "home/*/.bash_profile", "T1546.004"),
    ("profile", "home/*/.zshrc", "T1546.004"),
    ("ssh", "root/.ssh/authorized_keys", "T1098.004"),
    ("ssh", "root/.ssh/authorized_keys2", "T1098.004"),
    ("ssh", "home/*/.ssh/authorized_keys", "T1098.004"),
    ("ssh", "home/*/.ssh/authorized_keys2", "T1098.004"),
)

Skip = Callable[[str, str], None]


def start_up_files(root: Path) -> Iterator[tuple[str, Path, str]]:
    """(kind, path, technique) of every start-up file present below root, each once.

    /lib is often a link to /usr/lib: files are told apart by device and inode, not by
    path. Below another root, a path whose links lead out of that root (an absolute
    'lib -> /usr/lib' on a mounted disk) would read this host's files and is left out.
    """
    seen: set[tuple[int, int]] = set()
    contained = str(root.resolve()) != "/"
    real_root = root.resolve()
    for kind, pattern, technique in LOCATIONS:
        for path in sorted(root.glob(pattern)):
            try:
                st = path.lstat()
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) in seen:
                continue
            if contained and not path.resolve().is_relative_to(real_root):
                continue
            seen.add((st.st_dev, st.st_ino))
            yield kind, path, technique


def _shown(root: Path, path: Path) -> str:
    """The path as the scanned system sees it (root stripped)."""
    if str(root) == "/":
        return str(path)
    return str(path).replace(str(root).rstrip("/"), "", 1) or "/"


def _is_immutable(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        buf = fcntl.ioctl(fd, FS_IOC_GETFLAGS, struct.pack("l", 0))
        return bool(struct.unpack("l", buf)[0] & FS_IMMUTABLE_FL)
    except OSError:
        return False
    finally:
        os.close(fd)


def _line_signals(
    intel: Intel, kind: str, line: str, no: int, shown: str, t: Target
) -> Iterator[Signal]:
    stripped = line.strip()
    if not stripped or (stripped.startswith("#") and kind != "ssh"):
        return
    src = f"{shown}:{no}"
    snippet = dropper.excerpt(stripped)

    def ev(check: str, summary: str, **attrs: str | int) -> Signal:
        return Signal(
            Target(kind=t.kind, name=t.name, path=t.path, line=no),
            Evidence(
                CheckId(check),
                summary,
                source=src,
                line=no,
                attributes={"line_text": snippet, **attrs},
            ),
        )

    for script_kind, _pat in intel.script_hits(stripped):
        if script_kind == "download_and_run":
            yield ev("MH-PERS-001", f"line {no} downloads and runs code: {snippet}")
        else:
            yield ev(
                "MH-PERS-005",
                f"line {no} {script_kind.replace('_', ' ')}: {snippet}",
                behaviour=script_kind,
            )
    texts = [stripped, *decoded_blobs(stripped)]
    for text in texts:
        hits = scan_text(intel, text)
        if (what := hits.strongest) is not None:
            enc = " (base64-encoded)" if text is not stripped else ""
            yield ev("MH-PERS-002", f"line {no} names {what}{enc}: {snippet}", indicator=what)
    for c, artefact in intel.campaign_artefacts(stripped):
        yield ev(
            "MH-PERS-003",
            f"line {no} carries the {c.name} artefact '{artefact}'",
            campaign=c.name,
            artefact=artefact,
        )


class FileCache:
    """Signals of start-up files, kept between repeated scans (watch mode): a file whose
    inode, size, mtime and ctime are unchanged is not read again."""

    def __init__(self) -> None:
        self._entries: dict[Path, tuple[tuple[int, int, int, int], list[Signal]]] = {}

    def get(self, path: Path, key: tuple[int, int, int, int]) -> list[Signal] | None:
        hit = self._entries.get(path)
        return hit[1] if hit and hit[0] == key else None

    def put(self, path: Path, key: tuple[int, int, int, int], signals: list[Signal]) -> None:
        self._entries[path] = (key, signals)


def scan(intel: Intel, root: Path, skip: Skip, cache: FileCache | None = None) -> Iterator[Signal]:
    """Signals for every start-up file below ``root``."""
    for kind, path, technique in start_up_files(root):
        try:
            st = path.stat()
        except OSError:
            continue
        key = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        cached = cache.get(path, key) if cache is not None else None
        if cached is None:
            cached = list(_file_signals(intel, root, kind, path, technique, skip))
            if cache is not None:
                cache.put(path, key, cached)
        yield from cached


def _file_signals(
    intel: Intel, root: Path, kind: str, path: Path, technique: str, skip: Skip
) -> Iterator[Signal]:
    shown = _shown(root, path)
    t = Target(kind=TargetKind.FILE, name=kind, path=shown)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        skip(shown, f"cannot read: {e.strerror or e}")
        return
    if len(data) > MAX_FILE_BYTES:
        skip(shown, f"larger than {MAX_FILE_BYTES} bytes; first MiB scanned")
        data = data[:MAX_FILE_BYTES]
    if b"\0" in data[:4096]:
        return  # binary file in a start-up directory: the files scanner's job
    text = data.decode("utf-8", "replace")
    strongest: Severity | None = None
    for no, line in enumerate(text.splitlines(), 1):
        for sig in _line_signals(intel, kind, line, no, shown, t):
            sev = sig.severity or sig.check.severity
            strongest = sev if strongest is None or sev > strongest else strongest
            yield _with_technique(sig, technique)
    # The file's dropper verdict says what the line checks cannot: several weak lines adding
    # up. Where it is no stronger than a flagged line, it would only count that line twice.
    if kind in ("cron", "rc", "profile", "systemd"):
        yield from _script_verdict(intel, text, shown, t, above=strongest)
    unit = path.name
    for c in intel.campaigns:
        if unit in c.services or path.name in c.files:
            yield _with_technique(
                Signal(
                    t,
                    Evidence(
                        CheckId("MH-PERS-003"),
                        f"{kind} entry '{unit}' is a {c.name} artefact",
                        source=shown,
                        attributes={"campaign": c.name},
                    ),
                ),
                technique,
            )
    if kind == "ssh" and _is_immutable(path):
        yield Signal(
            t,
            Evidence(CheckId("MH-PERS-004"), f"{shown} is immutable (chattr +i)", source=shown),
        )


def _script_verdict(
    intel: Intel, text: str, shown: str, t: Target, above: Severity | None = None
) -> Iterator[Signal]:
    """The dropper-script verdict (MH-SCRIPT-001) of a start-up file, when it is medium or
    above: several weak lines that no single-line check flags can add up to a dropper."""
    if len(text) > dropper.MAX_BYTES:
        return
    a = dropper.analyse(text, intel, shown)
    if (
        a.severity is not None
        and a.severity >= Severity.MEDIUM
        and (above is None or a.severity > above)
    ):
        yield from (s for s in dropper.signals(t, a, shown) if not dropper.is_context(s))


def _with_technique(sig: Signal, technique: str) -> Signal:
    attrs = dict(sig.evidence.attributes)
    attrs["technique"] = technique
    ev = Evidence(
        sig.evidence.check_id, sig.evidence.summary, sig.evidence.source, sig.evidence.line, attrs
    )
    return Signal(sig.target, ev, sig.severity, sig.confidence)

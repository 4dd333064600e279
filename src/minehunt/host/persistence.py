"""Start-up files a miner uses to survive: crontabs, systemd units, rc scripts, shell
profiles and SSH keys (MH-PERS-*). Every path is taken below ``root`` so a mounted disk of
another machine can be audited the same way."""

from __future__ import annotations

import fcntl
import os
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

from minehunt.correlate import Signal
from minehunt.indicators import decoded_blobs, scan_text
from minehunt.intel import Intel
from minehunt.model import CheckId, Evidence, Target, TargetKind

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
    """(kind, path, technique) of every start-up file present below root, each once."""
    seen: set[Path] = set()
    for kind, pattern, technique in LOCATIONS:
        for path in sorted(root.glob(pattern)):
            if path in seen or path.is_symlink() or not path.is_file():
                continue
            seen.add(path)
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
    snippet = stripped if len(stripped) <= 160 else stripped[:157] + "..."

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
        if hits:
            what = (hits.urls or hits.pools or hits.miners or tuple(w for _, _, w in hits.wallets))[
                0
            ]
            enc = " (base64-encoded)" if text is not stripped else ""
            yield ev("MH-PERS-002", f"line {no} names {what}{enc}: {snippet}", indicator=what)
    for c in intel.campaigns:
        for artefact in (*c.paths, *c.files, *c.ssh_key_comments):
            if _mentions(stripped, artefact):
                yield ev(
                    "MH-PERS-003",
                    f"line {no} carries the {c.name} artefact '{artefact}'",
                    campaign=c.name,
                    artefact=artefact,
                )
                break


def _mentions(line: str, artefact: str) -> bool:
    """Whole-word mention (so 'dbused' does not match 'dbusedaemon')."""
    i = line.find(artefact)
    while i >= 0:
        before = line[i - 1] if i else " "
        j = i + len(artefact)
        after = line[j] if j < len(line) else " "
        if not (before.isalnum() or before in "_-") and not (after.isalnum() or after in "_-"):
            return True
        i = line.find(artefact, i + 1)
    return False


def scan(intel: Intel, root: Path, skip: Skip) -> Iterator[Signal]:
    """Signals for every start-up file below ``root``."""
    for kind, path, technique in start_up_files(root):
        shown = _shown(root, path)
        t = Target(kind=TargetKind.FILE, name=kind, path=shown)
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
        except OSError as e:
            skip(shown, f"cannot read: {e.strerror or e}")
            continue
        if len(data) > MAX_FILE_BYTES:
            skip(shown, f"larger than {MAX_FILE_BYTES} bytes; first MiB scanned")
            data = data[:MAX_FILE_BYTES]
        if b"\0" in data[:4096]:
            continue  # binary file in a start-up directory: the files scanner's job
        text = data.decode("utf-8", "replace")
        for no, line in enumerate(text.splitlines(), 1):
            for sig in _line_signals(intel, kind, line, no, shown, t):
                yield _with_technique(sig, technique)
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


def _with_technique(sig: Signal, technique: str) -> Signal:
    attrs = dict(sig.evidence.attributes)
    attrs["technique"] = technique
    ev = Evidence(
        sig.evidence.check_id, sig.evidence.summary, sig.evidence.source, sig.evidence.line, attrs
    )
    return Signal(sig.target, ev, sig.severity, sig.confidence)

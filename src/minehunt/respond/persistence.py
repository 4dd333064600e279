"""Line-precise edits of start-up files, systemd units and kernel settings.

An edited file is rewritten next to itself and renamed over the original, so a reader
(cron, sshd, the dynamic loader) sees either the old or the new file, never half of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from .interface import ActionError
from .quarantine import FileMeta, unlock


def split_lines(data: bytes) -> list[bytes]:
    """Lines with their endings, so joining them gives the file back byte for byte."""
    return data.splitlines(keepends=True)


def as_text(line: bytes) -> str:
    """A line without its ending, decoded losslessly (surrogateescape)."""
    return line.rstrip(b"\r\n").decode("utf-8", "surrogateescape")


def find_line(lines: list[bytes], no: int, text: str) -> int:
    """Index of the line that is exactly ``text``: at ``no`` if still there, else the only
    other line with that text. Raises if the file changed so that it is ambiguous."""
    want = text.encode("utf-8", "surrogateescape")
    if 0 < no <= len(lines) and lines[no - 1].rstrip(b"\r\n") == want:
        return no - 1
    hits = [i for i, ln in enumerate(lines) if ln.rstrip(b"\r\n") == want]
    if len(hits) == 1:
        return hits[0]
    raise ActionError(f"line {no} is no longer there ({len(hits)} lines match); file changed")


def without_line(data: bytes, no: int, text: str) -> bytes:
    lines = split_lines(data)
    del lines[find_line(lines, no, text)]
    return b"".join(lines)


def write_replacing(path: str, data: bytes, meta: FileMeta) -> str:
    """Write ``data`` as the new content of ``path`` keeping owner, mode and xattrs (not the
    attacker's immutable flag); returns the new sha256."""
    parent = os.path.dirname(path) or "/"
    tmp = os.path.join(parent, f".minehunt-edit.{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except OSError as e:
        raise ActionError(f"cannot write next to {path!r}: {e.strerror}") from e
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        os.fchown(fd, meta.uid, meta.gid)
        os.fchmod(fd, meta.mode)
        for name, value in meta.xattrs.items():
            with contextlib.suppress(OSError):
                os.setxattr(fd, name, bytes.fromhex(value))
    except OSError as e:
        os.close(fd)
        os.unlink(tmp)
        raise ActionError(f"cannot write the edited {path!r}: {e.strerror}") from e
    os.close(fd)
    unlock(path)
    os.rename(tmp, path)
    dfd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
    return hashlib.sha256(data).hexdigest()


# --- systemd ----------------------------------------------------------------------------------

UNIT_DIRS = (
    "etc/systemd/system",
    "lib/systemd/system",
    "usr/lib/systemd/system",
    "run/systemd/system",
)


def unit_links(root: Path, unit: str) -> list[str]:
    """Enablement symlinks of ``unit`` (in *.wants/ and *.requires/ below etc/systemd)."""
    out: list[str] = []
    for base in ("etc/systemd/system", "etc/systemd/user"):
        d = root / base
        for sub in sorted(d.glob("*.wants")) + sorted(d.glob("*.requires")):
            link = sub / unit
            if link.is_symlink():
                out.append(str(link))
    return out


def mask_path(root: Path, unit: str) -> str:
    return str(root / "etc/systemd/system" / unit)


def systemd_live(root: Path) -> bool:
    """systemctl only makes sense for this host with systemd running."""
    return (
        root.resolve() == Path("/")
        and Path("/run/systemd/system").is_dir()
        and shutil.which("systemctl") is not None
    )


def systemctl(*args: str) -> str:
    """Run systemctl; returns its complaint (empty when it succeeded)."""
    try:
        r = subprocess.run(
            ["systemctl", *args], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return str(e)
    return "" if r.returncode == 0 else (r.stderr.strip() or f"exit {r.returncode}")


# --- kernel settings --------------------------------------------------------------------------


def read_setting(path: str) -> str:
    try:
        with open(path) as fh:
            return fh.read().strip()
    except OSError as e:
        raise ActionError(f"cannot read {path}: {e.strerror}") from e


def write_setting(path: str, value: str) -> None:
    try:
        with open(path, "w") as fh:
            fh.write(value + "\n")
    except OSError as e:
        raise ActionError(f"cannot write {value!r} to {path}: {e.strerror}") from e

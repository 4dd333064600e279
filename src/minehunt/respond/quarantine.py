"""Files in and out of the quarantine, byte for byte with their metadata.

A file is copied (and fsync'd) into the quarantine before the original is removed, so a
crash or a full disk never leaves it in neither place. Stored copies are mode 0400: never
executable, readable by root only.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import stat
import struct
from dataclasses import asdict, dataclass
from typing import Any

from .interface import ActionError

FS_IOC_GETFLAGS = 0x80086601  # linux/fs.h
FS_IOC_SETFLAGS = 0x40086602
FS_IMMUTABLE_FL = 0x00000010
FS_APPEND_FL = 0x00000020
LOCK_FLAGS = FS_IMMUTABLE_FL | FS_APPEND_FL
CHUNK = 1 << 20


@dataclass(frozen=True)
class FileMeta:
    """What must come back on restore, besides the bytes."""

    uid: int
    gid: int
    mode: int
    atime_ns: int
    mtime_ns: int
    size: int
    sha256: str
    flags: int
    """Inode flags (chattr): immutable, append-only ..."""
    xattrs: dict[str, str]
    """Extended attributes, values hex-encoded."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FileMeta:
        return cls(**d)


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def get_flags(path: str) -> int:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return 0
    try:
        return int(struct.unpack("l", fcntl.ioctl(fd, FS_IOC_GETFLAGS, struct.pack("l", 0)))[0])
    except OSError:
        return 0
    finally:
        os.close(fd)


def set_flags(path: str, flags: int) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    try:
        fcntl.ioctl(fd, FS_IOC_SETFLAGS, struct.pack("l", flags))
    finally:
        os.close(fd)


def unlock(path: str) -> None:
    """chattr -i -a: an attacker's lock must go before the file can be moved or edited."""
    flags = get_flags(path)
    if flags & LOCK_FLAGS:
        set_flags(path, flags & ~LOCK_FLAGS)


def read_meta(path: str) -> FileMeta:
    """Metadata of a regular file (not following a final symlink)."""
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise ActionError(f"{path!r} is not a regular file")
    xattrs: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for name in os.listxattr(path, follow_symlinks=False):
            with contextlib.suppress(OSError):
                xattrs[name] = os.getxattr(path, name, follow_symlinks=False).hex()
    return FileMeta(
        uid=st.st_uid,
        gid=st.st_gid,
        mode=stat.S_IMODE(st.st_mode),
        atime_ns=st.st_atime_ns,
        mtime_ns=st.st_mtime_ns,
        size=st.st_size,
        sha256=sha256_file(path),
        flags=get_flags(path),
        xattrs=xattrs,
    )


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def store(src: str, dest: str) -> str:
    """Copy ``src`` to the new file ``dest`` (mode 0400), fsync it; return its sha256.

    A partial copy (disk full, read error) is removed before the error is raised.
    """
    h = hashlib.sha256()
    try:
        out = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o400)
    except OSError as e:
        raise ActionError(f"cannot create {dest!r} in the quarantine: {e.strerror}") from e
    try:
        with open(src, "rb") as fh:
            while chunk := fh.read(CHUNK):
                h.update(chunk)
                view = memoryview(chunk)
                while view:
                    view = view[os.write(out, view) :]
        os.fsync(out)
    except OSError as e:
        os.close(out)
        with contextlib.suppress(OSError):
            os.unlink(dest)
        where = "quarantine" if e.filename in (None, dest) else repr(src)
        raise ActionError(f"cannot copy {src!r} into the {where}: {e.strerror}") from e
    os.close(out)
    _fsync_dir(os.path.dirname(dest))
    return h.hexdigest()


def remove_original(path: str, meta: FileMeta) -> None:
    """Unlink ``path`` if it still is the file described by ``meta``."""
    try:
        now = sha256_file(path)
    except FileNotFoundError as e:
        raise ActionError(f"{path!r} disappeared before it could be removed") from e
    if now != meta.sha256:
        raise ActionError(f"{path!r} changed while being quarantined; left in place")
    unlock(path)
    os.unlink(path)
    _fsync_dir(os.path.dirname(path) or "/")


def restore(stored: str, path: str, meta: FileMeta) -> None:
    """Put the bytes of ``stored`` at ``path`` with the owner, mode, xattrs, flags and
    timestamps of ``meta``; replaces whatever is at ``path`` atomically."""
    if sha256_file(stored) != meta.sha256:
        raise ActionError(f"quarantined copy {stored!r} does not match its recorded sha256")
    parent = os.path.dirname(path) or "/"
    os.makedirs(parent, exist_ok=True)
    tmp = os.path.join(parent, f".minehunt-restore.{os.getpid()}.{os.path.basename(path)}")
    tmp = tmp[: len(parent) + 1 + 240]
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with open(stored, "rb") as fh:
            while chunk := fh.read(CHUNK):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(out, view) :]
        os.fsync(out)
        os.fchown(out, meta.uid, meta.gid)
        os.fchmod(out, meta.mode)  # after chown, which clears set-id bits
        for name, value in meta.xattrs.items():
            with contextlib.suppress(OSError):
                os.setxattr(out, name, bytes.fromhex(value))
    except OSError:
        os.close(out)
        os.unlink(tmp)
        raise
    os.close(out)
    if os.path.lexists(path):
        with contextlib.suppress(OSError):
            unlock(path)
    os.rename(tmp, path)
    os.utime(path, ns=(meta.atime_ns, meta.mtime_ns), follow_symlinks=False)
    if meta.flags & LOCK_FLAGS:
        try:
            set_flags(path, meta.flags)
        except OSError as e:
            if e.errno not in (errno.ENOTTY, errno.EOPNOTSUPP):
                raise
    _fsync_dir(parent)


def matches(path: str, sha256: str) -> bool:
    """True if ``path`` is a regular file with this content."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode) and sha256_file(path) == sha256
    except OSError:
        return False

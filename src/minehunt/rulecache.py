"""Compiled rules kept on disk, so a scan does not compile the same rule files again.

Compiling the bundled rules (and the set with the website hint rule) takes a few tenths of
a second of CPU at every start; loading them compiled takes a few hundredths. An entry is
named by a digest of everything that went into it: each rule file's namespace, origin and
text, the compiler's options and the yara-x library file (path, size, modification time),
so new rules, an upgrade or other ``--rules`` files get their own entry, and nothing is
ever looked up by anything but its inputs.

The directory is ``$MINEHUNT_CACHE_DIR``, else ``$XDG_CACHE_HOME/minehunt``, else
``~/.cache/minehunt``; ``MINEHUNT_CACHE_DIR=off`` turns the cache off, and so does a user
without a home directory. Compiled rules decide what a scan can find, so an entry is used
only from a directory and file owned by this user that nobody else can write (no symlinks),
and only when its own digest is intact; anything else is compiled anew. A cache that cannot
be read or written never fails a scan.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import stat
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import yara_x

from minehunt import userdirs

MAGIC = b"minehunt-rules-1\n"
KEEP = 16
"""Entries kept; older ones (other rule files, older versions) are removed."""
MAX_BYTES = 64 << 20
"""An entry bigger than this is not read."""


def directory() -> Path | None:
    """Where entries are kept; None when the cache is off."""
    explicit = os.environ.get("MINEHUNT_CACHE_DIR")
    if explicit is not None:
        return None if explicit.strip().lower() in ("", "off", "0", "no") else Path(explicit)
    base = userdirs.xdg("XDG_CACHE_HOME", ".cache")
    return base / "minehunt" if base is not None else None


def key(inputs: Sequence[tuple[str, str, str]], options: str) -> str:
    """The digest naming the rules compiled from ``inputs`` (namespace, text, origin)."""
    h = hashlib.sha256()
    lib = getattr(getattr(yara_x, "yara_x", None), "__file__", "") or ""
    with contextlib.suppress(OSError):
        st = os.stat(lib)
        lib = f"{lib}:{st.st_size}:{st.st_mtime_ns}"
    for part in (MAGIC.decode(), lib, options):
        h.update(part.encode() + b"\0")
    for ns, text, origin in inputs:
        for part in (ns, origin, text):
            data = part.encode("utf-8", "surrogatepass")
            h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


def _private(st: os.stat_result) -> bool:
    """Owned by this user and writable by nobody else."""
    return st.st_uid == os.geteuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read(path: Path) -> bytes | None:
    try:
        dst = os.lstat(path.parent)
        if not stat.S_ISDIR(dst.st_mode) or not _private(dst):
            return None
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not _private(st) or st.st_size > MAX_BYTES:
            return None
        blob = fh.read()
    head, digest = len(MAGIC), len(MAGIC) + 32
    if not blob.startswith(MAGIC) or hashlib.sha256(blob[digest:]).digest() != blob[head:digest]:
        return None
    return blob[digest:]


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(os.lstat(path.parent)):
            return  # not ours: never written, never read
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".rules-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(MAGIC + hashlib.sha256(data).digest() + data)
            os.replace(tmp, path)  # whole or not at all, for a scan starting meanwhile
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            return
        _prune(path.parent)
    except OSError:
        return


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("rules-*.yarx"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        with contextlib.suppress(OSError):
            old.unlink()


def compiled(
    inputs: Sequence[tuple[str, str, str]], options: str, build: Callable[[], yara_x.Rules]
) -> yara_x.Rules:
    """The rules compiled from ``inputs``: from the cache when an intact entry is there,
    else ``build()`` (whose errors propagate), then kept for the next scan."""
    folder = directory()
    if folder is None:
        return build()
    path = folder / f"rules-{key(inputs, options)}.yarx"
    data = _read(path)
    if data is not None:
        try:
            rules = yara_x.Rules.deserialize_from(io.BytesIO(data))
        except Exception:  # whatever yara-x makes of it: compile again
            rules = None
        if rules is not None:
            with contextlib.suppress(OSError):
                os.utime(path)  # recently used: kept by _prune
            return rules
    rules = build()
    buf = io.BytesIO()
    rules.serialize_into(buf)
    _write(path, buf.getvalue())
    return rules

"""Members of zip, jar, tar and compressed files, read with limits so a bomb is a skip.

Sizes that archive headers declare are never trusted: every member is read in blocks and
counted, against a per-member limit and against one expansion budget for everything
decompressed out of one file on disk, at every nesting level together.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import posixpath
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, cast

from .sniff import FileType

_GzipFile: Any = gzip.GzipFile
_InflateError: type[Exception] = zlib.error
try:  # ISA-L's inflate, ~3x zlib's; the standard module where no wheel exists
    from isal.igzip import GzipFile as _IsalGzipFile
    from isal.isal_zlib import error as _IsalError

    _GzipFile, _InflateError = _IsalGzipFile, cast(type[Exception], _IsalError)
except ImportError:  # pragma: no cover - isal ships wheels for the usual platforms
    pass

_BLOCK = 1 << 20
_SUFFIXES = (".gz", ".tgz", ".bz2", ".tbz2", ".xz", ".txz", ".z")


@dataclass(frozen=True)
class ArchiveLimits:
    """How far the scanner goes into archives."""

    max_depth: int = 3
    """Archives inside archives are opened down to this level; deeper ones are skipped."""
    max_member_size: int = 256 << 20
    """A member that expands beyond this is skipped."""
    max_expansion: int = 1 << 30
    """Bytes decompressed out of one file on disk, all levels together."""
    max_ratio: int = 100
    """A member that expands more than this many times its compressed size ..."""
    ratio_floor: int = 16 << 20
    """... and beyond this many bytes is called a bomb in the skip reason."""
    max_members: int = 10_000
    """Members of one file on disk (all levels) that are looked at."""


@dataclass
class Budget:
    """What one file on disk has used of the limits so far (shared by nested archives)."""

    expanded: int = 0
    members: int = 0


@dataclass(frozen=True)
class Member:
    """One regular file inside an archive, read into memory."""

    display: str
    """Where it is, for users: ``archive.zip!dir/file`` (``a.zip!b.tar!c`` when nested)."""
    data: bytes


@dataclass(frozen=True)
class Unreadable:
    """A member (or the rest of an archive) that could not be read, and why."""

    target: str
    reason: str


class _Exhausted(Exception):
    """The expansion budget or the member count of one file on disk is used up."""


class _TooBig(Exception):
    def __init__(self, size: int) -> None:
        self.size = size


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.0f} MiB" if n >= 1 << 20 else f"{n} bytes"


def _read(fh: IO[bytes], limits: ArchiveLimits, budget: Budget) -> bytes:
    """All of ``fh``, counted against the member limit and the expansion budget."""
    chunks: list[bytes] = []
    size = 0
    while block := fh.read(_BLOCK):
        size += len(block)
        budget.expanded += len(block)
        if size > limits.max_member_size:
            raise _TooBig(size)
        if budget.expanded > limits.max_expansion:
            raise _Exhausted(
                f"stopped after expanding {_mib(budget.expanded)} "
                f"(limit {_mib(limits.max_expansion)}): a decompression bomb?"
            )
        chunks.append(block)
    return b"".join(chunks)


def _count(limits: ArchiveLimits, budget: Budget) -> None:
    budget.members += 1
    if budget.members > limits.max_members:
        raise _Exhausted(f"more than {limits.max_members} members; the rest were not scanned")


def _too_big(name: str, size: int, packed: int | None, limits: ArchiveLimits) -> Unreadable:
    reason = f"expands to more than {_mib(limits.max_member_size)} (--max-file-size)"
    if packed and size > limits.ratio_floor and size > packed * limits.max_ratio:
        reason += f": a zip bomb ({size // max(packed, 1)}:1 compression)"
    return Unreadable(name, reason)


def members(
    fh: IO[bytes], ftype: FileType, display: str, limits: ArchiveLimits, budget: Budget
) -> Iterator[Member | Unreadable]:
    """The regular files inside the archive ``fh`` (seekable), one level deep."""
    try:
        if ftype is FileType.ZIP:
            yield from _zip(fh, display, limits, budget)
        elif ftype is FileType.TAR:
            yield from _tar(fh, display, limits, budget)
        elif ftype.is_compressed:
            yield from _compressed(fh, ftype, display, limits, budget)
    except _Exhausted as e:
        yield Unreadable(display, str(e))
    except (
        zipfile.BadZipFile,
        tarfile.TarError,
        zlib.error,
        _InflateError,
        lzma.LZMAError,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
    ) as e:
        yield Unreadable(display, f"corrupt or unsupported {ftype.value} archive: {e}")


def _zip(
    fh: IO[bytes], display: str, limits: ArchiveLimits, budget: Budget
) -> Iterator[Member | Unreadable]:
    with zipfile.ZipFile(fh) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            _count(limits, budget)
            name = f"{display}!{info.filename}"
            if info.flag_bits & 0x1:
                yield Unreadable(name, "encrypted zip member")
                continue
            if info.file_size > limits.max_member_size:
                yield _too_big(name, info.file_size, info.compress_size, limits)
                continue
            try:
                with zf.open(info) as member:
                    yield Member(name, _read(member, limits, budget))
            except _TooBig as e:
                yield _too_big(name, e.size, info.compress_size, limits)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as e:
                yield Unreadable(name, f"corrupt zip member: {e}")


def _tar(
    fh: IO[bytes], display: str, limits: ArchiveLimits, budget: Budget
) -> Iterator[Member | Unreadable]:
    # Stream mode ("r|"): members are read in order, nothing is seeked or cached.
    with tarfile.open(fileobj=fh, mode="r|") as tf:
        for info in tf:
            if not info.isreg():
                continue
            _count(limits, budget)
            name = f"{display}!{info.name}"
            if info.size > limits.max_member_size:
                # Skipping it still decompresses it: it counts against the budget.
                budget.expanded += info.size
                if budget.expanded > limits.max_expansion:
                    raise _Exhausted(
                        f"member {info.name} alone expands to {_mib(info.size)}; "
                        f"over the {_mib(limits.max_expansion)} expansion limit"
                    )
                yield _too_big(name, info.size, None, limits)
                continue
            member = tf.extractfile(info)
            if member is None:
                continue
            try:
                yield Member(name, _read(member, limits, budget))
            except _TooBig as e:
                yield _too_big(name, e.size, None, limits)


def _decompressor(fh: IO[bytes], ftype: FileType) -> IO[bytes]:
    fh.seek(0)
    if ftype is FileType.GZIP:
        return cast(IO[bytes], _GzipFile(fileobj=fh, mode="rb"))
    if ftype is FileType.BZIP2:
        return cast(IO[bytes], bz2.BZ2File(fh, mode="rb"))
    return cast(IO[bytes], lzma.LZMAFile(fh, mode="rb"))


def _compressed(
    fh: IO[bytes], ftype: FileType, display: str, limits: ArchiveLimits, budget: Budget
) -> Iterator[Member | Unreadable]:
    """A compressed tar (its members), or one compressed file (its content)."""
    with _decompressor(fh, ftype) as stream:
        head = stream.read(512)
    if len(head) >= 262 and head[257:262] == b"ustar":
        with _decompressor(fh, ftype) as stream:
            yield from _tar(stream, display, limits, budget)
        return
    _count(limits, budget)
    base = posixpath.basename(display.rsplit("!", 1)[-1])
    stem = next((base[: -len(s)] for s in _SUFFIXES if base.lower().endswith(s)), "")
    name = f"{display}!{stem or base + '~'}"
    packed = fh.seek(0, 2)
    try:
        with _decompressor(fh, ftype) as stream:
            yield Member(name, _read(stream, limits, budget))
    except _TooBig as e:
        yield _too_big(name, e.size, packed, limits)

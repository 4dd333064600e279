"""Read capture files (pcap, pcapng, either gzip-compressed) through libpcap (pcapy-ng).

libpcap applies the BPF filter while reading, in C, and `next_batch` hands Python many
packets per call, so the cost of the packets the filter drops is libpcap's alone. gzip is
decompressed by a ``gzip -dc`` child whose pipe libpcap reads like a file: nothing is
written to disk.
"""

from __future__ import annotations

import contextlib
import gzip
import struct
import subprocess
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pcapy  # pcapy-ng ships no stubs (ignored in pyproject)

from minehunt.net.capture.packets import SUPPORTED_LINKTYPES

BATCH = 512
"""Packets per next_batch call (admitted packets; a read error loses at most the batch)."""
_META = struct.Struct("=IIII")
_MAGICS = {
    b"\xd4\xc3\xb2\xa1": "pcap",
    b"\xa1\xb2\xc3\xd4": "pcap",
    b"\x4d\x3c\xb2\xa1": "pcap",  # nanosecond pcap, little-endian
    b"\xa1\xb2\x3c\x4d": "pcap",
    b"\x0a\x0d\x0d\x0a": "pcapng",
}
_GZIP = b"\x1f\x8b"


class CaptureError(Exception):
    """The file cannot be read as a capture (the message says why, for a Skipped)."""


def sniff_format(path: Path) -> tuple[str, bool]:
    """(pcap | pcapng, gzip-compressed?) from the magic bytes; CaptureError otherwise."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
            compressed = head[:2] == _GZIP
            if compressed:
                fh.seek(0)
                with gzip.open(fh) as gz:
                    head = gz.read(4)
    except (OSError, EOFError, zlib.error) as e:
        raise CaptureError(f"cannot read: {getattr(e, 'strerror', None) or e}") from e
    if not head:
        raise CaptureError("empty file" + (" (after gzip)" if compressed else ""))
    kind = _MAGICS.get(head[:4])
    if kind is None:
        raise CaptureError(f"not a pcap or pcapng file (starts with {head[:4].hex()})")
    return kind, compressed


class _Gunzip:
    """``gzip -dc`` in a child process; libpcap reads its output pipe as the capture file.

    A child rather than a Python thread: pcapy holds the GIL while libpcap blocks on a read,
    so a decompressing thread in this process could never feed it.
    """

    def __init__(self, path: Path) -> None:
        self._proc = subprocess.Popen(
            ["gzip", "-dc", "--", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        assert self._proc.stdout is not None
        self.fifo = f"/dev/fd/{self._proc.stdout.fileno()}"

    @property
    def error(self) -> str | None:
        code = self._proc.poll()
        if code in (None, 0) or self._proc.stderr is None:
            return None
        return "gzip: " + self._proc.stderr.read().decode(errors="replace").strip()

    def close(self) -> None:
        self._proc.kill()
        self._proc.wait()
        for stream in (self._proc.stdout, self._proc.stderr):
            if stream is not None:
                stream.close()


@contextlib.contextmanager
def open_reader(path: Path) -> Iterator[tuple[Any, _Gunzip | None]]:
    """A libpcap offline reader for ``path`` (decompressing gzip on the fly)."""
    _kind, compressed = sniff_format(path)
    gunzip = _Gunzip(path) if compressed else None
    try:
        try:
            reader = pcapy.open_offline(gunzip.fifo if gunzip else str(path))
        except pcapy.PcapError as e:
            raise CaptureError(str(e)) from e
        if reader.datalink() not in SUPPORTED_LINKTYPES:
            raise CaptureError(f"unsupported link type {reader.datalink()}")
        yield reader, gunzip
    finally:
        if gunzip is not None:
            gunzip.close()


Batch = list[tuple[float, bytes]]


def read_batches(
    path: Path,
    expression: Callable[[], str | None],
    on_error: Callable[[str], None],
) -> Iterator[tuple[int, Batch]]:
    """Yield (link type, [(timestamp, frame) ...]) of the packets the filter admits.

    ``expression()`` is asked for the filter before every batch (None keeps the current
    one), so terms learned from earlier packets apply to later ones. A read error ends the
    file: the packets before it are still delivered (read again one by one), and
    ``on_error`` gets the reason.
    """
    last_ts = -1.0
    with open_reader(path) as (reader, gunzip):
        link = reader.datalink()
        try:
            while True:
                expr = expression()
                if expr is not None:
                    reader.setfilter(expr)
                data, meta = reader.next_batch(BATCH)
                if not meta:
                    break
                batch = _split(data, meta)
                last_ts = batch[-1][0]
                yield link, batch
        except pcapy.PcapError as e:
            reason: str | None = str(e)
        else:
            reason = None
            if gunzip is not None and gunzip.error:
                reason = gunzip.error
    if reason is None:
        return
    # The failed batch was lost inside libpcap: re-read the file up to the bad record.
    yield from _recover(path, expression, last_ts)
    on_error(reason)


def _split(data: bytes, meta: bytes) -> Batch:
    out: Batch = []
    for sec, usec, off, length in _META.iter_unpack(meta):
        out.append((sec + usec * 1e-6, data[off : off + length]))
    return out


def _recover(
    path: Path, expression: Callable[[], str | None], after: float
) -> Iterator[tuple[int, Batch]]:
    with contextlib.suppress(CaptureError), open_reader(path) as (reader, _gunzip):
        expr = expression()
        if expr is not None:
            reader.setfilter(expr)
        link = reader.datalink()
        batch: Batch = []
        with contextlib.suppress(pcapy.PcapError):
            while True:
                hdr, frame = reader.next()
                if hdr is None:
                    break
                sec, usec = hdr.getts()
                ts = sec + usec * 1e-6
                if ts > after:
                    batch.append((ts, frame))
        if batch:
            yield link, batch


def locate_frames(
    path: Path, wanted: dict[tuple[int, int], list[Callable[[int, int, bytes], bool]]]
) -> None:
    """Second pass: give frame numbers to packets known by (seconds, microseconds).

    ``wanted`` maps a timestamp to callbacks ``(frame number, link type, frame) -> done``;
    a callback returning True is removed. libpcap reads every frame in C; Python only
    searches each batch's packed timestamps with ``bytes.find``.
    """
    if not wanted:
        return
    keys = {_META.pack(sec, usec, 0, 0)[:8]: (sec, usec) for sec, usec in wanted}
    latest = max(wanted)
    base = 0
    with contextlib.suppress(CaptureError, pcapy.PcapError), open_reader(path) as (reader, _g):
        link = reader.datalink()
        while wanted:
            data, meta = reader.next_batch(4096)
            if not meta:
                break
            for packed, stamp in list(keys.items()):
                pos = meta.find(packed)
                while pos >= 0:
                    if pos % _META.size == 0:
                        _sec, _usec, off, length = _META.unpack_from(meta, pos)
                        frame = base + pos // _META.size + 1
                        calls = wanted.get(stamp, [])
                        calls[:] = [
                            c for c in calls if not c(frame, link, data[off : off + length])
                        ]
                        if not calls:
                            wanted.pop(stamp, None)
                            del keys[packed]
                            break
                    pos = meta.find(packed, pos + 1)
            base += len(meta) // _META.size
            last = _META.unpack_from(meta, len(meta) - _META.size)
            if (last[0], last[1]) > latest:
                break

"""Read capture files through the compiled pre-pass (`_prefilter.c`) when it was built.

The pre-pass walks pcap/pcapng records where they lie (the file is memory-mapped; gzip is
decompressed in bounded chunks) and returns only candidate frames, each with its frame
number, so one pass gives both the findings and the frames to pivot on. It selects the
packets `bpf.static_filter` selects, plus the followed hosts and pool endpoints, refined by
what a stateless filter cannot do: HTTP heads without any of `stratum/http.py HEAD_MARKERS` are
dropped, and a connection's SYN/SYN-ACK are held back (FIN/RST dropped) until something else
of that connection is a candidate, so connections with nothing to parse never reach Python.

Without a C compiler at install time the module is absent and `scan pcap` reads through
libpcap's filter instead (`pcapfile.py`); ``MINEHUNT_PREFILTER=off`` forces that path.
"""

from __future__ import annotations

import ctypes
import gzip
import importlib.util
import ipaddress
import mmap
import os
import struct
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator
from functools import cache
from pathlib import Path

from minehunt.net.capture.pcapfile import sniff_format
from minehunt.net.stratum.http import HEAD_MARKERS

CAPACITY = 1024
"""Candidates per call into C. Followed endpoints learned from a batch apply from the next
one, so a small batch loses few packets of a flow just found to matter."""
WINDOW = 8 << 20
"""Bytes of a memory-mapped capture walked per step (pages behind are dropped)."""
GZIP_CHUNK = 4 << 20
"""Decompressed bytes per step for gzip captures (bounded whatever the ratio)."""
_PKT = struct.Struct("=QQQIIII")  # mh_pkt: frame, address, sec, caplen, link, usec, pad

Candidate = tuple[int, int, float, bytes]
"""(frame number, link type, timestamp, frame bytes)."""


@cache
def library() -> ctypes.CDLL | None:
    """The compiled pre-pass, or None (not built, or switched off by the environment)."""
    if os.environ.get("MINEHUNT_PREFILTER", "").lower() in ("off", "0", "no"):
        return None
    # A build of the same source with sanitizers, for the test suite (scripts/test).
    path = os.environ.get("MINEHUNT_PREFILTER_LIB")
    if path is None:
        spec = importlib.util.find_spec("minehunt.net.capture._prefilter")
        if spec is None or spec.origin is None:
            return None
        path = spec.origin
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return None
    c = ctypes
    lib.mh_state_size.restype = c.c_size_t
    lib.mh_init.argtypes = [c.c_void_p]
    lib.mh_keep_port.argtypes = [c.c_void_p, c.c_uint32]
    lib.mh_follow_host.argtypes = [c.c_void_p, c.c_char_p, c.c_uint32]
    lib.mh_follow_endpoint.argtypes = [c.c_void_p, c.c_char_p, c.c_uint32, c.c_uint32]
    lib.mh_head_marker.argtypes = [c.c_void_p, c.c_char_p, c.c_uint32]
    lib.mh_pool_domain.argtypes = [c.c_void_p, c.c_char_p, c.c_uint32]
    lib.mh_dns_counts.argtypes = [c.c_void_p, c.POINTER(c.c_uint64)]
    lib.mh_error.argtypes = [c.c_void_p]
    lib.mh_error.restype = c.c_char_p
    lib.mh_frames.argtypes = [c.c_void_p]
    lib.mh_frames.restype = c.c_uint64
    lib.mh_scan.argtypes = [
        c.c_void_p,
        c.c_void_p,
        c.c_uint64,
        c.c_void_p,
        c.c_uint32,
        c.POINTER(c.c_uint32),
    ]
    lib.mh_scan.restype = c.c_int64
    return lib


class Prefilter:
    """The pre-pass over one capture file, with the ports it keeps and what it follows."""

    def __init__(
        self, lib: ctypes.CDLL, ports: Iterable[int], pool_domains: Iterable[str] | None = None
    ) -> None:
        """``pool_domains``: DNS over UDP is handed over only when it can name one of them
        (None hands over every DNS message)."""
        self._lib = lib
        self._st = ctypes.create_string_buffer(lib.mh_state_size())
        lib.mh_init(self._st)
        for port in ports:
            lib.mh_keep_port(self._st, port)
        for domain in pool_domains if pool_domains is not None else ():
            raw = domain.lower().rstrip(".").encode("idna")
            if not lib.mh_pool_domain(self._st, raw, len(raw)):
                break  # the set is full: C hands over every DNS message
        for word in HEAD_MARKERS:
            lib.mh_head_marker(self._st, word.encode(), len(word))
        self._out = ctypes.create_string_buffer(CAPACITY * _PKT.size)
        self._n = ctypes.c_uint32()
        self._followed: set[tuple[bytes, int]] = set()

    @property
    def frames(self) -> int:
        """Frames walked so far (kept or not)."""
        return int(self._lib.mh_frames(self._st))

    @property
    def dns_counts(self) -> tuple[int, int]:
        """(DNS messages over UDP walked, of them handed over) so far."""
        counts = (ctypes.c_uint64 * 2)()
        self._lib.mh_dns_counts(self._st, counts)
        return int(counts[0]), int(counts[1])

    def follow_host(self, address: str) -> None:
        """Keep every packet to or from ``address`` from now on."""
        raw = ipaddress.ip_address(address).packed
        if (raw, -1) not in self._followed and self._lib.mh_follow_host(self._st, raw, len(raw)):
            self._followed.add((raw, -1))

    def follow_flows(self, flows: Iterable[tuple[str, int, str, int]]) -> None:
        """Keep every packet of the pool endpoints of these flows from now on."""
        for _client, _cport, server, sport in flows:
            raw = ipaddress.ip_address(server).packed
            if (raw, sport) in self._followed:
                continue
            if self._lib.mh_follow_endpoint(self._st, raw, len(raw), sport):
                self._followed.add((raw, sport))

    def read(self, path: Path, on_error: Callable[[str], None]) -> Iterator[list[Candidate]]:
        """Batches of candidate frames of ``path``; a read error ends the file via ``on_error``.

        CaptureError (from the format sniff) when the file is not a capture at all.
        """
        _kind, compressed = sniff_format(path)
        if compressed:
            yield from self._stream(path, True, on_error)
            return
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            try:
                # ACCESS_COPY: a private mapping is writable for ctypes, and never written.
                mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY)
            except (OSError, ValueError):  # not mappable (a pipe, a special file)
                mm = None
            if mm is None:
                yield from self._stream(path, False, on_error)
                return
            try:
                yield from self._mapped(mm, size, on_error)
            finally:
                mm.close()

    def _mapped(
        self, mm: mmap.mmap, size: int, on_error: Callable[[str], None]
    ) -> Generator[list[Candidate], None, None]:
        """Walk the map a window at a time, dropping the pages behind: the kernel would
        otherwise count the whole file as resident (peak RSS = file size)."""
        anchor = ctypes.c_char.from_buffer(mm)
        pos, window, done = 0, WINDOW, 0
        try:
            while pos < size:
                end = min(size, pos + window)
                used = yield from self._walk(ctypes.addressof(anchor) + pos, end - pos, on_error)
                if used < 0:
                    return
                if used == 0 and end == size:
                    break
                # A record longer than the window (a jumbo pcapng block): widen it.
                window = WINDOW if used else window * 2
                pos += used
                if pos - done >= WINDOW:
                    cut = pos - pos % mmap.PAGESIZE
                    mm.madvise(mmap.MADV_DONTNEED, done, cut - done)
                    done = cut
        finally:
            del anchor  # release the export before the map is closed
        if pos < size:
            on_error(f"truncated record at the end of the file ({size - pos} bytes)")

    def _stream(
        self, path: Path, compressed: bool, on_error: Callable[[str], None]
    ) -> Iterator[list[Candidate]]:
        buf = bytearray()
        try:
            with gzip.open(path, "rb") if compressed else open(path, "rb") as fh:
                while chunk := fh.read(GZIP_CHUNK):
                    buf += chunk
                    used = yield from self._drain(buf, on_error)
                    if used < 0:
                        return
                    del buf[:used]
        except (OSError, EOFError, zlib.error) as e:
            on_error(f"gzip: {e}" if compressed else str(e))
            return
        if buf:
            on_error(f"truncated record at the end of the file ({len(buf)} bytes)")

    def _drain(
        self, buf: bytearray, on_error: Callable[[str], None]
    ) -> Generator[list[Candidate], None, int]:
        view = (ctypes.c_char * len(buf)).from_buffer(buf)
        try:
            return (yield from self._walk(ctypes.addressof(view), len(buf), on_error))
        finally:
            del view  # a bytearray cannot be resized while exported

    def _walk(
        self, address: int, size: int, on_error: Callable[[str], None]
    ) -> Generator[list[Candidate], None, int]:
        """Scan the complete records of ``size`` bytes at ``address``: the bytes used, or -1
        after an error. The candidates of a batch are copied out before the next call."""
        lib, st, out, n = self._lib, self._st, self._out, self._n
        pos = 0
        while pos < size:
            used = lib.mh_scan(st, address + pos, size - pos, out, CAPACITY, ctypes.byref(n))
            if used < 0:
                on_error(self._error())
                return -1
            if n.value:
                raw = ctypes.string_at(out, n.value * _PKT.size)
                yield [
                    (frame, link, sec + usec * 1e-6, ctypes.string_at(addr, caplen))
                    for frame, addr, sec, caplen, link, usec, _pad in _PKT.iter_unpack(raw)
                ]
            if used == 0:
                break  # the next record is incomplete
            pos += used
        return pos

    def _error(self) -> str:
        return bytes(self._lib.mh_error(self._st) or b"corrupt capture").decode(errors="replace")

"""Process memory scanning (Linux): the family and algorithm rules over /proc/PID/mem.

A packed, encrypted or fileless miner must hold its real code in memory to run. For each
process, readable mappings from /proc/PID/smaps are read through /proc/PID/mem and scanned
on every core, bounded in bytes and seconds per process:

- A mapped file (also a memfd or a deleted file) is scanned as one *image*: its mappings
  concatenated, so rules see the ELF header beside .rodata and .text, as in the file.
- Other memory is read in chunks that overlap by ``overlap`` bytes, so a pattern across a
  chunk boundary is still seen; 64 KiB blocks of zeros are left out (zero pages are most
  of an idle heap, and YARA scans them slowly).
- [vvar]/[vsyscall], device mappings and reservations with nothing resident are skipped.

Matches become signals about the process's own target, so they merge into the process's
correlated finding from the host scan. A match in memory that no file backs also gives
MH-MEM-001. Without the privilege to read a process (root or CAP_SYS_PTRACE, or the same
user), the process is a Skipped with the reason.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import yara_x

from minehunt import rules as rules_mod
from minehunt.correlate import Signal
from minehunt.files import pool
from minehunt.files.evidence import Hit, signals
from minehunt.model import CheckId, Evidence, Target
from minehunt.report import Collector
from minehunt.rules import RuleMatch, RuleSet

from .processes import ProcessInfo

MEMORY_KINDS = frozenset({"family", "algorithm", "legit", "external"})
SIGNATURE_FAMILIES = 5
"""Miner families whose rules match one process at once that mark it as holding detection
signatures (another minehunt, a scanner, an editor with the rules open): a miner carries
one or two families, a rule set all of them."""
_SKIP_NAMES = frozenset({"[vvar]", "[vvar_vclock]", "[vsyscall]"})
_ZERO_BLOCK = 64 << 10
_MARGIN = 256  # bytes kept around non-zero runs, for patterns that begin or end in zeros


@dataclass(frozen=True)
class MemoryOptions:
    """Bounds of the memory scan; every bound is per process."""

    max_bytes: int = 4 << 30
    """Bytes read from one process at most."""
    max_seconds: float = 20.0
    """Seconds spent on one process at most."""
    chunk: int = 32 << 20
    """Bytes scanned in one piece (a larger image is chunked like anonymous memory)."""
    overlap: int = 64 << 10
    """Bytes by which consecutive chunks of one mapping overlap."""
    pids: frozenset[int] | None = None
    """Scan only these processes (None: every process of the host scan)."""
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    """Worker processes."""


@dataclass(frozen=True)
class Region:
    """One line of /proc/PID/smaps."""

    start: int
    end: int
    perms: str
    path: str
    rss: int
    """Resident bytes."""

    @property
    def size(self) -> int:
        return self.end - self.start

    @property
    def is_file(self) -> bool:
        """Mapped from a file (including a memfd or a deleted file)."""
        return self.path.startswith("/")

    @property
    def on_disk(self) -> bool:
        """Mapped from a file that still exists on disk, so the file scanner can see it."""
        return (
            self.is_file
            and not self.path.startswith(("/memfd:", "/dev/zero", "/SYSV", "/dev/shm/"))
            and not self.path.endswith(" (deleted)")
        )


def read_regions(pid: int) -> list[Region]:
    """The mappings of ``pid``. Raises OSError (EACCES/EPERM without privilege, ESRCH)."""
    regions: list[Region] = []
    with open(f"/proc/{pid}/smaps", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            head = line.split(None, 5)
            if "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
                lo, hi = head[0].split("-")
                path = head[5].rstrip("\n") if len(head) > 5 else ""
                regions.append(Region(int(lo, 16), int(hi, 16), head[1], path, 0))
            elif head[0] == "Rss:" and regions:
                regions[-1] = replace(regions[-1], rss=int(head[1]) * 1024)
    return regions


def _wanted(r: Region) -> bool:
    if "r" not in r.perms or r.path in _SKIP_NAMES:
        return False
    if r.path.startswith("/dev/") and not r.path.startswith(("/dev/shm/", "/dev/zero")):
        return False  # device memory: reading it can have side effects
    # Nothing resident: a reservation (or a file mapping this process never touched, whose
    # file the file scanner can read). Memory-only files are read whatever Rss says.
    return r.rss > 0 or (r.is_file and not r.on_disk)


@dataclass(frozen=True)
class Span:
    """Memory scanned as one buffer: pieces (address, length) read and concatenated."""

    pieces: tuple[tuple[int, int], ...]
    label: str
    """The mapping, for users: its path or [anon]/[heap]/[stack], with permissions."""
    path: str
    on_disk: bool
    image: bool
    """A whole mapped file (scanned without zero-skipping, from its first byte)."""

    @property
    def size(self) -> int:
        return sum(n for _, n in self.pieces)


def _images(regions: Sequence[Region]) -> Iterator[list[Region]]:
    """Consecutive regions of one mapped file together; every other region alone."""
    group: list[Region] = []
    for r in regions:
        if group and r.is_file and r.path == group[-1].path:
            group.append(r)
            continue
        if group:
            yield group
        group = [r]
    if group:
        yield group


def plan(regions: Sequence[Region], opts: MemoryOptions) -> tuple[list[Span], int]:
    """Spans to scan, most telling first, within ``max_bytes``; and the bytes left out."""
    spans: list[tuple[int, Span]] = []
    for group in _images(regions):
        readable = [r for r in group if _wanted(r)]
        if not readable:
            continue
        first = readable[0]
        perms = "".join(sorted({c for r in readable for c in r.perms if c in "rwx"}))
        label = f"{first.path or '[anon]'} ({perms})"
        total = sum(r.size for r in readable)
        # Memory-only code first (fileless loaders), then mapped files, then the rest.
        rank = 0 if first.is_file and not first.on_disk else 1 if first.is_file else 2
        if first.is_file and total <= opts.chunk:
            pieces = tuple((r.start, r.size) for r in readable)
            spans.append((rank, Span(pieces, label, first.path, first.on_disk, True)))
            continue
        for r in readable:
            step = opts.chunk
            for at in range(r.start, r.end, step):
                n = min(step + opts.overlap, r.end - at)
                spans.append((rank, Span(((at, n),), label, r.path, r.on_disk, False)))
    spans.sort(key=lambda x: x[0])
    out: list[Span] = []
    used = left = 0
    for _, span in spans:
        if used + span.size > opts.max_bytes:
            left += span.size
            continue
        used += span.size
        out.append(span)
    return out, left


# -- worker side --------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    pid: int
    spans: tuple[Span, ...]
    deadline: float
    """time.time() after which the task stops reading."""
    timeout: int


@dataclass
class TaskResult:
    pid: int
    hits: list[tuple[Span, list[RuleMatch]]] = field(default_factory=list)
    bytes_read: int = 0
    unreadable: int = 0
    late: int = 0
    """Bytes not read because the deadline passed."""
    error: str | None = None


def _read(fd: int, addr: int, n: int, res: TaskResult) -> bytes:
    try:
        data = os.pread(fd, n, addr)
    except OSError:
        # Some pages refuse to be read (guard pages, I/O mappings): retry per MiB.
        parts = []
        for at in range(addr, addr + n, 1 << 20):
            try:
                parts.append(os.pread(fd, min(1 << 20, addr + n - at), at))
            except OSError:
                res.unreadable += 1
        data = b"".join(parts)
    res.bytes_read += len(data)
    return data


def _nonzero_runs(data: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of the parts of ``data`` that are not 64 KiB blocks of zeros."""
    n = len(data)
    zero = bytes(_ZERO_BLOCK)
    start = None
    for at in range(0, n, _ZERO_BLOCK):
        end = min(at + _ZERO_BLOCK, n)
        is_zero = end - at == _ZERO_BLOCK and data[at:end] == zero
        if not is_zero and start is None:
            start = at
        elif is_zero and start is not None:
            yield max(0, start - _MARGIN), min(n, at + _MARGIN)
            start = None
    if start is not None:
        yield max(0, start - _MARGIN), n


def _scan_span(rs: RuleSet, fd: int, span: Span, task: Task, res: TaskResult) -> None:
    buf = b"".join(_read(fd, a, n, res) for a, n in span.pieces)
    # Buffer offset -> address: the pieces are contiguous in the buffer.
    starts = []
    off = 0
    for a, n in span.pieces:
        starts.append((off, a, n))
        off += n

    def addr(o: int) -> int:
        for boff, a, n in starts:
            if boff <= o < boff + n:
                return a + (o - boff)
        return span.pieces[0][0] + o

    runs = [(0, len(buf))] if span.image else list(_nonzero_runs(buf))
    found: dict[str, RuleMatch] = {}
    for lo, hi in runs:
        part = buf if (lo, hi) == (0, len(buf)) else buf[lo:hi]
        for m in rs.scan(part, timeout=task.timeout):
            if m.rule.id not in found:
                found[m.rule.id] = replace(m, offsets=tuple(addr(lo + o) for o in m.offsets))
    if found:
        res.hits.append((span, list(found.values())))


def scan_task(task: Task) -> TaskResult:
    """Read and scan the spans of one task (in a pool worker)."""
    res = TaskResult(task.pid)
    try:
        fd = os.open(f"/proc/{task.pid}/mem", os.O_RDONLY | os.O_CLOEXEC)
    except OSError as e:
        res.error = _why(e)
        return res
    try:
        for i, span in enumerate(task.spans):
            if time.time() > task.deadline:
                res.late += sum(s.size for s in task.spans[i:])
                break
            try:
                _scan_span(pool.rules(), fd, span, task, res)
            except yara_x.TimeoutError:
                res.late += span.size
    finally:
        os.close(fd)
    return res


def _why(e: OSError) -> str:
    if isinstance(e, PermissionError):
        return "permission denied (needs root or CAP_SYS_PTRACE)"
    if isinstance(e, (FileNotFoundError, ProcessLookupError)):
        return "exited before its memory was read"
    return e.strerror or str(e)


# -- main side ----------------------------------------------------------------------------


def _tasks(pid: int, spans: list[Span], opts: MemoryOptions, deadline: float) -> list[Task]:
    """Spans grouped so that every worker gets a share of a large process."""
    per_task = max(opts.chunk, sum(s.size for s in spans) // (4 * max(1, opts.jobs)) + 1)
    tasks: list[Task] = []
    group: list[Span] = []
    size = 0
    timeout = max(1, int(opts.max_seconds))
    for s in spans:
        group.append(s)
        size += s.size
        if size >= per_task:
            tasks.append(Task(pid, tuple(group), deadline, timeout))
            group, size = [], 0
    if group:
        tasks.append(Task(pid, tuple(group), deadline, timeout))
    return tasks


def _where(span: Span) -> Callable[[RuleMatch], str]:
    def where(m: RuleMatch) -> str:
        return f"in {span.label}" + (f" at {m.offsets[0]:#x}" if m.offsets else "")

    return where


def _signals(target: Target, pid: int, results: list[TaskResult]) -> list[Signal]:
    out: list[Signal] = []
    memory_only: list[tuple[Span, RuleMatch]] = []
    for res in results:
        for span, matches in res.hits:
            hit = Hit(span.label, "image" if span.image else "memory", tuple(matches))
            out.extend(
                signals(
                    target,
                    hit,
                    source=f"/proc/{pid}/mem",
                    where=_where(span),
                    extra={"region": span.path or "[anon]", "memory": True},
                    # A library name explains algorithm code only where a file backs it.
                    explain=span.on_disk,
                )
            )
            memory_only.extend(
                (span, m) for m in matches if not span.on_disk and m.rule.kind != "legit"
            )
    if memory_only:
        span, m = memory_only[0]
        where = f"{m.offsets[0]:#x}" if m.offsets else "?"
        ev = Evidence(
            CheckId("MH-MEM-001"),
            f"{m.rule.title} in {span.label}, which no file on disk holds (at {where})",
            source=f"/proc/{pid}/mem",
            attributes={"region": span.path or "[anon]", "rule_id": m.rule.id, "address": where},
        )
        out.append(Signal(target, ev))
    return out


def memory_signals(
    procs: Sequence[tuple[ProcessInfo, Target]], opts: MemoryOptions, col: Collector
) -> Iterator[Signal]:
    """Signals from the memory of ``procs``; unreadable ones are skipped with the reason."""
    skip = col.skipper("host.memory")
    chosen = [(p, t) for p, t in procs if opts.pids is None or p.pid in opts.pids]
    if not chosen:
        return
    ruleset = rules_mod.load(kinds=MEMORY_KINDS)
    with pool.RulePool(ruleset, scan_task, max(1, opts.jobs), _crashed) as workers:
        for p, t in chosen:
            label = f"pid {p.pid} {p.name}"
            t0 = time.time()
            try:
                spans, left = plan(read_regions(p.pid), opts)
            except OSError as e:
                skip(label, f"memory maps unreadable: {_why(e)}")
                continue
            results = list(workers.imap(_tasks(p.pid, spans, opts, t0 + opts.max_seconds)))
            errors = {r.error for r in results if r.error}
            if errors:
                skip(label, f"memory unreadable: {sorted(errors)[0]}")
                continue
            read = sum(r.bytes_read for r in results)
            left += sum(r.late for r in results)
            col.count("memory_processes")
            col.count("memory_bytes", read)
            if left:
                skip(
                    label,
                    f"memory scan incomplete: {left >> 20} MiB not scanned (limits "
                    f"{opts.max_bytes >> 20} MiB, {opts.max_seconds:g} s per process)",
                )
            families = {
                m.rule.family
                for r in results
                for _span, matches in r.hits
                for m in matches
                if m.rule.kind == "family"
            }
            if len(families) >= SIGNATURE_FAMILIES:
                skip(
                    label,
                    f"memory holds the signatures of {len(families)} miner families at once "
                    "(a scanner's rules, or an editor with them open): its memory matches are "
                    "not used",
                )
                continue
            yield from _signals(t, p.pid, results)


def _crashed(task: Task, error: BaseException) -> TaskResult:
    return TaskResult(task.pid, error=f"scanner process died ({error})")

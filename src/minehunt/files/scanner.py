"""``minehunt scan files``: walk, scan on every core, stream one finding per file."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from minehunt import dropper
from minehunt.correlate import Signal, correlate
from minehunt.model import Finding, Target, TargetKind
from minehunt.progress import Unit
from minehunt.report import Collector
from minehunt.rules import RuleSet
from minehunt.web.findings import page_finding
from minehunt.web.signals import is_context

from .archives import ArchiveLimits
from .evidence import Hit, signals
from .pool import RulePool
from .walker import Walker
from .worker import Batch, FileJob, FileResult, Settings, scan_batch, script_rules, warm

BATCH_FILES = 64
"""Files per task sent to a worker: amortises inter-process overhead over small files."""
BATCH_BYTES = 32 << 20
INLINE_FILES = 32
"""A scan of at most this many files (and INLINE_BYTES) runs without worker processes."""
INLINE_BYTES = 64 << 20


@dataclass(frozen=True)
class FileScanOptions:
    """Limits and parallelism of a file scan."""

    max_file_size: int = 256 << 20
    """Files (and archive members) larger than this are skipped."""
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    """Worker processes; 1 scans in the calling process."""
    follow_symlinks: bool = False
    timeout: int = 60
    """Seconds one file may take to scan."""
    archives: ArchiveLimits = field(default_factory=ArchiveLimits)
    """Depth and expansion limits; its max_member_size follows max_file_size."""

    def settings(self) -> Settings:
        limits = replace(self.archives, max_member_size=self.max_file_size)
        return Settings(self.max_file_size, self.timeout, limits)


def _batches(jobs: Iterable[FileJob], settings: Settings) -> Iterator[Batch]:
    batch: list[FileJob] = []
    size = 0
    for job in jobs:
        batch.append(job)
        size += job.size
        if len(batch) >= BATCH_FILES or size >= BATCH_BYTES:
            yield Batch(tuple(batch), settings)
            batch, size = [], 0
    if batch:
        yield Batch(tuple(batch), settings)


def _crashed(batch: Batch, error: BaseException) -> list[FileResult]:
    reason = f"scanner process died ({error}); not scanned"
    if batch.handed:
        where = f"{batch.archive} ({batch.handed} members)"
        return [FileResult(batch.archive, 0, skips=[(where, reason)])]
    return [FileResult(j.display, j.size, skips=[(j.display, reason)]) for j in batch.jobs]


def finding(
    hit: Hit,
    web: Sequence[Signal] = (),
    script: Sequence[Signal] = (),
    *,
    archive: str | None = None,
) -> Finding:
    """The one finding about a scanned file or archive member (with its website and script
    signals); ``archive`` is the file on disk when the hit is inside it."""
    target = Target(
        kind=TargetKind.FILE,
        name=posixpath.basename(hit.where.rsplit("!", 1)[-1]) or hit.where,
        path=hit.where,
        archive=archive,
        line=next((line for line in hit.lines if line), None),
        offset=next((m.offsets[0] for m in hit.matches if m.offsets), None),
    )
    scored = [replace(s, target=target) for s in web if not is_context(s)]
    scored += [replace(s, target=target) for s in script if not dropper.is_context(s)]
    found = correlate([*signals(target, hit, source=hit.where), *scored])
    context = tuple(s.evidence for s in web if is_context(s))
    context += tuple(s.evidence for s in script if dropper.is_context(s))
    if script:
        attack = (*found.attack, *(t for t in dropper.techniques(script) if t not in found.attack))
        found = replace(found, attack=attack)
    return replace(found, evidence=found.evidence + context) if context else found


def _web_findings(result: FileResult, hit_paths: set[str]) -> Iterator[Finding]:
    """Findings from the website or script checks alone, for files no rule matched."""
    if result.display in hit_paths:
        return
    if result.script:
        yield dropper.finding(result.script, result.web)
        return
    if not result.web:
        return
    f = page_finding(result.display, result.web)
    if f is not None:
        yield f


def scan_files(
    ruleset: RuleSet | Callable[[], RuleSet],
    paths: Sequence[str],
    opts: FileScanOptions,
    col: Collector,
) -> Iterator[Finding]:
    """Findings about the files under ``paths``, streamed as workers finish batches.
    ``ruleset`` a function: the rules are compiled once the worker processes are starting
    (its errors propagate)."""
    skip = col.skipper("files")
    walker = Walker(paths, skip, col.count, follow_symlinks=opts.follow_symlinks)
    settings = opts.settings()
    jobs = iter(walker)
    if col.progress.enabled:  # walk first, so the bar has a total (walking is cheap)
        listed = list(jobs)
        col.progress.task("scanning", sum(j.size for j in listed), Unit.BYTES)
        jobs = iter(listed)
    # Look ahead: a small scan is faster inline than with worker processes to start.
    first: list[FileJob] = []
    for job in jobs:
        first.append(job)
        if len(first) > INLINE_FILES or sum(j.size for j in first) > INLINE_BYTES:
            break
    small = len(first) <= INLINE_FILES and sum(j.size for j in first) <= INLINE_BYTES
    workers = 1 if small else max(1, opts.jobs)
    col.count("workers", workers)
    settings = replace(settings, spread=workers)
    with RulePool(None, scan_batch, workers, _crashed, warm) as pool:
        with col.progress.paused():  # no thread of the bar: the workers can be forked
            pool.start()
        col.count("workers_forked", workers if pool.method == "fork" else 0)
        rules = ruleset() if callable(ruleset) else ruleset
        if workers > 1:
            script_rules(rules)  # compiled here once, not in every worker
        pool.use(rules)
        if pool.spool_dir is not None:  # the scan's own copies of archive members
            walker.exclude(pool.spool_dir)
        batches = _batches(_chain(first, jobs), settings)
        for results in pool.imap(batches):
            for result in results:
                if result.shares:  # of an archive's members, handed to the other workers
                    col.count("archive_shares", result.shares)
                col.progress.advance(result.size)
                for target, reason in result.skips:
                    skip(target, reason)
                col.count("bytes_scanned", result.scanned_bytes)
                col.count("archive_members", result.members)
                for hit in result.hits:
                    if hit.where == result.display:
                        yield finding(hit, result.web, result.script)
                    else:
                        yield finding(hit, archive=result.display)
                yield from _web_findings(result, {h.where for h in result.hits})


def _chain(first: list[FileJob], rest: Iterator[FileJob]) -> Iterator[FileJob]:
    yield from first
    yield from rest

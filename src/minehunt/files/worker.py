"""Scanning one batch of files: runs in a pool worker (or inline) and returns plain data."""

from __future__ import annotations

import io
import os
import re
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, TYPE_CHECKING

import yara_x

from minehunt.correlate import Signal
from minehunt.rules import RuleMatch, RuleSet
from minehunt.timebox import TimedOut, timebox

from . import pool
from .archives import ArchiveLimits, Budget, Member, members
from .evidence import Hit
from .sniff import HEAD_BYTES, FileType, elf_truncation, sniff

if TYPE_CHECKING:
    from minehunt.web.hints import Found


@dataclass(frozen=True)
class Settings:
    """What a worker needs to know besides the rules."""

    max_file_size: int
    timeout: int
    archives: ArchiveLimits
    spread: int = 1
    """Worker processes an archive's members are spread over (1: scanned where read)."""


@dataclass(frozen=True)
class FileJob:
    path: str
    """The path to open (a symlink's target when following symlinks)."""
    display: str
    """The path as the user sees it."""
    size: int


@dataclass(frozen=True)
class Spooled:
    """Archive members another worker read and wrote to one file of the pool's spool
    directory (``pool.spool``): only the file's name crosses between the processes, not
    megabytes pickled twice through the calling process."""

    path: str
    names: tuple[str, ...]
    sizes: tuple[int, ...]

    def members(self) -> list[Member]:
        data = pool.unspool(self.path)
        out, at = [], 0
        for name, size in zip(self.names, self.sizes, strict=True):
            out.append(Member(name, data[at : at + size]))
            at += size
        return out


@dataclass(frozen=True)
class Batch:
    jobs: tuple[FileJob, ...]
    settings: Settings
    archive: str = ""
    spooled: Spooled | None = None
    """Members of the archive ``archive`` another worker read and spooled, to scan here
    (no jobs)."""

    @property
    def handed(self) -> int:
        """Archive members in this batch (handed over by the worker that read them)."""
        return len(self.spooled.names) if self.spooled else 0


@dataclass
class FileResult:
    """What scanning one file on disk produced (its archive members included)."""

    display: str
    size: int = 0
    """The file's size when the walk listed it (what progress counts as done)."""
    hits: list[Hit] = field(default_factory=list)
    skips: list[tuple[str, str]] = field(default_factory=list)
    scanned_bytes: int = 0
    members: int = 0
    archives: int = 0
    web: list[Signal] = field(default_factory=list)
    """Signals of the website analysis when the file is HTML, JavaScript or WebAssembly."""
    script: list[Signal] = field(default_factory=list)
    """Signals of the dropper-script analysis when the file is text (MH-SCRIPT-*)."""
    shares: int = 0
    """Shares of archive members read here and handed to other workers to scan."""


def scan_batch(batch: Batch) -> list[FileResult]:
    """Scan every file of ``batch`` (or the archive members it carries) with this process's
    rules."""
    if batch.spooled is not None:
        f = _File(FileJob(batch.archive, batch.archive, 0), batch.settings)
        try:
            handed = batch.spooled.members()
        except OSError as e:
            where = f"{batch.archive} ({batch.handed} members)"
            return [f.skip(where, f"members handed over between workers lost: {_oserror(e)}")]
        for member in handed:
            f.member(member, 0, Budget())
        return [f.result]
    return [_File(job, batch.settings).scan() for job in batch.jobs]


def _lines(data: bytes, matches: Sequence[RuleMatch]) -> tuple[int | None, ...]:
    return tuple(data.count(b"\n", 0, m.offsets[0]) + 1 if m.offsets else None for m in matches)


_TEXTUAL = (FileType.TEXT, FileType.SCRIPT)
DECODED = "MH-WEB-020"
"""The website checks' signal that a script's obfuscation was decoded."""
WEB_MAX_BYTES = 8 << 20
"""Larger HTML/JS/WASM files get the rules only, not the website analysis."""
SCRIPT_MAX_BYTES = 512 << 10
"""Larger text files get the rules only, not the dropper-script analysis."""
SPREAD_CHUNK = 4 << 20
"""Bytes of archive members per share handed out; an archive that expands to less is
scanned where it is read."""
SPREAD_MAX = 256 << 20
"""Bytes of one archive's members handed to others at most; beyond, the reader scans them
itself (handed shares wait in the calling process until a worker is free)."""


class _File:
    def __init__(self, job: FileJob, settings: Settings) -> None:
        self.job = job
        self.settings = settings
        self.result = FileResult(job.display, job.size)
        self._share: list[Member] = []
        self._share_bytes = 0
        self._shares = 0
        self._held = 0

    def skip(self, target: str, reason: str) -> FileResult:
        self.result.skips.append((target, reason))
        return self.result

    def scan(self) -> FileResult:
        job = self.job
        try:
            # O_NONBLOCK: a FIFO swapped in after the walk must not block the worker.
            fd = os.open(job.path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
        except OSError as e:
            return self.skip(job.display, _oserror(e))
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return self.skip(job.display, "not a regular file any more")
            if st.st_size > self.settings.max_file_size:
                return self.skip(job.display, too_large(st, self.settings.max_file_size))
            if st.st_size == 0:
                return self.result
            try:
                head = fh.read(HEAD_BYTES)
            except OSError as e:
                return self.skip(job.display, _oserror(e))
            ftype = sniff(head)
            script = _is_script(job.display, ftype, head, st.st_size)
            found: Found | None = None
            try:
                if script:
                    matches, results = script_rules(pool.rules()).scan_file_results(
                        job.path, timeout=self.settings.timeout
                    )
                    found = _found(results)
                else:
                    matches = pool.rules().scan_file(job.path, timeout=self.settings.timeout)
            except yara_x.TimeoutError:
                return self.skip(job.display, f"scan timed out after {self.settings.timeout} s")
            except yara_x.ScanError as e:
                return self.skip(job.display, f"cannot scan: {e}")
            self.result.scanned_bytes += st.st_size
            if matches:
                lines: tuple[int | None, ...] = ()
                if ftype in _TEXTUAL:
                    fh.seek(0)
                    lines = _lines(
                        fh.read(max((m.offsets[0] for m in matches if m.offsets), default=0)),
                        matches,
                    )
                self.result.hits.append(Hit(job.display, ftype.value, tuple(matches), lines))
            if ftype in (*_TEXTUAL, FileType.WASM):
                try:
                    with timebox(self.settings.timeout):
                        self.checks(fh, st.st_size, ftype, head, found)
                except TimedOut as e:
                    self.skip(job.display, f"checks {e}; the rules' matches are kept")
            if ftype is FileType.ELF and (why := elf_truncation(head, st.st_size)):
                self.skip(job.display, f"{why}; only its raw bytes were scanned")
            if ftype.is_archive and self.settings.archives.max_depth > 0:
                fh.seek(0)
                self.expand(fh, ftype, job.display, 1, Budget())
                self._hand_out()
        return self.result

    def checks(
        self, fh: IO[bytes], size: int, ftype: FileType, head: bytes, found: Found | None = None
    ) -> None:
        """The Python checks after the rules: website, deployment or dropper-script.
        ``found``: the website hint literals the rules' pass found in a script."""
        display = self.job.display
        decoded = False
        if size <= WEB_MAX_BYTES and ftype in (*_TEXTUAL, FileType.WASM):
            fh.seek(0)
            content = fh.read(WEB_MAX_BYTES)
            if len(content) != size:  # changed since the rules read it
                found = None
            web = web_signals(display, content, found)
            decoded = any(s.evidence.check_id == DECODED for s in web)
            self.result.web.extend(web)
        deploy = None
        if size <= WEB_MAX_BYTES and ftype in _TEXTUAL:
            fh.seek(0)
            deploy = deploy_file_signals(display, head, fh, self.skip)
        # A Dockerfile's `RUN curl | sh` is a build step (MH-DEPLOY-004, low there), not
        # a dropper script: deployment files get their own analysis only.
        if deploy is not None:
            self.result.web.extend(deploy)
        elif size <= SCRIPT_MAX_BYTES and ftype in _TEXTUAL:
            fh.seek(0)
            content = fh.read(SCRIPT_MAX_BYTES)
            self.result.script.extend(script_signals(display, content, decoded=decoded))

    def _deal(self, member: Member) -> None:
        """Spread an archive's plain members over the workers: shares of SPREAD_CHUNK bytes
        are handed to the pool as they fill, one in ``spread + 1`` is scanned here (this
        worker also inflates the archive). Members that are archives stay here, where the
        expansion budget is counted."""
        self._share.append(member)
        self._share_bytes += len(member.data)
        if self._share_bytes >= SPREAD_CHUNK:
            self._hand_out()

    def _hand_out(self) -> None:
        share, self._share, self._share_bytes = self._share, [], 0
        if not share:
            return
        mine = self._shares % (self.settings.spread + 1) == 0
        self._shares += 1
        size = sum(len(m.data) for m in share)
        if not mine and self._held + size <= SPREAD_MAX:
            path = pool.spool([m.data for m in share])
            if path is not None:
                names = tuple(m.display for m in share)
                spooled = Spooled(path, names, tuple(len(m.data) for m in share))
                pool.hand_over(Batch((), self.settings, archive=self.job.display, spooled=spooled))
                self._held += size
                self.result.shares += 1
                return
        for m in share:
            self.member(m, 0, Budget())

    def expand(
        self, fh: IO[bytes], ftype: FileType, display: str, depth: int, budget: Budget
    ) -> None:
        """Scan the members of an archive, and of archives inside it down to max_depth."""
        limits = self.settings.archives
        self.result.archives += 1
        for item in members(fh, ftype, display, limits, budget):
            if not isinstance(item, Member):
                self.skip(item.target, item.reason)
                continue
            self.result.members += 1
            if self.settings.spread > 1 and not sniff(item.data[:HEAD_BYTES]).is_archive:
                self._deal(item)
                continue
            self.member(item, depth, budget)

    def member(self, item: Member, depth: int, budget: Budget) -> None:
        """Scan one archive member (and expand it when it is an archive itself)."""
        limits = self.settings.archives
        sub = sniff(item.data[:HEAD_BYTES])
        try:
            matches = pool.rules().scan(item.data, timeout=self.settings.timeout)
        except yara_x.TimeoutError:
            self.skip(item.display, f"scan timed out after {self.settings.timeout} s")
            return
        except yara_x.ScanError as e:
            self.skip(item.display, f"cannot scan: {e}")
            return
        self.result.scanned_bytes += len(item.data)
        if matches:
            lines = _lines(item.data, matches) if sub in _TEXTUAL else ()
            self.result.hits.append(Hit(item.display, sub.value, tuple(matches), lines))
        if sub.is_archive:
            if depth >= limits.max_depth:
                self.skip(
                    item.display,
                    f"archive nested deeper than {limits.max_depth} levels; not opened",
                )
            else:
                self.expand(io.BytesIO(item.data), sub, item.display, depth + 1, budget)


def _is_script(display: str, ftype: FileType, head: bytes, size: int) -> bool:
    """Will the website checks read this file as JavaScript (as a whole)?"""
    if ftype not in _TEXTUAL or size > WEB_MAX_BYTES:
        return False
    from minehunt.web.static import kind_of

    return kind_of(display, head, None) == "script"


def warm() -> None:
    """Import what the checks of a web root's files use, in a worker that has just started
    (while the calling process compiles the rules), not on its first script."""
    from minehunt import intel
    from minehunt.dropper import behaviours
    from minehunt.web import script, static  # noqa: F401

    intel.default()
    behaviours.prepare()


def script_rules(ruleset: RuleSet) -> RuleSet:
    """``ruleset`` plus the website hint rule: one pass over a script gives the rule matches
    and the places the script analysis looks at (a second YARA-X pass over every script
    cost a third of that analysis). Compiled once per process, or once before the workers
    start (they receive it with the rules)."""
    from minehunt import intel
    from minehunt.web import hints

    return ruleset.plus(hints.NAMESPACE, hints.source(intel.default()), hints.MAX_ANCHORS)


def _found(results: yara_x.ScanResults) -> Found:
    from minehunt import intel
    from minehunt.web import hints

    return hints.found_in(results, intel.default())


def web_signals(display: str, content: bytes, found: Found | None = None) -> list[Signal]:
    """The website checks (MH-WEB-*) on a web root's HTML, JS or WASM file, so a site owner
    can gate CI on ``scan files``. Rule matches are left out: the YARA scan reports them.
    ``found``: the hint literals the rules' pass found in ``content``."""
    from minehunt.web.script import rules_scanned_elsewhere
    from minehunt.web.static import analyse_document, kind_of

    if kind_of(display, content, None) == "other":
        return []
    with rules_scanned_elsewhere():
        signals = analyse_document(display, content, found=found)
    return [s for s in signals if s.evidence.check_id != "MH-WEB-002"]


def deploy_file_signals(
    display: str, head: bytes, fh: IO[bytes], skip: Callable[[str, str], object]
) -> list[Signal] | None:
    """Kubernetes manifests, compose files and Dockerfiles (MH-DEPLOY-*); None for a file
    that is none of them. A file over a deployment limit is reported to ``skip``."""
    from minehunt.cloud.deploy import MAX_BYTES, DeployLimit, deploy_signals, kind_of

    kind = kind_of(display, head)
    if kind is None:
        return None
    from minehunt import intel

    try:
        return deploy_signals(intel.default(), display, fh.read(MAX_BYTES + 1), kind)
    except DeployLimit as e:
        skip(display, str(e))
        return []


_RUNTIME_SPAWN = re.compile(rb"\b(?:Deno\.(?:Command|run)\b|Bun\.(?:spawn|\$))")


_SPLIT_MODULE = re.compile(rb"""require\([^\S\n]*(['"])[^'"\n]{0,40}\1[^\S\n]*\+""")
"""A module named by concatenation (``require("ch" + "ild_process")``): a name split so that
no literal shows what is loaded."""


def starts_programs(script: bytes) -> bool:
    """Can this JavaScript start other programs? Node's child_process module (also behind
    ``node:``, in an import, in a bundle, or loaded by a name split into pieces),
    Deno.Command / Deno.run, Bun.spawn / Bun.$. Literals first: a pattern that starts with
    ``\b`` is tried at every position."""
    if b"child_process" in script:
        return True
    if b"require(" in script and _SPLIT_MODULE.search(script):
        return True
    return (b"Deno." in script or b"Bun." in script) and _RUNTIME_SPAWN.search(script) is not None


_BLOB = re.compile(rb"[A-Za-z0-9+/]{200,}")


def evaluates_a_blob(script: bytes) -> bool:
    """Does this JavaScript evaluate a decoded base64 string (``eval`` or ``Function`` with
    ``atob`` or a base64 Buffer, and a blob of 200 characters or more)? What it starts
    programs with may be inside; the dropper analysis decodes the blob."""
    return (
        (b"eval(" in script or b"Function(" in script)
        and (b"atob(" in script or b"base64" in script)
        and _BLOB.search(script) is not None
    )


# TypeScript (declarations included) is JavaScript with types: the same gate.
_TS_SUFFIXES = (".ts", ".mts", ".cts")


def script_signals(display: str, content: bytes, *, decoded: bool = False) -> list[Signal]:
    """The dropper-script checks (MH-SCRIPT-*) on a text file. HTML is left to the website
    checks, and so is JavaScript or TypeScript that cannot start a program (a minified
    bundle or a type declaration is no shell script); code that can is also a dropper's way
    in (an npm install script runs ``curl ... | sh`` or the miner through child_process),
    and its commands are strings. So is code that evaluates a decoded blob, where those
    strings may be hidden, and any file that starts with ``#!`` whatever its name.

    ``decoded``: the website checks decoded this script's obfuscation (MH-WEB-020). An
    obfuscator hides ``child_process`` and the commands in an encoded string array, or
    leaves them there in pieces: such code is analysed in its decoded text first."""
    from minehunt import dropper, intel
    from minehunt.web.signals import target_for
    from minehunt.web.static import kind_of

    kind = kind_of(display, content, None)
    if kind == "html":
        return []
    code = kind == "script" or display.lower().endswith(_TS_SUFFIXES)
    if code and not content.startswith(b"#!"):
        if decoded and (found := _decoded_script_signals(display, content)):
            return found
        if not (starts_programs(content) or evaluates_a_blob(content)):
            return []
    return dropper.file_signals(target_for(display), content, intel.default(), display)


def _decoded_script_signals(display: str, content: bytes) -> list[Signal]:
    """The dropper checks on the deobfuscated text of a script, when that text can start
    programs; each observation says it was seen in the decoded text, and its line numbers
    are that text's (the obfuscated file is often one line)."""
    from minehunt import dropper, intel
    from minehunt.web.deobfuscate import deobfuscate
    from minehunt.web.signals import target_for

    try:
        deob = deobfuscate(content.decode("utf-8", "replace"))
    except (ValueError, RecursionError, OverflowError, MemoryError):
        return []  # as in the website checks: hostile input, the plain analysis stands
    text = deob.text.encode("utf-8", "surrogatepass")
    if not deob.changed or not (starts_programs(text) or evaluates_a_blob(text)):
        return []
    how = deob.describe()
    sigs = dropper.file_signals(target_for(display), text, intel.default(), display)
    return [_seen_decoded(s, how) for s in sigs]


def _seen_decoded(sig: Signal, how: str) -> Signal:
    ev = sig.evidence
    attrs = {**ev.attributes, "decoded": how[:500]}
    summary = f"decoded ({how[:120]}): {ev.summary}"
    return replace(sig, evidence=replace(ev, summary=summary, line=None, attributes=attrs))


def too_large(st: os.stat_result, limit: int) -> str:
    on_disk = st.st_blocks * 512
    sparse = f" (sparse: {on_disk} bytes on disk)" if on_disk < st.st_size // 2 else ""
    return f"{st.st_size} bytes{sparse}, larger than --max-file-size {limit}"


def _oserror(e: OSError) -> str:
    if isinstance(e, PermissionError):
        return "permission denied"
    if isinstance(e, FileNotFoundError):
        return "vanished during the scan"
    return e.strerror or str(e)

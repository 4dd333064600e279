"""From findings to a plan: which processes to stop, which files to quarantine, which lines
to take out. Only what a finding names is ever touched."""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minehunt.model import Finding, Severity, TargetKind

from . import persistence as edits
from .interface import Action, ActionKind, ProcRef, printable
from .processes import TEMP_DIRS, Protection, exe_of, read_stat, ref, tree

LINE_KINDS = ("cron", "rc", "profile", "ssh")
"""Start-up files handled a line at a time (host/persistence.py target names)."""
SETTINGS = {
    "nmi_watchdog": ("proc/sys/kernel/nmi_watchdog", "1"),
    "hugepages": ("proc/sys/vm/nr_hugepages", "0"),
    "msr": ("sys/module/msr/parameters/allow_writes", "off"),
}
_ORDER = (
    ActionKind.SUSPEND,
    ActionKind.STOP_CONTAINER,
    ActionKind.DISABLE_UNIT,
    ActionKind.CAPTURE,
    ActionKind.KILL,
    ActionKind.QUARANTINE,
    ActionKind.REMOVE_LINE,
    ActionKind.RESTORE_SETTING,
)


@dataclass(frozen=True)
class PlanOptions:
    root: Path = Path("/")
    """Where the scanned start-up files live ('/' for this host)."""
    min_severity: Severity = Severity.HIGH
    protect: Protection = field(default_factory=Protection)
    only_pids: frozenset[int] | None = None
    """Act only on these processes (and their trees); None: every process finding."""
    quarantine: Path | None = None
    """Never plan to move anything from inside the quarantine itself."""
    stop_containers: bool = False
    """Also stop the container a miner process runs in (its runtime's CLI)."""


@dataclass(frozen=True)
class Refusal:
    """A finding (or part of one) the plan leaves alone, and why."""

    target: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "reason": self.reason}


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    refused: tuple[Refusal, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "actions": [a.to_dict() for a in self.actions],
            "refused": [r.to_dict() for r in self.refused],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Plan:
        return cls(
            actions=tuple(Action.from_dict(a) for a in d.get("actions", ())),
            refused=tuple(Refusal(**r) for r in d.get("refused", ())),
        )

    def for_finding(self, fingerprint: str) -> list[Action]:
        return [a for a in self.actions if a.finding == fingerprint]


class _Builder:
    def __init__(self, opts: PlanOptions) -> None:
        self.opts = opts
        self.actions: list[Action] = []
        self.refused: list[Refusal] = []
        self.pids: set[int] = set()
        self.paths: set[str] = set()
        self.lines: set[tuple[str, str]] = set()
        self.containers: set[str] = set()
        own = [Path(sys.executable).resolve(), Path(__file__).resolve().parents[1]]
        if opts.quarantine is not None:
            own.append(opts.quarantine.resolve())
        self.own = own

    def real(self, shown: str) -> str | None:
        """A path of the scanned system as a path on this machine; None (and a refusal) if
        '..' or a symlinked directory would lead it out of the root."""
        root = self.opts.root.resolve()
        # join, not root + "/" + shown: with root "/" that makes "//x", which normpath keeps
        # and which is then not under "/".
        joined = os.path.normpath(os.path.join(root, shown.lstrip("/")))
        parent = Path(os.path.dirname(joined)).resolve()
        if not (Path(joined).is_relative_to(root) and parent.is_relative_to(root)):
            self.refused.append(Refusal(printable(shown), f"leads outside {root}; not touched"))
            return None
        return joined

    def quarantine(self, f: Finding, path: str | None, why: str, shown: str | None = None) -> None:
        if path is None:
            return
        norm = os.path.normpath(path)
        if norm in self.paths:
            return
        try:
            st = os.lstat(norm)
        except OSError:
            return
        if not stat.S_ISREG(st.st_mode):
            return
        real = Path(norm).resolve()
        if any(real == p or real.is_relative_to(p) for p in self.own if p.is_dir() or p == real):
            self.refused.append(Refusal(printable(norm), "belongs to minehunt itself"))
            return
        self.paths.add(norm)
        self.actions.append(
            Action(ActionKind.QUARANTINE, f.fingerprint, why, path=norm, shown=shown or norm)
        )

    def remove_line(self, f: Finding, shown: str, no: int, why: str) -> None:
        real = self.real(shown)
        if real is None:
            return
        try:
            with open(real, "rb") as fh:
                lines = edits.split_lines(fh.read())
        except OSError:
            return
        if not 0 < no <= len(lines):
            return
        text = edits.as_text(lines[no - 1])
        if (real, text) in self.lines:
            return
        self.lines.add((real, text))
        self.actions.append(
            Action(
                ActionKind.REMOVE_LINE,
                f.fingerprint,
                why,
                path=real,
                shown=shown,
                line=no,
                text=text,
            )
        )

    # -- per kind of finding -------------------------------------------------------------------

    def process(self, f: Finding) -> None:
        pid = f.target.pid
        assert pid is not None
        if self.opts.only_pids is not None and pid not in self.opts.only_pids:
            return
        label = printable(f.target.label())
        why = self.opts.protect.reason(pid)
        if why:
            self.refused.append(Refusal(label, f"not touched: {why}"))
            return
        if read_stat(pid) is None:
            return  # exited since the scan
        # A process already in another finding's tree is stopped with that tree; its own
        # files are still planned below.
        members: list[ProcRef] = []
        for p in tree(pid, self.opts.protect):
            r = ref(p)
            if r is None or p in self.pids:
                continue
            reason = self.opts.protect.reason(p)
            if reason:
                self.refused.append(
                    Refusal(f"pid {p} {printable(r.name)}", f"not touched: {reason}")
                )
                continue
            members.append(r)
            self.pids.add(p)
        summary = f.summary
        box = f.target.container
        if self.opts.stop_containers and box is not None and box.id not in self.containers:
            cli = container_cli(box.runtime)
            if cli is None:
                self.refused.append(
                    Refusal(label, f"no CLI to stop {box.runtime or 'unknown'} containers")
                )
            else:
                self.containers.add(box.id)
                self.actions.append(
                    Action(
                        ActionKind.STOP_CONTAINER,
                        f.fingerprint,
                        summary,
                        shown=box.label(),
                        text=box.id,
                        extra=(cli,),
                    )
                )
        if members:
            self.actions.append(
                Action(ActionKind.SUSPEND, f.fingerprint, summary, procs=tuple(members))
            )
            self.actions.append(
                Action(ActionKind.KILL, f.fingerprint, summary, procs=tuple(members))
            )
        own = ref(pid)
        if own is not None and all(m.pid != pid for m in members):
            members.insert(0, own)
        named_exe = any(
            e.check_id in ("MH-PROC-006", "MH-PROC-007")
            or (e.check_id == "MH-PROC-001" and e.source == "exe")
            for e in f.evidence
        )
        for r in members:
            exe = exe_of(r.pid) or ""
            deleted = exe.endswith(" (deleted)") or exe.startswith("/memfd:")
            path = exe.removesuffix(" (deleted)")
            flagged = (r.pid == pid and named_exe) or path.startswith(TEMP_DIRS)
            capture = f"/proc/{r.pid}/exe"
            if deleted and (flagged or exe.startswith("/memfd:")) and capture not in self.paths:
                self.paths.add(capture)
                self.actions.append(
                    Action(
                        ActionKind.CAPTURE,
                        f.fingerprint,
                        f"running executable {exe}",
                        procs=(r,),
                        path=path,
                        shown=exe,
                    )
                )
            elif flagged and path:
                self.quarantine(f, path, f"executable of pid {r.pid}")
            for arg in _cmdline(r.pid)[1:]:
                # Where the argument really leads: '/tmp/../etc/x' or a symlinked directory
                # in /tmp must not take a system file with it.
                real = os.path.realpath(arg) if arg.startswith(TEMP_DIRS) else ""
                if real.startswith(TEMP_DIRS):
                    self.quarantine(f, real, f"script run by pid {r.pid}")
        cwd = _readlink(f"/proc/{pid}/cwd")
        for e in f.evidence:
            cfg = e.attributes.get("config")
            if e.check_id == "MH-PROC-010" and isinstance(cfg, str):
                if cfg.startswith("<cwd>") and cwd:
                    cfg = cwd + cfg[len("<cwd>") :]
                self.quarantine(f, cfg, "miner configuration")
            pinned = e.attributes.get("pinned")
            if e.check_id == "MH-NET-002" and isinstance(pinned, str):
                self.hosts_pin(f, str(e.attributes.get("raddr", "")), pinned)

    def hosts_pin(self, f: Finding, raddr: str, domain: str) -> None:
        ip = raddr.rsplit(":", 1)[0].strip("[]")
        real = self.real("/etc/hosts")
        if real is None:
            return
        try:
            with open(real, "rb") as fh:
                lines = edits.split_lines(fh.read())
        except OSError:
            return
        for no, raw in enumerate(lines, 1):
            parts = edits.as_text(raw).split("#", 1)[0].split()
            if len(parts) >= 2 and parts[0] == ip and domain in (n.lower() for n in parts[1:]):
                self.remove_line(f, "/etc/hosts", no, f"/etc/hosts pins pool {domain} to {ip}")

    def file(self, f: Finding) -> None:
        t = f.target
        shown = t.path or ""
        ids = {e.check_id for e in f.evidence}
        if "MH-TAMP-001" in ids:
            self.preload(f, shown)
        elif t.name == "systemd":
            real = self.real(shown)
            if real is not None and os.path.isfile(real) and real not in self.paths:
                self.paths.add(real)
                unit = os.path.basename(real)
                self.actions.append(
                    Action(
                        ActionKind.DISABLE_UNIT,
                        f.fingerprint,
                        f.summary,
                        path=real,
                        shown=shown,
                        extra=tuple(edits.unit_links(self.opts.root, unit)),
                    )
                )
        elif t.name in LINE_KINDS:
            # Lines the line checks flagged; a dropper verdict's behaviours (MH-SCRIPT-*) cite
            # every line they read, cron specs of ordinary jobs included.
            lined = [
                e for e in f.evidence if e.line is not None and e.check_id.startswith("MH-PERS-")
            ]
            for e in lined:
                self.remove_line(f, shown, e.line or 0, e.summary)
            if not lined and "MH-PERS-003" in ids:
                self.quarantine(f, self.real(shown), f.summary, shown)
        elif "MH-DROP-001" in ids:
            for e in f.evidence:
                if e.check_id == "MH-DROP-001" and e.source:
                    self.quarantine(f, self.real(e.source), e.summary, e.source)
        elif ids & {"MH-DROP-002", "MH-PERS-003"}:
            self.quarantine(f, self.real(shown), f.summary, shown)

    def preload(self, f: Finding, shown: str) -> None:
        real = self.real(shown)
        if real is None:
            return
        try:
            with open(real, "rb") as fh:
                lines = edits.split_lines(fh.read())
        except OSError:
            return
        for no, raw in enumerate(lines, 1):
            text = edits.as_text(raw).strip()
            if not text or text.startswith("#"):
                continue
            self.remove_line(f, shown, no, f"ld.so.preload loads {text}")
            for lib in re.split(r"[\s:]+", text):
                if lib.startswith("/"):
                    self.quarantine(f, self.real(lib), "library preloaded into every program", lib)

    def host(self, f: Finding) -> None:
        setting = SETTINGS.get(f.target.name or "")
        if setting is None:
            return
        rel, value = setting
        real = self.real("/" + rel)
        if real is not None and os.path.isfile(real):
            self.actions.append(
                Action(
                    ActionKind.RESTORE_SETTING,
                    f.fingerprint,
                    f.summary,
                    path=real,
                    shown="/" + rel,
                    text=value,
                )
            )


def build(findings: Iterable[Finding], opts: PlanOptions) -> Plan:
    """The plan for every finding at or above ``opts.min_severity``."""
    b = _Builder(opts)
    findings = list(findings)
    # A process hidden from /proc is hidden by something: with one in the plan, the
    # ld.so.preload entries (medium on their own) are the likely hider and go too.
    hiding = any(
        f.severity >= opts.min_severity
        and any(e.check_id == "MH-TAMP-005" for e in f.evidence)
        and (opts.only_pids is None or f.target.pid in opts.only_pids)
        for f in findings
    )
    for f in findings:
        preload = hiding and any(e.check_id == "MH-TAMP-001" for e in f.evidence)
        if f.severity < opts.min_severity and not preload:
            continue
        if f.target.pid is not None:
            b.process(f)
        elif f.target.kind is TargetKind.FILE and f.target.path:
            b.file(f)
        elif f.target.kind is TargetKind.HOST:
            b.host(f)
    actions = sorted(b.actions, key=lambda a: _ORDER.index(a.kind))
    return Plan(tuple(actions), tuple(b.refused))


def quarantine_plan(finding: Finding, opts: PlanOptions) -> Plan:
    """Only quarantine the file ``finding`` names (a miner, its configuration, a dropper),
    with the same guards as a full plan (never minehunt's own files or the quarantine)."""
    b = _Builder(opts)
    shown = finding.target.path
    if shown:
        b.quarantine(finding, b.real(shown), finding.summary, shown)
    return Plan(tuple(b.actions), tuple(b.refused))


def container_cli(runtime: str | None) -> str | None:
    """The command that stops containers of ``runtime`` on this host, if installed."""
    names = {"docker": "docker", "podman": "podman"}.get(runtime or "", "crictl")
    return shutil.which(names)


def _cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            raw = fh.read()
    except OSError:
        return []
    return [a.decode("utf-8", "surrogateescape") for a in raw.split(b"\0") if a]


def _readlink(path: str) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None

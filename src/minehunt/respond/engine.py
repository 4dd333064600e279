"""Carry out a plan: each action journaled before and after, one failure never stops the
others (a journal that cannot be written does: nothing runs unrecorded)."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from . import persistence as edits
from . import processes, quarantine
from .interface import Action, ActionError, ActionKind, JournalError, printable
from .journal import Journal, write_manifest
from .plan import Plan

log = logging.getLogger("minehunt.respond")


@dataclass(frozen=True)
class Result:
    action: Action
    ok: bool
    detail: str
    """What was done, or the error in words a user can act on."""


@dataclass(frozen=True)
class Response:
    id: str
    journal: Path
    results: tuple[Result, ...]
    aborted: str | None = None
    """Set when the journal failed and the remaining actions were not run."""

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if not r.ok]

    def action_for(self, fingerprint: str) -> str | None:
        """The one-line 'action' of the finding with this fingerprint."""
        parts = []
        for r in self.results:
            if r.action.finding == fingerprint and r.action.kind is not ActionKind.SUSPEND:
                parts.append(r.detail if r.ok else f"FAILED {r.action.describe()}: {r.detail}")
        return "; ".join(parts) or None


class Engine:
    def __init__(self, root: Path, protect: processes.Protection, journal: Journal) -> None:
        self.root = root
        self.protect = protect
        self.j = journal
        self._n = 0

    def _stored(self, i: int) -> str:
        return str(self.j.files_dir() / f"{i:04d}")

    def run(self, rid: str, plan: Plan, argv: list[str]) -> Response:
        self.j.write(
            "start",
            id=rid,
            root=str(self.root),
            argv=argv,
            pid=os.getpid(),
            actions=len(plan.actions),
        )
        results: list[Result] = []
        aborted = None
        try:
            for i, a in enumerate(plan.actions):
                results.append(self._one(i, a))
            self.j.write(
                "end", done=sum(r.ok for r in results), failed=sum(not r.ok for r in results)
            )
        except JournalError as e:
            aborted = str(e)
        try:
            write_manifest(self.j.dir)
        except OSError as e:
            log.warning("cannot write the manifest in %s: %s", self.j.dir, e.strerror)
        return Response(rid, self.j.path, tuple(results), aborted)

    def _one(self, i: int, a: Action) -> Result:
        try:
            detail = self._do(i, a)
        except (ActionError, OSError) as e:
            msg = str(e) if isinstance(e, ActionError) else f"{e.strerror or e}"
            self.j.write("failed", action=i, error=msg)
            log.warning("%s failed: %s", a.describe(), msg)
            return Result(a, False, msg)
        self.j.write("done", action=i, detail=detail)
        log.info("%s", detail)
        return Result(a, True, detail)

    def _do(self, i: int, a: Action) -> str:
        rec = a.to_dict()
        match a.kind:
            case ActionKind.SUSPEND:
                self.j.write("begin", action=i, **rec)
                stopped = processes.suspend(a.procs, self.protect)
                return "suspended pid " + ", ".join(str(r.pid) for r in stopped)
            case ActionKind.KILL:
                self.j.write("begin", action=i, **rec)
                killed = processes.kill(a.procs, self.protect)
                return "killed pid " + ", ".join(str(p) for p in killed)
            case ActionKind.CAPTURE:
                src = f"/proc/{a.procs[0].pid}/exe"
                if not processes.alive(a.procs[0]):
                    raise ActionError(f"pid {a.procs[0].pid} exited before its copy was taken")
                dest = self._stored(i)
                self.j.write("begin", action=i, stored=dest, **rec)
                sha = quarantine.store(src, dest)
                return (
                    f"copied running {printable(a.shown or '')} (sha256 {sha[:12]}) to quarantine"
                )
            case ActionKind.QUARANTINE:
                return self._quarantine(i, a, rec)
            case ActionKind.REMOVE_LINE:
                return self._remove_line(i, a, rec)
            case ActionKind.DISABLE_UNIT:
                return self._disable_unit(i, a, rec)
            case ActionKind.STOP_CONTAINER:
                self.j.write("begin", action=i, **rec)
                return processes.stop_container(a.extra[0], a.text or "")
            case ActionKind.RESTORE_SETTING:
                path = a.path or ""
                before = edits.read_setting(path)
                self.j.write("begin", action=i, before=before, **rec)
                edits.write_setting(path, a.text or "")
                return f"set {a.shown} from {before} to {a.text}"

    def _quarantine(self, i: int, a: Action, rec: dict[str, object]) -> str:
        path = a.path or ""
        try:
            meta = quarantine.read_meta(path)
        except FileNotFoundError as e:
            raise ActionError(
                f"{printable(path)} disappeared before it could be quarantined"
            ) from e
        dest = self._stored(i)
        self.j.write(
            "begin", action=i, stored=dest, meta=meta.to_dict(), dir_flags=_dir_flags(path), **rec
        )
        sha = quarantine.store(path, dest)
        if sha != meta.sha256:
            os.unlink(dest)
            raise ActionError(f"{printable(path)} changed while being copied; left in place")
        quarantine.unlock(os.path.dirname(path))
        quarantine.remove_original(path, meta)
        return f"quarantined {printable(a.shown or path)}"

    def _remove_line(self, i: int, a: Action, rec: dict[str, object]) -> str:
        path = a.path or ""
        try:
            meta = quarantine.read_meta(path)
            with open(path, "rb") as fh:
                data = fh.read()
        except FileNotFoundError as e:
            raise ActionError(f"{printable(path)} disappeared before it could be edited") from e
        new = edits.without_line(data, a.line or 0, a.text or "")
        after = hashlib.sha256(new).hexdigest()
        dest = self._stored(i)
        self.j.write(
            "begin",
            action=i,
            stored=dest,
            meta=meta.to_dict(),
            after_sha256=after,
            dir_flags=_dir_flags(path),
            **rec,
        )
        if quarantine.store(path, dest) != meta.sha256:
            os.unlink(dest)
            raise ActionError(f"{printable(path)} changed while being copied; left in place")
        quarantine.unlock(os.path.dirname(path))
        edits.write_replacing(path, new, meta)
        return f"removed line {a.line} of {printable(a.shown or path)}"

    def _disable_unit(self, i: int, a: Action, rec: dict[str, object]) -> str:
        path = a.path or ""
        unit = os.path.basename(path)
        try:
            meta = quarantine.read_meta(path)
        except FileNotFoundError as e:
            raise ActionError(f"{printable(path)} disappeared before it could be disabled") from e
        links = {link: os.readlink(link) for link in a.extra if os.path.islink(link)}
        mask = edits.mask_path(self.root, unit)
        dest = self._stored(i)
        self.j.write(
            "begin",
            action=i,
            stored=dest,
            meta=meta.to_dict(),
            links=links,
            mask=mask,
            dir_flags=_dir_flags(path),
            **rec,
        )
        live = edits.systemd_live(self.root)
        notes = []
        if live:
            for verb in ("stop", "disable"):
                if complaint := edits.systemctl(verb, unit):
                    notes.append(f"systemctl {verb}: {complaint}")
        if quarantine.store(path, dest) != meta.sha256:
            os.unlink(dest)
            raise ActionError(f"{printable(path)} changed while being copied; left in place")
        quarantine.unlock(os.path.dirname(path))
        quarantine.remove_original(path, meta)
        for link in links:
            with contextlib.suppress(FileNotFoundError):  # systemctl disable did it
                os.unlink(link)
        if not os.path.lexists(mask):
            os.makedirs(os.path.dirname(mask), exist_ok=True)
            os.symlink("/dev/null", mask)
        if live:
            edits.systemctl("daemon-reload")
        tail = f" ({'; '.join(notes)})" if notes else ""
        return f"disabled and masked {printable(a.shown or unit)}, unit file quarantined{tail}"


def _dir_flags(path: str) -> int:
    """The inode flags of the file's directory: an attacker's `chattr +i ~/.ssh` is lifted
    for the edit and put back by undo."""
    return quarantine.get_flags(os.path.dirname(path) or "/")

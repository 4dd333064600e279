"""Undo a response from its journal: every quarantined file and every edited start-up file
back byte for byte with its metadata. Processes are not restarted.

Undo trusts the journal's 'begin' records, not its 'done' records: after a crash the state
of an action is read from the files themselves (is the original still there, is the file
the one minehunt wrote).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import persistence as edits
from . import quarantine
from .interface import ActionError, ActionKind, RespondError, printable
from .journal import Journal, read
from .quarantine import FileMeta


@dataclass(frozen=True)
class UndoResult:
    action: int
    outcome: str
    """restored, unchanged (nothing to undo), refused (changed since; see --force), failed."""
    detail: str


def _restore_file(rec: dict[str, Any], force: bool, edited: bool) -> tuple[str, str]:
    path, stored = rec["path"], rec["stored"]
    meta = FileMeta.from_dict(rec["meta"])
    shown = printable(rec.get("shown") or path)
    if quarantine.matches(path, meta.sha256):
        return "unchanged", f"{shown} is already the original"
    if not os.path.isfile(stored):
        return "unchanged", f"{shown}: the copy was never made, so the original was not touched"
    ours = edited and quarantine.matches(path, rec.get("after_sha256", ""))
    if os.path.lexists(path) and not ours and not force:
        return "refused", f"{shown} was changed since the response; --force overwrites it"
    if not os.path.lexists(path) and edited and not force:
        return "refused", f"{shown} was deleted since the response; --force restores it"
    parent = os.path.dirname(path) or "/"
    dir_flags = int(rec.get("dir_flags", 0))
    if os.path.isdir(parent):
        quarantine.unlock(parent)
    quarantine.restore(stored, path, meta)
    if dir_flags & quarantine.LOCK_FLAGS:
        quarantine.set_flags(parent, dir_flags)
    return "restored", f"restored {shown} (sha256 {meta.sha256[:12]})"


def _undo_unit(rec: dict[str, Any], force: bool) -> tuple[str, str]:
    mask = rec.get("mask")
    if mask and os.path.islink(mask) and os.readlink(mask) == "/dev/null":
        os.unlink(mask)
    outcome, detail = _restore_file(rec, force, edited=False)
    if outcome == "refused":
        return outcome, detail
    for link, target in rec.get("links", {}).items():
        if not os.path.lexists(link):
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink(target, link)
    if edits.systemd_live(Path(rec.get("root", "/"))):
        edits.systemctl("daemon-reload")
    return outcome, detail + " and re-enabled it (not started)"


def _undo_setting(rec: dict[str, Any], force: bool) -> tuple[str, str]:
    path, before, ours = rec["path"], rec["before"], rec.get("text", "")
    now = edits.read_setting(path)
    if now == before:
        return "unchanged", f"{rec.get('shown')} is already {before}"
    if now != ours and not force:
        return "refused", f"{rec.get('shown')} is now {now}, not {ours}; --force sets it back"
    edits.write_setting(path, before)
    return "restored", f"set {rec.get('shown')} back to {before}"


def undo(directory: Path, *, force: bool = False) -> list[UndoResult]:
    """Undo the response whose files are in ``directory``; each step is journaled."""
    recs = read(directory / "journal.jsonl")
    start = next((r for r in recs if r["event"] == "start"), {})
    begun = {r["action"]: r for r in recs if r["event"] == "begin"}
    restored = {r["action"] for r in recs if r["event"] == "undo" and r["outcome"] == "restored"}
    j = Journal(directory)
    j.write("undo-start", pid=os.getpid(), force=force)
    results: list[UndoResult] = []
    for i in sorted(begun, reverse=True):
        rec = {**begun[i], "root": start.get("root", "/")}
        kind = ActionKind(rec["kind"])
        # Processes and containers are not started again: that would restart the miner.
        if i in restored or kind in (
            ActionKind.SUSPEND,
            ActionKind.KILL,
            ActionKind.CAPTURE,
            ActionKind.STOP_CONTAINER,
        ):
            continue
        j.write("undo-begin", action=i)
        try:
            if kind is ActionKind.QUARANTINE:
                outcome, detail = _restore_file(rec, force, edited=False)
            elif kind is ActionKind.REMOVE_LINE:
                outcome, detail = _restore_file(rec, force, edited=True)
            elif kind is ActionKind.DISABLE_UNIT:
                outcome, detail = _undo_unit(rec, force)
            else:
                outcome, detail = _undo_setting(rec, force)
        except (ActionError, OSError) as e:
            outcome = "failed"
            detail = str(e) if isinstance(e, RespondError) else f"{e.strerror or e}"
        j.write("undo", action=i, outcome=outcome, detail=detail)
        results.append(UndoResult(i, outcome, detail))
    complete = all(r.outcome in ("restored", "unchanged") for r in results)
    j.write("undone", complete=complete)
    j.close()
    return results

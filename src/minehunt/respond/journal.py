"""The append-only journal of one response: JSON lines, each fsync'd before the next step.

Every action writes a 'begin' record (with what undo needs: metadata, where the copy goes)
before it touches anything, and a 'done' or 'failed' record after; a crash leaves a
readable record that undo can act on. Undo appends its own records to the same file.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minehunt.model import now_iso

from .interface import JournalError

JOURNAL = "journal.jsonl"
FILES = "files"
DEFAULT_DIR = Path("/var/lib/minehunt/quarantine")
ENV_DIR = "MINEHUNT_QUARANTINE_DIR"
# Crash-consistency testing: stop (SIGSTOP) this process right after the Nth record, so a
# test can SIGKILL it at a known point.
ENV_STOP_AFTER = "MINEHUNT_RESPOND_STOP_AFTER"


def quarantine_dir(option: Path | None) -> Path:
    """--quarantine-dir, else $MINEHUNT_QUARANTINE_DIR, else /var/lib/minehunt/quarantine."""
    if option is not None:
        return option
    env = os.environ.get(ENV_DIR)
    return Path(env) if env else DEFAULT_DIR


def new_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


class Journal:
    """One response's journal file, opened for appending."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.path = directory / JOURNAL
        self._written = 0
        stop = os.environ.get(ENV_STOP_AFTER, "")
        self._stop_after = int(stop) if stop.isdigit() else None
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as e:
            raise JournalError(f"cannot open the journal {self.path}: {e.strerror}") from e

    @classmethod
    def create(cls, base: Path) -> tuple[str, Journal]:
        """A new response directory (mode 0700) below ``base`` and its journal."""
        try:
            if not base.is_dir():
                # A directory we create is root's alone; an existing one (even /tmp) keeps
                # its mode: each response directory below it is 0700 anyway.
                base.mkdir(mode=0o700, parents=True)
                os.chmod(base, 0o700)
            rid = new_id()
            d = base / rid
            d.mkdir(mode=0o700)
            (d / FILES).mkdir(mode=0o700)
        except OSError as e:
            raise JournalError(
                f"cannot create the quarantine directory {e.filename or base}: {e.strerror}"
            ) from e
        return rid, cls(d)

    def files_dir(self) -> Path:
        return self.dir / FILES

    def write(self, event: str, **fields: Any) -> None:
        rec = {"event": event, "time": now_iso(), **fields}
        data = (json.dumps(rec, ensure_ascii=True, sort_keys=True) + "\n").encode("ascii")
        try:
            n = os.write(self._fd, data)
            if n != len(data):
                raise OSError(28, "short write (no space left on device?)")
            os.fsync(self._fd)
        except OSError as e:
            raise JournalError(f"cannot write the journal {self.path}: {e.strerror}") from e
        self._written += 1
        if self._stop_after is not None and self._written == self._stop_after:
            os.kill(os.getpid(), signal.SIGSTOP)

    def close(self) -> None:
        os.close(self._fd)


def read(path: Path) -> list[dict[str, Any]]:
    """Every complete record; a torn last line (crash mid-write) is left out."""
    out: list[dict[str, Any]] = []
    with open(path, "rb") as fh:
        for raw in fh:
            try:
                rec = json.loads(raw)
            except ValueError:
                continue
            if isinstance(rec, dict):
                out.append(rec)
    return out


MANIFEST = "manifest.json"
_STORING = ("capture", "quarantine", "remove-line", "disable-unit")


def write_manifest(directory: Path) -> None:
    """manifest.json: every file this response stored, with its original path and metadata.

    A convenience view derived from the journal (which undo reads): written once the
    response ends, atomically."""
    recs = read(directory / JOURNAL)
    done = {r["action"] for r in recs if r["event"] == "done"}
    files = [
        {
            "kind": r["kind"],
            "path": r.get("path"),
            "shown": r.get("shown"),
            "stored": r["stored"],
            **r.get("meta", {}),
        }
        for r in recs
        if r["event"] == "begin" and r["kind"] in _STORING and r["action"] in done
    ]
    tmp = directory / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps({"files": files}, indent=2, ensure_ascii=True) + "\n")
    os.replace(tmp, directory / MANIFEST)


@dataclass(frozen=True)
class Summary:
    """One past response, for `respond list`."""

    id: str
    started: str
    root: str
    done: int
    failed: int
    state: str
    """complete, interrupted (no end record: a crash) or undone."""


def responses(base: Path) -> Iterator[tuple[str, Path]]:
    """(id, journal path) of every response below ``base``, oldest first."""
    if not base.is_dir():
        return
    for d in sorted(base.iterdir()):
        j = d / JOURNAL
        if j.is_file():
            yield d.name, j


def summarise(rid: str, path: Path) -> Summary:
    recs = read(path)
    start = next((r for r in recs if r["event"] == "start"), {})
    undone = [r for r in recs if r["event"] == "undone"]
    state = "complete" if any(r["event"] == "end" for r in recs) else "interrupted"
    if undone and undone[-1].get("complete"):
        state = "undone"
    return Summary(
        id=rid,
        started=str(start.get("time", "?")),
        root=str(start.get("root", "/")),
        done=sum(r["event"] == "done" for r in recs),
        failed=sum(r["event"] == "failed" for r in recs),
        state=state,
    )

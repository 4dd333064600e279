"""The vocabulary of a response: action kinds, one planned action, the axis's errors."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any


class RespondError(Exception):
    """Root of every error a response reports to the user."""


class JournalError(RespondError):
    """The journal cannot be written: no action may run without its record."""


class ActionError(RespondError):
    """One action could not be carried out; the rest of the response goes on."""


class ActionKind(enum.StrEnum):
    """What one action does; each has a section in docs/response.md."""

    SUSPEND = "suspend"
    """SIGSTOP a process tree, so no member can respawn another."""
    CAPTURE = "capture"
    """Copy a running deleted or memfd executable out of /proc/PID/exe into the quarantine."""
    KILL = "kill"
    """SIGKILL a (suspended) process tree and wait until it is gone."""
    QUARANTINE = "quarantine"
    """Move a file into the quarantine, with its metadata in the journal."""
    REMOVE_LINE = "remove-line"
    """Delete one line of a start-up file (crontab, rc/profile, authorized_keys, ld.so.preload,
    /etc/hosts); the original file is kept in the quarantine."""
    DISABLE_UNIT = "disable-unit"
    """Stop, disable and mask a systemd unit; the unit file goes to the quarantine."""
    RESTORE_SETTING = "restore-setting"
    """Put a kernel setting a miner changed back (NMI watchdog, huge pages, msr writes)."""
    STOP_CONTAINER = "stop-container"
    """Stop the container a miner runs in, through its runtime's CLI (with --stop-container);
    a stopped container is not restarted by its restart policy, nor by undo."""


@dataclass(frozen=True)
class ProcRef:
    """One process instance: the pid and its start time in clock ticks (pid reuse guard)."""

    pid: int
    start: int
    name: str


@dataclass(frozen=True)
class Action:
    """One planned change, with the finding it answers."""

    kind: ActionKind
    finding: str
    """Fingerprint of the finding that asked for it."""
    reason: str
    """The evidence, in one line."""
    procs: tuple[ProcRef, ...] = ()
    """SUSPEND/KILL/CAPTURE: the processes, parents first."""
    path: str | None = None
    """The file on this machine (the scan root joined with ``shown``)."""
    shown: str | None = None
    """The path as the scanned system sees it."""
    line: int | None = None
    """REMOVE_LINE: 1-based line number at plan time."""
    text: str | None = None
    """REMOVE_LINE: the exact line (bytes decoded with surrogateescape, newline excluded);
    RESTORE_SETTING: the value to write."""
    extra: tuple[str, ...] = field(default_factory=tuple)
    """DISABLE_UNIT: the unit's enablement links (wants/requires symlinks) to remove."""

    def describe(self) -> str:
        """One line for humans, with unprintable characters escaped."""
        shown = printable(self.shown or self.path or "")
        pids = ", ".join(f"{p.pid} {printable(p.name)}" for p in self.procs)
        match self.kind:
            case ActionKind.SUSPEND:
                return f"suspend pid {pids}"
            case ActionKind.KILL:
                return f"kill pid {pids}"
            case ActionKind.CAPTURE:
                return f"copy the running executable of pid {pids} ({shown}) to quarantine"
            case ActionKind.REMOVE_LINE:
                return f"remove line {self.line} of {shown}: {printable(self.text or '')[:100]}"
            case ActionKind.RESTORE_SETTING:
                return f"set {shown} to {self.text}"
            case ActionKind.DISABLE_UNIT:
                return f"stop, disable and mask systemd unit {shown}"
            case ActionKind.QUARANTINE:
                return f"quarantine {shown}"
            case ActionKind.STOP_CONTAINER:
                return f"stop {shown} with {self.extra[0] if self.extra else '?'}"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["kind"] = self.kind.value
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Action:
        return cls(
            kind=ActionKind(d["kind"]),
            finding=d["finding"],
            reason=d["reason"],
            procs=tuple(ProcRef(**p) for p in d.get("procs", ())),
            path=d.get("path"),
            shown=d.get("shown"),
            line=d.get("line"),
            text=d.get("text"),
            extra=tuple(d.get("extra", ())),
        )


def printable(text: str) -> str:
    """``text`` with newlines, control characters and undecodable bytes escaped."""
    out = []
    for ch in text:
        if ch.isprintable() and not ("\udc80" <= ch <= "\udcff"):
            out.append(ch)
        elif "\udc80" <= ch <= "\udcff":
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)

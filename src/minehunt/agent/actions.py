"""Response actions the agent runs once an admin approved them in the dashboard.

Only process actions live here, each checking that the pid still names the process the
finding was about (same start time), so a recycled pid is never hit. This is the hook for
the ``minehunt respond`` engine: register its journaled, undoable actions with
``register(action, fn)`` and they replace these (quarantine, persistence removal ...)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import psutil

Outcome = tuple[bool, str]
"""(succeeded, what happened in words)."""
Executor = Callable[[Mapping[str, Any]], Outcome]


def _same_process(target: Mapping[str, Any]) -> psutil.Process | str:
    pid, started = target.get("pid"), target.get("started")
    if not isinstance(pid, int):
        return "the finding names no process"
    try:
        proc = psutil.Process(pid)
        if started is not None and abs(proc.create_time() - float(started)) > 0.01:
            return f"pid {pid} is now another process (started at another time): left alone"
    except psutil.NoSuchProcess:
        return f"pid {pid} has already exited"
    return proc


def kill(target: Mapping[str, Any]) -> Outcome:
    proc = _same_process(target)
    if isinstance(proc, str):
        return ("already exited" in proc, proc)
    try:
        proc.kill()
    except psutil.NoSuchProcess:
        pass
    except psutil.AccessDenied as e:
        return False, f"could not kill pid {proc.pid}: {e.__class__.__name__}"
    # Dead but not yet reaped by its parent (a zombie) is killed all the same.
    deadline = time.monotonic() + 10
    while _status(proc) not in (psutil.STATUS_DEAD, psutil.STATUS_ZOMBIE):
        if time.monotonic() > deadline:
            return False, f"pid {proc.pid} still runs 10 s after SIGKILL"
        time.sleep(0.05)
    return True, f"killed pid {proc.pid} ({target.get('name') or '?'})"


def _status(proc: psutil.Process) -> str:
    try:
        return str(proc.status())
    except psutil.NoSuchProcess:
        return psutil.STATUS_DEAD


def suspend(target: Mapping[str, Any]) -> Outcome:
    proc = _same_process(target)
    if isinstance(proc, str):
        return False, proc
    try:
        proc.suspend()
    except (psutil.NoSuchProcess, psutil.AccessDenied) as e:
        return False, f"could not suspend pid {proc.pid}: {e.__class__.__name__}"
    return True, f"suspended pid {proc.pid} ({target.get('name') or '?'}); SIGCONT resumes it"


EXECUTORS: dict[str, Executor] = {"kill": kill, "suspend": suspend}


def register(action: str, fn: Executor) -> None:
    """Add or replace the executor of ``action`` (the respond engine's hook)."""
    EXECUTORS[action] = fn


def execute(action: str, target: Mapping[str, Any]) -> Outcome:
    fn = EXECUTORS.get(action)
    if fn is None:
        return False, f"this agent cannot {action!r}"
    return fn(target)

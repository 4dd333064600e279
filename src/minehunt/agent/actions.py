"""Response actions the agent runs once an admin approved them in the dashboard (or the
server's auto-approve policy did).

kill and suspend act on the finding's process, checking that the pid still names the
process the finding was about (same start time), so a recycled pid is never hit.
quarantine and respond are the ``minehunt respond`` engine's: planned from the finding,
journaled in the quarantine directory and undone with ``minehunt respond undo ID``."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import psutil

Outcome = tuple[bool, str]
"""(succeeded, what happened in words)."""
Executor = Callable[[Mapping[str, Any]], Outcome]
"""Runs one order from the server: {"id", "action", "target", "finding"}."""


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


def _engine(only_quarantine: bool) -> Executor:
    """The respond engine for the order's finding: with ``only_quarantine`` just the file
    the finding names, else the whole plan ``minehunt respond`` makes for it."""

    def run(order: Mapping[str, Any]) -> Outcome:
        from minehunt.model import Severity, finding_from_dict
        from minehunt.respond import (
            Engine,
            Journal,
            JournalError,
            PlanOptions,
            Protection,
            quarantine_dir,
        )
        from minehunt.respond import build as build_plan
        from minehunt.respond.interface import printable
        from minehunt.respond.plan import quarantine_plan

        if sys.platform != "linux":
            return False, "responses run on Linux only"
        try:
            finding = finding_from_dict(order["finding"])
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            return False, f"the order carries no usable finding ({e.__class__.__name__})"
        if finding.target.pid is not None:
            same = _same_process(order.get("target") or {})
            if isinstance(same, str):
                return False, same
        qdir = quarantine_dir(None)
        opts = PlanOptions(min_severity=Severity.INFO, protect=Protection(), quarantine=qdir)
        plan = quarantine_plan(finding, opts) if only_quarantine else build_plan([finding], opts)
        if not plan.actions:
            why = "; ".join(f"{r.target}: {r.reason}" for r in plan.refused)
            return False, f"nothing to do for this finding{': ' + why if why else ''}"
        try:
            rid, journal = Journal.create(qdir)
            resp = Engine(Path("/"), opts.protect, journal).run(
                rid, plan, ["minehunt", "agent", "response", str(order.get("id"))]
            )
            journal.close()
        except JournalError as e:
            return False, f"{e}; nothing was done without a journal"
        done = [r.detail if r.ok else f"FAILED {r.action.describe()}: {r.detail}"
                for r in resp.results]  # fmt: skip
        if resp.aborted:
            done.append(f"stopped: {resp.aborted}")
        text = printable("; ".join(done))
        return (
            not resp.failed and not resp.aborted,
            f"{text}; response {rid}, undo with: minehunt respond undo {rid}",
        )

    return run


EXECUTORS: dict[str, Executor] = {
    "kill": lambda order: kill(order.get("target") or {}),
    "suspend": lambda order: suspend(order.get("target") or {}),
    "quarantine": _engine(only_quarantine=True),
    "respond": _engine(only_quarantine=False),
}


def register(action: str, fn: Executor) -> None:
    """Add or replace the executor of ``action``."""
    EXECUTORS[action] = fn


def execute(order: Mapping[str, Any]) -> Outcome:
    action = str(order.get("action"))
    fn = EXECUTORS.get(action)
    if fn is None:
        return False, f"this agent cannot {action!r}"
    return fn(order)

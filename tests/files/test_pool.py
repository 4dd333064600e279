"""Work a pool worker hands over while it runs reaches the other workers and comes back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, cast

from minehunt import rules
from minehunt.files import pool
from minehunt.files.pool import RulePool
from minehunt.files.walker import Walker
from tests.conftest import REPO


def _work(item: tuple[str, int]) -> list[tuple[str, int, int]]:
    kind, n = item
    if kind == "split":
        # Hand over n pieces, then stay busy: the pieces must not wait for this item.
        mine = [("piece", i, os.getpid()) for i in range(n) if not pool.hand_over(("piece", i))]
        time.sleep(1.0)
        return [("split", n, os.getpid()), *mine]
    return [("piece", n, os.getpid())]


def _crashed(item: tuple[str, int], error: BaseException) -> list[tuple[str, int, int]]:
    raise AssertionError(f"{item}: {error}")


def test_handed_over_items_run_on_other_workers_while_the_first_is_busy() -> None:
    with RulePool(rules.bundled(), _work, 2, _crashed) as p:
        list(p.imap([("piece", -1), ("piece", -2)]))  # both workers started
        started = time.monotonic()
        done: list[tuple[str, int, int, float]] = []
        for result in p.imap([("split", 6)]):
            done.extend((*r, time.monotonic() - started) for r in result)
    pieces = [d for d in done if d[0] == "piece"]
    split = next(d for d in done if d[0] == "split")
    assert sorted(d[1] for d in pieces) == list(range(6))
    # Another worker did them, before the splitting item was done.
    assert all(d[2] != split[2] for d in pieces)
    assert all(d[3] < split[3] for d in pieces)


def test_inline_there_is_nobody_to_hand_over_to() -> None:
    with RulePool(rules.bundled(), _work, 1, _crashed) as p:
        results = [r for batch in p.imap([("split", 3)]) for r in batch]
    assert sorted(r[1] for r in results if r[0] == "piece") == [0, 1, 2]
    assert all(r[2] == os.getpid() for r in results)


def _helper_namespaces(_: object) -> list[str]:
    return sorted(ns for ns, _, _ in pool.rules()._plus)


def test_workers_receive_the_helper_rules_compiled_before_they_start() -> None:
    ruleset = rules.load()
    ruleset.plus("minehunt.aux", 'rule a { strings: $a = "xyz" condition: $a }', 50)
    with RulePool(ruleset, _helper_namespaces, 2, _crashed) as p:
        assert list(p.imap([1, 2])) == [["minehunt.aux"], ["minehunt.aux"]]


def test_a_walk_leaves_the_pool_spool_directory_out(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    (tmp_path / "a.txt").write_text("a")
    with RulePool(rules.bundled(), _work, 2, _crashed) as p:
        assert p.spool_dir is not None and Path(p.spool_dir).parent == tmp_path
        (Path(p.spool_dir) / "share").write_bytes(b"members in transit")
        walker = Walker([str(tmp_path)], lambda *_: None, lambda _: None)
        walker.exclude(p.spool_dir)
        assert [j.path for j in walker] == [str(tmp_path / "a.txt")]
    assert list(tmp_path.iterdir()) == [tmp_path / "a.txt"]  # removed with the pool


def _pid_and_namespaces(_: object) -> tuple[int, list[str]]:
    return os.getpid(), sorted(ns for ns, _, _ in pool.rules()._plus)


def test_workers_started_before_the_rules_scan_with_the_rules_given_later() -> None:
    with RulePool(None, _pid_and_namespaces, 2, _crashed) as p:
        p.start()
        assert p._executor is not None
        deadline = time.monotonic() + 60
        while len(p._executor._processes) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        started = set(p._executor._processes)
        assert len(started) == 2  # both running before there are rules to give them
        ruleset = rules.load()
        ruleset.plus("minehunt.late", 'rule a { strings: $a = "xyz" condition: $a }', 50)
        p.use(ruleset)
        results = list(p.imap(range(6)))
    assert {pid for pid, _ in results} <= started
    assert all(ns == ["minehunt.late"] for _, ns in results)


# A process of its own for each start method: whether a pool forks depends on the threads
# of the process that starts it, and this one runs the test suite's.
_PROGRAM = r"""
import json, os, signal, sys, threading, time
from minehunt import rules
from minehunt.files.pool import RulePool
from tests.files import test_pool as t

if sys.argv[1] == "thread":
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
with RulePool(rules.load(kinds=("web",)), t._pid_and_rule_count, 1, t._crashed) as inline:
    list(inline.imap([0]))  # the calling process now holds rules of its own
signal.signal(signal.SIGTERM, lambda *_: open(sys.argv[2], "w").write("parent's handler"))
ruleset = rules.load()
with RulePool(None, t._pid_and_rule_count, 2, t._terminated, t._warmed) as p:
    p.start()
    p.use(ruleset)
    results = list(p.imap(range(4)))
    ended = list(p.imap(["SIGTERM"]))
print(json.dumps({"method": p.method, "results": results, "ended": ended, "all": len(ruleset)}))
"""

_WARMED: list[int] = []


def _warmed() -> None:
    _WARMED.append(os.getpid())


def _pid_and_rule_count(item: object) -> tuple[int, int, list[int]] | str:
    if item == "SIGTERM":
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
        return "still running"
    return os.getpid(), len(pool.rules()), _WARMED


def _terminated(item: object, error: BaseException) -> str:
    return type(error).__name__


def _run_program(tmp_path: Path, threads: str) -> dict[str, Any]:
    marker = tmp_path / "handler-ran"
    out = subprocess.run(
        [sys.executable, "-c", _PROGRAM, threads, str(marker)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=True,
    )
    assert not marker.exists()  # the worker ended as it would without the parent's handler
    return cast(dict[str, Any], json.loads(out.stdout))


def test_a_single_threaded_process_forks_its_workers_with_the_rules_given_later(
    tmp_path: Path,
) -> None:
    run = _run_program(tmp_path, "single")
    assert run["method"] == "fork"
    # Every item ran on a worker, with the rules given to the pool (not the calling
    # process's own, smaller set), warmed once in the calling process before the fork.
    assert len(run["results"]) == 4
    parent = {pid for _, _, warmed in run["results"] for pid in warmed}
    assert all(pid not in parent and count == run["all"] for pid, count, _ in run["results"])
    assert len(parent) == 1
    assert run["ended"] == ["BrokenProcessPool"]


def test_a_process_running_threads_spawns_its_workers(tmp_path: Path) -> None:
    run = _run_program(tmp_path, "thread")
    assert run["method"] == "spawn"
    assert len(run["results"]) == 4
    # Warmed in each worker as it started, not in the calling process.
    assert all(warmed == [pid] for pid, count, warmed in run["results"])
    assert all(count == run["all"] for _, count, _ in run["results"])
    assert run["ended"] == ["BrokenProcessPool"]


_JOINS = r"""
import threading
from minehunt.files.pool import start_method
methods = set()
for _ in range(1000):
    t = threading.Thread(target=lambda: None)
    t.start()
    t.join()
    methods.add(start_method())  # the joined thread can still be ending
print(sorted(methods))
"""


def test_a_thread_just_joined_does_not_stop_a_fork() -> None:
    # The progress bar's thread is joined right before the workers start: a process whose
    # threads have all been joined forks, even while the system is still ending one.
    out = subprocess.run(
        [sys.executable, "-c", _JOINS], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert out.stdout.strip() == "['fork']"

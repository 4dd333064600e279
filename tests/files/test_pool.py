"""Work a pool worker hands over while it runs reaches the other workers and comes back."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from minehunt import rules
from minehunt.files import pool
from minehunt.files.pool import RulePool
from minehunt.files.walker import Walker


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

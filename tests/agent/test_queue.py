"""The offline queue on disk: bounded, oldest dropped with a count, survives reopening."""

from __future__ import annotations

import json
from pathlib import Path

from minehunt.agent.queue import Outbox


def test_queue_is_bounded_drops_oldest_and_counts(tmp_path: Path) -> None:
    q = Outbox(tmp_path / "q.sqlite", max_reports=3)
    keys = [q.put({"findings": [], "n": i}, "h") for i in range(5)]
    assert len(q) == 3 and q.dropped == 2
    assert [k for _, k, _ in q.peek()] == keys[2:]
    q.close()

    again = Outbox(tmp_path / "q.sqlite", max_reports=3)  # a restarted agent
    assert len(again) == 3 and again.dropped == 2
    seq, key, body = again.peek(1)[0]
    doc = json.loads(body)
    assert doc["idempotency_key"] == key and doc["hostname"] == "h" and doc["report"]["n"] == 2
    again.done(seq)
    again.reject(again.peek(1)[0][0])
    assert len(again) == 1 and again.rejected == 1
    again.close()


def test_known_states_change_with_the_report_that_announces_them(tmp_path: Path) -> None:
    q = Outbox(tmp_path / "q.sqlite")
    q.put({"findings": []}, "h", {"process:1:2": "high|MH-PROC-002"})
    assert q.known() == {"process:1:2": "high|MH-PROC-002"}
    q.remember({"process:3:4": "low|MH-PROC-009"})
    assert q.known() == {"process:3:4": "low|MH-PROC-009"}
    q.close()

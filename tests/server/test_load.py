"""200 simulated agents, each with its own credential, report for 60 s into the real server
on loopback (async httpx, bounded in flight). No request fails, no 5xx, every report is
stored exactly once, and the per-agent rate limit holds the noisy agents to their bucket
while the agents within their rate are never limited."""

from __future__ import annotations

import asyncio
import math
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select

from minehunt.server.models import FindingRow, Host, RawReport
from tests.support.fleet import finding, report_body, running_server

AGENTS = 200
NOISY = 10
"""Agents that send back to back, far over their rate."""
SECONDS = 60.0
RATE, BURST = 0.2, 5
"""The server's per-agent limit: quiet agents send one report every PACE seconds, inside
it; the burst absorbs requests bunched up in the server's queue. Noisy agents need only
send faster than one report in 5 s to be limited."""
PACE = 8.0
IN_FLIGHT = 32
FINDINGS = 3


@dataclass
class Sim:
    name: str
    credential: str
    noisy: bool
    accepted: list[str] = field(default_factory=list)
    """Idempotency keys the server answered 201 to."""
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    first_sent: float = 0.0
    last_answer: float = 0.0


async def run_agent(
    http: httpx.AsyncClient, sim: Sim, gate: asyncio.Semaphore, deadline: float, base_pid: int
) -> None:
    headers = {"Authorization": f"Bearer {sim.credential}", "Content-Type": "application/json"}
    await asyncio.sleep(random.uniform(0, PACE))  # agents do not start in lockstep
    n = 0
    while time.monotonic() < deadline:
        key = uuid.uuid4().hex
        body = report_body([finding(pid=base_pid + n * FINDINGS + i) for i in range(FINDINGS)], key)
        n += 1
        while True:  # the same report, with the same key, until the server takes it
            async with gate:
                if not sim.first_sent:
                    sim.first_sent = time.monotonic()
                try:
                    r = await http.post("/api/v1/reports", content=body, headers=headers)
                except httpx.HTTPError as e:
                    sim.errors.append(f"{e.__class__.__name__}: {e}")
                    return
                sim.last_answer = time.monotonic()
            sim.statuses[r.status_code] += 1
            if r.status_code == 201:
                sim.accepted.append(key)
                break
            if r.status_code != 429:
                sim.errors.append(f"HTTP {r.status_code}: {r.text[:200]}")
                return
            await asyncio.sleep(float(r.headers["retry-after"]))
        if not sim.noisy:
            await asyncio.sleep(PACE)


async def load(url: str, sims: list[Sim]) -> None:
    gate = asyncio.Semaphore(IN_FLIGHT)
    limits = httpx.Limits(max_connections=IN_FLIGHT * 2, max_keepalive_connections=IN_FLIGHT)
    deadline = time.monotonic() + SECONDS
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        await asyncio.gather(
            *(run_agent(http, s, gate, deadline, 1_000_000 * (i + 1)) for i, s in enumerate(sims))
        )


def test_two_hundred_agents_for_a_minute(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'fleet.sqlite'}"
    with running_server(
        db, tmp_path / "srv", "--agent-rate", str(RATE), "--agent-burst", str(BURST)
    ) as server:
        sims = [
            Sim(f"load-{i:03d}", server.enrol(f"load-{i:03d}"), noisy=i < NOISY)
            for i in range(AGENTS)
        ]
        asyncio.run(load(server.url, sims))

        assert [e for s in sims for e in s.errors] == []
        statuses = sum((s.statuses for s in sims), Counter())
        assert set(statuses) <= {201, 429}, statuses
        for s in sims:
            assert s.accepted, f"{s.name} got nothing through"
            if s.noisy:
                # Over its rate: limited, and never let through more than its bucket holds.
                assert s.statuses[429] > 0, s.statuses
                bound = BURST + RATE * (s.last_answer - s.first_sent) + 1
                assert len(s.accepted) <= math.floor(bound), (s.name, len(s.accepted), bound)
            else:
                assert s.statuses[429] == 0, (s.name, s.statuses)

        accepted = {s.name: s.accepted for s in sims}
        with server.db.session() as db_s:
            stored: dict[str, list[str]] = {}
            for name, key in db_s.execute(
                select(Host.name, RawReport.idempotency_key).join(
                    RawReport, RawReport.host_id == Host.id
                )
            ):
                stored.setdefault(name, []).append(key)
            per_host = dict(
                db_s.execute(
                    select(Host.name, func.count())
                    .join(FindingRow, FindingRow.host_id == Host.id)
                    .group_by(Host.name)
                ).all()
            )
        # Every accepted report is stored once, and nothing else is.
        assert {n: sorted(k) for n, k in stored.items()} == {
            n: sorted(k) for n, k in accepted.items()
        }
        assert per_host == {n: len(k) * FINDINGS for n, k in accepted.items()}

        # A resend of an accepted report (an agent that never heard the answer) is a no-op.
        s = sims[-1]
        r = httpx.post(
            server.url + "/api/v1/reports",
            content=report_body([finding(pid=1_000_000 * AGENTS)], s.accepted[0]),
            headers={"Authorization": f"Bearer {s.credential}", "Content-Type": "application/json"},
        )
        assert r.status_code == 200 and r.json()["duplicate"] is True, r.text
        with server.db.session() as db_s:
            total = db_s.scalar(select(func.count()).select_from(RawReport))
        assert total == sum(len(k) for k in accepted.values())

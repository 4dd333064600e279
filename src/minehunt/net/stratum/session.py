"""Session: both directions of one connection, replies paired with requests, one summary."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TypeVar

from minehunt.model import Confidence
from minehunt.net.stratum.jsonrpc import Reply
from minehunt.net.stratum.login import split_login
from minehunt.net.stratum.model import (
    Dialect,
    Direction,
    MiningMessage,
    SessionSummary,
)
from minehunt.net.stratum.stream import Record, StreamParser

_T = TypeVar("_T")
MAX_PENDING_IDS = 256
"""Request ids remembered while waiting for replies (oldest dropped first)."""
MAX_DISTINCT = 32
"""Distinct reasons and algorithms kept per session (peers choose these strings)."""
MAX_PER_ID = 32
"""Requests remembered per id: some miners reuse one id for every share (cpuminer: 4)."""


@dataclass
class _Tally:
    """Running totals, so a long session costs constant memory."""

    messages: int = 0
    first: MiningMessage | None = None
    best: dict[Direction, Confidence] = field(default_factory=dict)
    scores: dict[Dialect, int] = field(default_factory=dict)
    reasons: dict[str, Confidence] = field(default_factory=dict)
    login: str | None = None
    password: str | None = None
    worker: str | None = None
    agent: str | None = None
    endpoints: dict[Direction, str] = field(default_factory=dict)
    algorithms: dict[str, None] = field(default_factory=dict)
    offered: tuple[str, ...] = ()
    jobs: int = 0
    shares: int = 0
    accepted: int = 0
    rejected: int = 0
    difficulty: float | None = None
    extranonce: str | None = None
    nicehash: bool = False

    def add(self, m: MiningMessage, *, evidence: bool) -> None:
        self.messages += 1
        self.first = self.first or m
        if evidence:
            # Replies paired by id carry no evidence of their own.
            self.best[m.direction] = _stronger(self.best.get(m.direction), m.confidence)
            self.scores[m.dialect] = self.scores.get(m.dialect, 0) + m.confidence.rank + 1
            if m.reason in self.reasons or len(self.reasons) < MAX_DISTINCT:
                self.reasons[m.reason] = _stronger(self.reasons.get(m.reason), m.confidence)
        if m.login and self.login is None:
            self.login, self.password = m.login, m.password
        self.password = self.password or m.password
        self.worker = self.worker or m.worker
        self.agent = self.agent or m.agent
        if m.endpoint and m.method not in ("client.reconnect", "Reconnect"):
            self.endpoints.setdefault(m.direction, m.endpoint)
        if m.algorithm and len(self.algorithms) < MAX_DISTINCT:
            self.algorithms[m.algorithm] = None
        self.offered = self.offered or m.algorithms
        self.jobs += m.is_job
        self.shares += m.is_share
        if m.accepted is True:
            self.accepted += max(m.acknowledged, 1)
        elif m.accepted is False:
            self.rejected += max(m.acknowledged, 1)
        self.difficulty = m.difficulty if m.difficulty is not None else self.difficulty
        self.extranonce = self.extranonce or m.extranonce
        self.nicehash = self.nicehash or m.nicehash

    def confidence(self) -> Confidence | None:
        ranks = {side: conf.rank for side, conf in self.best.items()}
        top = max(ranks.values(), default=-1)
        if top < Confidence.MEDIUM.rank:
            return None  # vocabulary alone (eth_getWork, login+pass) is not mining
        both = len(ranks) == 2
        if both and top == Confidence.HIGH.rank and (self.jobs or self.shares):
            return Confidence.HIGH
        if top == Confidence.HIGH.rank or (both and min(ranks.values()) >= Confidence.MEDIUM.rank):
            return Confidence.MEDIUM
        return Confidence.LOW

    def stratum_hint(self) -> Dialect | None:
        """EthereumStratum once any of its specific messages was seen, else Stratum V1 if any."""
        for dialect in (Dialect.ETHEREUM_STRATUM, Dialect.STRATUM_V1):
            if dialect in self.scores:
                return dialect
        return None

    def dialect(self) -> Dialect:
        scores = dict(self.scores)
        if Dialect.ETHEREUM_STRATUM in scores:
            # EthereumStratum shares the mining.* vocabulary; its specific messages decide.
            scores[Dialect.ETHEREUM_STRATUM] += scores.pop(Dialect.STRATUM_V1, 0)
        return max(scores, key=lambda d: scores[d])


class Session:
    """Both directions of one connection (or one WebSocket): pairs requests with replies by id.

    `feed` returns the direction's mining messages plus replies it could pair; a reply that
    arrives before its request (feeds out of order) is paired when the request comes.
    """

    def __init__(self, *, max_buffer: int = 64 * 1024) -> None:
        self._parsers = {d: StreamParser(d, max_buffer=max_buffer) for d in Direction}
        self._pending: dict[str, deque[MiningMessage]] = {}
        self._orphans: dict[str, deque[Record]] = {}
        self._tally = _Tally()

    @property
    def junk(self) -> bool:
        """True once a direction is clearly not mining and nothing mining was seen."""
        return self._tally.messages == 0 and any(p.junk for p in self._parsers.values())

    def feed(self, direction: Direction, data: bytes) -> list[MiningMessage]:
        """Feed the next bytes of one direction."""
        return self._absorb(direction, self._parsers[direction]._records(data))

    def feed_text(self, direction: Direction, text: str) -> list[MiningMessage]:
        """Feed one whole text message (WebSocket frame text, logged payload) of one direction."""
        return self._absorb(direction, self._parsers[direction]._text_records(text))

    def summary(self) -> SessionSummary | None:
        """What the conversation shows so far; None unless it really is mining."""
        t = self._tally
        confidence = t.confidence()
        if confidence is None or t.first is None:
            return None
        parts = split_login(t.login, t.password)
        endpoint = t.endpoints.get(Direction.CLIENT) or t.endpoints.get(Direction.SERVER)
        reasons = sorted(t.reasons, key=lambda r: (-t.reasons[r].rank, r))[:8]
        return SessionSummary(
            dialect=t.dialect(),
            confidence=confidence,
            login=t.login,
            wallet=parts.wallet,
            worker=parts.worker or t.worker,
            password=t.password,
            agent=t.agent,
            algorithms=tuple(t.algorithms) or t.offered,
            pool_endpoint=endpoint,
            jobs=t.jobs,
            shares=t.shares,
            accepted=t.accepted,
            rejected=t.rejected,
            first_offset=t.first.offset,
            first_direction=t.first.direction,
            difficulty=t.difficulty if t.difficulty is not None else parts.difficulty,
            extranonce=t.extranonce,
            nicehash=t.nicehash,
            messages=t.messages,
            reasons=tuple(reasons),
        )

    def _absorb(self, direction: Direction, records: list[Record]) -> list[MiningMessage]:
        out: list[MiningMessage] = []
        for record in records:
            if isinstance(record, MiningMessage):
                self._tally.add(record, evidence=True)
                out.append(record)
            if record.msg_id is None or (
                isinstance(record, MiningMessage) and record.dialect is Dialect.STRATUM_V2
            ):
                continue  # notifications; V2 acknowledgements say what they acknowledge
            if direction is Direction.CLIENT and isinstance(record, MiningMessage):
                out.extend(self._request(record))
            elif direction is Direction.SERVER and self._is_reply(record):
                out.extend(self._reply(record))
        if self._tally.messages:
            hint = self._tally.stratum_hint()
            for parser in self._parsers.values():
                parser._learn(hint)
        return out

    @staticmethod
    def _is_reply(record: Record) -> bool:
        return isinstance(record, Reply) or record.method == "result"

    def _request(self, request: MiningMessage) -> list[MiningMessage]:
        assert request.msg_id is not None
        orphans = self._orphans.get(request.msg_id)
        if orphans:
            reply = orphans.popleft()
            return self._pair(request, reply)
        _remember(self._pending, request.msg_id, request)
        return []

    def _reply(self, reply: Record) -> list[MiningMessage]:
        assert reply.msg_id is not None
        pending = self._pending.get(reply.msg_id)
        if pending:
            return self._pair(pending.popleft(), reply)
        _remember(self._orphans, reply.msg_id, reply)
        return []

    def _pair(self, request: MiningMessage, reply: Record) -> list[MiningMessage]:
        if isinstance(reply, MiningMessage):
            return []  # a self-describing reply (login job, subscribe): already counted
        share = request.is_share
        message = MiningMessage(
            request.dialect,
            Direction.SERVER,
            "result" if reply.ok else "error",
            reply.msg_id,
            reply.offset,
            Confidence.LOW,
            f"reply to {request.method}" + (f": {reply.error}" if reply.error else ""),
            job_id=request.job_id,
            reply_to=request.method,
            accepted=reply.ok if share else None,
            acknowledged=1 if share else 0,
        )
        self._tally.add(message, evidence=False)
        return [message]


def _stronger(old: Confidence | None, new: Confidence) -> Confidence:
    return new if old is None or new.rank > old.rank else old


def _remember(table: dict[str, deque[_T]], key: str, value: _T) -> None:
    if key not in table and len(table) >= MAX_PENDING_IDS:
        del table[next(iter(table))]
    table.setdefault(key, deque(maxlen=MAX_PER_ID)).append(value)

"""Request-body bounds and per-agent rate limits, enforced before any handler runs."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    """ASGI middleware: refuse a body over ``max_bytes`` with 413, by its Content-Length or,
    for a chunked body, as soon as the bytes read pass the bound."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = True
                if too_big:
                    await _refuse(send, 413, "request body too large")
                    return
        # Read the whole (bounded) body before the app runs, then replay it: a body without
        # Content-Length (chunked) is refused as soon as it passes the bound.
        chunks: list[bytes] = []
        seen = 0
        more = True
        while more:
            msg = await receive()
            if msg["type"] != "http.request":  # the client went away
                return
            chunk = msg.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                await _refuse(send, 413, "request body too large")
                return
            chunks.append(chunk)
            more = bool(msg.get("more_body", False))
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RateLimiter:
    """A token bucket per agent credential: ``burst`` requests at once, ``rate`` per second
    after that. In memory, per server process: behind a load balancer each process limits
    on its own, which bounds an agent at (processes x rate)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[Any, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: Any) -> float:
        """0 if the request may go ahead, else the seconds until it may."""
        t = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), t))
            tokens = min(float(self.burst), tokens + (t - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, t)
                return 0.0
            self._buckets[key] = (tokens, t)
            return (1 - tokens) / self.rate

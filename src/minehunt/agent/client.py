"""Talking to the server: enrolment, report upload, heartbeats, with backoff and jitter."""

from __future__ import annotations

import json
import logging
import os
import random
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from minehunt import __version__

from .queue import Outbox

log = logging.getLogger("minehunt.agent")

CREDENTIAL_PREFIX = "mha_"


class Unreachable(Exception):
    """The server cannot take reports now (down, overloaded, rate limit): try again later."""

    def __init__(self, why: str, retry_after: float | None = None) -> None:
        super().__init__(why)
        self.retry_after = retry_after


class Refused(Exception):
    """The server refuses this agent (unknown, used or revoked token/credential)."""


def backoff(failures: int, base: float = 1.0, cap: float = 300.0) -> float:
    """Exponential backoff with equal jitter: half fixed, half random, so a fleet that lost
    its server together does not come back in lockstep."""
    d = min(cap, base * 2.0 ** max(0, failures - 1))
    return d / 2 + random.uniform(0, d / 2)


class Client:
    def __init__(
        self,
        server: str,
        state_dir: Path,
        token_file: Path,
        hostname: str,
        ca_file: Path | None = None,
        timeout: float = 30.0,
    ) -> None:
        verify: Any = ssl.create_default_context(cafile=str(ca_file)) if ca_file else True
        self.http = httpx.Client(base_url=server.rstrip("/"), timeout=timeout, verify=verify)
        self.state_dir, self.token_file, self.hostname = state_dir, token_file, hostname
        self._credential: str | None = None

    def close(self) -> None:
        self.http.close()

    @property
    def credential_path(self) -> Path:
        return self.state_dir / "credential.json"

    def credential(self) -> str:
        """This host's credential: saved from an earlier enrolment, given directly in the
        token file, or obtained now by spending the enrolment token."""
        if self._credential:
            return self._credential
        if self.credential_path.exists():
            self._credential = str(json.loads(self.credential_path.read_text())["credential"])
            return self._credential
        token = self.token_file.read_text().strip()
        if token.startswith(CREDENTIAL_PREFIX):
            self._credential = token
            return token
        resp = self._post(
            "/api/v1/enrol",
            json={"token": token, "hostname": self.hostname, "version": __version__},
        )
        if resp.status_code in (401, 403, 422):
            raise Refused(f"enrolment refused: {_detail(resp)}")
        if resp.status_code != 200:
            raise Unreachable(f"enrolment: HTTP {resp.status_code}")
        data = resp.json()
        self._save(data["credential"], int(data["host_id"]))
        log.warning("enrolled as host %d (%s)", data["host_id"], self.hostname)
        self._credential = str(data["credential"])
        return self._credential

    def _save(self, credential: str, host_id: int) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.credential_path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"credential": credential, "host_id": host_id}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.credential_path)

    def _post(self, path: str, **kw: Any) -> httpx.Response:
        try:
            return self.http.post(path, **kw)
        except httpx.TransportError as e:
            raise Unreachable(f"{path}: {e.__class__.__name__}: {e}") from e

    def _authed(self, path: str, content: str) -> httpx.Response:
        resp = self._post(
            path,
            content=content.encode(),
            headers={
                "Authorization": f"Bearer {self.credential()}",
                "Content-Type": "application/json",
            },
        )
        if resp.status_code == 401:
            raise Refused(f"credential refused: {_detail(resp)}")
        if resp.status_code == 429 or resp.status_code >= 500:
            retry = resp.headers.get("retry-after")
            raise Unreachable(
                f"{path}: HTTP {resp.status_code}",
                float(retry) if retry and retry.isdigit() else None,
            )
        return resp

    def flush(self, outbox: Outbox) -> int:
        """Send queued reports oldest first until the queue is empty; returns how many the
        server took. Unreachable when it stops answering (the rest stay queued)."""
        sent = 0
        while batch := outbox.peek(20):
            for seq, key, body in batch:
                resp = self._authed("/api/v1/reports", body)
                if resp.status_code in (200, 201):
                    outbox.done(seq)
                    sent += 1
                else:
                    # 4xx other than 401/429: this report will never be accepted as it is.
                    log.error(
                        "server rejected report %s: HTTP %d %s",
                        key,
                        resp.status_code,
                        _detail(resp),
                    )
                    outbox.reject(seq)
        return sent

    def responses(self) -> int:
        """Run the response actions approved for this host and report each outcome."""
        from .actions import execute

        resp = self._authed_get("/api/v1/responses")
        done = 0
        for order in resp.json():
            ok, detail = execute(order)
            log.warning("response %s %s: %s", order["id"], order["action"], detail)
            self._authed(
                f"/api/v1/responses/{int(order['id'])}/result",
                json.dumps({"ok": ok, "detail": detail}),
            )
            done += 1
        return done

    def _authed_get(self, path: str) -> httpx.Response:
        try:
            resp = self.http.get(path, headers={"Authorization": f"Bearer {self.credential()}"})
        except httpx.TransportError as e:
            raise Unreachable(f"{path}: {e.__class__.__name__}: {e}") from e
        if resp.status_code == 401:
            raise Refused(f"credential refused: {_detail(resp)}")
        if resp.status_code != 200:
            raise Unreachable(f"{path}: HTTP {resp.status_code}")
        return resp

    def heartbeat(self, outbox: Outbox) -> None:
        body = {"version": __version__, "queued": len(outbox), "dropped": outbox.dropped}
        self._authed("/api/v1/heartbeat", json.dumps(body))


def _detail(resp: httpx.Response) -> str:
    try:
        return str(resp.json().get("detail", ""))[:200]
    except (ValueError, AttributeError):
        return resp.text[:200]


@dataclass(frozen=True)
class Delivery:
    """What became of a one-off report: sent, left queued (server away) or refused."""

    sent: int
    queued: int
    rejected: int
    unreachable: str | None = None
    """Why the server could not be reached, when reports stay queued."""


def send_report(
    server: str,
    token_file: Path,
    doc: Mapping[str, Any],
    state_dir: Path,
    hostname: str,
    attempts: int = 4,
    retry_cap: float = 8.0,
    ca_file: Path | None = None,
) -> Delivery:
    """Queue one report in the agent's offline queue (``state_dir``) and send the queue, with
    the agent's backoff and jitter for up to ``attempts`` tries. What the server cannot take
    now stays queued for the agent (or the next send). Raises Refused for a refused token or
    credential."""
    outbox = Outbox(state_dir / "queue.sqlite")
    client = Client(server, state_dir, token_file, hostname, ca_file)
    try:
        outbox.put(doc, hostname)
        rejected = outbox.rejected
        sent, failures = 0, 0
        while True:
            try:
                sent += client.flush(outbox)
                return Delivery(sent, len(outbox), outbox.rejected - rejected)
            except Unreachable as e:
                failures += 1
                if failures >= attempts:
                    return Delivery(sent, len(outbox), outbox.rejected - rejected, str(e))
                time.sleep(max(e.retry_after or 0, backoff(failures, cap=retry_cap)))
    finally:
        client.close()
        outbox.close()

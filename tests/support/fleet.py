"""Fleet test support: a throwaway PostgreSQL cluster, the server as a subprocess, a
signed-in dashboard client, and reports in the wire format."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx

from minehunt.model import (
    CheckId,
    Confidence,
    Evidence,
    Finding,
    Report,
    Severity,
    Target,
    TargetKind,
)
from minehunt.server import auth
from minehunt.server.db import Database
from minehunt.server.models import Role

from .launch import die_with_parent, free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "correct horse battery"


class PostgresCluster:
    """initdb + pg_ctl in a temp dir as the unprivileged user ``nobody`` (initdb refuses
    root), listening on a loopback port; ``database()`` makes a fresh database per test."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="mh-pg-"))
        shutil.chown(self.dir, "nobody", "nogroup")
        self.port = free_port()
        self.data = self.dir / "data"
        self._as_nobody(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off"
        self._as_nobody(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            opts,
            "-l",
            str(self.dir / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def _as_nobody(self, *argv: str) -> None:
        subprocess.run(
            ["runuser", "-u", "nobody", "--", *argv],
            check=True,
            capture_output=True,
            cwd=self.dir,
            timeout=120,
        )

    def database(self) -> str:
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self._as_nobody(
                str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"
            )
        shutil.rmtree(self.dir, ignore_errors=True)


def minehunt(*args: str, env: dict[str, str], stdin: str | None = None) -> str:
    """Run a minehunt command; its stdout, or an AssertionError with its stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "minehunt", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    assert proc.returncode == 0, f"minehunt {' '.join(args)}: {proc.stderr}"
    return proc.stdout


class FleetServer:
    """``minehunt server`` on a loopback port, with its own data dir and database."""

    def __init__(self, db_url: str, data_dir: Path, *extra: str) -> None:
        self.db_url, self.data_dir, self.extra = db_url, data_dir, extra
        self.port = free_port()
        tls = "--tls-cert" in extra
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.verify: Any = (
            ssl.create_default_context(cafile=str(extra[extra.index("--tls-cert") + 1]))
            if tls
            else True
        )
        """What the test trusts: the server's own certificate when it speaks TLS."""
        self.env = {"MINEHUNT_DATA_DIR": str(data_dir), "MINEHUNT_DB": db_url}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        """The server's database, opened in the test process (for set-up and inspection)."""
        if self._db is None:
            self._db = Database(self.db_url)
        return self._db

    def start(self) -> None:
        self.spawn()
        self.wait_ready()

    def spawn(self) -> None:
        """Start the process without waiting for it (from the main thread: the server dies
        with the thread that started it)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "minehunt",
                    "server",
                    "--listen",
                    f"127.0.0.1:{self.port}",
                    *self.extra,
                ],
                env={**os.environ, **self.env},
                stdout=log,
                stderr=log,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )

    def wait_ready(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                ok = httpx.get(self.url + "/login", timeout=2, verify=self.verify)
                if ok.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"server did not come up: {self.log.read_text()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def close(self) -> None:
        self.stop()
        if self._db is not None:
            self._db.close()
            self._db = None

    def cli(self, *args: str, stdin: str | None = None) -> str:
        return minehunt("server", *args, env=self.env, stdin=stdin)

    def token(self, name: str) -> str:
        """A new enrolment token, made in-process (``minehunt server token create`` is tested
        on its own; a CLI start per token would dominate the suite's time)."""
        with self.db.session() as s:
            return auth.create_token(s, name, None)

    def enrol(self, name: str, hostname: str | None = None) -> str:
        """A new agent credential for ``hostname`` (default: ``name``)."""
        r = httpx.post(
            self.url + "/api/v1/enrol",
            json={"token": self.token(name), "hostname": hostname or name},
        )
        assert r.status_code == 200, r.text
        return str(r.json()["credential"])

    def user(self, name: str, role: str = "admin") -> Dashboard:
        with self.db.session() as s:
            auth.add_user(s, name, PASSWORD, Role(role))
        return Dashboard(self.url, name)

    def post_report(
        self, credential: str, findings: list[Finding], key: str | None = None, **extra: Any
    ) -> httpx.Response:
        return httpx.post(
            self.url + "/api/v1/reports",
            content=report_body(findings, key, **extra),
            headers={"Authorization": f"Bearer {credential}", "Content-Type": "application/json"},
        )


@contextlib.contextmanager
def running_server(db_url: str, data_dir: Path, *extra: str) -> Iterator[FleetServer]:
    server = FleetServer(db_url, data_dir, *extra)
    server.start()
    try:
        yield server
    finally:
        server.close()


class Dashboard:
    """A browser-less dashboard session: signs in through the login form like a browser."""

    def __init__(self, url: str, name: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=30)
        page = self.http.get("/login")
        csrf = csrf_of(page.text)
        r = self.http.post("/login", data={"username": name, "password": PASSWORD, "csrf": csrf})
        assert r.status_code == 303 and r.headers["location"] == "/", r.text
        self.csrf = csrf_of(self.http.get("/").text)

    def findings(self, **filters: str) -> list[dict[str, Any]]:
        r = self.http.get("/api/v1/findings", params=filters)
        assert r.status_code == 200, r.text
        return list(r.json())

    def set_state(self, finding_id: int, state: str, csrf: str | None = None) -> httpx.Response:
        data = {"state": state}
        if csrf is not None:
            data["csrf"] = csrf
        return self.http.post(f"/findings/{finding_id}/state", data=data)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF field in the page"
    return m.group(1)


def finding(
    name: str = "xmrig",
    pid: int = 4242,
    path: str | None = None,
    check: str = "MH-PROC-002",
    severity: Severity = Severity.HIGH,
    cmdline: tuple[str, ...] = ("xmrig", "-o", "stratum+tcp://127.0.0.1:3333"),
) -> Finding:
    target = Target(
        kind=TargetKind.PROCESS,
        name=name,
        pid=pid,
        started=1_700_000_000.0,
        exe=path or f"/tmp/{name}",
        cmdline=cmdline,
    )
    return Finding(
        check_id=CheckId(check),
        title="Mining pool in the command line",
        severity=severity,
        confidence=Confidence.HIGH,
        target=target,
        summary=f"{name} (pid {pid}): mining pool stratum+tcp://127.0.0.1:3333",
        evidence=(
            Evidence(
                CheckId(check),
                "pool in cmdline",
                "cmdline",
                None,
                {"pool": "stratum+tcp://127.0.0.1:3333"},
            ),
        ),
    )


def report_body(findings: list[Finding], key: str | None = None, **extra: Any) -> str:
    report = Report(findings=tuple(findings), command="scan host", tool_version="test")
    return json.dumps(
        {
            "idempotency_key": key or uuid.uuid4().hex,
            "report": {"schema_version": 1, **asdict(report)},
            **extra,
        }
    )


def _read_http_message(sock: socket.socket, buf: bytearray) -> bytes | None:
    """One HTTP/1.1 message (headers + Content-Length body) from ``sock``; None at EOF."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head_end = buf.index(b"\r\n\r\n") + 4
    m = re.search(rb"(?im)^content-length:\s*(\d+)", bytes(buf[:head_end]))
    total = head_end + (int(m.group(1)) if m else 0)
    while len(buf) < total:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buf += chunk
    message = bytes(buf[:total])
    del buf[:total]
    return message


class HoldingProxy:
    """A loopback HTTP proxy that passes everything through, except a report upload: the
    server's answer to it is held back (the server has stored the report, the agent has not
    heard so), or with ``forward=False`` the upload itself is taken in whole and never
    passed on. Either is the moment to kill an agent mid-send."""

    def __init__(self, upstream_port: int, forward: bool = True) -> None:
        self.upstream_port, self.forward = upstream_port, forward
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.held = threading.Event()
        self.held_request = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        except OSError:
            client.close()
            return
        cbuf, ubuf = bytearray(), bytearray()
        try:
            while (request := _read_http_message(client, cbuf)) is not None:
                if not self.forward and request.startswith(b"POST /api/v1/reports "):
                    self.held_request = request
                    self.held.set()
                    self._stop.wait()
                    return
                upstream.sendall(request)
                response = _read_http_message(upstream, ubuf)
                if response is None:
                    return
                if request.startswith(b"POST /api/v1/reports "):
                    self.held_request = request
                    self.held.set()
                    self._stop.wait()
                    return
                client.sendall(response)
        except OSError:  # the agent was killed: its connection is gone
            return
        finally:
            client.close()
            upstream.close()

    def close(self) -> None:
        self._stop.set()
        self.listener.close()
        self._thread.join(timeout=5)


def fake_miner(pool: str = "stratum+tcp://127.0.0.1:3333") -> subprocess.Popen[bytes]:
    """A process that sleeps with a miner's command line (pool and wallet): found by the
    command-line checks without burning the CPU of a shared test machine."""
    from .launch import TEST_WALLET

    return subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(600)", "-o", pool, "-u", TEST_WALLET],
        start_new_session=True,
        preexec_fn=die_with_parent,
    )


def wait_for(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")

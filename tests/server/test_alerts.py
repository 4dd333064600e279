"""Alerts from a real server to receivers on loopback: a webhook (JSON and Slack-style
digest), syslog over UDP (RFC 5424) and SMTP; only new or escalated findings alert."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from minehunt.model import Severity
from tests.support.fleet import finding, running_server, wait_for

RFC5424 = re.compile(
    r"^<(?P<pri>\d{1,3})>1 (?P<ts>\S+Z) (?P<host>\S+) minehunt - (?P<msgid>\S+) "
    r"\[minehunt@32473(?P<sd>(?: \w+=\"(?:[^\"\\\]]|\\.)*\")+)\] \ufeff(?P<msg>.*)$"
)


class Webhook:
    def __init__(self) -> None:
        self.posts: dict[str, list[Any]] = {}
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.posts.setdefault(self.path, []).append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()


class Syslog:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.messages: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data, _ = self.sock.recvfrom(65535)
            except OSError:  # closed at the end of the test
                return
            self.messages.append(data.decode("utf-8"))


class Smtp:
    """Just enough SMTP to take mail: greet, accept MAIL/RCPT/DATA, keep the message."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.mails: list[bytes] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:  # closed at the end of the test
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        f = conn.makefile("rb")
        conn.sendall(b"220 test ESMTP\r\n")
        while line := f.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                conn.sendall(b"354 go ahead\r\n")
                data = b""
                while (chunk := f.readline()) != b".\r\n":
                    data += chunk
                self.mails.append(data)
                conn.sendall(b"250 queued\r\n")
            elif verb == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                break
            else:
                conn.sendall(b"250 ok\r\n")
        conn.close()


@pytest.fixture
def receivers() -> Iterator[tuple[Webhook, Syslog, Smtp]]:
    hook, log, smtp = Webhook(), Syslog(), Smtp()
    yield hook, log, smtp
    hook.http.shutdown()
    log.sock.close()
    smtp.listener.close()


def test_alert_rules_deliver_new_and_escalated_findings_once(
    tmp_path: Path, receivers: tuple[Webhook, Syslog, Smtp]
) -> None:
    hook, syslog, smtp = receivers
    rules = tmp_path / "alerts.toml"
    rules.write_text(f"""
[[rule]]
name = "critical web"
sink = "webhook"
url = "{hook.url}/json"
min_severity = "critical"
hosts = ["web-*"]

[[rule]]
name = "chat"
sink = "webhook"
url = "{hook.url}/slack"
format = "slack"
min_severity = "high"
digest = 2

[[rule]]
name = "siem"
sink = "syslog"
address = "127.0.0.1:{syslog.port}"
checks = ["MH-PROC-*"]
min_severity = "medium"

[[rule]]
name = "soc mail"
sink = "smtp"
host = "127.0.0.1"
port = {smtp.port}
from = "minehunt@localhost"
to = ["soc@localhost"]
""")
    db = f"sqlite:///{tmp_path / 'fleet.sqlite'}"
    with running_server(db, tmp_path / "srv", "--alerts", str(rules)) as s:
        web, dbh = s.enrol("web-01"), s.enrol("db-01")
        a = finding(pid=1, severity=Severity.CRITICAL, name='evil"]\\name')
        b = finding(pid=2, severity=Severity.HIGH)
        assert s.post_report(web, [a, b]).status_code == 201
        assert s.post_report(dbh, [finding(pid=3, severity=Severity.CRITICAL)]).status_code == 201
        # The same findings again: nothing new, except B, now critical.
        b_worse = finding(pid=2, severity=Severity.CRITICAL)
        assert s.post_report(web, [a, b_worse]).status_code == 201
        assert s.post_report(web, [finding(pid=4, severity=Severity.CRITICAL)]).status_code == 201
        # Delivery is in order: once D's alert is in, anything for the repeats would be too.
        wait_for(lambda: len(hook.posts.get("/json", [])) >= 3, 60, "webhook alerts")
        wait_for(lambda: len(syslog.messages) >= 5, 60, "syslog messages")
        wait_for(lambda: len(smtp.mails) >= 5, 60, "mails")
        wait_for(
            lambda: sum(len(p["text"].splitlines()) - 1 for p in hook.posts.get("/slack", [])) >= 5,
            60,
            "the chat digest",
        )

    posted = [e for p in hook.posts["/json"] for e in p["events"]]
    assert [(e["host"], e["finding"]["target"]["pid"], e["change"]) for e in posted] == [
        ("web-01", 1, "new"),
        ("web-01", 2, "escalated"),
        ("web-01", 4, "new"),
    ]
    assert len(hook.posts["/json"]) == 3
    assert posted[0]["finding"]["evidence"][0]["attributes"]["pool"]

    slack = hook.posts["/slack"]
    first = slack[0]["text"]
    assert "pid 1" in first and "pid 2" in first, "one report's alerts in one digest"
    assert len(slack) < 5

    parsed = [RFC5424.match(m) for m in syslog.messages]
    assert all(parsed), syslog.messages
    first_sd = parsed[0]
    assert first_sd is not None
    assert int(first_sd["pri"]) == 16 * 8 + 2  # local0.crit
    assert first_sd["msgid"] == "MH-PROC-002"
    assert 'host="web-01"' in first_sd["sd"] and r"evil\"\]\\name" in first_sd["sd"]
    assert len(syslog.messages) == 5

    subjects = [message_from_bytes(m)["Subject"] for m in smtp.mails]
    assert len(subjects) == 5 and all("critical" in x or "high" in x for x in subjects)
    body = message_from_bytes(smtp.mails[0]).get_payload()
    assert "web-01" in str(body)


def test_a_bad_alerts_file_is_a_usage_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    rules = tmp_path / "alerts.toml"
    rules.write_text('[[rule]]\nsink = "pager"\n')
    r = subprocess.run(
        [sys.executable, "-m", "minehunt", "server", "--db",
         f"sqlite:///{tmp_path / 'x.sqlite'}", "--alerts", str(rules)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert r.returncode == 2 and "rule 1: sink must be one of" in " ".join(r.stderr.split())

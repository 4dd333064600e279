"""Alerts: rules by severity, check and host group send new and escalated findings to a
webhook (JSON, Slack- or Teams-compatible), syslog (RFC 5424) or email (SMTP), one at a time
or as a digest. Delivery runs on a background thread and never blocks report ingest.

Configured from a TOML file (``minehunt server --alerts FILE``); see docs/fleet.md."""

from __future__ import annotations

import fnmatch
import logging
import queue
import smtplib
import socket
import ssl
import threading
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from minehunt.model import Finding, Severity

log = logging.getLogger("minehunt.server")

SINKS = ("webhook", "syslog", "smtp")
WEBHOOK_FORMATS = ("json", "slack", "teams")
_SYSLOG_SEVERITY = {
    Severity.CRITICAL: 2,
    Severity.HIGH: 3,
    Severity.MEDIUM: 4,
    Severity.LOW: 5,
    Severity.INFO: 6,
}
_LOCAL0 = 16
_ENTERPRISE = "minehunt@32473"  # 32473: the example enterprise number of RFC 5612


class AlertConfigError(ValueError):
    """An alerts file minehunt cannot use, naming the rule at fault."""


@dataclass(frozen=True)
class Event:
    """A finding that is new on a host or more severe than before."""

    host: str
    finding_id: int
    finding: Finding
    change: str
    """'new' or 'escalated'."""


@dataclass(frozen=True)
class Rule:
    name: str
    sink: str
    min_severity: Severity = Severity.HIGH
    checks: tuple[str, ...] = ("*",)
    """Glob patterns of check IDs (MH-PROC-*)."""
    hosts: tuple[str, ...] = ("*",)
    """Glob patterns of host names: the host group."""
    digest: float = 0.0
    """Seconds to gather events into one message; 0 sends each at once."""
    options: dict[str, Any] = field(default_factory=dict)
    """Sink settings: url/format; address/protocol; host/port/from/to/starttls."""

    def matches(self, e: Event) -> bool:
        return (
            e.finding.severity >= self.min_severity
            and any(fnmatch.fnmatchcase(e.finding.check_id, p) for p in self.checks)
            and any(fnmatch.fnmatchcase(e.host, p) for p in self.hosts)
        )


def load_rules(path: Path) -> list[Rule]:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise AlertConfigError(f"{path}: {e}") from e
    rules = []
    for i, raw in enumerate(doc.get("rule", []), start=1):
        where = f"{path}: rule {i}"
        raw = dict(raw)
        try:
            sink = str(raw.pop("sink"))
            name = str(raw.pop("name", f"rule {i}"))
            rule = Rule(
                name=name,
                sink=sink,
                min_severity=Severity(raw.pop("min_severity", "high")),
                checks=tuple(raw.pop("checks", ["*"])),
                hosts=tuple(raw.pop("hosts", ["*"])),
                digest=float(raw.pop("digest", 0)),
                options=raw,
            )
        except (KeyError, ValueError, TypeError) as e:
            raise AlertConfigError(f"{where}: {e}") from e
        if sink not in SINKS:
            raise AlertConfigError(f"{where}: sink must be one of {', '.join(SINKS)}")
        need = {"webhook": ("url",), "syslog": ("address",), "smtp": ("host", "from", "to")}
        missing = [k for k in need[sink] if k not in rule.options]
        if missing:
            raise AlertConfigError(f"{where}: {sink} needs {', '.join(missing)}")
        if sink == "webhook" and rule.options.get("format", "json") not in WEBHOOK_FORMATS:
            raise AlertConfigError(f"{where}: format must be one of {', '.join(WEBHOOK_FORMATS)}")
        rules.append(rule)
    return rules


def line(e: Event) -> str:
    f = e.finding
    return f"[{f.severity.value}] {e.host}: {f.summary} ({f.check_id}, {e.change})"


def event_json(e: Event) -> dict[str, Any]:
    from dataclasses import asdict

    return {"host": e.host, "finding_id": e.finding_id, "change": e.change,
            "finding": asdict(e.finding)}  # fmt: skip


# --- sinks --------------------------------------------------------------------------------


def send_webhook(rule: Rule, events: Sequence[Event]) -> None:
    import httpx

    fmt = rule.options.get("format", "json")
    text = "\n".join(line(e) for e in events)
    header = f"minehunt: {len(events)} alert(s) from rule {rule.name!r}"
    if fmt == "slack":
        body: dict[str, Any] = {"text": f"{header}\n{text}"}
    elif fmt == "teams":
        body = {"@type": "MessageCard", "@context": "https://schema.org/extensions",
                "summary": header, "title": header, "text": text.replace("\n", "\n\n")}  # fmt: skip
    else:
        body = {"rule": rule.name, "events": [event_json(e) for e in events]}
    r = httpx.post(str(rule.options["url"]), json=body, timeout=15)
    r.raise_for_status()


def _sd_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def syslog_message(e: Event, hostname: str, now: datetime | None = None) -> bytes:
    """One RFC 5424 message; the finding's fields as structured data."""
    f = e.finding
    pri = _LOCAL0 * 8 + _SYSLOG_SEVERITY[f.severity]
    ts = (now or datetime.now(UTC)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    params = {
        "host": e.host,
        "check": f.check_id,
        "severity": f.severity.value,
        "change": e.change,
        "finding": str(e.finding_id),
        "target": f.target.label(),
    }
    sd = "[" + _ENTERPRISE + "".join(f' {k}="{_sd_escape(v)}"' for k, v in params.items()) + "]"
    host = (hostname or "-")[:255].replace(" ", "_")
    msg = f"<{pri}>1 {ts} {host} minehunt - {f.check_id} {sd} \ufeff{line(e)}"
    return msg.encode("utf-8")


def send_syslog(rule: Rule, events: Sequence[Event]) -> None:
    host, _, port = str(rule.options["address"]).rpartition(":")
    proto = rule.options.get("protocol", "udp")
    me = socket.gethostname()
    if proto == "tcp":
        with socket.create_connection((host, int(port)), timeout=15) as s:
            for e in events:
                m = syslog_message(e, me)
                s.sendall(str(len(m)).encode() + b" " + m)  # RFC 6587 octet counting
        return
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                       socket.SOCK_DGRAM) as s:  # fmt: skip
        for e in events:
            s.sendto(syslog_message(e, me), (host, int(port)))


def send_email(rule: Rule, events: Sequence[Event]) -> None:
    o = rule.options
    msg = EmailMessage()
    worst = max(e.finding.severity for e in events)
    msg["Subject"] = f"minehunt: {len(events)} {worst.value} alert(s) ({rule.name})"
    msg["From"] = str(o["from"])
    to = o["to"] if isinstance(o["to"], list) else [o["to"]]
    msg["To"] = ", ".join(str(t) for t in to)
    msg.set_content("\n".join(line(e) for e in events) + "\n")
    with smtplib.SMTP(str(o["host"]), int(o.get("port", 25)), timeout=15) as smtp:
        if o.get("starttls"):
            smtp.starttls(context=ssl.create_default_context())
        if o.get("username"):
            smtp.login(str(o["username"]), str(o.get("password", "")))
        smtp.send_message(msg)


_SENDERS = {"webhook": send_webhook, "syslog": send_syslog, "smtp": send_email}


class Alerter:
    """Matches events against the rules and delivers them from one background thread."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = list(rules)
        self._q: queue.Queue[Event | None] = queue.Queue(maxsize=10_000)
        self._pending: dict[int, list[Event]] = {}
        self._due: dict[int, float] = {}
        self._thread = threading.Thread(target=self._run, name="alerts", daemon=True)
        self._thread.start()

    def submit(self, events: Sequence[Event]) -> None:
        for e in events:
            try:
                self._q.put_nowait(e)
            except queue.Full:
                log.warning("alert queue full: dropped an alert for %s", e.host)

    def close(self) -> None:
        self._q.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            wait = min((d - time.monotonic() for d in self._due.values()), default=1.0)
            try:
                e = self._q.get(timeout=max(0.05, wait))
            except queue.Empty:
                e = None
                stopping = False
            else:
                stopping = e is None
            if e is not None:
                for i, rule in enumerate(self.rules):
                    if not rule.matches(e):
                        continue
                    if rule.digest <= 0:
                        self._deliver(rule, [e])
                    else:
                        self._pending.setdefault(i, []).append(e)
                        self._due.setdefault(i, time.monotonic() + rule.digest)
            for i, due in list(self._due.items()):
                if stopping or due <= time.monotonic():
                    del self._due[i]
                    self._deliver(self.rules[i], self._pending.pop(i, []))
            if stopping:
                return

    def _deliver(self, rule: Rule, events: list[Event]) -> None:
        if not events:
            return
        try:
            _SENDERS[rule.sink](rule, events)
        except Exception as e:  # a dead webhook must not stop the other rules
            log.warning("alert rule %r: %s failed: %s", rule.name, rule.sink, e)

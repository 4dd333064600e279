"""The one result model shared by every source, format, sink and the server."""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, NewType

CheckId = NewType("CheckId", str)
"""A stable check identifier such as ``MH-PROC-002``; see docs/detections.md."""

Scalar = str | int | float | bool | None


class Severity(enum.StrEnum):
    """How bad a finding is if true, ordered from info to critical."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank


_SEVERITY_ORDER = list(Severity)


class Confidence(enum.StrEnum):
    """How sure minehunt is that the finding is real mining."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return list(Confidence).index(self)


class TargetKind(enum.StrEnum):
    """What a finding or a skipped input is about."""

    PROCESS = "process"
    FILE = "file"
    HOST = "host"
    SOCKET = "socket"
    URL = "url"
    FLOW = "flow"
    LOG = "log"
    ROUTER = "router"


@dataclass(frozen=True)
class Container:
    """The container a process runs in, as its runtime's own state describes it."""

    id: str
    """Full container ID (64 hex digits), from the process's cgroup."""
    runtime: str | None = None
    """docker, podman, containerd, cri-o, or kubernetes when only the cgroup tells."""
    name: str | None = None
    """Container name."""
    image: str | None = None
    """Image reference the container was started from (repository:tag)."""
    image_id: str | None = None
    """Local image ID."""
    image_digest: str | None = None
    """Manifest digest of the image, where the runtime records it."""
    created: str | None = None
    """When the container was created (ISO 8601, as the runtime wrote it)."""
    pod: str | None = None
    """Kubernetes pod name."""
    namespace: str | None = None
    """Kubernetes namespace."""
    pod_uid: str | None = None
    """Kubernetes pod UID, from the cgroup path."""
    labels: tuple[tuple[str, str], ...] = ()
    """Runtime labels and annotations, sorted (key, value) pairs."""

    def matches(self, wanted: str) -> bool:
        """True for this container's name, or an ID prefix of at least 4 hex digits."""
        w = wanted.strip().lower()
        return w == (self.name or "").lower() or (len(w) >= 4 and self.id.startswith(w))

    def label(self) -> str:
        """'pod shop/web-7f9c, container web (docker, acme/web:1.4)' or the short ID."""
        head = f"pod {self.namespace}/{self.pod}, " if self.pod else ""
        what = ", ".join(x for x in (self.runtime, self.image) if x)
        return f"{head}container {self.name or self.id[:12]}" + (f" ({what})" if what else "")


@dataclass(frozen=True)
class Target:
    """Where a finding came from; only the fields that apply are set."""

    kind: TargetKind
    """What sort of thing this is."""
    name: str | None = None
    """Process name (comm), file name, host name or URL: the short label for tables."""
    pid: int | None = None
    """Process id."""
    ppid: int | None = None
    """Parent process id."""
    started: float | None = None
    """Process start time (epoch seconds); with pid, identifies one process instance."""
    exe: str | None = None
    """Resolved executable path, as /proc/PID/exe shows it (may end in ' (deleted)')."""
    cmdline: tuple[str, ...] | None = None
    """The process's argv as the kernel shows it."""
    user: str | None = None
    """Owning user name (or uid)."""
    path: str | None = None
    """File path; an archive member as ``archive!member`` (``a.zip!dir/x``, nested: ``!`` again)."""
    archive: str | None = None
    """For an archive member: the file on disk that holds it (the outermost archive)."""
    line: int | None = None
    """1-based line within path."""
    offset: int | None = None
    """Byte offset within path or a memory region."""
    url: str | None = None
    """URL of a page, script or endpoint."""
    laddr: str | None = None
    """Local socket address as ip:port."""
    raddr: str | None = None
    """Remote socket address as ip:port."""
    container: Container | None = None
    """For a process: the container it runs in (None on the host itself)."""

    @property
    def key(self) -> str:
        """A stable identity for de-duplicating findings across scans."""
        if self.kind is TargetKind.PROCESS:
            return f"process:{self.pid}:{self.started}"
        if self.kind is TargetKind.ROUTER:  # one finding per configuration item (its line)
            return f"router:{self.path or self.url or self.name}:{self.line or 0}"
        if self.path is not None:
            return f"{self.kind.value}:{self.path}"
        return f"{self.kind.value}:{self.url or self.raddr or self.name}"

    def label(self) -> str:
        """A one-line human description of the target."""
        if self.kind is TargetKind.PROCESS:
            text = f"pid {self.pid} {self.name or '?'}" + (f" ({self.exe})" if self.exe else "")
            return text + (f" in {self.container.label()}" if self.container else "")
        if self.path is not None:
            return self.path + (f":{self.line}" if self.line else "")
        if self.kind is TargetKind.FLOW and self.laddr:
            # Which internal host first: the question a finding about traffic must answer.
            remote = f"{self.name} ({self.raddr})" if self.name and self.raddr else None
            return f"{self.laddr} -> {remote or self.name or self.raddr or '?'}"
        return self.url or self.raddr or self.name or self.kind.value


@dataclass(frozen=True)
class Evidence:
    """One observation that supports a finding."""

    check_id: CheckId
    """The check that produced this observation."""
    summary: str
    """One line saying what was seen."""
    source: str | None = None
    """Where it was read: 'cmdline', '/proc/123/exe', 'socket', a file path ..."""
    line: int | None = None
    """1-based line in source, for file evidence."""
    attributes: Mapping[str, Scalar] = field(default_factory=dict)
    """Extracted indicators (pool, wallet, port, cpu_percent ...), machine-readable."""


@dataclass(frozen=True)
class Finding:
    """A conclusion: this target shows mining (or its preparation), with the evidence."""

    check_id: CheckId
    """The check of the strongest evidence; names the finding's rule in SARIF."""
    title: str
    """The check's title."""
    severity: Severity
    """Severity after correlating all evidence."""
    confidence: Confidence
    """Confidence after correlating all evidence."""
    target: Target
    """What the finding is about."""
    summary: str
    """One line for a human: what and why."""
    evidence: tuple[Evidence, ...] = ()
    """Every observation behind the finding, strongest first."""
    attack: tuple[str, ...] = ("T1496",)
    """MITRE ATT&CK technique ids."""
    observed: str = field(default_factory=lambda: now_iso())
    """When the finding was made (UTC, ISO 8601)."""
    action: str | None = None
    """What ``minehunt respond`` did about it ('killed pid 12; quarantined /tmp/x ...'),
    None when nothing was done."""

    @property
    def fingerprint(self) -> str:
        """Identity of the finding across repeated scans (watch mode)."""
        return f"{self.target.key}"

    @property
    def state(self) -> tuple[str, str]:
        """What must change for watch mode to report this finding again: its severity or
        its strongest check. New supporting evidence alone does not re-report it."""
        return (self.severity.value, self.check_id)


@dataclass(frozen=True)
class Skipped:
    """An input that could not be scanned, and why: a result, never silence."""

    target: str
    """What was not scanned: 'pid 1234', a path, a URL."""
    reason: str
    """Why, in words a user can act on."""
    source: str
    """Which scanner skipped it ('host.processes', 'files' ...)."""


@dataclass(frozen=True)
class Report:
    """Everything one scan produced."""

    findings: tuple[Finding, ...]
    """The findings, most severe first."""
    skipped: tuple[Skipped, ...] = ()
    """Inputs that could not be scanned."""
    counters: Mapping[str, int | float] = field(default_factory=dict)
    """What was looked at and how long it took."""
    command: str = ""
    """The scan that produced this report ('scan host' ...)."""
    started: str = field(default_factory=lambda: now_iso())
    """When the scan started (UTC, ISO 8601)."""
    tool_version: str = ""
    """minehunt version that produced the report."""

    def at_or_above(self, severity: Severity) -> list[Finding]:
        return [f for f in self.findings if f.severity >= severity]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; ``Report.from_dict`` reverses it."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """Rebuild a report from ``to_dict`` output (e.g. parsed JSON)."""
        return cls(
            findings=tuple(finding_from_dict(f) for f in data.get("findings", ())),
            skipped=tuple(Skipped(**s) for s in data.get("skipped", ())),
            counters=dict(data.get("counters", {})),
            command=str(data.get("command", "")),
            started=str(data.get("started", "")),
            tool_version=str(data.get("tool_version", "")),
        )


@functools.cache
def _target_fields() -> frozenset[str]:
    """Target's field names, once: ``dataclasses.fields`` per finding was a tenth of the fleet
    server's ingest time."""
    return frozenset(f.name for f in fields(Target))


def finding_from_dict(data: Mapping[str, Any]) -> Finding:
    """Rebuild a Finding from its ``asdict`` form."""
    t = dict(data["target"])
    t["kind"] = TargetKind(t["kind"])
    if t.get("cmdline") is not None:
        t["cmdline"] = tuple(t["cmdline"])
    if isinstance(t.get("container"), Mapping):
        c = dict(t["container"])
        c["labels"] = tuple((str(k), str(v)) for k, v in c.get("labels") or ())
        names = {f.name for f in fields(Container)}
        t["container"] = Container(**{k: v for k, v in c.items() if k in names})
    target_fields = _target_fields()
    return Finding(
        check_id=CheckId(data["check_id"]),
        title=data["title"],
        severity=Severity(data["severity"]),
        confidence=Confidence(data["confidence"]),
        target=Target(**{k: v for k, v in t.items() if k in target_fields}),
        summary=data["summary"],
        evidence=tuple(
            Evidence(
                check_id=CheckId(e["check_id"]),
                summary=e["summary"],
                source=e.get("source"),
                line=e.get("line"),
                attributes=dict(e.get("attributes", {})),
            )
            for e in data.get("evidence", ())
        ),
        attack=tuple(data.get("attack", ("T1496",))),
        observed=data.get("observed", ""),
        action=data.get("action"),
    )


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Most severe and most confident first, then by target for stable output."""
    return tuple(
        sorted(
            findings,
            key=lambda f: (-f.severity.rank, -f.confidence.rank, f.check_id, f.target.label()),
        )
    )

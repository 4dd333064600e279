"""Deployment files in `scan files`: Kubernetes manifests (Helm-rendered YAML too),
docker-compose files and Dockerfiles. Containers that run miners or their options, known
miner images, the host-breakout recipe of cluster campaigns (privileged + hostPID + the
host's / mounted), and workloads that fetch and run scripts on a schedule or on every node.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from minehunt.correlate import Signal
from minehunt.host.proc_checks import option_hits
from minehunt.indicators import decoded_blobs, scan_text
from minehunt.intel import Intel
from minehunt.model import CheckId, Evidence, Severity, Target, TargetKind

MAX_BYTES = 4 << 20
"""A deployment file larger than this is not given the deployment checks (the rules still
scan it); the scan says so."""
MAX_YAML_NODES = 1_000_000
"""Nodes of one YAML file counted with every alias expanded: anchors and aliases can make a
few lines stand for billions of nodes (an alias bomb) that the checks would walk forever."""
_MAX_DOCS = 500


class DeployLimit(Exception):
    """A deployment file over a limit; the message says which (a `Skipped` reason)."""


class _Composer(yaml.SafeLoader):
    """The safe loader, counting nodes as the checks would see them (aliases expanded)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        node = super().compose_node(parent, index)
        size = self._sizes.get(id(node))
        if size is None:
            if isinstance(node, yaml.SequenceNode):
                size = 1 + sum(self._sizes.get(id(c), 1) for c in node.value)
            elif isinstance(node, yaml.MappingNode):
                size = 1 + sum(
                    self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1) for k, v in node.value
                )
            else:
                size = 1
            self._sizes[id(node)] = size
        if size > MAX_YAML_NODES:
            raise DeployLimit(
                f"YAML expands to more than {MAX_YAML_NODES:,} nodes (aliases of aliases); "
                "the deployment checks were not run on it"
            )
        return node


def _load_all(text: str) -> Iterator[Any]:
    loader = _Composer(text)
    try:
        while loader.check_data():  # type: ignore[no-untyped-call]
            yield loader.get_data()
    finally:
        loader.dispose()


_DOCKERFILE = re.compile(r"(^|[./_-])(docker|container)file([._-]|$)", re.I)
_COMPOSE = re.compile(r"(^|/)(docker-)?compose[^/]*\.ya?ml$", re.I)
_K8S_HINT = re.compile(rb'(^|[{,\s])"?apiVersion"?\s*:', re.M)
_K8S_KIND = re.compile(rb'(^|[{,\s])"?kind"?\s*:', re.M)
_SENSITIVE_HOST_PATHS = ("/", "/etc", "/root", "/var/run/docker.sock", "/run/containerd")
_WORKLOAD_KINDS = {
    "Pod",
    "Deployment",
    "DaemonSet",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
}


def kind_of(path: str, head: bytes) -> str | None:
    """'dockerfile', 'compose', 'kubernetes' or None for any other file."""
    base = posixpath.basename(path)
    if _DOCKERFILE.search(base) and not base.endswith((".md", ".txt", ".json", ".py")):
        return "dockerfile"
    if _COMPOSE.search(path):
        return "compose"
    if (
        base.endswith((".yaml", ".yml", ".json"))
        and _K8S_HINT.search(head)
        and _K8S_KIND.search(head)
    ):
        return "kubernetes"
    return None


@dataclass(frozen=True)
class _Where:
    path: str
    what: str
    """'Deployment shop/web container web' ..."""
    line: int | None = None


def _signal(
    where: _Where, check: str, summary: str, severity: Severity | None = None, **attrs: str
) -> Signal:
    target = Target(kind=TargetKind.FILE, name=posixpath.basename(where.path), path=where.path)
    return Signal(
        target,
        Evidence(
            CheckId(check),
            f"{where.what}: {summary}",
            source=where.path,
            line=where.line,
            attributes=attrs,
        ),
        severity=severity,
    )


def miner_indicator(intel: Intel, text: str) -> tuple[str, str] | None:
    """(indicator, the text it was read in) for a command line or value that names a pool,
    stratum URL, miner or wallet, or carries two miner options; base64-wrapped text too."""
    for t in (text, *decoded_blobs(text)):
        hits = scan_text(intel, t)
        opts = option_hits(intel, t.split())
        if hits or len(opts) >= 2:
            return hits.strongest or opts[0], t
    return None


def _text_signals(
    intel: Intel, where: _Where, text: str, *, build: bool = False
) -> Iterator[Signal]:
    """Miner indicators and fetch-and-run in one command line or value; ``build`` for a
    Dockerfile step, where `curl | sh` installers are common and only low alone."""
    if not text.strip():
        return
    snippet = text if len(text) <= 200 else text[:197] + "..."
    found = miner_indicator(intel, text)
    if found is not None:
        yield _signal(where, "MH-DEPLOY-001", f"runs {found[0]}", indicator=found[0], text=snippet)
    for kind, _pat in intel.script_hits(text):
        if kind == "download_and_run":
            yield _signal(
                where,
                "MH-DEPLOY-004",
                f"fetches and runs code: {snippet}",
                severity=Severity.LOW if build else None,
                text=snippet,
            )
            break


def _image_signal(intel: Intel, where: _Where, image: str) -> Iterator[Signal]:
    repo = image.split("@", 1)[0].rsplit(":", 1)[0] if "/" in image or ":" in image else image
    base = repo.rsplit("/", 1)[-1]
    if intel.miner_name(base):
        yield _signal(where, "MH-DEPLOY-002", f"image {image} is a miner", image=image)


# -- Kubernetes ----------------------------------------------------------------------------


def _pod_spec(doc: Mapping[str, Any]) -> Mapping[str, Any] | None:
    kind = doc.get("kind")
    spec = doc.get("spec")
    if not isinstance(spec, Mapping):
        return None
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    template = spec.get("template") if isinstance(spec, Mapping) else None
    inner = template.get("spec") if isinstance(template, Mapping) else None
    return inner if isinstance(inner, Mapping) else None


def _as_text(value: object) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _k8s_doc(intel: Intel, path: str, doc: Mapping[str, Any]) -> Iterator[Signal]:
    kind = str(doc.get("kind"))
    if kind not in _WORKLOAD_KINDS:
        return
    meta: Mapping[str, Any] = doc["metadata"] if isinstance(doc.get("metadata"), Mapping) else {}
    name = f"{meta.get('namespace') or 'default'}/{meta.get('name') or '?'}"
    spec = _pod_spec(doc)
    if spec is None:
        return
    containers = [
        c
        for key in ("initContainers", "containers")
        for c in spec.get(key) or []
        if isinstance(c, Mapping)
    ]
    privileged = False
    for c in containers:
        where = _Where(path, f"{kind} {name} container {c.get('name') or '?'}")
        yield from _image_signal(intel, where, str(c.get("image") or ""))
        argv = f"{_as_text(c.get('command'))} {_as_text(c.get('args'))}"
        yield from _text_signals(intel, where, argv)
        for env in c.get("env") or []:
            if isinstance(env, Mapping) and env.get("value") is not None:
                yield from _text_signals(intel, where, f"{env.get('name')}={env.get('value')}")
        sc: Mapping[str, Any] = c.get("securityContext") or {}
        sc = sc if isinstance(sc, Mapping) else {}
        privileged = privileged or bool(sc.get("privileged"))
    yield from _breakout(
        _Where(path, f"{kind} {name}"),
        privileged=privileged,
        host_pid=bool(spec.get("hostPID")),
        host_paths=[
            (v.get("hostPath") or {}).get("path", "")
            for v in spec.get("volumes") or []
            if isinstance(v, Mapping) and isinstance(v.get("hostPath"), Mapping)
        ],
        writable=_writable_mounts(containers, spec),
    )


def _writable_mounts(containers: list[Mapping[str, Any]], spec: Mapping[str, Any]) -> set[str]:
    """hostPath volumes some container mounts without readOnly."""
    host = {
        v.get("name"): (v.get("hostPath") or {}).get("path", "")
        for v in spec.get("volumes") or []
        if isinstance(v, Mapping) and isinstance(v.get("hostPath"), Mapping)
    }
    out: set[str] = set()
    for c in containers:
        for m in c.get("volumeMounts") or []:
            if isinstance(m, Mapping) and m.get("name") in host and not m.get("readOnly"):
                out.add(str(host[m.get("name")]))
    return out


def _breakout(
    where: _Where, *, privileged: bool, host_pid: bool, host_paths: list[str], writable: set[str]
) -> Iterator[Signal]:
    sensitive = sorted(
        {
            p.rstrip("/") or "/"
            for p in host_paths
            if (p.rstrip("/") or "/") in _SENSITIVE_HOST_PATHS
        }
    )
    writable_sensitive = [p for p in sensitive if p in {w.rstrip("/") or "/" for w in writable}]
    # A monitoring agent reads the host (hostPID, / read-only); the campaigns' recipe is a
    # privileged container that can write the host's root or container runtime.
    if privileged and (host_pid or writable_sensitive):
        parts = ["privileged"] + (["hostPID"] if host_pid else [])
        parts += [f"host {p} mounted writable" for p in writable_sensitive]
        yield _signal(
            where,
            "MH-DEPLOY-003",
            "can take over the node: " + ", ".join(parts),
            severity=Severity.MEDIUM if writable_sensitive and host_pid else None,
            mounts=" ".join(writable_sensitive),
        )


def _kubernetes(intel: Intel, path: str, text: str) -> Iterator[Signal]:
    for n, doc in enumerate(_load_all(text)):
        if n >= _MAX_DOCS:
            break
        if isinstance(doc, Mapping):
            items = doc.get("items") if doc.get("kind") == "List" else [doc]
            for item in items if isinstance(items, list) else []:
                if isinstance(item, Mapping):
                    yield from _k8s_doc(intel, path, item)


# -- docker-compose ------------------------------------------------------------------------


def _compose(intel: Intel, path: str, text: str) -> Iterator[Signal]:
    doc = next(_load_all(text), None)
    services = doc.get("services") if isinstance(doc, Mapping) else None
    if not isinstance(services, Mapping):
        return
    for name, svc in services.items():
        if not isinstance(svc, Mapping):
            continue
        where = _Where(path, f"compose service {name}")
        yield from _image_signal(intel, where, str(svc.get("image") or ""))
        for key in ("entrypoint", "command"):
            yield from _text_signals(intel, where, _as_text(svc.get(key)))
        env = svc.get("environment")
        pairs = env.items() if isinstance(env, Mapping) else ((e, "") for e in env or [])
        for k, v in pairs:
            yield from _text_signals(intel, where, f"{k}={v}" if v != "" else str(k))
        volumes = [str(v).split(":") for v in svc.get("volumes") or [] if isinstance(v, str)]
        yield from _breakout(
            where,
            privileged=bool(svc.get("privileged")),
            host_pid=svc.get("pid") == "host",
            host_paths=[v[0] for v in volumes if len(v) >= 2],
            writable={v[0] for v in volumes if len(v) >= 2 and v[2:3] != ["ro"]},
        )


# -- Dockerfile ----------------------------------------------------------------------------


def _dockerfile(intel: Intel, path: str, text: str) -> Iterator[Signal]:
    logical: list[tuple[int, str]] = []
    buf, start = "", 0
    for no, line in enumerate(text.splitlines(), 1):
        if not buf:
            start = no
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        logical.append((start, buf + line))
        buf = ""
    if buf:
        logical.append((start, buf))
    for no, line in logical:
        instr, _, rest = line.strip().partition(" ")
        instr = instr.upper()
        where = _Where(path, f"{instr} (line {no})", line=no)
        if instr == "FROM":
            image = next((w for w in rest.split() if not w.startswith("--")), "")
            yield from _image_signal(intel, where, image)
        elif instr in ("RUN", "CMD", "ENTRYPOINT", "ENV", "LABEL", "ARG"):
            yield from _text_signals(intel, where, rest, build=True)


_ANALYSERS = {"dockerfile": _dockerfile, "compose": _compose, "kubernetes": _kubernetes}


def deploy_signals(intel: Intel, path: str, content: bytes, kind: str) -> list[Signal]:
    """Signals about one deployment file; YAML that does not parse gives none. DeployLimit
    when the file is over MAX_BYTES or its YAML over MAX_YAML_NODES."""
    if len(content) > MAX_BYTES:
        raise DeployLimit(
            f"deployment file over {MAX_BYTES >> 20} MiB: the deployment checks were not run "
            "on it (the rules scanned it)"
        )
    text = content.decode("utf-8", "replace")
    try:
        return list(_ANALYSERS[kind](intel, path, text))
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, AttributeError):
        return []

"""Which container a process runs in: the ID from its cgroup, then the runtime's own state
files (Docker, Podman, containerd, CRI-O) for name, image and Kubernetes pod.

Read-only and socket-free: a daemon's API may be down, hijacked or slow on a host that is
being mined, while its state files are plain JSON the runtime keeps for itself. Every
reader tolerates a missing or malformed file (no metadata, never an exception).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from minehunt.model import Container

# cgroup path components that carry a 64-hex container ID, by runtime. Both cgroup v1
# (one line per hierarchy) and v2 ("0::/...") put the same path on the line.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("podman", re.compile(r"libpod-(?:conmon-)?([0-9a-f]{64})")),
    ("docker", re.compile(r"docker-([0-9a-f]{64})\.scope")),
    ("docker", re.compile(r"/docker/([0-9a-f]{64})")),
    ("containerd", re.compile(r"cri-containerd-([0-9a-f]{64})")),
    ("cri-o", re.compile(r"crio-(?:conmon-)?([0-9a-f]{64})")),
    # Kubernetes with the cgroupfs driver: /kubepods/<qos>/pod<uid>/<id>
    ("kubernetes", re.compile(r"/kubepods[^ ]*/pod[0-9a-f_-]+/([0-9a-f]{64})")),
)
_POD_UID = re.compile(
    r"pod([0-9a-f]{8}[_-][0-9a-f]{4}[_-][0-9a-f]{4}[_-][0-9a-f]{4}[_-][0-9a-f]{12})"
)
_MAX_STATE_BYTES = 4 << 20


def container_id(cgroup_text: str) -> tuple[str, str, str | None] | None:
    """(runtime, 64-hex container id, pod uid or None) from /proc/PID/cgroup text."""
    for runtime, pattern in _PATTERNS:
        m = pattern.search(cgroup_text)
        if m:
            pod = _POD_UID.search(cgroup_text)
            return runtime, m[1], pod[1].replace("_", "-") if pod else None
    return None


def _read_json(path: Path) -> Any:
    try:
        with path.open("rb") as f:
            data = f.read(_MAX_STATE_BYTES + 1)
        if len(data) > _MAX_STATE_BYTES:
            return None
        return json.loads(data)
    except (OSError, ValueError):
        return None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _labels(*maps: object) -> tuple[tuple[str, str], ...]:
    out: dict[str, str] = {}
    for m in maps:
        if isinstance(m, Mapping):
            out.update({str(k): str(v) for k, v in m.items() if isinstance(v, str | int)})
    return tuple(sorted(out.items()))


def _pod_fields(labels: Mapping[str, str]) -> tuple[str | None, str | None]:
    pod = labels.get("io.kubernetes.pod.name") or labels.get("io.kubernetes.cri.sandbox-name")
    ns = labels.get("io.kubernetes.pod.namespace") or labels.get(
        "io.kubernetes.cri.sandbox-namespace"
    )
    return pod, ns


@dataclass
class ContainerResolver:
    """Maps processes to containers; one per scan, caching each container's metadata."""

    root: Path = Path("/")
    """Filesystem root the runtimes' state lives under ('/' on a live host)."""
    _cache: dict[str, Container | None] = field(default_factory=dict)
    _podman_images: dict[str, Any] | None = None

    def for_pid(self, pid: int) -> Container | None:
        try:
            text = (self.root / "proc" / str(pid) / "cgroup").read_text("utf-8", "replace")
        except OSError:
            return None
        return self.for_cgroup(text)

    def for_cgroup(self, cgroup_text: str) -> Container | None:
        found = container_id(cgroup_text)
        if found is None:
            return None
        runtime, cid, pod_uid = found
        if cid not in self._cache:
            self._cache[cid] = self._describe(runtime, cid, pod_uid)
        return self._cache[cid]

    def _describe(self, runtime: str, cid: str, pod_uid: str | None) -> Container:
        for reader in (self._docker, self._podman, self._containerd, self._crio):
            c = reader(cid)
            if c is not None:
                if pod_uid and c.pod_uid is None:
                    c = replace(c, pod_uid=pod_uid)
                return c
        return Container(id=cid, runtime=runtime, pod_uid=pod_uid)

    # -- Docker: /var/lib/docker/containers/<id>/config.v2.json ---------------------------
    def _docker(self, cid: str) -> Container | None:
        data = _read_json(self.root / "var/lib/docker/containers" / cid / "config.v2.json")
        if not isinstance(data, dict):
            return None
        config: dict[str, Any] = data["Config"] if isinstance(data.get("Config"), dict) else {}
        labels = dict(_labels(config.get("Labels")))
        pod, ns = _pod_fields(labels)
        return Container(
            id=cid,
            runtime="docker",
            name=(_str(data.get("Name")) or "").lstrip("/") or None,
            image=_str(config.get("Image")),
            image_id=_str(data.get("Image")),
            created=_str(data.get("Created")),
            pod=pod,
            namespace=ns,
            labels=tuple(sorted(labels.items())),
        )

    # -- Podman (containers/storage): overlay-containers/containers.json ------------------
    def _storage_roots(self) -> list[Path]:
        roots = [self.root / "var/lib/containers/storage"]
        home = self.root / "home"
        with contextlib.suppress(OSError):
            roots += [p / ".local/share/containers/storage" for p in sorted(home.iterdir())]
        roots.append(self.root / "root/.local/share/containers/storage")
        return roots

    def _podman(self, cid: str) -> Container | None:
        for store in self._storage_roots():
            entries = _read_json(store / "overlay-containers/containers.json")
            if not isinstance(entries, list):
                continue
            for e in entries:
                if isinstance(e, dict) and e.get("id") == cid:
                    return self._podman_entry(store, cid, e)
        return None

    def _podman_entry(self, store: Path, cid: str, e: dict[str, Any]) -> Container:
        meta: dict[str, Any] = {}
        try:
            loaded = json.loads(e.get("metadata") or "{}")
            meta = loaded if isinstance(loaded, dict) else {}
        except ValueError:
            pass
        spec = _read_json(store / "overlay-containers" / cid / "userdata/config.json")
        annotations = spec.get("annotations") if isinstance(spec, dict) else None
        labels = dict(_labels(annotations))
        pod, ns = _pod_fields(labels)
        names = e.get("names") if isinstance(e.get("names"), list) else []
        image_id = _str(e.get("image"))
        return Container(
            id=cid,
            runtime="cri-o" if labels.get("io.kubernetes.cri-o.ContainerType") else "podman",
            name=_str(names[0]) if names else None,
            image=_str(meta.get("image-name")) or labels.get("io.kubernetes.cri-o.ImageName"),
            image_id=image_id,
            image_digest=self._podman_digest(store, image_id),
            created=_str(e.get("created")),
            pod=pod,
            namespace=ns,
            labels=tuple(sorted(labels.items())),
        )

    def _podman_digest(self, store: Path, image_id: str | None) -> str | None:
        if image_id is None:
            return None
        images = _read_json(store / "overlay-images/images.json")
        for img in images if isinstance(images, list) else []:
            if isinstance(img, dict) and img.get("id") == image_id:
                return _str(img.get("digest"))
        return None

    # -- containerd (CRI): the OCI bundle of the running task -----------------------------
    def _containerd(self, cid: str) -> Container | None:
        base = self.root / "run/containerd/io.containerd.runtime.v2.task"
        try:
            namespaces = sorted(base.iterdir())
        except OSError:
            return None
        for ns_dir in namespaces:
            spec = _read_json(ns_dir / cid / "config.json")
            if isinstance(spec, dict):
                labels = dict(_labels(spec.get("annotations")))
                pod, ns = _pod_fields(labels)
                return Container(
                    id=cid,
                    runtime="containerd",
                    name=labels.get("io.kubernetes.cri.container-name"),
                    image=labels.get("io.kubernetes.cri.image-name"),
                    pod=pod,
                    namespace=ns,
                    labels=tuple(sorted(labels.items())),
                )
        return None

    # -- CRI-O keeps its containers in containers/storage under /run ----------------------
    def _crio(self, cid: str) -> Container | None:
        store = self.root / "run/containers/storage"
        spec = _read_json(store / "overlay-containers" / cid / "userdata/config.json")
        if not isinstance(spec, dict):
            return None
        labels = dict(_labels(spec.get("annotations")))
        pod, ns = _pod_fields(labels)
        return Container(
            id=cid,
            runtime="cri-o",
            name=labels.get("io.kubernetes.container.name"),
            image=labels.get("io.kubernetes.cri-o.ImageName"),
            pod=pod,
            namespace=ns,
            labels=tuple(sorted(labels.items())),
        )

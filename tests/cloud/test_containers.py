"""Container attribution: a real miner in a real Podman container is reported with that
container's ID, name and image; runtime state files written to the runtimes' documented
layouts give the same attribution for Docker, containerd and CRI-O (Kubernetes pods)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest

from minehunt.cloud.containers import ContainerResolver, container_id
from minehunt.model import (
    CheckId,
    Confidence,
    Container,
    Finding,
    Report,
    Severity,
    Target,
    TargetKind,
    finding_from_dict,
)
from tests.conftest import run_cli
from tests.support.launch import TEST_WALLET, wait_for_shares
from tests.support.pool import Pool, running_pool

REPO = Path(__file__).resolve().parents[2]
CID = "d867f381f54a5f6c98b13763823bb0c88f173065b12111fbdd35c7d0a65e6ead"
PODMAN = ["podman", "--runtime", "/usr/sbin/runc"]
# Debian 12's podman defaults to crun, which refuses this machine's hybrid cgroup layout.
RUN_LIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]


def _podman(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PODMAN, *args], capture_output=True, text=True, timeout=120, check=check
    )


@pytest.fixture
def image(tmp_path: Path) -> Iterator[str]:
    """A tiny image imported from a tar root file system: a static busybox, nothing else."""
    busybox = shutil.which("busybox")
    assert busybox, "apt-get install busybox-static"
    root = tmp_path / "rootfs"
    (root / "bin").mkdir(parents=True)
    (root / "tmp").mkdir()
    shutil.copy2(busybox, root / "bin/busybox")
    (root / "bin/sh").symlink_to("busybox")
    tar = tmp_path / "rootfs.tar"
    with tarfile.open(tar, "w") as t:
        t.add(root, arcname=".")
    ref = f"localhost/mh-test-{uuid.uuid4().hex[:8]}:1.4"
    _podman("import", "-q", str(tar), ref)
    yield ref
    _podman("rmi", "-f", ref, check=False)


@pytest.fixture
def pool() -> Iterator[Pool]:
    with running_pool(port=0, job_interval=5.0) as p:
        yield p


def test_miner_in_a_podman_container_is_attributed_to_it(image: str, pool: Pool) -> None:
    """The test miner (real RandomX shares to the pool on 127.0.0.1) runs inside a container
    whose root is busybox; the interpreter and its packages are mounted read-only."""
    name = f"mh-miner-{uuid.uuid4().hex[:6]}"
    mounts: list[str] = []
    for d in sorted({"/usr", sys.base_prefix, sys.prefix, str(REPO)}):
        mounts += ["-v", f"{d}:{d}:ro"]
    for link in ("/lib", "/lib64"):  # usr-merged: the loader looks here
        mounts += ["-v", f"{Path(link).resolve()}:{link}:ro"]
    argv = [sys.executable, str(REPO / "tests/support/miner.py")]
    argv += ["-o", f"stratum+tcp://127.0.0.1:{pool.port}", "-u", TEST_WALLET, "-p", "x"]
    argv += ["--donate-level", "1", "-a", "rx/0", "-t", "1"]
    run = _podman(
        "run", "-d", "--name", name, "--network", "host", *RUN_LIMITS, *mounts,
        "-e", f"PYTHONPATH={REPO}", image, *argv,
    )  # fmt: skip
    cid = run.stdout.strip().splitlines()[-1]
    try:
        try:
            wait_for_shares(pool, 1, timeout=90)
        except TimeoutError:
            logs = _podman("logs", name, check=False)
            pytest.fail(f"miner in container found no share: {logs.stdout}{logs.stderr}")
        r = run_cli("scan", "host", "--container", name, "--format", "json")
        by_id = run_cli("scan", "host", "--container", cid[:12], "--format", "json")
        everything = run_cli("scan", "--format", "json")
    finally:
        _podman("rm", "-f", "-t", "0", name, check=False)
    assert r.code == 1, r.stderr
    report: Report = r.report
    assert report.findings, "the miner in the container was not found"
    for f in report.findings:
        c = f.target.container
        assert c is not None and c.id == cid and c.name == name
        assert c.runtime == "podman" and c.image == image
        assert c.image_digest and c.image_digest.startswith("sha256:")
        assert f.severity >= Severity.HIGH
        assert f"in container {name} (podman, {image})" in f.target.label()
    assert {f.target.pid for f in by_id.report.findings} == {f.target.pid for f in report.findings}
    miners = [f for f in everything.report.findings if f.target.container is not None]
    assert [f.target.container.id for f in miners] == [cid] * len(miners)
    assert miners, "the plain host scan attributes the miner too"
    # Host processes are never put in a container.
    assert all(
        f.target.container is None
        for f in everything.report.findings
        if f.target.pid is not None and f.target.pid not in {m.target.pid for m in miners}
    )


def test_an_unknown_container_name_limits_the_scan_to_nothing() -> None:
    r = run_cli("scan", "host", "--container", "no-such-container", "--format", "json")
    assert r.code == 0, r.stderr
    assert r.report.findings == ()


def test_container_needs_the_live_host(tmp_path: Path) -> None:
    r = run_cli("scan", "host", "--root", str(tmp_path), "--container", "x")
    assert r.code == 2
    assert "--container" in r.stderr


# -- cgroup paths of every runtime, v1 and v2 --------------------------------------------------


@pytest.mark.parametrize(
    ("line", "runtime"),
    [
        (f"0::/system.slice/docker-{CID}.scope", "docker"),
        (f"12:memory:/docker/{CID}", "docker"),
        (f"0::/machine.slice/libpod-{CID}.scope/container", "podman"),
        (f"4:memory:/libpod_parent/libpod-{CID}", "podman"),
        (
            "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
            f"0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/cri-containerd-{CID}.scope",
            "containerd",
        ),
        (f"0::/kubepods.slice/kubepods-pod1.slice/crio-{CID}.scope", "cri-o"),
        (
            f"11:cpu,cpuacct:/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/{CID}",
            "kubernetes",
        ),
    ],
)
def test_container_id_from_every_cgroup_layout(line: str, runtime: str) -> None:
    found = container_id(f"1:name=systemd:/\n{line}\n")
    assert found is not None and found[:2] == (runtime, CID)


def test_host_cgroups_are_no_container() -> None:
    for text in (
        "0::/\n",
        "0::/user.slice/user-0.slice/session-3.scope\n",
        "4:memory:/process_api/78a2\n",
    ):
        assert container_id(text) is None


def _write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), "utf-8")


def test_docker_state_names_pod_and_image(tmp_path: Path) -> None:
    # /var/lib/docker/containers/<id>/config.v2.json as dockerd writes it (fields we read).
    _write(
        tmp_path / "var/lib/docker/containers" / CID / "config.v2.json",
        {
            "ID": CID,
            "Created": "2026-11-30T03:12:00.000000000Z",
            "Name": "/k8s_web_web-7f9c_shop_0f1e",
            "Image": "sha256:" + "ab" * 32,
            "Config": {
                "Image": "acme/web:1.4",
                "Labels": {
                    "io.kubernetes.pod.name": "web-7f9c",
                    "io.kubernetes.pod.namespace": "shop",
                    "io.kubernetes.container.name": "web",
                },
            },
        },
    )
    c = ContainerResolver(root=tmp_path).for_cgroup(f"0::/system.slice/docker-{CID}.scope\n")
    assert c is not None
    assert (c.runtime, c.image, c.pod, c.namespace, c.created) == (
        "docker", "acme/web:1.4", "web-7f9c", "shop", "2026-11-30T03:12:00.000000000Z",
    )  # fmt: skip
    assert (
        c.label()
        == "pod shop/web-7f9c, container k8s_web_web-7f9c_shop_0f1e (docker, acme/web:1.4)"
    )


def test_containerd_cri_annotations(tmp_path: Path) -> None:
    _write(
        tmp_path / "run/containerd/io.containerd.runtime.v2.task/k8s.io" / CID / "config.json",
        {
            "ociVersion": "1.1.0",
            "annotations": {
                "io.kubernetes.cri.container-type": "container",
                "io.kubernetes.cri.container-name": "miner",
                "io.kubernetes.cri.image-name": "docker.io/evil/xmr:latest",
                "io.kubernetes.cri.sandbox-name": "kube-proxy-x2",
                "io.kubernetes.cri.sandbox-namespace": "kube-system",
            },
        },
    )
    cg = f"0::/kubepods.slice/kubepods-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/cri-containerd-{CID}.scope"
    c = ContainerResolver(root=tmp_path).for_cgroup(cg)
    assert c is not None
    assert (c.runtime, c.name, c.image, c.pod, c.namespace, c.pod_uid) == (
        "containerd", "miner", "docker.io/evil/xmr:latest", "kube-proxy-x2", "kube-system",
        "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    )  # fmt: skip


def test_crio_annotations(tmp_path: Path) -> None:
    _write(
        tmp_path / "run/containers/storage/overlay-containers" / CID / "userdata/config.json",
        {
            "annotations": {
                "io.kubernetes.container.name": "app",
                "io.kubernetes.cri-o.ImageName": "quay.io/acme/app:2",
                "io.kubernetes.pod.name": "app-1",
                "io.kubernetes.pod.namespace": "prod",
            }
        },
    )
    c = ContainerResolver(root=tmp_path).for_cgroup(f"0::/kubepods.slice/crio-{CID}.scope")
    assert c is not None and (c.runtime, c.name, c.image, c.pod) == (
        "cri-o", "app", "quay.io/acme/app:2", "app-1",
    )  # fmt: skip


def test_hostile_state_files_give_the_id_only(tmp_path: Path) -> None:
    bad = tmp_path / "var/lib/docker/containers" / CID / "config.v2.json"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"\xff\xfe{not json" * 10)
    (tmp_path / "run/containerd/io.containerd.runtime.v2.task").mkdir(parents=True)
    c = ContainerResolver(root=tmp_path).for_cgroup(f"12:memory:/docker/{CID}")
    assert c is not None and c.id == CID and c.name is None and c.runtime == "docker"


def test_a_container_survives_the_json_round_trip() -> None:
    c = Container(id=CID, runtime="docker", name="web", labels=(("a", "1"), ("b", "2")))
    f = Finding(
        check_id=CheckId("MH-PROC-001"),
        title="t",
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
        target=Target(kind=TargetKind.PROCESS, pid=1, container=c),
        summary="s",
    )
    assert finding_from_dict(json.loads(json.dumps(asdict(f)))) == f


def test_respond_stops_the_container_when_asked(image: str, tmp_path: Path) -> None:
    """A busy miner-shaped process in a real container with a restart policy: `respond
    --stop-container` stops the container, and it stays stopped."""
    name = f"mh-respond-{uuid.uuid4().hex[:6]}"
    script = "while :; do :; done"
    run = _podman(
        "run", "-d", "--name", name, "--restart", "always", *RUN_LIMITS, image,
        "/bin/sh", "-c", script, "xmrig", "-o", "stratum+tcp://127.0.0.1:3333", "--donate-level", "1",
    )  # fmt: skip
    cid = run.stdout.strip().splitlines()[-1]
    try:
        pid = int(_podman("inspect", "-f", "{{.State.Pid}}", name).stdout.strip())
        qdir = tmp_path / "q"
        plan = run_cli("respond", "--dry-run", "--pid", str(pid), "--stop-container",
                       "--quarantine-dir", str(qdir))  # fmt: skip
        assert plan.code == 0, plan.stderr
        kinds = [a["kind"] for a in json.loads(plan.stdout)["actions"]]
        assert kinds[:3] == ["suspend", "stop-container", "kill"], kinds
        done = run_cli("respond", "--yes", "--pid", str(pid), "--stop-container",
                       "--quarantine-dir", str(qdir), "--format", "json")  # fmt: skip
        assert "stopped container" in done.stderr + done.stdout, done.stderr
        for _ in range(2):  # stopped, and its restart policy does not start it again
            state = _podman("inspect", "-f", "{{.State.Status}}", name).stdout.strip()
            assert state in ("exited", "stopped"), state
            time.sleep(3)
        assert (
            not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
        )
    finally:
        _podman("rm", "-f", "-t", "0", name, check=False)
    assert cid


def test_the_table_groups_findings_by_container() -> None:
    from minehunt.formats import OutputFormat, render

    def finding(pid: int, sev: Severity, box: Container | None) -> Finding:
        t = Target(kind=TargetKind.PROCESS, pid=pid, name=f"p{pid}", container=box)
        return Finding(CheckId("MH-PROC-001"), "Known miner program", sev, Confidence.HIGH, t, "s")

    web = Container(id=CID, runtime="podman", name="web", image="acme/web:1.4")
    db = Container(id="e" * 64, runtime="docker", name="db", image="postgres:16")
    report = Report(
        findings=(
            finding(1, Severity.CRITICAL, web),
            finding(2, Severity.HIGH, None),
            finding(3, Severity.HIGH, db),
            finding(4, Severity.MEDIUM, web),
        )
    )
    text = render(report, OutputFormat.TABLE, width=160)
    order = [text.index(f"pid {n} p{n}") for n in (2, 3, 1, 4)]
    assert order == sorted(order), "host first, then one block per container"

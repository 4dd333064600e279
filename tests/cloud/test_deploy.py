"""Deployment files in `scan files`: Kubernetes manifests, compose files and Dockerfiles
that run miners, fetch and run code, or can take over their node; and the ordinary
manifests that look alike (monitoring DaemonSets, health-check CronJobs, installers in
Dockerfiles) stay below medium."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from minehunt.model import Severity
from tests.conftest import run_cli

HERE = Path(__file__).parent / "deploy"
EXPECTED = {
    "bad/kube-proxy-helper.yaml": {"MH-DEPLOY-001"},
    "bad/cronjob-refresh.yaml": {"MH-DEPLOY-004"},
    "bad/breakout-pod.yaml": {"MH-DEPLOY-003"},
    "bad/docker-compose.yml": {"MH-DEPLOY-001", "MH-DEPLOY-002"},
    "bad/Dockerfile": {"MH-DEPLOY-001"},
}


def _scan(*paths: Path) -> dict[str, dict[str, object]]:
    r = run_cli("scan", "files", *map(str, paths), "--format", "json", "--min-severity", "info")
    assert r.code in (0, 1), r.stderr
    return {str(f["target"]["path"]): f for f in json.loads(r.stdout)["findings"]}


def test_every_authored_bad_deployment_is_found() -> None:
    found = _scan(HERE / "bad")
    for rel, checks in EXPECTED.items():
        f = found.get(str(HERE / rel))
        assert f is not None, f"{rel} not found"
        assert Severity(f["severity"]) >= Severity.MEDIUM, rel
        ids = {e["check_id"] for e in f["evidence"]}  # type: ignore[union-attr]
        assert checks <= ids, (rel, ids)
    assert set(found) == {str(HERE / r) for r in EXPECTED}


def test_look_alikes_stay_below_medium() -> None:
    found = _scan(HERE / "good")
    loud = {
        p: f["severity"] for p, f in found.items() if Severity(f["severity"]) >= Severity.MEDIUM
    }
    assert not loud


@pytest.mark.parametrize(
    "variant",
    [
        # the same miner DaemonSet in flow style, as Helm or kubectl -o yaml writes it
        '{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"x"},"spec":{"template":'
        '{"spec":{"containers":[{"name":"c","image":"alpine","command":["sh","-c","/x -o '
        'stratum+tcp://203.0.113.9:3333 -u w -p x"]}]}}}}',
        # base64-wrapped command in an env value
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n"
        "    image: busybox\n    env:\n    - name: BOOT\n      value: "
        "c3RyYXR1bSt0Y3A6Ly8yMDMuMC4xMTMuOTozMzMzIC0tZG9uYXRlLWxldmVsIDE=\n",
    ],
)
def test_other_spellings_of_a_miner_workload(tmp_path: Path, variant: str) -> None:
    path = tmp_path / "workload.yaml"
    path.write_text(variant)
    found = _scan(path)
    assert Severity(found[str(path)]["severity"]) >= Severity.HIGH


def test_broken_yaml_is_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("apiVersion: v1\nkind: Pod\nspec: {containers: [\n  - &a [*a\n" + "[" * 5000)
    r = run_cli("scan", "files", str(bad), "--format", "json")
    assert r.code == 0 and "Traceback" not in r.stderr

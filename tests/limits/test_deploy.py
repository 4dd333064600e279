"""Deployment files at their limits in `scan files`: an alias bomb and an oversize manifest
are skipped with the limit named (never a hang), the other files' findings are kept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from minehunt.cloud.deploy import MAX_BYTES, MAX_YAML_NODES
from tests.conftest import run_cli

BAD = Path(__file__).parents[1] / "cloud/deploy/bad/breakout-pod.yaml"


def _alias_bomb(width: int, depth: int) -> str:
    """A pod whose args expand to width**depth strings through aliases of aliases."""
    lines = ["apiVersion: v1", "kind: Pod", "metadata:", "  name: web", '  l0: &a0 ["x", "y"]']
    for i in range(1, depth + 1):
        lines.append(f"  l{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    lines += ["spec:", "  containers:", "  - name: c", "    image: busybox", f"    args: *a{depth}"]
    return "\n".join(lines) + "\n"


def _scan(root: Path) -> tuple[dict[str, object], dict[str, str]]:
    r = run_cli("scan", "files", str(root), "--format", "json", "--min-severity", "info")
    assert r.code in (0, 1), r.stderr
    doc = json.loads(r.stdout)
    found = {f["target"]["path"]: f for f in doc["findings"]}
    return found, {s["target"]: s["reason"] for s in doc["skipped"]}


def test_an_alias_bomb_is_skipped_and_the_other_manifests_are_checked(tmp_path: Path) -> None:
    # 10**6 * 2 strings: just over the limit (10**4 * 2 stays under it and is checked).
    assert 2 * 10**4 < MAX_YAML_NODES < 2 * 10**6
    (tmp_path / "bomb.yaml").write_text(_alias_bomb(10, 6))
    (tmp_path / "wide.yaml").write_text(_alias_bomb(10, 4))
    shutil.copy(BAD, tmp_path / "breakout-pod.yaml")
    found, skipped = _scan(tmp_path)
    assert "aliases" in skipped[str(tmp_path / "bomb.yaml")]
    assert f"{MAX_YAML_NODES:,} nodes" in skipped[str(tmp_path / "bomb.yaml")]
    assert str(tmp_path / "wide.yaml") not in skipped
    assert str(tmp_path / "breakout-pod.yaml") in found


def test_a_manifest_over_the_size_limit_is_skipped_by_the_deployment_checks(
    tmp_path: Path,
) -> None:
    big = BAD.read_text() + "# " + "x" * (MAX_BYTES - len(BAD.read_bytes())) + "\n"
    assert len(big) == MAX_BYTES + 3
    (tmp_path / "big-pod.yaml").write_text(big)
    shutil.copy(BAD, tmp_path / "breakout-pod.yaml")
    found, skipped = _scan(tmp_path)
    assert "over 4 MiB" in skipped[str(tmp_path / "big-pod.yaml")]
    assert str(tmp_path / "big-pod.yaml") not in found
    assert str(tmp_path / "breakout-pod.yaml") in found

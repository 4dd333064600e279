"""`minehunt scan image` on images made by real tools: umoci builds an OCI layout layer by
layer (a miner configuration added in layer 2, deleted by a whiteout in layer 3 and re-added
under another name in layer 4), skopeo converts it to a docker-archive, and podman holds a
copy in its local store. A clean image stays quiet; hostile archives are skipped."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from minehunt.model import Severity
from tests.conftest import run_cli

CORPUS = Path(__file__).resolve().parents[1] / "corpus/files"
MINER_CONFIG = CORPUS / "configs/xmrig_config.json"
POOL_URL = "stratum+tcp://pool.supportxmr.com:3333"


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True, text=True, timeout=300)


def _layer(layout: Path, bundle: Path, tag: str, change: object) -> None:
    """One umoci unpack/modify/repack cycle: one new layer, whiteouts included."""
    _run("umoci", "unpack", "--image", f"{layout}:{tag}", str(bundle))
    change(bundle / "rootfs")  # type: ignore[operator]
    _run("umoci", "repack", "--image", f"{layout}:{tag}", str(bundle))
    shutil.rmtree(bundle)


def _busybox(root: Path) -> None:
    (root / "bin").mkdir(exist_ok=True)
    shutil.copy2(shutil.which("busybox") or "/bin/busybox", root / "bin/busybox")
    (root / "bin/sh").symlink_to("busybox")
    (root / "etc").mkdir(exist_ok=True)
    (root / "etc/hostname").write_text("web\n")


def _add_miner(root: Path) -> None:
    (root / "opt/miner").mkdir(parents=True)
    shutil.copy2(MINER_CONFIG, root / "opt/miner/config.json")


def _delete_miner(root: Path) -> None:
    shutil.rmtree(root / "opt/miner")


def _readd_miner(root: Path) -> None:
    (root / "usr/share/.cache").mkdir(parents=True)
    shutil.copy2(MINER_CONFIG, root / "usr/share/.cache/settings.json")


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    assert shutil.which("umoci") and shutil.which("skopeo"), "apt-get install umoci skopeo"
    tmp = tmp_path_factory.mktemp("images")
    layout = tmp / "oci"
    _run("umoci", "init", "--layout", str(layout))
    for tag in ("clean", "mining"):
        _run("umoci", "new", "--image", f"{layout}:{tag}")
        _layer(layout, tmp / "b", tag, _busybox)
    for change in (_add_miner, _delete_miner, _readd_miner):
        _layer(layout, tmp / "b", "mining", change)
    _run("umoci", "config", "--image", f"{layout}:mining", "--config.cmd", "/bin/sh",
         "--config.cmd", "-c", "--config.cmd", "sleep 1d")  # fmt: skip
    _run("umoci", "new", "--image", f"{layout}:cmd")
    _layer(layout, tmp / "b", "cmd", _busybox)
    _run("umoci", "config", "--image", f"{layout}:cmd", "--config.entrypoint", "/bin/sh",
         "--config.cmd", "-c", "--config.cmd",
         f"/tmp/.x/kthreadd -o {POOL_URL} -u 444HofiHpdL9Qvp7HMZ68Gf9MAbGZgAxuevCLvkJubKyJfHBsjMwhJYPUTQtMw3URGHAuKtedLAVQ8tz9LSo3P5xVFmhsZq --donate-level 1")  # fmt: skip
    archive = tmp / "mining-docker.tar"
    _run("skopeo", "copy", f"oci:{layout}:mining", f"docker-archive:{archive}:acme/web:1.4")
    oci_tar = tmp / "mining-oci.tar"
    _run("skopeo", "copy", f"oci:{layout}:mining", f"oci-archive:{oci_tar}:mining")
    yield {"layout": layout, "docker": archive, "oci_tar": oci_tar}


def _findings(*args: str) -> tuple[int, list[dict[str, object]], list[dict[str, str]], str]:
    r = run_cli("scan", "image", *args, "--format", "json", "--min-severity", "info")
    data = json.loads(r.stdout) if r.stdout.strip() else {"findings": [], "skipped": []}
    return r.code, data["findings"], data["skipped"], r.stderr


@pytest.mark.parametrize("form", ["layout", "docker", "oci_tar"])
def test_miner_found_in_every_layer_it_was_shipped_in(images: dict[str, Path], form: str) -> None:
    ref = str(images[form]) + (":mining" if form == "layout" else "")
    ref = f"{images['layout']}#mining" if form == "layout" else ref
    code, findings, skipped, err = _findings(ref)
    assert code == 1, err
    paths = {str(f["target"]["path"]): f for f in findings}  # type: ignore[index]
    deleted = [p for p in paths if p.endswith(":/opt/miner/config.json")]
    readded = [p for p in paths if p.endswith(":/usr/share/.cache/settings.json")]
    assert len(deleted) == 1 and len(readded) == 1, sorted(paths)
    for p in (*deleted, *readded):
        assert "@sha256:" in p, "findings name the layer digest"
        assert Severity(paths[p]["severity"]) >= Severity.MEDIUM
    assert "still shipped in the image" in str(paths[deleted[0]]["summary"])
    assert "still shipped" not in str(paths[readded[0]]["summary"])
    # Layer 2 holds the first copy, layer 4 the second: different layer digests.
    assert deleted[0].split("@")[1].split(":/")[0] != readded[0].split("@")[1].split(":/")[0]
    assert not skipped, skipped


def test_clean_image_is_quiet(images: dict[str, Path]) -> None:
    code, findings, skipped, err = _findings(f"{images['layout']}#clean")
    assert code == 0, err
    assert [f for f in findings if Severity(f["severity"]) >= Severity.MEDIUM] == []
    assert not skipped


def test_image_config_command_names_the_pool(images: dict[str, Path]) -> None:
    code, findings, _, err = _findings(f"{images['layout']}#cmd")
    assert code == 1, err
    config = [f for f in findings if str(f["target"]["path"]).endswith("!config")]  # type: ignore[index]
    assert config and config[0]["check_id"] == "MH-IMG-001"
    assert Severity(config[0]["severity"]) >= Severity.HIGH
    assert "pool.supportxmr.com" in json.dumps(config[0]["evidence"])


def test_image_in_the_local_podman_store(images: dict[str, Path]) -> None:
    ref = f"localhost/mh-scan-{uuid.uuid4().hex[:8]}:1"
    _run("skopeo", "copy", f"oci:{images['layout']}:mining", f"containers-storage:{ref}")
    try:
        code, findings, _, err = _findings(ref)
    finally:
        subprocess.run(["podman", "rmi", "-f", ref], capture_output=True, timeout=120)
    assert code == 1, err
    assert any(str(f["target"]["path"]).startswith(ref + "@") for f in findings)  # type: ignore[index]


# -- hostile archives --------------------------------------------------------------------------


def _docker_archive(
    path: Path, members: list[tuple[str, bytes]], *, diff_id: str | None = None
) -> None:
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        loop = tarfile.TarInfo("loop")
        loop.type = tarfile.SYMTYPE
        loop.linkname = "loop"
        t.addfile(loop)
    raw = layer.getvalue()
    import hashlib

    digest = diff_id or "sha256:" + hashlib.sha256(raw).hexdigest()
    config = json.dumps({"rootfs": {"type": "layers", "diff_ids": [digest]}, "history": []})
    manifest = json.dumps(
        [{"Config": "config.json", "RepoTags": ["x:1"], "Layers": ["l/layer.tar"]}]
    )
    with tarfile.open(path, "w") as t:
        for name, data in (
            ("manifest.json", manifest.encode()),
            ("config.json", config.encode()),
            ("l/layer.tar", raw),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


def test_paths_leaving_the_image_are_skipped_and_nothing_is_written_outside(tmp_path: Path) -> None:
    escape = tmp_path / "escaped.json"
    archive = tmp_path / "evil.tar"
    config = MINER_CONFIG.read_bytes()
    _docker_archive(archive, [(f"../../../../../../{escape}", config), ("app/config.json", config)])
    code, findings, skipped, err = _findings(str(archive))
    assert not escape.exists()
    assert code == 1, err
    assert any(str(f["target"]["path"]).endswith(":/app/config.json") for f in findings)  # type: ignore[index]
    assert any("leaves the image root" in s["reason"] for s in skipped)


def test_a_layer_with_a_bad_digest_is_skipped(tmp_path: Path) -> None:
    archive = tmp_path / "bad.tar"
    _docker_archive(
        archive, [("app/config.json", MINER_CONFIG.read_bytes())], diff_id="sha256:" + "0" * 64
    )
    code, findings, skipped, err = _findings(str(archive))
    assert code == 0, err
    assert not [f for f in findings if str(f["target"]["path"]).endswith("config.json")]  # type: ignore[index]
    assert any("does not match its digest" in s["reason"] for s in skipped)


def test_not_an_image_is_a_usage_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"\0" * 10 + b"not a tar")
    r = run_cli("scan", "image", str(junk))
    assert r.code == 2 and "error" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("scan", "image", "no-such-image-anywhere:0")
    assert r.code == 2 and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("manifest", "config"),
    [
        ([{"Config": "config.json", "Layers": ["l.tar"]}], [{"config": {"Cmd": ["xmrig"]}}]),
        ([{"Config": ["config.json"], "Layers": ["l.tar"]}], {}),
        ([{"Config": "config.json", "Layers": "l.tar"}], {"config": [], "rootfs": []}),
        ([{"Config": "config.json", "Layers": [7]}], {"config": {"Cmd": "xmrig", "Env": 3}}),
    ],
)
def test_malformed_image_metadata_is_an_error_or_read_not_a_traceback(
    tmp_path: Path, manifest: object, config: object
) -> None:
    archive = tmp_path / "odd.tar"
    with tarfile.open(archive, "w") as t:
        for name, data in (
            ("manifest.json", json.dumps(manifest).encode()),
            ("config.json", json.dumps(config).encode()),
            ("l.tar", b""),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    r = run_cli("scan", "image", str(archive), "--format", "json")
    assert "Traceback" not in r.stderr
    assert r.code in (0, 1, 2), r.stderr
    if r.code == 2:
        assert "error" in r.stderr
    else:
        json.loads(r.stdout)


def test_files_over_the_size_limit_are_skipped_with_a_reason(images: dict[str, Path]) -> None:
    r = run_cli(
        "scan", "image", str(images["docker"]), "--max-file-size", "512K", "--format", "json"
    )
    data = json.loads(r.stdout)
    big = [s for s in data["skipped"] if "larger than" in s["reason"]]
    assert any("/bin/busybox" in s["target"] for s in big), data["skipped"]
    # the miner configuration is small and still found
    assert r.code == 1 and data["findings"]

"""Hostile and awkward input: each a Skipped with its reason, the rest of the scan intact."""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import zipfile
from pathlib import Path

from minehunt.model import Severity
from tests.conftest import CliResult, run_cli

from .conftest import CORPUS, by_path, ids, scan

CONFIG = (CORPUS / "configs" / "xmrig_config.json").read_bytes()


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _tree(tmp: Path) -> Path:
    root = tmp / "tree"
    root.mkdir()
    (root / "miner.json").write_bytes(CONFIG)
    # A zip bomb: 32 MiB of zeros per member (1000:1), over an 8 MiB member limit.
    zeros = bytes(32 << 20)
    (root / "bomb.zip").write_bytes(_zip({f"z{i}.bin": zeros for i in range(2)}))
    # Archives nested five deep, the config at the bottom.
    inner = _zip({"deep/config.json": CONFIG})
    for level in range(5):
        inner = _zip({f"level{level}.zip": inner})
    (root / "deep.zip").write_bytes(inner)
    # Archives one level deep: members are named archive!member and scanned.
    (root / "bundle.jar").write_bytes(_zip({"META-INF/pool/config.json": CONFIG}))
    tgz = io.BytesIO()
    with tarfile.open(fileobj=tgz, mode="w:gz") as tf:
        info = tarfile.TarInfo("etc/xmrig/config.json")
        info.size = len(CONFIG)
        tf.addfile(info, io.BytesIO(CONFIG))
    (root / "backup.png").write_bytes(tgz.getvalue())  # sniffed by content, not name
    # Octal escapes past \377 (the script analysis decodes escape runs).
    (root / "escapes.sh").write_text('printf "\\777\\777\\777"\n')
    (root / "ls-truncated").write_bytes(Path("/usr/bin/ls").read_bytes()[:1000])
    with open(root / "sparse.img", "wb") as fh:
        fh.truncate(2 << 30)
    secret = root / "secret.json"
    secret.write_bytes(CONFIG)
    secret.chmod(0)
    os.mkfifo(root / "fifo")
    (root / "loop").symlink_to(root / "loop")
    (root / "out").symlink_to("/etc")
    return root


def _scan_without_dac(*args: str) -> CliResult:
    """Run the CLI like a user who lacks read permission (drops root's DAC override)."""
    root = os.geteuid() == 0 and shutil.which("setpriv")
    return run_cli(
        *("scan", "files", *args, "--format", "json"),
        drop_caps="dac_override,dac_read_search" if root else None,
        timeout=300,
    )


def test_hostile_inputs_are_skipped_with_reasons_and_the_rest_is_scanned(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    res = _scan_without_dac(str(root), "--max-file-size", "8M")
    assert res.code == 1, res.stderr
    assert "Traceback" not in res.stderr
    report = res.report
    skipped = {s.target.removeprefix(str(root) + "/"): s.reason for s in report.skipped}
    assert "zip bomb" in skipped["bomb.zip!z0.bin"]
    assert "nested deeper than 3" in skipped["deep.zip!level4.zip!level3.zip!level2.zip"]
    assert skipped["ls-truncated"].startswith("truncated ELF")
    assert "larger than --max-file-size" in skipped["sparse.img"]
    assert "sparse" in skipped["sparse.img"]
    assert skipped["secret.json"] == "permission denied"
    assert skipped["fifo"] == "not a regular file (a FIFO)"
    assert skipped["loop"] == "symlink loop"
    assert "out" not in skipped  # a link out of the tree is not followed: counted
    assert report.counters["symlinks_out_of_tree"] == 1
    found = by_path(report)
    for path in (
        "miner.json",
        "bundle.jar!META-INF/pool/config.json",
        "backup.png!etc/xmrig/config.json",
    ):
        f = found[f"{root}/{path}"]
        assert "MH-YARA-020" in ids(f) and f.severity >= Severity.HIGH, path
    assert not any("/etc/" in p and "out/" in p for p in found)


def test_following_symlinks_scans_out_of_the_tree(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "config.json").write_bytes(CONFIG)
    root = tmp_path / "tree"
    root.mkdir()
    (root / "link").symlink_to(elsewhere)
    (root / "self").symlink_to(root)  # a cycle: visited once
    assert not scan(root).report.findings
    report = scan(root, "--follow-symlinks").report
    assert [f.target.path for f in report.findings] == [f"{root}/link/config.json"]

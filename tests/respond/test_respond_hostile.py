"""Names an attacker picks to confuse tools: newlines, spaces, '../' and bytes that are not
UTF-8, in paths and in process names. Each is handled exactly and stays inside --root."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from minehunt.model import Report
from tests.conftest import run_cli

from .conftest import meta, respond_env, running_from

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8
NAMES = ["sys\nupdate", "kernel update", os.fsdecode(b"\xff\xfe-svc"), "..."]


def test_hostile_file_names_quarantined_and_restored(
    root: Path, qdir: Path, tmp_path: Path
) -> None:
    drop = root / "tmp/.x"
    drop.mkdir(parents=True)
    files = {}
    for n in NAMES:
        p = drop / n
        p.write_bytes(ELF)
        p.chmod(0o755)
        files[n] = p
    cron = root / "etc/cron.d" / os.fsdecode(b"0hourly\n \xff")
    cron.parent.mkdir(parents=True)
    cron.write_text(
        "30 2 * * * root /bin/true\n* * * * * root /tmp/.x/xmrig -o pool.minexmr.com:4444\n"
    )
    files["cron"] = cron
    # An entry that climbs out of the root: the file it names must never be touched.
    outside = tmp_path / "outside.so"
    outside.write_bytes(ELF)
    climb = "/.." * 40 + str(outside)
    preload = root / "etc/ld.so.preload"
    preload.write_text(climb + "\n")
    files["preload"] = preload
    before = {k: meta(p) for k, p in files.items()}
    outside_before = meta(outside)

    r = run_cli(
        "respond",
        "--yes",
        "--root",
        str(root),
        "--pid",
        "0",
        "--min-severity",
        "medium",
        "--format",
        "json",
        env=respond_env(qdir),
    )
    assert r.code == 0, r.stderr
    report = Report.from_dict(json.loads(r.stdout))
    assert any(f.action for f in report.findings)
    for n in NAMES:
        assert not files[n].exists(), repr(n)
    assert cron.read_text() == "30 2 * * * root /bin/true\n"
    assert preload.read_text() == ""
    assert meta(outside) == outside_before
    assert "leads outside" in r.stderr
    assert "sys\\nupdate" in r.stderr, "names are shown escaped, one action per line"

    u = run_cli("respond", "undo", "--last", "--yes", env=respond_env(qdir))
    assert u.code == 0, u.stderr
    assert {k: meta(p) for k, p in files.items()} == before


def test_hostile_process_name_and_path(drop_dir: Path, root: Path, qdir: Path) -> None:
    d = drop_dir / os.fsdecode(b".x y\n\xff")
    d.mkdir()
    exe = d / "kw orker\nx"
    shutil.copy2(shutil.which("sleep") or "/bin/sleep", exe)
    before = meta(exe)
    proc = subprocess.Popen([str(exe), "300"])
    try:
        r = run_cli(
            "respond",
            "--yes",
            "--root",
            str(root),
            "--pid",
            str(proc.pid),
            "--min-severity",
            "info",
            "--format",
            "json",
            env=respond_env(qdir),
        )
        assert r.code == 0, r.stderr
        assert proc.wait(timeout=10) == -9
        assert not exe.exists() and running_from(drop_dir) == []
        (f,) = [x for x in Report.from_dict(json.loads(r.stdout)).findings if x.action]
        assert f.target.pid == proc.pid and "killed pid" in (f.action or "")
    finally:
        proc.kill()
        proc.wait()
    u = run_cli("respond", "undo", "--last", "--yes", env=respond_env(qdir))
    assert u.code == 0, u.stderr
    assert meta(exe) == before

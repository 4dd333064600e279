"""The smaller actions: a deleted executable copied out of /proc before the kill, kernel
settings put back, the dry-run plan, and the action column in every format."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from minehunt.formats import OutputFormat, render
from minehunt.model import CheckId, Confidence, Finding, Report, Severity, Target, TargetKind
from minehunt.respond.quarantine import FS_IMMUTABLE_FL, get_flags
from tests.conftest import REPO, run_cli

from .conftest import respond_env, write


def test_deleted_executable_is_copied_out_before_the_kill(
    drop_dir: Path, root: Path, qdir: Path
) -> None:
    exe = drop_dir / "kdevtmpfsi"
    shutil.copy2(shutil.which("sleep") or "/bin/sleep", exe)
    sha = hashlib.sha256(exe.read_bytes()).hexdigest()
    proc = subprocess.Popen([str(exe), "300"])
    try:
        exe.unlink()  # what droppers do once the miner runs
        r = run_cli(
            "respond",
            "--yes",
            "--root",
            str(root),
            "--pid",
            str(proc.pid),
            "--min-severity",
            "info",
            env=respond_env(qdir),
        )
        assert r.code == 0, r.stderr
        assert proc.wait(timeout=10) == -9
    finally:
        proc.kill()
        proc.wait()
    (copy,) = qdir.glob("*/files/*")
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == sha
    assert copy.stat().st_mode & 0o777 == 0o400
    assert "copied running" in r.stderr


def test_kernel_settings_put_back_and_undone(root: Path, qdir: Path) -> None:
    nmi = write(root, "proc/sys/kernel/nmi_watchdog", "0\n")
    pages = write(root, "proc/sys/vm/nr_hugepages", "1280\n")
    r = run_cli(
        "respond",
        "--yes",
        "--root",
        str(root),
        "--pid",
        "0",
        "--min-severity",
        "info",
        env=respond_env(qdir),
    )
    assert r.code == 0, r.stderr
    assert nmi.read_text() == "1\n" and pages.read_text() == "0\n"
    u = run_cli("respond", "undo", "--last", "--yes", env=respond_env(qdir))
    assert u.code == 0, u.stderr
    assert nmi.read_text() == "0\n" and pages.read_text() == "1280\n"


def test_dry_run_prints_the_plan_and_changes_nothing(root: Path, qdir: Path) -> None:
    line = "@reboot /var/tmp/.x/xmrig -o stratum+tcp://pool.supportxmr.com:3333\n"
    cron = write(root, "var/spool/cron/crontabs/www-data", line, 0o600)
    r = run_cli("respond", "--dry-run", "--root", str(root), "--pid", "0", env=respond_env(qdir))
    assert r.code == 0, r.stderr
    plan = json.loads(r.stdout)
    assert [(a["kind"], a["shown"], a["line"]) for a in plan["actions"]] == [
        ("remove-line", "/var/spool/cron/crontabs/www-data", 1)
    ]
    assert cron.read_text() == line and not qdir.exists()
    # Without --yes (and no terminal to ask on) nothing is done either.
    r = run_cli("respond", "--root", str(root), "--pid", "0", env=respond_env(qdir))
    assert r.code == 1 and "pass --yes" in r.stderr
    assert cron.read_text() == line


def test_action_in_every_format() -> None:
    f = Finding(
        CheckId("MH-PERS-002"),
        "Mining indicator in start-up file",
        Severity.HIGH,
        Confidence.HIGH,
        Target(TargetKind.FILE, name="cron", path="/etc/cron.d/x", line=2),
        "line 2 names a pool",
        action="removed line 2 of /etc/cron.d/x",
    )
    report = Report(findings=(f,))
    assert Report.from_dict(json.loads(render(report, OutputFormat.JSON))).findings[0] == f
    sarif = json.loads(render(report, OutputFormat.SARIF))
    assert sarif["runs"][0]["results"][0]["properties"]["action"] == f.action
    csv = render(report, OutputFormat.CSV).splitlines()
    assert csv[0].endswith(",action") and csv[1].endswith(",removed line 2 of /etc/cron.d/x")
    table = render(report, OutputFormat.TABLE, width=200)
    assert "Action" in table and "removed line 2" in table
    assert "Action" not in render(Report(findings=(replace(f, action=None),)), OutputFormat.TABLE)


def test_quarantine_modes(root: Path, tmp_path: Path) -> None:
    write(root, "etc/cron.d/job", "* * * * * root /var/tmp/.x/xmrig -o pool.minexmr.com:4444\n")
    shared = tmp_path / "shared"  # an existing directory someone pointed --quarantine-dir at
    shared.mkdir(mode=0o755)
    fresh = tmp_path / "new/quarantine"
    for qdir in (shared, fresh):
        r = run_cli(
            "respond", "--yes", "--root", str(root), "--pid", "0", "--quarantine-dir", str(qdir)
        )
        assert r.code == 0, r.stderr
        (response,) = [p for p in qdir.iterdir()]
        assert response.stat().st_mode & 0o777 == 0o700
        write(root, "etc/cron.d/job", "* * * * * root /var/tmp/.x/xmrig -o pool.minexmr.com:4444\n")
    assert shared.stat().st_mode & 0o777 == 0o755, "an existing directory keeps its mode"
    assert fresh.stat().st_mode & 0o777 == 0o700


def test_locked_ssh_directory_is_unlocked_for_the_edit_and_locked_again_by_undo(
    root: Path, qdir: Path
) -> None:
    admin = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0wmN admin@laptop\n"
    keys = write(root, "root/.ssh/authorized_keys", admin + "ssh-rsa AAAAB3Nza mdrfckr\n", 0o600)
    subprocess.run(["chattr", "+i", str(keys), str(keys.parent)], check=True)
    before = keys.read_bytes()
    r = run_cli("respond", "--yes", "--root", str(root), "--pid", "0", env=respond_env(qdir))
    assert r.code == 0, r.stderr
    assert keys.read_text() == admin
    u = run_cli("respond", "undo", "--last", "--yes", env=respond_env(qdir))
    assert u.code == 0, u.stderr
    assert keys.read_bytes() == before
    assert get_flags(str(keys)) & FS_IMMUTABLE_FL and get_flags(str(keys.parent)) & FS_IMMUTABLE_FL


def test_on_a_terminal_it_asks_first(root: Path, qdir: Path) -> None:
    cron = write(
        root, "etc/cron.d/job", "* * * * * root /var/tmp/.x/xmrig -o pool.minexmr.com:4444\n"
    )
    for answer, changed in (("n", False), ("y", True)):
        master, slave = os.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "minehunt", "respond", "--root", str(root), "--pid", "0"],
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=REPO,
            env={**os.environ, **respond_env(qdir)},
        )
        os.close(slave)
        os.write(master, answer.encode() + b"\n")
        _, err = proc.communicate(timeout=120)
        os.close(master)
        assert b"carry out this plan?" in err
        assert (cron.read_text() == "") is changed, err

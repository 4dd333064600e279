"""A response that is killed, runs out of room, cannot write, or loses a file mid-way:
each a clear error, nothing lost, the journal readable, and undo puts back what was done."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli

from .conftest import meta, respond_env, write

CRON = (
    "SHELL=/bin/sh\n"
    "30 2 * * * root /usr/local/bin/backup --quiet\n"
    "*/5 * * * * root /var/tmp/.x/xmrig -o stratum+tcp://pool.supportxmr.com:3333 >/dev/null\n"
)
KEYS = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0wmN/Cr3JXqmLW7u+g9pTh+wyqDHpSQEQQfkGvVx3i admin\n"
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDWkq3Wb8Yh0cBq1Jq mdrfckr\n"
)

RC_LOCAL = (
    "#!/bin/sh -e\nnohup /var/tmp/.x/xmrig -o pool.minexmr.com:4444 >/dev/null 2>&1 &\nexit 0\n"
)
PROFILE = "export EDITOR=vim\n(pgrep -x xmrig || /var/tmp/.x/xmrig -o pool.minexmr.com:4444 &)\n"


def plant(root: Path, big: int = 4096) -> dict[str, Path]:
    """Start-up files and a dropped 'miner' (an ELF header and ``big`` random bytes)."""
    return {
        "cron": write(root, "etc/cron.d/0hourly", CRON),
        "keys": write(root, "root/.ssh/authorized_keys", KEYS, 0o600),
        "rc": write(root, "etc/rc.local", RC_LOCAL, 0o755),
        "profile": write(root, "etc/profile.d/gpu.sh", PROFILE),
        "miner": write(root, "tmp/.x/xmrig", b"\x7fELF\x02\x01\x01" + os.urandom(big), 0o755),
    }


def journal_of(qdir: Path) -> list[dict[str, object]]:
    (j,) = qdir.glob("*/journal.jsonl")
    lines = j.read_bytes().splitlines()
    return [json.loads(x) for x in lines]  # every line parses: nothing torn


def respond_argv(root: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "minehunt",
        "respond",
        "--yes",
        "--root",
        str(root),
        "--pid",
        "0",
        "--format",
        "json",
    ]


def start_respond(root: Path, qdir: Path, stop_after: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, **respond_env(qdir), "MINEHUNT_RESPOND_STOP_AFTER": str(stop_after)}
    return subprocess.Popen(
        respond_argv(root), env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def wait_stopped(proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = Path(f"/proc/{proc.pid}/stat").read_bytes().rpartition(b")")[2].split()[0]
        if state == b"T":
            return
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.05)
    raise TimeoutError("respond did not reach the stop point")


def test_sigkill_mid_response_then_undo_restores(root: Path, qdir: Path) -> None:
    files = plant(root)
    before = {k: meta(p) for k, p in files.items()}
    # Records: start, begin 0, done 0, begin 1 -> killed after action 1 began.
    proc = start_respond(root, qdir, stop_after=4)
    wait_stopped(proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    recs = journal_of(qdir)
    assert [r["event"] for r in recs] == ["start", "begin", "done", "begin"]
    assert not files["miner"].exists(), "the first action was carried out"
    rows = [
        json.loads(x)
        for x in run_cli("respond", "list", "--json", env=respond_env(qdir)).stdout.splitlines()
    ]
    assert rows[0]["state"] == "interrupted"

    u = run_cli("respond", "undo", "--last", "--yes", env=respond_env(qdir))
    assert u.code == 0, u.stderr
    assert {k: meta(p) for k, p in files.items()} == before


def test_file_disappearing_mid_way_is_a_clear_error(root: Path, qdir: Path) -> None:
    files = plant(root)
    proc = start_respond(root, qdir, stop_after=1)  # planned, journal started, nothing done
    wait_stopped(proc)
    files["miner"].unlink()  # gone between the plan and its action
    proc.send_signal(signal.SIGCONT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert b"disappeared before it could be quarantined" in stderr
    events = [(r["event"], r.get("error")) for r in journal_of(qdir)]
    assert ("end", None) in events
    assert sum(e == "failed" for e, _ in events) == 1
    assert "xmrig" not in files["cron"].read_text(), "the other actions went on"
    assert "mdrfckr" not in files["keys"].read_text()
    assert files["rc"].read_text() == "#!/bin/sh -e\nexit 0\n"
    assert files["profile"].read_text() == "export EDITOR=vim\n"


@contextlib.contextmanager
def tmpfs(path: Path, *opts: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(opts), "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_read_only_quarantine_acts_on_nothing(root: Path, tmp_path: Path) -> None:
    files = plant(root)
    before = {k: meta(p) for k, p in files.items()}
    with tmpfs(tmp_path / "ro", "ro", "size=1m") as qdir:
        r = run_cli(*respond_argv(root)[3:], env=respond_env(qdir))
    assert r.code == 1
    assert "Read-only file system" in r.stderr and "nothing was done" in r.stderr
    assert {k: meta(p) for k, p in files.items()} == before


def test_full_disk_keeps_the_original_and_the_journal(root: Path, tmp_path: Path) -> None:
    files = plant(root, big=512 * 1024)
    before = {k: meta(p) for k, p in files.items()}
    with tmpfs(tmp_path / "full", "size=256k") as qdir:
        r = run_cli(*respond_argv(root)[3:], env=respond_env(qdir))
        recs = journal_of(qdir)
        assert r.code == 1
        assert "No space left on device" in r.stderr
        assert meta(files["miner"]) == before["miner"], "the original stays when the copy fails"
        failed = [x for x in recs if x["event"] == "failed"]
        assert len(failed) == 1 and "No space left" in str(failed[0]["error"])
        assert recs[-1]["event"] == "end"
        assert "xmrig" not in files["cron"].read_text(), "the other actions went on"
        u = run_cli("respond", "undo", "--last", "--yes", env=respond_env(qdir))
        assert u.code == 0, u.stderr
    assert {k: meta(p) for k, p in files.items()} == before


@pytest.mark.parametrize("force", [False, True])
def test_undo_refuses_a_file_changed_since(root: Path, qdir: Path, force: bool) -> None:
    files = plant(root)
    original = files["keys"].read_bytes()
    r = run_cli(*respond_argv(root)[3:], env=respond_env(qdir))
    assert r.code == 0, r.stderr
    with files["keys"].open("a") as fh:
        fh.write("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdded newkey@admin\n")
    args = ["respond", "undo", "--last", "--yes", *(["--force"] if force else [])]
    u = run_cli(*args, env=respond_env(qdir))
    if force:
        assert u.code == 0 and files["keys"].read_bytes() == original
    else:
        assert u.code == 1 and "changed since the response" in u.stderr
        assert b"newkey@admin" in files["keys"].read_bytes()
        assert b"xmrig" in files["cron"].read_bytes(), "the unchanged files were restored"

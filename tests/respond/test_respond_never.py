"""What a response never touches: PID 1, kernel threads, minehunt and its parents, anything
on --protect; and what it does reach: processes hidden from the /proc listing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from minehunt.model import CheckId, Confidence, Evidence, Finding, Severity, Target, TargetKind
from minehunt.respond import PlanOptions, Protection, build
from tests.conftest import REPO, run_cli
from tests.support.launch import disguise_env
from tests.support.pool import Pool

from .conftest import plant_miner, respond_env, running_from, stop_planted, write

HIDER_SRC = REPO / "tests/host/data/processhider.c"


def process_finding(pid: int) -> Finding:
    return Finding(
        CheckId("MH-PROC-002"),
        "Mining pool URL in command line",
        Severity.CRITICAL,
        Confidence.HIGH,
        Target(TargetKind.PROCESS, name="x", pid=pid, exe="/tmp/x"),
        "pool in command line",
        (Evidence(CheckId("MH-PROC-001"), "exe is xmrig", source="exe"),),
    )


def test_pid1_kernel_threads_and_minehunt_are_never_planned() -> None:
    protect = Protection()
    assert protect.reason(1) == "PID 1 (init)"
    assert protect.reason(2) == "a kernel thread"  # kthreadd
    assert protect.reason(os.getpid()) == "minehunt itself or one of its parents"
    plan = build([process_finding(p) for p in (1, 2, os.getpid())], PlanOptions())
    assert plan.actions == ()
    assert len(plan.refused) == 3


def test_protected_name_is_left_running(pool: Pool, drop_dir: Path, root: Path, qdir: Path) -> None:
    planted = plant_miner(drop_dir, pool.port)
    try:
        miner = planted.miner_pid()
        r = run_cli(
            "respond",
            "--yes",
            "--root",
            str(root),
            "--pid",
            str(miner),
            "--protect",
            "kworker/0:1",
            "--min-severity",
            "info",
            env=respond_env(qdir),
        )
        assert r.code == 0, r.stderr
        assert "on --protect" in r.stderr
        assert miner in running_from(drop_dir) and planted.watchdog.poll() is None
        assert planted.exe.exists() and planted.config.exists()
    finally:
        stop_planted(planted)


def test_minehunt_never_kills_its_own_parent(drop_dir: Path, root: Path, qdir: Path) -> None:
    # The parent looks like a miner (an 'xmrig' running from /tmp) and runs minehunt.
    parent_exe = drop_dir / "xmrig"
    shutil.copy2(os.path.realpath(sys.executable), parent_exe)
    code = (
        "import os, subprocess, sys\n"
        "env = {k: v for k, v in os.environ.items() if not k.startswith('PYTHON')}\n"
        f"argv = [{sys.executable!r}, '-m', 'minehunt', 'respond', '--yes', '--root', "
        f"{str(root)!r}, '--pid', str(os.getpid()), '--min-severity', 'info']\n"
        "r = subprocess.run(argv, env=env, capture_output=True, text=True)\n"
        "sys.stderr.write(r.stderr); sys.exit(r.returncode)\n"
    )
    env = {**disguise_env(), **respond_env(qdir)}
    r = subprocess.run(
        [str(parent_exe), "-c", code],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert "minehunt itself or one of its parents" in r.stderr
    assert parent_exe.exists(), "its executable is not quarantined either"


@pytest.fixture(scope="module")
def hider(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hider") / "processhider.so"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-O2", "-o", str(out), str(HIDER_SRC), "-ldl"], check=True
    )
    return out


def test_process_hidden_from_the_listing_is_killed(
    hider: Path, drop_dir: Path, root: Path, qdir: Path
) -> None:
    exe = drop_dir / "mh-victim"
    shutil.copy2(shutil.which("sleep") or "/bin/sleep", exe)
    victim = subprocess.Popen([str(exe), "300"])
    # The hider is also in the scanned system's ld.so.preload: medium on its own, but it
    # goes with the hidden process it hides.
    lib = root / "usr/local/lib/libprocesshider.so"
    lib.parent.mkdir(parents=True)
    shutil.copy2(hider, lib)
    write(root, "etc/ld.so.preload", "/usr/local/lib/libprocesshider.so\n")
    try:
        env = {"LD_PRELOAD": str(hider), "MH_HIDE_COMM": "mh-victim", **respond_env(qdir)}
        r = run_cli(
            "respond",
            "--yes",
            "--root",
            str(root),
            "--pid",
            str(victim.pid),
            "--format",
            "json",
            env=env,
        )
        assert r.code == 0, r.stderr
        assert victim.wait(timeout=10) == -9
        assert not exe.exists(), "its executable in /tmp is quarantined"
        assert "MH-TAMP-005" in r.stdout
        assert (root / "etc/ld.so.preload").read_text() == "" and not lib.exists()
    finally:
        victim.kill()
        victim.wait()


def test_a_parent_that_merely_runs_the_same_interpreter_survives(root: Path, qdir: Path) -> None:
    # The 'miner' is the system interpreter with a pool URL; its parent names that same
    # interpreter on its command line but is no watchdog (think of a notebook or CI runner).
    child = (
        f"[{sys.executable!r}, '-c', 'import time; time.sleep(300)', '-o', "
        "'stratum+tcp://pool.minexmr.com:4444']"
    )
    code = (
        "import subprocess, sys, time\n"
        f"p = subprocess.Popen({child})\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(300)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code, sys.executable], stdout=subprocess.PIPE)
    try:
        assert parent.stdout is not None
        miner = int(parent.stdout.readline())
        r = run_cli(
            "respond", "--yes", "--root", str(root), "--pid", str(miner), env=respond_env(qdir)
        )
        assert r.code == 0, r.stderr
        assert f"killed pid {miner}\n" in r.stderr.replace(",", "\n"), r.stderr
        assert parent.poll() is None, "the parent is not part of the miner"
        assert Path(sys.executable).exists()
    finally:
        parent.kill()
        parent.wait()

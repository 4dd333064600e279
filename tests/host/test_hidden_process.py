"""A process hidden by an LD_PRELOAD readdir hook (libprocesshider-style, what campaigns put
in /etc/ld.so.preload) is still found. The hook is preloaded into minehunt itself, so its own
/proc listing really lies, as it would on an infected host."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli

HIDER_SRC = Path(__file__).parent / "data" / "processhider.c"


@pytest.fixture(scope="module")
def hider(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not shutil.which("gcc"):
        pytest.skip("gcc is needed to build the process hider (scripts/test installs it)")
    out = tmp_path_factory.mktemp("hider") / "processhider.so"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-O2", "-o", str(out), str(HIDER_SRC), "-ldl"], check=True
    )
    return out


def test_process_hidden_from_proc_listing_is_reported(hider: Path) -> None:
    # A copy of sleep under a name nothing else on the machine uses.
    exe = hider.parent / "mh-victim"
    shutil.copy2(shutil.which("sleep") or "/bin/sleep", exe)
    victim = subprocess.Popen([str(exe), "120"])
    try:
        env = {"LD_PRELOAD": str(hider), "MH_HIDE_COMM": "mh-victim"}
        r = run_cli("scan", "--format", "json", "--min-severity", "info", env=env)
        report = r.report
    finally:
        victim.kill()
        victim.wait()
    hidden = [f for f in report.findings if f.check_id == "MH-TAMP-005"]
    assert [f.target.pid for f in hidden] == [victim.pid], r.stderr
    assert hidden[0].target.name == "mh-victim"


def test_no_hidden_process_without_hook() -> None:
    victim = subprocess.Popen(["sleep", "120"])
    try:
        report = run_cli("scan", "--format", "json", "--min-severity", "info").report
    finally:
        victim.kill()
        victim.wait()
    assert not [f for f in report.findings if f.check_id == "MH-TAMP-005"]

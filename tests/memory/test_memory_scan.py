"""``minehunt scan host --memory`` against real processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from minehunt.host.memory import MemoryOptions, memory_signals, read_regions
from minehunt.host.proc_checks import process_target
from minehunt.host.processes import snapshot
from minehunt.model import Severity
from minehunt.report import Collector
from tests.conftest import evidence_ids, findings_for_pid, run_cli


def test_fileless_randomx_miner_is_found_in_its_memfd_mappings(fileless_miner: int) -> None:
    pid = fileless_miner
    assert os.readlink(f"/proc/{pid}/exe").startswith("/memfd:")
    res = run_cli("scan", "host", "--memory-pid", str(pid), "--format", "json")
    assert res.code == 1, res.stderr
    (f,) = findings_for_pid(res.report, pid)  # one merged finding for the process
    assert {"MH-YARA-070", "MH-MEM-001", "MH-PROC-006"} <= evidence_ids(f)
    assert f.severity is Severity.CRITICAL
    rx = next(e for e in f.evidence if e.check_id == "MH-YARA-070")
    assert str(rx.attributes["region"]).startswith("/memfd:rx")
    assert rx.source == f"/proc/{pid}/mem"
    origin = next(e for e in f.evidence if e.check_id == "MH-PROC-006")
    assert origin.attributes["location"] == "memfd"
    assert not [s for s in res.report.skipped if s.target.startswith(f"pid {pid} ")]


def test_a_process_holding_minehunts_own_rules_is_not_a_miner() -> None:
    """Another minehunt (a fleet agent, a second scan) has every rule's strings in memory."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from minehunt import rules; rules.load(); print('ready', flush=True); input()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        res = run_cli("scan", "host", "--memory-pid", str(holder.pid), "--format", "json")
        assert res.code in (0, 1), res.stderr
        for f in findings_for_pid(res.report, holder.pid):
            assert not {i for i in evidence_ids(f) if i.startswith(("MH-YARA", "MH-MEM"))}, f
        (skip,) = [s for s in res.report.skipped if s.target.startswith(f"pid {holder.pid} ")]
        assert "signatures of" in skip.reason and skip.source == "host.memory"
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root")
def test_without_ptrace_privilege_each_process_is_skipped_with_the_reason() -> None:
    other = subprocess.Popen(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sleep", "60"]
    )
    try:
        report = run_cli(
            *("scan", "host", "--memory-pid", str(other.pid), "--format", "json"),
            drop_caps="sys_ptrace,dac_override,dac_read_search",
        ).report
        (skip,) = [s for s in report.skipped if s.target == f"pid {other.pid} sleep"]
        assert skip.source == "host.memory"
        assert "permission denied" in skip.reason
    finally:
        other.kill()
        other.wait()


# RandomX's AesGenerator1R keys and AesHash1R state/extra keys, as stored in memory.
RANDOMX_AES = bytes.fromhex(
    "53a5ac6d096671622b55b5db1749f4b4"
    "07af7c6d0d716a8478d325174edca10d"
    "f162123fc67e949f4f79c0f445e3203e"
    "3581ef6a7c31bab1884c311654911649"
    "0d2cb592de56a89f47db82ccad3a98d7"
    "6e998d3398b7c7155a129ef55780e7ac"
    "1700776ad0c762ae6b507950e47ca0e8"
    "0c240a638d82ad070500a1794849997e"
    "8983faf69f94248bbf56dc9001028906"
    "d163b2613ce0f451c64310ee9bf918ed"
)
HOLDER = """
import mmap, ctypes, sys
mm = mmap.mmap(-1, 8 << 20)
mm[:] = b"\\x5a" * len(mm)  # resident, not zero pages
print(ctypes.addressof(ctypes.c_char.from_buffer(mm)), flush=True)
at = int(sys.stdin.readline())
for i, b in enumerate(ENC):  # decoded in place: the keys exist nowhere else in memory
    mm[at + i] = b ^ 0xFF
print("ok", flush=True)
sys.stdin.readline()
"""


def test_a_pattern_across_a_chunk_boundary_is_found_thanks_to_the_overlap() -> None:
    code = f"ENC = {bytes(b ^ 0xFF for b in RANDOMX_AES)!r}\n{HOLDER}"
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdin and child.stdout
    try:
        addr = int(child.stdout.readline())
        chunk = 1 << 20
        region = next(r for r in read_regions(child.pid) if r.start <= addr < r.end)
        boundary = region.start + ((addr - region.start) // chunk + 2) * chunk
        child.stdin.write(f"{boundary - addr - len(RANDOMX_AES) // 2}\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "ok"
        info = snapshot(lambda *_: None)[child.pid]
        target = process_target(info)

        def rules_found(overlap: int) -> set[str]:
            opts = MemoryOptions(pids=frozenset({child.pid}), chunk=chunk, overlap=overlap, jobs=1)
            sigs = memory_signals([(info, target)], opts, Collector("test"))
            return {s.evidence.check_id for s in sigs}

        assert rules_found(0) == set()  # each half holds 5 of the 10 keys: no match
        assert rules_found(64 << 10) == {"MH-YARA-070", "MH-MEM-001"}
    finally:
        child.kill()
        child.wait()


def test_region_listing_skips_what_must_not_be_read() -> None:
    regions = read_regions(os.getpid())
    assert any(r.path == "[stack]" for r in regions)
    from minehunt.host.memory import _wanted

    assert not [r for r in regions if _wanted(r) and r.path in ("[vvar]", "[vsyscall]")]
    assert Path(f"/proc/{os.getpid()}/mem").exists()

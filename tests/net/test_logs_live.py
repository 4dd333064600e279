"""Zeek/Suricata logs of the same traffic give the capture's verdicts; live capture works."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from minehunt.model import Finding, Report
from tests.conftest import run_cli
from tests.net import idslogs
from tests.net.conftest import CERT_POOL, DNS_POOL, POOL_SNI, World
from tests.net.peers import ETH_GETWORK_ADDR, GBT_ADDR
from tests.net.test_pcap import BENIGN_SERVERS
from tests.support.launch import (
    TEST_WALLET,
    die_with_parent,
    start_xmrig_like,
    stop_process,
    wait_for_shares,
)
from tests.support.pool import running_pool

# Verdicts a log without payload can carry: pool DNS, pool SNI, pool-resolved flows, nodes.
LOG_VISIBLE = {"MH-NET-102", "MH-NET-103", "MH-NET-104", "MH-NET-105", "MH-NET-107"}


def _verdicts(report: Report, checks: set[str]) -> set[tuple[str, str, str]]:
    out = set()
    for f in report.findings:
        ids = {e.check_id for e in f.evidence}
        if ids <= checks:
            out.add(
                (
                    f.target.name or (f.target.raddr or "").rsplit(":", 1)[0],
                    f.severity.value,
                    ",".join(sorted(ids)),
                )
            )
    return out


def _pcap_report(world: World) -> Report:
    return run_cli(
        "scan", "pcap", str(world.pcap), "--format", "json", "--min-severity", "info"
    ).report


@pytest.mark.parametrize("json_logs,compress,rotate", [(False, False, False), (True, True, True)])
def test_zeek_logs_give_the_pcap_verdicts(
    world: World, tmp_path: Path, json_logs: bool, compress: bool, rotate: bool
) -> None:
    if shutil.which("tshark") is None:
        pytest.skip("needs tshark")
    idslogs.write_zeek(
        world.pcap, tmp_path / "zeek", json_logs=json_logs, compress=compress, rotate=rotate
    )
    result = run_cli(
        "scan", "logs", "zeek", str(tmp_path / "zeek"), "--format", "json", "--min-severity", "info"
    )
    assert result.code in (0, 1), result.stderr
    zeek = result.report
    want = _verdicts(_pcap_report(world), LOG_VISIBLE)
    assert {
        (POOL_SNI, "high", "MH-NET-103"),
        (CERT_POOL, "high", "MH-NET-103"),  # x509.log, joined on the fingerprint
        (DNS_POOL, "high", "MH-NET-102,MH-NET-104"),
    } <= want
    assert _verdicts(zeek, LOG_VISIBLE) == want
    assert not zeek.skipped
    # http.log keeps the getwork miner's User-Agent and Basic-auth user: its session, wallet
    # and worker as the capture shows them.
    getwork = _by_server(zeek)["127.0.0.22"]
    attrs = next(e.attributes for e in getwork.evidence if e.check_id == "MH-NET-101")
    assert getwork.severity.value == "high" and attrs["dialect"] == "getwork-http"
    assert attrs["wallet"] == "1MinehuntTestAddrXXXXXXXXXXXXXXXX" and attrs["worker"] == "rig2"
    assert "cgminer" in str(attrs["agent"])
    # Getwork over HTTP without a miner's User-Agent: the wallet in the URL path still shows.
    eth = _by_server(zeek)["127.0.0.36"]
    attrs = next(e.attributes for e in eth.evidence if e.check_id == "MH-NET-101")
    assert attrs["wallet"] == ETH_GETWORK_ADDR and attrs["worker"] == "rig9"
    gbt = _by_server(zeek)["127.0.0.37"]
    attrs = next(e.attributes for e in gbt.evidence if e.check_id == "MH-NET-101")
    assert attrs["wallet"] == GBT_ADDR and attrs["worker"] == "solo1"
    assert not set(_by_server(zeek)) & set(BENIGN_SERVERS)


def _by_server(report: Report) -> dict[str, Finding]:
    return {(f.target.raddr or "").rsplit(":", 1)[0]: f for f in report.findings}


def test_suricata_eve_gives_the_pcap_verdicts_and_wallets(world: World, tmp_path: Path) -> None:
    if shutil.which("tshark") is None:
        pytest.skip("needs tshark")
    eve = tmp_path / "eve.json"
    idslogs.write_eve(world.pcap, eve)
    result = run_cli(
        "scan", "logs", "suricata", str(eve), "--format", "json", "--min-severity", "info"
    )
    assert result.code == 1, result.stderr
    suri = result.report
    pcap = _pcap_report(world)
    assert _verdicts(suri, LOG_VISIBLE) == _verdicts(pcap, LOG_VISIBLE)
    # ET-style login alerts with payload: the parser recovers dialect and wallet from it.
    by_server = {(f.target.raddr or "").rsplit(":", 1)[0]: f for f in suri.findings}
    eth = by_server["127.0.0.21"]
    assert eth.check_id == "MH-NET-101" and eth.severity.value == "high"
    assert any(
        e.attributes.get("wallet") == "0x" + "5a" * 20 and e.attributes.get("ids_alert")
        for e in eth.evidence
    )
    xmr = [
        f
        for f in suri.findings
        if any(e.attributes.get("wallet") == TEST_WALLET for e in f.evidence)
    ]
    assert xmr
    # An http event with a miner's User-Agent: a getwork session (EVE logs no auth user).
    getwork = by_server["127.0.0.22"]
    assert getwork.check_id == "MH-NET-101" and "cgminer" in str(getwork.evidence[0].attributes)
    # eth_submitLogin in an HTTP POST body fires the login alert; the URL path of the other
    # connection carries the wallet too: one finding for the client/pool pair.
    eth = by_server["127.0.0.36"]
    assert eth.severity.value == "high" and "(2 connections)" in eth.summary
    assert {e.attributes.get("wallet") for e in eth.evidence} == {ETH_GETWORK_ADDR}
    assert "cpuminer" in str(by_server["127.0.0.37"].evidence[0].attributes)
    assert not set(by_server) & set(BENIGN_SERVERS)


def test_logs_that_are_not_logs_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "conn.log").write_text("hello\n")
    bad = tmp_path / "eve.json"
    bad.write_text("not json\n")
    z = run_cli("scan", "logs", "zeek", str(tmp_path), "--format", "json")
    s = run_cli("scan", "logs", "suricata", str(bad), "--format", "json")
    assert z.code == 0 and s.code == 0 and "Traceback" not in z.stderr + s.stderr
    assert z.report.skipped and s.report.skipped


ZEEK_CONN_HEAD = (
    "#separator \\x09\n#path\tconn\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\t"
    "duration\torig_bytes\tresp_bytes\tconn_state\torig_pkts\tresp_pkts\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\t"
    "string\tcount\tcount\n"
)


def test_zeek_times_beyond_the_calendar_do_not_abort_the_scan(tmp_path: Path) -> None:
    """A log is attacker data too: times past year 9999, infinite or NaN still give findings."""
    rows = [
        ("1e20", "inf"),  # year ~3 trillion, endless
        ("16286517676800.5", "7200"),  # year 518069
        ("inf", "7200"),
        ("nan", "7200"),
    ]
    lines = [
        f"{ts}\tC{i}\t10.0.0.{i + 5}\t4000{i}\t10.0.0.9\t3333\ttcp\t-\t{dur}\t5000\t9000"
        "\tSF\t50\t60"
        for i, (ts, dur) in enumerate(rows)
    ]
    (tmp_path / "conn.log").write_text(ZEEK_CONN_HEAD + "\n".join(lines) + "\n")
    result = run_cli("scan", "logs", "zeek", str(tmp_path), "-f", "json", "--min-severity", "info")
    assert "Traceback" not in result.stderr and result.code in (0, 1), result.stderr
    seen = {
        f.target.laddr: str(f.evidence[0].attributes["first_seen"]) for f in result.report.findings
    }
    assert seen["10.0.0.6:40001"].startswith("+518069-03-14T00:00:00.")
    assert seen["10.0.0.5:40000"] == "1e+20 s since 1970 (out of range)"
    assert {seen["10.0.0.7:40002"], seen["10.0.0.8:40003"]} == {
        "inf s since 1970 (out of range)",
        "nan s since 1970 (out of range)",
    }


def start_watch(*args: str) -> subprocess.Popen[str]:
    """`minehunt watch iface ARGS`, returned once it says the capture is live."""
    watch = subprocess.Popen(
        [sys.executable, "-m", "minehunt", "watch", "iface", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert watch.stderr is not None
    said = []
    while line := watch.stderr.readline():
        said.append(line)
        if "capturing on" in line:
            return watch
    watch.wait()
    raise AssertionError(f"watch ended before capturing: {''.join(said)}")


def test_watch_iface_reports_a_miner_as_json_lines() -> None:
    with running_pool(job_interval=1.0) as pool:
        port = pool.port
        watch = start_watch("lo", "--duration", "12")
        miner = start_xmrig_like(pool.port)
        try:
            wait_for_shares(pool, 1, 30, proc=miner)
        finally:
            stop_process(miner)
        out, err = watch.communicate(timeout=30)
    assert watch.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    # (a busy machine may also print a "skipped" line: packets the kernel dropped)
    findings = [ln for ln in lines if ln["type"] == "finding"]
    mine = [ln for ln in findings if ln["target"]["raddr"] == f"127.0.0.1:{port}"]
    assert mine and mine[0]["type"] == "finding" and mine[0]["change"] == "new"
    assert mine[0]["check_id"] == "MH-NET-101"
    assert any(e["attributes"].get("wallet") == TEST_WALLET for m in mine for e in m["evidence"])


def test_watch_iface_reports_every_dialect_live() -> None:
    """The peers of the capture tests, this time watched live on lo."""
    from tests.net import peers
    from tests.net.test_pcap import MINING_SERVERS

    watch = start_watch("lo", "--duration", "10")
    peers.eth_proxy("127.0.0.21")
    peers.getwork("127.0.0.22")
    peers.eth_getwork_http("127.0.0.36")
    peers.getblocktemplate_http("127.0.0.37")
    peers.coinhive_ws("127.0.0.23")
    peers.webminerpool_ws("127.0.0.24")
    peers.nicehash_ethstratum("127.0.0.26")
    peers.malformed_then_xmrig("127.0.0.19")
    peers.lsp_jsonrpc("127.0.0.41")  # ordinary JSON-RPC: must stay quiet
    out, err = watch.communicate(timeout=30)
    assert watch.returncode == 0, err
    found: dict[str, dict[str, object]] = {}
    for line in out.splitlines():
        event = json.loads(line)
        if event["type"] != "finding":  # packets the kernel dropped on a busy machine
            continue
        server = str(event["target"]["raddr"]).rsplit(":", 1)[0]
        for e in event["evidence"]:
            found.setdefault(server, {}).update(
                {k: v for k, v in e["attributes"].items() if v is not None}
            )
    for server in (
        "127.0.0.19",
        "127.0.0.21",
        "127.0.0.22",
        "127.0.0.23",
        "127.0.0.24",
        "127.0.0.26",
        "127.0.0.36",
        "127.0.0.37",
    ):
        dialect, wallet, worker, _agent = MINING_SERVERS[server]
        got = found.get(server, {})
        assert got.get("dialect") == dialect and got.get("wallet") == wallet, (server, got)
        assert got.get("worker") == worker, (server, got)
    assert "127.0.0.41" not in found


def test_watch_iface_without_capture_privileges_says_so() -> None:
    if shutil.which("setpriv") is None:
        pytest.skip("needs setpriv")
    r = run_cli(
        "watch", "iface", "lo", "--duration", "1", drop_caps="net_raw,net_admin", timeout=60
    )
    assert r.code == 2
    assert "CAP_NET_RAW" in r.stderr and "Traceback" not in r.stderr


def _busy_cores(n: int = 2) -> list[subprocess.Popen[bytes]]:
    """Processes that keep ``n`` cores busy, as a miner (or a test suite) does."""
    return [
        subprocess.Popen(
            [sys.executable, "-c", "while True: pass"],
            preexec_fn=die_with_parent,
            start_new_session=True,  # its own group, which stop_process signals
        )
        for _ in range(n)
    ]


def _wait_for_line(watch: subprocess.Popen[str], needle: str, seconds: float) -> str | None:
    """The first stdout line of ``watch`` containing ``needle`` within ``seconds``."""
    assert watch.stdout is not None
    fd = watch.stdout.fileno()  # raw reads: a buffered reader could hold the line unseen
    deadline = time.monotonic() + seconds
    pending = b""
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if needle.encode() in line:
                return line.decode()
    return None


def test_watch_iface_keeps_the_login_while_both_cores_are_busy() -> None:
    """Ten watches in a row, each started while two processes load both cores: every one
    reports its miner's wallet and worker (the login is never lost to the load)."""
    busy = _busy_cores()
    try:
        with running_pool(job_interval=1.0) as pool:
            for i in range(10):
                worker = f"loaded{i}"
                watch = start_watch("lo")
                logins = pool.logins
                miner = start_xmrig_like(pool.port, f"{TEST_WALLET}.{worker}")
                try:
                    # A cold miner start on a loaded machine can take long: the watch is
                    # judged from the moment the pool has the login.
                    deadline = time.monotonic() + 120
                    while pool.logins == logins and time.monotonic() < deadline:
                        time.sleep(0.2)
                    assert pool.logins > logins, f"repetition {i}: the miner never logged in"
                    line = _wait_for_line(watch, f'"worker":"{worker}"', 30)
                finally:
                    stop_process(miner)
                    watch.send_signal(signal.SIGINT)
                    watch.communicate(timeout=30)
                assert line is not None, f"repetition {i}: no finding with the worker"
                event = json.loads(line)
                attrs = next(
                    e["attributes"]
                    for e in event["evidence"]
                    if e["attributes"].get("worker") == worker
                )
                assert attrs["wallet"] == TEST_WALLET and attrs["dialect"] == "xmrig"
                assert event["target"]["raddr"] == f"127.0.0.1:{pool.port}"
    finally:
        for p in busy:
            stop_process(p)


def test_watch_iface_reports_packets_the_kernel_dropped(tmp_path: Path) -> None:
    """A stalled watch with a small buffer loses packets: it says how many, as a skipped line."""
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.38", 53))  # DNS is in the capture selection; nothing answers
    watch = start_watch("lo", "--buffer-size", "1", "--duration", "6")
    try:
        watch.send_signal(signal.SIGSTOP)  # the reader stalls, the kernel ring fills
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for _ in range(4000):
                s.sendto(b"\0" * 1400, ("127.0.0.38", 53))
    finally:
        watch.send_signal(signal.SIGCONT)
        sink.close()
    out, err = watch.communicate(timeout=60)
    assert watch.returncode == 0, err
    skipped = [json.loads(ln) for ln in out.splitlines() if '"type":"skipped"' in ln]
    assert skipped and skipped[0]["target"] == "iface lo" and skipped[0]["source"] == "net.live"
    dropped = sum(int(s["reason"].split(" ", 1)[0]) for s in skipped)
    assert dropped > 0 and "dropped by the kernel" in err

"""`minehunt scan pcap` on captures of real loopback traffic made in this test session."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import pytest

from minehunt.model import Finding, Report, Severity
from tests.conftest import run_cli
from tests.net.conftest import CERT_POOL, DNS_POOL, POOL_SNI, TCP_DNS_POOL, World
from tests.net.peers import ETH_GETWORK_ADDR, GBT_ADDR
from tests.support.launch import TEST_WALLET

MINING_SERVERS = {
    "127.0.0.21": ("eth-proxy", "0x" + "5a" * 20, "rig7", None),
    "127.0.0.22": ("getwork-http", "1MinehuntTestAddrXXXXXXXXXXXXXXXX", "rig2", "cgminer/4.12.1"),
    "127.0.0.23": ("coinhive-ws", "SiteKeyMinehuntTest0123456789abc", "visitor42", "Chrome/120"),
    "127.0.0.24": ("webminerpool-ws", TEST_WALLET, "web1", "Mozilla/5.0"),
    "127.0.0.26": ("ethereum-stratum", "3MinehuntNicehashTestAddrXXXXXXX", "rig3", "NiceHashMiner"),
    "127.0.0.36": ("eth-proxy", ETH_GETWORK_ADDR, "rig9", None),  # eth_* over HTTP POST
    "127.0.0.37": ("getwork-http", GBT_ADDR, "solo1", "cpuminer/2.5.1"),  # getblocktemplate
    "127.0.0.19": ("xmrig", TEST_WALLET, "broken1", "XMRig/6.21.0"),
    "127.0.0.28": ("xmrig", TEST_WALLET, "tlsrig", "XMRig/6.21.0"),
}
BENIGN_SERVERS = ("127.0.0.41", "127.0.0.42", "127.0.0.43", "127.0.0.45", "127.0.0.46")
# The compiled pre-pass (net/capture/_prefilter.c) and, for installs without a compiler, libpcap's
# filter: every test of this module runs on both.
READERS = {"compiled": {}, "libpcap": {"MINEHUNT_PREFILTER": "off"}}


@pytest.fixture(scope="module", params=sorted(READERS))
def reader(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _scan(*paths: Path, reader: str, extra: tuple[str, ...] = ()) -> Report:
    result = run_cli(
        "scan",
        "pcap",
        *map(str, paths),
        "--format",
        "json",
        "--min-severity",
        "info",
        *extra,
        env=READERS[reader],
    )
    assert result.code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    return result.report


def _server(f: Finding) -> str:
    return (f.target.raddr or "").rsplit(":", 1)[0]


def _attrs(f: Finding, dialect: str) -> dict[str, object]:
    for e in f.evidence:
        if e.attributes.get("dialect") == dialect:
            return dict(e.attributes)
    raise AssertionError(f"no {dialect} evidence in {f}")


@pytest.fixture(scope="module")
def report(world: World, reader: str) -> Report:
    return _scan(world.pcap, reader=reader)


def test_the_compiled_prefilter_is_built() -> None:
    """scripts/test installs a C compiler, so the fast path is what these tests exercise."""
    from minehunt.net.capture import prefilter

    assert prefilter.library() is not None


def test_both_readers_give_the_same_verdicts_and_frames(world: World) -> None:
    def verdicts(report: Report) -> list[tuple[object, ...]]:
        out = []
        for f in report.findings:
            for e in f.evidence:
                a = e.attributes
                keys = ("dialect", "wallet", "worker", "agent", "first_frame", "evidence_frame")
                facts = tuple(a.get(k) for k in (*keys, "frame"))
                out.append((f.check_id, f.severity, f.target.raddr, e.check_id, *facts))
        return sorted(out, key=repr)

    compiled, libpcap = (_scan(world.pcap, reader=r) for r in ("compiled", "libpcap"))
    assert verdicts(compiled) == verdicts(libpcap)
    assert compiled.counters["packets_read"] > compiled.counters["packets_examined"]


def test_evidence_frames_are_the_frames_tshark_numbers(report: Report, world: World) -> None:
    f = next(f for f in report.findings if _server(f) == "127.0.0.19")
    frame = _attrs(f, "xmrig")["evidence_frame"]
    shown = subprocess.run(
        [
            *("tshark", "-n", "-r", str(world.pcap), "-Y", f"frame.number == {frame}"),
            *("-T", "fields", "-e", "ip.dst", "-e", "tcp.payload"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert shown[0] == "127.0.0.19" and b'"login"' in bytes.fromhex(shown[1])


@pytest.mark.parametrize("server", sorted(MINING_SERVERS))
def test_every_dialect_is_found_with_its_login(report: Report, server: str) -> None:
    dialect, wallet, worker, agent = MINING_SERVERS[server]
    found = [f for f in report.findings if _server(f) == server]
    assert len(found) == 1, [f.summary for f in report.findings]
    f = found[0]
    assert f.severity >= Severity.HIGH and f.check_id == "MH-NET-101"
    attrs = _attrs(f, dialect)
    assert attrs["wallet"] == wallet and attrs.get("worker") == worker
    if agent:
        assert agent in str(attrs["agent"])
    assert attrs["client"] and attrs["first_seen"] and attrs["packets"]
    assert isinstance(attrs["first_frame"], int) and isinstance(attrs["evidence_frame"], int)


def test_ethereum_getwork_over_http_is_one_session_per_client_and_pool(report: Report) -> None:
    """eth_submitLogin / eth_getWork / eth_submitWork in HTTP POST bodies over two keep-alive
    connections, the second one logging in by its URL path: one finding, every connection's
    evidence with the wallet, the work and the share."""
    (f,) = [f for f in report.findings if _server(f) == "127.0.0.36"]
    sessions = [e for e in f.evidence if e.check_id == "MH-NET-101"]
    assert len(sessions) == 2 and "(2 connections)" in f.summary
    assert {e.attributes["wallet"] for e in sessions} == {ETH_GETWORK_ADDR}
    assert {e.attributes["worker"] for e in sessions} == {"rig9"}
    assert sum(int(str(e.attributes["jobs"])) for e in sessions) >= 2
    assert sum(int(str(e.attributes["shares"])) for e in sessions) == 1


def test_getblocktemplate_over_http_is_solo_mining(report: Report) -> None:
    (f,) = [f for f in report.findings if _server(f) == "127.0.0.37"]
    attrs = _attrs(f, "getwork-http")
    assert attrs["jobs"] == 1 and attrs["shares"] == 1  # the template and a submitblock


def test_test_pool_sessions_carry_wallet_jobs_and_shares(report: Report, world: World) -> None:
    f = next(f for f in report.findings if f.target.raddr == f"127.0.0.1:{world.pool_port}")
    xmrig = _attrs(f, "xmrig")
    assert xmrig["wallet"] == TEST_WALLET and "XMRig/6.21.0" in str(xmrig["agent"])
    assert xmrig["jobs"] and xmrig["algorithm"] == "rx/0"
    assert any(e.attributes.get("dialect") == "stratum-v1" for e in f.evidence)


def test_stratum_through_aiostratum_proxy(report: Report, world: World) -> None:
    if not world.proxied:
        pytest.skip(f"aiostratum-proxy could not run: {world.proxy_error}")
    f = next(f for f in report.findings if _server(f) == "127.0.0.18")
    attrs = _attrs(f, "stratum-v1")
    assert attrs["wallet"] == "bc1qminehuntworker" and attrs["worker"] == "rig1"
    upstream = next(f for f in report.findings if f.target.raddr == f"127.0.0.1:{world.pool_port}")
    logins = {e.attributes.get("login") for e in upstream.evidence}
    assert "bc1qminehuntproxied.proxyrig" in logins  # the proxy's own pool login


def test_stratum_v2_names_its_pool(report: Report) -> None:
    f = next(f for f in report.findings if _server(f) == "127.0.0.25")
    attrs = _attrs(f, "stratum-v2")
    assert f.target.name == "pool.braiins.com" and attrs["worker"] == "worker9"
    assert "Bitmain" in str(attrs["agent"])


def test_tls_to_pool_sni_is_encrypted_mining(report: Report) -> None:
    f = next(f for f in report.findings if _server(f) == "127.0.0.27")
    assert f.check_id == "MH-NET-103" and f.target.name == POOL_SNI
    assert f.severity >= Severity.HIGH
    assert f.evidence[0].attributes["payload"] == "tls"


def test_pool_name_on_the_tls_certificate_is_encrypted_mining(report: Report) -> None:
    """A miner connecting by address without SNI; the TLS 1.2 certificate names the pool."""
    f = next(f for f in report.findings if _server(f) == "127.0.0.30")
    assert f.check_id == "MH-NET-103" and f.target.name == CERT_POOL
    assert f.severity >= Severity.HIGH
    attrs = f.evidence[0].attributes
    assert "sni" not in attrs and CERT_POOL in str(attrs["certificate_names"])


def test_dns_answer_attributes_a_later_tls_flow_to_the_pool(report: Report) -> None:
    f = next(f for f in report.findings if f.target.name == DNS_POOL)
    ids = {e.check_id for e in f.evidence}
    assert ids == {"MH-NET-102", "MH-NET-104"}
    assert _server(f) == "127.0.0.29" and f.severity >= Severity.HIGH
    dns = next(e for e in f.evidence if e.check_id == "MH-NET-102")
    assert dns.attributes["answers"] == "127.0.0.29" and isinstance(dns.attributes["frame"], int)


def test_dns_over_tcp_answer_attributes_the_later_flow(report: Report) -> None:
    f = next(f for f in report.findings if f.target.name == TCP_DNS_POOL)
    assert {e.check_id for e in f.evidence} == {"MH-NET-102", "MH-NET-104"}
    assert _server(f) == "127.0.0.31" and f.severity >= Severity.HIGH
    dns = next(e for e in f.evidence if e.check_id == "MH-NET-102")
    assert dns.attributes["answers"] == "127.0.0.31" and isinstance(dns.attributes["frame"], int)


def test_node_traffic_is_labelled_not_mining(report: Report) -> None:
    f = next(f for f in report.findings if _server(f) == "127.0.0.47")
    assert f.check_id == "MH-NET-107" and f.severity is Severity.INFO


def test_benign_traffic_stays_quiet(report: Report) -> None:
    for f in report.findings:
        assert _server(f) not in BENIGN_SERVERS, f.summary
        assert "example.org" not in (f.target.name or "")


def test_gzip_and_classic_pcap_give_the_same_findings(
    report: Report, world: World, tmp_path: Path, reader: str
) -> None:
    gz = tmp_path / "world.pcapng.gz"
    with open(world.pcap, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    classic = tmp_path / "world.pcap"
    subprocess.run(["editcap", "-F", "pcap", str(world.pcap), str(classic)], check=True)
    nsec = tmp_path / "world-nsec.pcap"
    subprocess.run(["editcap", "-F", "nsecpcap", str(world.pcap), str(nsec)], check=True)
    # Two pcapng sections back to back (what `cat a.pcapng b.pcapng` makes): each starts
    # its own interface list; frame numbers run on.
    sections = tmp_path / "two-sections.pcapng"
    sections.write_bytes(world.pcap.read_bytes() * 2)

    def pivots(r: Report) -> list[tuple[object, ...]]:
        out = []
        for f in r.findings:
            for e in f.evidence:
                when = (e.attributes.get("first_seen"), e.attributes.get("first_frame"))
                out.append((f.check_id, f.severity, f.target.raddr, *when))
        return sorted(out, key=repr)

    want = sorted((f.check_id, f.severity, f.target.raddr) for f in report.findings)
    for path in (gz, classic, nsec, sections):
        got = _scan(path, reader=reader)
        assert sorted((f.check_id, f.severity, f.target.raddr) for f in got.findings) == want
        assert not got.skipped
        if path in (gz, classic, nsec):  # same packets: same times and frame numbers
            assert pivots(got) == pivots(report), path.name


# --- hostile input ------------------------------------------------------------------------


def test_empty_and_non_capture_files_are_skipped(tmp_path: Path, reader: str) -> None:
    empty, text = tmp_path / "empty.pcap", tmp_path / "notes.pcap"
    empty.write_bytes(b"")
    text.write_text("not a capture\n")
    result = run_cli(
        "scan", "pcap", str(empty), str(text), "--format", "json", "--strict", env=READERS[reader]
    )
    assert result.code == 3, result.stderr
    reasons = {s.target: s.reason for s in result.report.skipped}
    assert reasons[str(empty)] == "empty file"
    assert "not a pcap or pcapng" in reasons[str(text)]
    assert "Traceback" not in result.stderr


def test_truncated_capture_keeps_earlier_findings(
    world: World, tmp_path: Path, reader: str
) -> None:
    data = world.pcap.read_bytes()
    cut = tmp_path / "cut.pcapng"
    cut.write_bytes(data[: len(data) - 300])  # ends inside the last blocks
    report = _scan(cut, reader=reader, extra=("--no-frames",))
    assert any(s.target == str(cut) and "read stopped" in s.reason for s in report.skipped)
    assert {_server(f) for f in report.findings} >= {"127.0.0.21", "127.0.0.26"}


def test_corrupt_block_is_a_skipped_partial_result(
    world: World, tmp_path: Path, reader: str
) -> None:
    data = bytearray(world.pcap.read_bytes())
    bad = tmp_path / "bad.pcapng"
    # Walk the pcapng blocks (type, total length) and corrupt the length of one 3/4 in.
    pos = 0
    while pos < len(data) * 3 // 4:
        pos += int.from_bytes(data[pos + 4 : pos + 8], "little")
    data[pos + 4 : pos + 8] = (0x7FFFFFF0).to_bytes(4, "little")
    bad.write_bytes(bytes(data))
    report = _scan(bad, reader=reader, extra=("--no-frames",))
    assert report.findings  # what came before the damage
    assert any(s.target == str(bad) for s in report.skipped)


def test_snaplen_cut_capture_says_payload_checks_are_partial(
    world: World, tmp_path: Path, reader: str
) -> None:
    short = tmp_path / "short.pcapng"
    subprocess.run(["editcap", "-s", "80", str(world.pcap), str(short)], check=True)
    report = _scan(short, reader=reader)
    assert any("snap length" in s.reason for s in report.skipped)
    assert not [f for f in report.findings if _server(f) in BENIGN_SERVERS]


def test_capture_of_only_fragments(tmp_path: Path) -> None:
    """Real fragmented UDP inside a private network namespace (loopback MTU 1280)."""
    if shutil.which("ip") is None or shutil.which("tcpdump") is None:
        pytest.skip("needs iproute2 and tcpdump")
    ns = f"mhfrag{id(tmp_path) % 10000}"
    out = tmp_path / "frags.pcap"
    script = (
        "ip link set lo mtu 1280 up; "
        f"tcpdump -i lo -U -w {out} 'ip[6:2] & 0x3fff != 0' 2>/dev/null & P=$!; sleep 1; "
        'python3 -c "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); '
        '[s.sendto(b\'{\\"method\\":\\"login\\"}\' * 400, (\'127.0.0.1\', 3333)) for _ in range(5)]"; '
        "sleep 1; kill $P; wait $P"
    )
    created = subprocess.run(["ip", "netns", "add", ns], capture_output=True)
    if created.returncode != 0:
        pytest.skip(f"cannot create a network namespace: {created.stderr.decode().strip()}")
    try:
        subprocess.run(["ip", "netns", "exec", ns, "sh", "-c", script], check=True, timeout=30)
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)
    result = run_cli("scan", "pcap", str(out), "--format", "json")
    assert result.code == 0 and "Traceback" not in result.stderr
    assert any("only IP fragments" in s.reason for s in result.report.skipped)


DATA = Path(__file__).parent / "data"


def test_a_timestamp_in_year_518069_does_not_abort_the_scan(reader: str) -> None:
    """A mutated public capture: pcapng timestamps of year 518069 (beyond `datetime`).

    The scan used to end in ``ValueError: year 518069 is out of range``, losing every finding.
    The file holds an XMRig login to 10.1.2.3:3333 whose packets carry that time.
    """
    report = _scan(DATA / "year-518069.pcapng", reader=reader)
    (finding,) = report.findings
    attrs = _attrs(finding, "xmrig")
    assert attrs["wallet"] == TEST_WALLET and attrs["worker"] == "rig518069"
    if reader == "compiled":  # libpcap keeps only 32 bits of seconds in its batch records
        assert str(attrs["first_seen"]).startswith("+518069-03-14T00:00:00")
        assert str(attrs["last_seen"]).startswith("+518069-03-14T00:00:01")

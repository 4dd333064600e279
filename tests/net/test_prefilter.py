"""The compiled capture pre-pass (net/capture/_prefilter.c) on damaged captures: a reason, never a crash.

The walker is C reading untrusted files, so it is fuzzed here in-process: a memory error would
take the test run down with it.
"""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minehunt import intel
from minehunt.net.capture import prefilter
from minehunt.net.capture.pcapfile import CaptureError
from tests.conftest import run_cli
from tests.net.conftest import World

MAX_CAPLEN = 256 * 1024


@pytest.fixture(scope="module")
def lib() -> object:
    lib = prefilter.library()
    if lib is None:
        pytest.fail("the compiled pre-pass is not built (scripts/test installs gcc)")
    return lib


@pytest.fixture(scope="module")
def captures(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    classic = tmp_path_factory.mktemp("classic") / "world.pcap"
    subprocess.run(["editcap", "-F", "pcap", str(world.pcap), str(classic)], check=True)
    return {"pcapng": world.pcap.read_bytes(), "pcap": classic.read_bytes()}


def _read(lib: object, path: Path) -> tuple[list[prefilter.Candidate], list[str], int]:
    pre = prefilter.Prefilter(lib, sorted(intel.default().mining_ports))  # type: ignore[arg-type]
    errors: list[str] = []
    got = [c for batch in pre.read(path, errors.append) for c in batch]
    return got, errors, pre.frames


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_damaged_captures_end_with_a_reason_never_a_crash(
    lib: object, captures: dict[str, bytes], tmp_path: Path, data: st.DataObject
) -> None:
    kind = data.draw(st.sampled_from(sorted(captures)))
    raw = bytearray(captures[kind])
    for _ in range(data.draw(st.integers(0, 12))):
        at = data.draw(st.integers(4, len(raw) - 1))  # keep the magic: damage, not a non-capture
        raw[at] = data.draw(st.integers(0, 255))
    raw = raw[: data.draw(st.integers(4, len(raw)))]
    path = tmp_path / f"damaged.{kind}"
    path.write_bytes(raw)
    try:
        got, errors, frames = _read(lib, path)
    except CaptureError:
        return
    numbers = [c[0] for c in got]
    assert len(set(numbers)) == len(numbers)  # each frame handed over once
    assert all(1 <= n <= frames for n in numbers)
    assert all(len(c[3]) <= MAX_CAPLEN for c in got)
    assert len(errors) <= 1


def test_undamaged_captures_read_to_the_end(
    lib: object, captures: dict[str, bytes], tmp_path: Path
) -> None:
    counts = set()
    for kind, raw in captures.items():
        path = tmp_path / f"whole.{kind}"
        path.write_bytes(raw)
        got, errors, frames = _read(lib, path)
        assert not errors and got
        counts.add((frames, len(got)))
    assert len(counts) == 1  # pcap and pcapng of the same packets: same frames, same picks


def test_a_huge_record_length_stops_the_walk_after_the_packets_before_it(
    lib: object, captures: dict[str, bytes], tmp_path: Path
) -> None:
    raw = bytearray(captures["pcap"])
    pos, records = 24, 0
    while pos < len(raw) * 2 // 3:
        pos += 16 + struct.unpack_from("<I", raw, pos + 8)[0]
        records += 1
    struct.pack_into("<I", raw, pos + 8, 0x7FFFFFF0)
    path = tmp_path / "huge.pcap"
    path.write_bytes(raw)
    got, errors, frames = _read(lib, path)
    assert errors == [f"invalid packet capture length {0x7FFFFFF0}"]
    assert frames == records and got and max(c[0] for c in got) <= records


ORDINARY_NAMES = [f"host{i}.example.org" for i in range(40)] + [
    f"cdn{i}.example.net" for i in range(20)
]


@pytest.fixture(scope="module")
def dns_capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real dnsmasq look-ups on lo: 120 ordinary ones, and three that name a pool (directly,
    in other letter case, and through an ordinary-looking CNAME)."""
    from tests.net import peers
    from tests.net.conftest import capture

    tmp = tmp_path_factory.mktemp("dns")
    pcap = tmp / "dns.pcapng"
    hosts = {name: "127.0.0.60" for name in ORDINARY_NAMES}
    hosts |= {"gulf.moneroocean.stream": "127.0.0.61", "pool.supportxmr.com": "127.0.0.62"}
    cnames = {"stats.example.com": "pool.supportxmr.com"}
    with capture("lo", "host 127.0.0.54", pcap), peers.dnsmasq("127.0.0.54", hosts, tmp, cnames):
        for i, name in enumerate(ORDINARY_NAMES * 2):
            assert peers.dns_query("127.0.0.54", name, 0x2000 + i) == ["127.0.0.60"]
        assert peers.dns_query("127.0.0.54", "GULF.MoneroOcean.Stream", 0x3001) == ["127.0.0.61"]
        assert peers.dns_query("127.0.0.54", "stats.example.com", 0x3002) == ["127.0.0.62"]
    return pcap


def test_ordinary_dns_stays_in_the_compiled_prepass(lib: object, dns_capture: Path) -> None:
    """Only messages that can name a pool reach Python: the pool query and its answer, the
    answer whose CNAME is a pool (not the query, which names an ordinary host)."""
    pools = intel.default().pool_domains
    pre = prefilter.Prefilter(lib, [], pools)  # type: ignore[arg-type]
    errors: list[str] = []
    got = [c for batch in pre.read(dns_capture, errors.append) for c in batch]
    assert not errors
    seen, handed = pre.dns_counts
    assert seen >= 2 * (2 * len(ORDINARY_NAMES) + 2)  # dnsmasq's start-up probe comes too
    assert handed == len(got) == 3
    from minehunt.net.dns import parse

    names = sorted(
        (m.response, m.questions[0].lower())
        for c in got
        if (m := parse(c[3][14 + 20 + 8 :])) is not None  # Ethernet (lo), IPv4, UDP
    )
    assert names == [
        (False, "gulf.moneroocean.stream"),
        (True, "gulf.moneroocean.stream"),
        (True, "stats.example.com"),
    ]
    # Without pool names (no intel) every DNS message is handed over, as before.
    everything = prefilter.Prefilter(lib, [])  # type: ignore[arg-type]
    assert sum(len(b) for b in everything.read(dns_capture, errors.append)) == seen


def test_dns_verdicts_are_the_same_from_both_readers(dns_capture: Path) -> None:
    """The pool look-ups give their findings whether the pre-pass or Python filtered DNS."""
    reports = {}
    for reader, env in (("compiled", {}), ("libpcap", {"MINEHUNT_PREFILTER": "off"})):
        r = run_cli(
            "scan", "pcap", str(dns_capture), "-f", "json", "--min-severity", "info", env=env
        )
        assert r.code == 1, r.stderr
        reports[reader] = sorted(
            (f.check_id, f.target.name or "", f.summary) for f in r.report.findings
        )
    assert reports["compiled"] == reports["libpcap"]
    names = {name for _, name, _ in reports["compiled"]}
    assert {"gulf.moneroocean.stream", "stats.example.com"} <= {n.lower() for n in names}

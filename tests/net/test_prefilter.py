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

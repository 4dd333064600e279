"""File readers at their limits: archive member count and expansion budget, the WebAssembly
module cap and the deobfuscator's input cap. Each stops with the limit named; what came
before it is kept."""

from __future__ import annotations

import io
import os
import zipfile

from minehunt.files.archives import ArchiveLimits, Budget, Member, Unreadable, members
from minehunt.files.sniff import FileType
from minehunt.web.deobfuscate import MAX_INPUT, deobfuscate
from minehunt.web.wasm import analyse
from minehunt.web.wasm.binary import MAX_MODULE_BYTES

WASM_HEAD = b"\0asm\x01\0\0\0"


def _zip(entries: dict[str, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    buf.seek(0)
    return buf


def test_members_over_the_count_limit_are_skipped_with_the_limit_named() -> None:
    limits = ArchiveLimits()
    n = limits.max_members + 1
    items = list(
        members(
            _zip({f"m{i}.txt": b"x" for i in range(n)}), FileType.ZIP, "a.zip", limits, Budget()
        )
    )
    read = [m for m in items if isinstance(m, Member)]
    stops = [m for m in items if isinstance(m, Unreadable)]
    assert len(read) == limits.max_members
    assert [s.reason for s in stops] == [
        f"more than {limits.max_members} members; the rest were not scanned"
    ]


def test_the_expansion_budget_stops_an_archive_and_keeps_what_came_before() -> None:
    # Incompressible members (no bomb ratio), past a budget set just below their sum.
    limits = ArchiveLimits(max_expansion=3 << 20)
    data = {f"m{i}.bin": os.urandom(1 << 20) for i in range(4)}
    items = list(members(_zip(data), FileType.ZIP, "a.zip", limits, Budget()))
    read = [m for m in items if isinstance(m, Member)]
    (stop,) = [m for m in items if isinstance(m, Unreadable)]
    assert len(read) == 3 and "limit 3 MiB" in stop.reason and "bomb" in stop.reason


def test_a_wasm_module_over_the_cap_is_invalid_with_the_cap_named() -> None:
    v = analyse(WASM_HEAD + b"\0" * (MAX_MODULE_BYTES - len(WASM_HEAD) + 1))
    assert v.kind.name == "INVALID"
    assert v.error is not None and f"over the {MAX_MODULE_BYTES} byte cap" in v.error


def test_a_script_over_the_deobfuscator_input_cap_is_left_as_it_is_and_said_so() -> None:
    body = "var _0x1=['\\x63\\x6f\\x69\\x6e\\x68\\x69\\x76\\x65'];" * 8
    big = body + " " * (MAX_INPUT + 1 - len(body))
    d = deobfuscate(big)
    assert d.text == big and not d.changed and not d.complete
    small = deobfuscate(body)
    assert small.complete

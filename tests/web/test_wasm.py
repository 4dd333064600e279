"""The WASM analyser on real modules: the CryptoNight miner vs. benign hashing libraries."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from minehunt.model import Confidence
from minehunt.web.wasm import WasmKind, analyse
from minehunt.web.wasm.binary import parse
from tests.web.miner.build import MinerBuild

NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"


def _hash_wasm_modules() -> list[bytes]:
    """Every module hash-wasm ships, base64-inlined in its UMD bundle."""
    text = (NODE_MODULES / "hash-wasm/dist/index.umd.min.js").read_text()
    return [base64.b64decode(m) for m in re.findall(r"AGFzbQ[A-Za-z0-9+/=]+", text)]


def test_named_miner_module_is_cryptonight(miner: MinerBuild) -> None:
    v = analyse(miner.wasm.read_bytes())
    assert v.kind is WasmKind.MINER and v.algorithm == "cryptonight"
    assert v.confidence is Confidence.HIGH
    assert {"keccak", "aes", "groestl", "jh", "skein", "blake256"} <= set(v.primitives)
    assert v.scratchpad and v.hashing_loops > 0
    assert "MH-YARA-062" in v.rule_ids  # its exports name cryptonight_hash


def test_renamed_stripped_miner_is_still_cryptonight(miner: MinerBuild) -> None:
    data = miner.wasm_renamed.read_bytes()
    module = parse(data)
    assert {e.name for e in module.exports} >= {"a", "b", "d"}
    assert not any("crypto" in e.name or "hash" in e.name for e in module.exports)
    v = analyse(data)
    assert v.kind is WasmKind.MINER and v.algorithm == "cryptonight"
    assert v.confidence is Confidence.HIGH
    assert v.module is not None and v.module.opcodes.get("i64.mul", 0) > 0
    assert v.attributes()["wasm_verdict"] == "miner"


def test_argon2_browser_is_benign_hashing() -> None:
    for name in ("argon2.wasm", "argon2-simd.wasm"):
        v = analyse((NODE_MODULES / "argon2-browser/dist" / name).read_bytes())
        assert v.kind is WasmKind.HASHING, v.summary()
        assert v.algorithm == "argon2"


def test_hash_wasm_modules_are_never_miners() -> None:
    modules = _hash_wasm_modules()
    assert len(modules) > 10
    verdicts = [analyse(m) for m in modules]
    assert not [v.summary() for v in verdicts if v.kind is WasmKind.MINER]
    found = {p for v in verdicts for p in v.primitives}
    assert {"keccak", "sha256", "blake2b"} <= found  # it does hash: just not mining


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00asm",
        b"\x00asm\x01\x00\x00\x00\x0a\xff\xff\xff\xff\x0f",  # section longer than the module
        b"\x00asm\x01\x00\x00\x00" + bytes(range(256)) * 8,
        b"not wasm at all",
    ],
)
def test_garbage_is_invalid_not_an_exception(data: bytes) -> None:
    assert analyse(data).kind in (WasmKind.INVALID, WasmKind.NONE)


def test_deeply_nested_blocks_do_not_crash() -> None:
    # one function whose body is 5,000 nested blocks: deeper than Python's recursion limit
    depth = 5000
    body = b"\x00" + b"\x02\x40" * depth + b"\x0b" * depth + b"\x0b"
    code = bytes([1]) + _leb(len(body)) + body
    module = (
        b"\x00asm\x01\x00\x00\x00"
        + b"\x01\x04\x01\x60\x00\x00"  # type: () -> ()
        + b"\x03\x02\x01\x00"  # one function of type 0
        + b"\x0a"
        + _leb(len(code))
        + code
    )
    assert analyse(module).kind in (WasmKind.INVALID, WasmKind.NONE)


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def test_oversized_code_keeps_table_fingerprints(
    miner: MinerBuild, monkeypatch: pytest.MonkeyPatch
) -> None:
    from minehunt.web.wasm import binary as wasm_binary

    monkeypatch.setattr(wasm_binary, "MAX_CODE_BYTES", 1024)
    v = analyse(miner.wasm_renamed.read_bytes())
    assert v.module is not None and not v.module.bodies_decoded
    assert v.kind is WasmKind.MINER and v.algorithm == "cryptonight"
